//! The listeners of one source: per event type, for every event, for states and for errors.
//! The shell delivers to them; the Rust API and the JS API add and remove them.

use std::cell::Cell;

use crate::cell::Shared;
use std::rc::Rc;

use crate::listeners::dispatch::{Handler, Incoming, ListenerId, ListenerList, TypeEntry};
use crate::{State, StreamError};

/// Every listener of one source.
#[derive(Default)]
pub(crate) struct Registry {
    types: Shared<Vec<TypeEntry>>,
    catch_all: ListenerList<Incoming>,
    comments: ListenerList<str>,
    states: ListenerList<State>,
    errors: ListenerList<StreamError>,
    next_id: Cell<ListenerId>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

impl Registry {
    pub(crate) fn next_listener_id(&self) -> ListenerId {
        let id = self.next_id.get() + 1;
        self.next_id.set(id);
        id
    }

    /// The listener list of `name`, and its index if it was created by this call (a live
    /// connection must then start listening for it).
    pub(crate) fn type_listeners(&self, name: &str) -> (Rc<ListenerList<Incoming>>, Option<usize>) {
        let mut types = self.types.borrow_mut();
        if let Some(entry) = types.iter().find(|t| &*t.name == name) {
            return (entry.listeners.clone(), None);
        }
        let listeners = Rc::new(ListenerList::default());
        types.push(TypeEntry {
            name: Rc::from(name),
            listeners: listeners.clone(),
        });
        (listeners, Some(types.len() - 1))
    }

    /// The event type registered at `index` and its listeners.
    pub(crate) fn entry(&self, index: usize) -> Option<(Rc<str>, Rc<ListenerList<Incoming>>)> {
        let types = self.types.borrow();
        let entry = types.get(index)?;
        Some((entry.name.clone(), entry.listeners.clone()))
    }

    /// The listeners of event type `name`, if any were ever added (the fetch transport's lookup;
    /// a source listens for a handful of types).
    pub(crate) fn find(&self, name: &str) -> Option<(Rc<str>, Rc<ListenerList<Incoming>>)> {
        let types = self.types.borrow();
        let entry = types.iter().find(|t| &*t.name == name)?;
        Some((entry.name.clone(), entry.listeners.clone()))
    }

    /// The registered event types, in index order.
    pub(crate) fn type_names(&self) -> Vec<Rc<str>> {
        self.types.borrow().iter().map(|t| t.name.clone()).collect()
    }

    pub(crate) fn add_catch_all(&self, handler: Handler<Incoming>) -> ListenerId {
        let id = self.next_listener_id();
        self.catch_all.add(id, handler);
        id
    }

    pub(crate) fn add_comment_listener(&self, handler: Handler<str>) -> ListenerId {
        let id = self.next_listener_id();
        self.comments.add(id, handler);
        id
    }

    pub(crate) fn add_state_listener(&self, handler: Handler<State>) -> ListenerId {
        let id = self.next_listener_id();
        self.states.add(id, handler);
        id
    }

    pub(crate) fn add_error_listener(&self, handler: Handler<StreamError>) -> ListenerId {
        let id = self.next_listener_id();
        self.errors.add(id, handler);
        id
    }

    /// Removes a listener of any kind by id (from every type it listens to: a typed union
    /// listens to several under one id).
    pub(crate) fn remove(&self, id: ListenerId) -> bool {
        let typed = self
            .lists()
            .iter()
            .fold(false, |found, l| l.remove(id) | found);
        typed
            || self.catch_all.remove(id)
            || self.comments.remove(id)
            || self.states.remove(id)
            || self.errors.remove(id)
    }

    pub(crate) fn catch_all(&self, incoming: &Incoming) {
        self.catch_all.emit(incoming);
    }

    pub(crate) fn comment(&self, text: &str) {
        self.comments.emit(text);
    }

    pub(crate) fn state_changed(&self, state: &State) {
        self.states.emit(state);
    }

    pub(crate) fn report(&self, error: &StreamError) {
        self.errors.emit(error);
    }

    /// Removes every listener (dropping their closures, which ends their streams).
    pub(crate) fn clear(&self) {
        for list in self.lists() {
            list.clear();
        }
        self.catch_all.clear();
        self.comments.clear();
        self.states.clear();
        self.errors.clear();
    }

    /// The per-type lists, taken out of the borrow so that a listener's `Drop` may re-enter.
    fn lists(&self) -> Vec<Rc<ListenerList<Incoming>>> {
        self.types
            .borrow()
            .iter()
            .map(|t| t.listeners.clone())
            .collect()
    }
}
