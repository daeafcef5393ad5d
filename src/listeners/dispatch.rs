//! The listener registry: event type -> listeners, called without holding any borrow.
//!
//! A user callback may do anything to the source that called it: add or remove listeners, close
//! it, drop it. So a listener is taken out of its slot while it runs and put back afterwards (if it
//! was not removed meanwhile), and slots are only compacted when no dispatch is under way. Nothing
//! on this path allocates.

use std::cell::{Cell, OnceCell};

use crate::cell::Shared;
use std::rc::Rc;

use web_sys::MessageEvent;

use crate::listeners::event::Meta;
use crate::Event;

/// Identifies one registered listener, for removal.
pub(crate) type ListenerId = u64;

/// A type-erased listener.
pub(crate) type Handler<A> = Box<dyn FnMut(&A)>;

struct Slot<A: ?Sized> {
    id: ListenerId,
    /// `None` while the listener runs, or once it is removed.
    handler: Option<Handler<A>>,
    removed: bool,
}

/// Listeners that all receive the same argument, in registration order.
pub(crate) struct ListenerList<A: ?Sized> {
    slots: Shared<Vec<Slot<A>>>,
    /// Nesting depth of `emit`: removals during a dispatch only mark their slot.
    depth: Cell<u32>,
}

impl<A: ?Sized> Default for ListenerList<A> {
    fn default() -> Self {
        Self {
            slots: Shared::new(Vec::new()),
            depth: Cell::new(0),
        }
    }
}

impl<A: ?Sized> ListenerList<A> {
    pub(crate) fn add(&self, id: ListenerId, handler: Handler<A>) {
        self.slots.borrow_mut().push(Slot {
            id,
            handler: Some(handler),
            removed: false,
        });
    }

    /// Removes one listener; returns whether it was there. Its closure is dropped after the
    /// borrow is released, so a `Drop` that re-enters the source is safe.
    pub(crate) fn remove(&self, id: ListenerId) -> bool {
        let dropped = {
            let mut slots = self.slots.borrow_mut();
            let Some(slot) = slots.iter_mut().find(|s| s.id == id && !s.removed) else {
                return false;
            };
            slot.removed = true;
            let handler = slot.handler.take();
            // Outside a dispatch no other slot is marked: this drops just this one.
            if self.depth.get() == 0 {
                slots.retain(|s| !s.removed);
            }
            handler
        };
        drop(dropped);
        true
    }

    /// Removes every listener (dropping their closures, and so ending their streams).
    pub(crate) fn clear(&self) {
        let dropped: Vec<_> = {
            let mut slots = self.slots.borrow_mut();
            if self.depth.get() == 0 {
                slots.drain(..).filter_map(|s| s.handler).collect()
            } else {
                slots
                    .iter_mut()
                    .filter_map(|s| {
                        s.removed = true;
                        s.handler.take()
                    })
                    .collect()
            }
        };
        drop(dropped);
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.slots.borrow().iter().all(|s| s.removed)
    }

    /// Calls every listener registered before the call began.
    pub(crate) fn emit(&self, arg: &A) {
        let len = self.slots.borrow().len();
        if len == 0 {
            return;
        }
        self.depth.set(self.depth.get() + 1);
        for i in 0..len {
            let taken = {
                let mut slots = self.slots.borrow_mut();
                slots
                    .get_mut(i)
                    .and_then(|s| s.handler.take().map(|h| (s.id, h)))
            };
            let Some((id, mut handler)) = taken else {
                continue;
            };
            handler(arg);
            let mut slots = self.slots.borrow_mut();
            // Slots are not compacted while depth > 0, so the listener is still at `i`.
            match slots.get_mut(i) {
                Some(slot) if slot.id == id && !slot.removed => slot.handler = Some(handler),
                _ => {
                    drop(slots);
                    drop(handler);
                }
            }
        }
        let depth = self.depth.get() - 1;
        self.depth.set(depth);
        if depth == 0 {
            self.slots.borrow_mut().retain(|s| !s.removed);
        }
    }
}

/// One event on its way to the listeners of its type.
pub(crate) struct Incoming {
    pub(crate) event_type: Rc<str>,
    meta: Meta,
    /// The data as Rust text, shared by every Rust listener: copied out of JS on first use only
    /// (native), or from the parser's buffer (fetch). Either way into a buffer reused across
    /// events.
    text: OnceCell<String>,
}

impl Incoming {
    /// An event of the browser's `EventSource`.
    pub(crate) fn native(event: MessageEvent, event_type: Rc<str>, carried_id: Rc<str>) -> Self {
        Self {
            event_type,
            meta: Meta::Native { event, carried_id },
            text: OnceCell::new(),
        }
    }

    /// An event parsed by typed-sse.
    pub(crate) fn parsed(
        event_type: Rc<str>,
        data: &str,
        last_event_id: Rc<str>,
        origin: Rc<str>,
    ) -> Self {
        Self {
            event_type,
            meta: Meta::Parsed {
                last_event_id,
                origin,
            },
            text: OnceCell::from(crate::web::text::reused_copy(data)),
        }
    }

    /// The event's data as Rust text.
    pub(crate) fn text(&self) -> &str {
        self.text.get_or_init(|| match &self.meta {
            Meta::Native { event, .. } => crate::web::text::event_text(event).unwrap_or_default(),
            Meta::Parsed { .. } => String::new(),
        })
    }

    /// Ends the dispatch: the text's buffer goes back for the next event. Returns the browser's
    /// event, whose id the shell reads when it needs it.
    pub(crate) fn finish(self) -> Option<MessageEvent> {
        if let Some(text) = self.text.into_inner() {
            crate::web::text::recycle(text);
        }
        match self.meta {
            Meta::Native { event, .. } => Some(event),
            Meta::Parsed { .. } => None,
        }
    }

    /// An [`Event`] carrying `data` and this event's metadata.
    pub(crate) fn event<T>(&self, data: T) -> Event<T> {
        Event {
            data,
            event_type: self.event_type.clone(),
            meta: self.meta.clone(),
        }
    }
}

/// The listeners of one event type.
pub(crate) struct TypeEntry {
    pub(crate) name: Rc<str>,
    pub(crate) listeners: Rc<ListenerList<Incoming>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    type Log = Rc<std::cell::RefCell<Vec<String>>>;

    fn logger(log: &Log, name: &'static str) -> Box<dyn FnMut(&u32)> {
        let log = log.clone();
        Box::new(move |n| log.borrow_mut().push(format!("{name}{n}")))
    }

    #[test]
    fn calls_in_order_and_removes() {
        let list = ListenerList::<u32>::default();
        let log = Log::default();
        list.add(1, logger(&log, "a"));
        list.add(2, logger(&log, "b"));
        list.emit(&1);
        assert!(list.remove(1));
        assert!(!list.remove(1));
        list.emit(&2);
        assert_eq!(*log.borrow(), ["a1", "b1", "b2"]);
    }

    #[test]
    fn a_listener_can_remove_itself_and_others_during_dispatch() {
        let list = Rc::new(ListenerList::<u32>::default());
        let log = Log::default();
        let weak = Rc::downgrade(&list);
        let l = log.clone();
        list.add(
            1,
            Box::new(move |n| {
                l.borrow_mut().push(format!("a{n}"));
                let list = weak.upgrade().unwrap();
                list.remove(1);
                list.remove(2);
            }),
        );
        list.add(2, logger(&log, "b"));
        list.add(3, logger(&log, "c"));
        list.emit(&1);
        list.emit(&2);
        assert_eq!(*log.borrow(), ["a1", "c1", "c2"]);
        assert!(!list.is_empty());
    }

    #[test]
    fn listeners_added_during_dispatch_wait_for_the_next_event() {
        let list = Rc::new(ListenerList::<u32>::default());
        let log = Log::default();
        let weak = Rc::downgrade(&list);
        let l = log.clone();
        list.add(
            1,
            Box::new(move |n| {
                l.borrow_mut().push(format!("a{n}"));
                if *n == 1 {
                    weak.upgrade().unwrap().add(2, logger(&l, "new"));
                }
            }),
        );
        list.emit(&1);
        list.emit(&2);
        assert_eq!(*log.borrow(), ["a1", "a2", "new2"]);
    }

    #[test]
    fn clear_during_dispatch_stops_the_rest() {
        let list = Rc::new(ListenerList::<u32>::default());
        let log = Log::default();
        let weak = Rc::downgrade(&list);
        list.add(1, Box::new(move |_| weak.upgrade().unwrap().clear()));
        list.add(2, logger(&log, "b"));
        list.emit(&1);
        assert!(log.borrow().is_empty());
        assert!(list.is_empty());
    }
}
