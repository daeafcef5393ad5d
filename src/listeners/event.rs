//! [`Event`]: one decoded server-sent event and what came with it.

use std::rc::Rc;

use web_sys::MessageEvent;

/// One server-sent event, its data decoded into `T`.
///
/// With the native transport the metadata is read from the browser's event only when asked
/// for, so building an `Event` costs nothing beyond the decoded data.
#[derive(Clone)]
pub struct Event<T> {
    /// The decoded data.
    pub data: T,
    pub(crate) event_type: Rc<str>,
    pub(crate) meta: Meta,
}

/// Where an event's id and origin come from.
#[derive(Clone, Debug)]
pub(crate) enum Meta {
    /// The browser's event (native transport). `carried_id` is the last event id of earlier
    /// connections: what `lastEventId` means on a new connection whose events carry no id.
    Native {
        event: MessageEvent,
        carried_id: Rc<str>,
    },
    /// Parsed by typed-sse (fetch transport).
    Parsed {
        last_event_id: Rc<str>,
        origin: Rc<str>,
    },
}

impl<T> Event<T> {
    /// The event type: the `event:` field, or `message` when the server sent none.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The last event id seen on this source: the `id:` field of this event or of an earlier one
    /// (empty when the server never sent one). This is what a reconnect resumes from.
    pub fn last_event_id(&self) -> String {
        match &self.meta {
            Meta::Native { event, carried_id } => {
                let id = event.last_event_id();
                if id.is_empty() {
                    String::from(&**carried_id)
                } else {
                    id
                }
            }
            Meta::Parsed { last_event_id, .. } => String::from(&**last_event_id),
        }
    }

    /// The origin of the stream that sent the event, e.g. `http://127.0.0.1:8080`.
    pub fn origin(&self) -> String {
        match &self.meta {
            Meta::Native { event, .. } => event.origin(),
            Meta::Parsed { origin, .. } => String::from(&**origin),
        }
    }

    /// The browser's own `MessageEvent`, with the native transport; `None` with the fetch
    /// transport, which parses the stream itself.
    pub fn native(&self) -> Option<&MessageEvent> {
        match &self.meta {
            Meta::Native { event, .. } => Some(event),
            Meta::Parsed { .. } => None,
        }
    }

    /// Takes the decoded data out of the event.
    pub fn into_data(self) -> T {
        self.data
    }

    /// Maps the data, keeping the metadata.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Event<U> {
        Event {
            data: f(self.data),
            event_type: self.event_type,
            meta: self.meta,
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Event<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event")
            .field("event_type", &self.event_type)
            .field("data", &self.data)
            .finish_non_exhaustive()
    }
}
