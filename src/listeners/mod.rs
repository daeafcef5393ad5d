//! The listeners of a source and how an event reaches them: the registry (listeners per event
//! type, for every event, for states and errors), dispatch (which survives listeners closing
//! the source), the [`Event`](event::Event) type, and typed unions of named events. Below the
//! shell, which delivers to them; beside the transports, which they never name.

pub(crate) mod dispatch;
pub(crate) mod event;
pub(crate) mod registry;
pub(crate) mod union;
