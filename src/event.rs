//! [`Event`]: one decoded server-sent event and what came with it.

use std::rc::Rc;

/// One server-sent event, its data decoded into `T`.
///
/// The event type, last event id and origin are shared with the connection (`Rc<str>`), so
/// building an `Event` allocates nothing beyond the decoded data.
#[derive(Clone, Debug, PartialEq)]
pub struct Event<T> {
    /// The decoded data.
    pub data: T,
    pub(crate) event_type: Rc<str>,
    pub(crate) last_event_id: Rc<str>,
    pub(crate) origin: Rc<str>,
}

impl<T> Event<T> {
    /// The event type: the `event:` field, or `message` when the server sent none.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The last event id seen on this source (the `id:` field of this event or of an earlier one;
    /// empty when the server never sent one). This is what a reconnect resumes from.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The origin of the stream that sent the event, e.g. `http://127.0.0.1:8080`.
    pub fn origin(&self) -> &str {
        &self.origin
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
            last_event_id: self.last_event_id,
            origin: self.origin,
        }
    }
}
