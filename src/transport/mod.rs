//! Transports: each opens one connection, reports what it sees to a [`Sink`], and owns (and
//! releases on drop) every closure it hands to the browser. The machine decides what a report
//! means; the shell carries the reports to it.
//!
//! Today there is one, the browser's native `EventSource` ([`native`]), whose failures are
//! explained by a one-request [`probe`]. A transport that sees the response itself (`fetch`)
//! reports [`Failure::Rejected`] with the head and needs no probe; it takes request headers and
//! a body in [`Request`], next to the URL and the resume point.

pub(crate) mod native;
pub(crate) mod probe;

use web_sys::MessageEvent;

use crate::machine::{ConnId, Failure};

/// What the shell asks a transport to open. A transport that can send headers (fetch) adds the
/// resume point here, for `Last-Event-ID`, with the method, headers and body.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    /// The URL, resume parameter included when the settings ask for one.
    pub(crate) url: &'a str,
    pub(crate) with_credentials: bool,
}

/// Where a transport reports what its connection sees. The shell implements it; a transport
/// holds it through a `Weak`, so the browser holding a transport's closure keeps nothing alive.
pub(crate) trait Sink {
    /// The server accepted the stream.
    fn opened(&self, conn: ConnId);
    /// An event of the type registered at `index` arrived.
    fn event(&self, conn: ConnId, index: usize, event: MessageEvent);
    /// The connection ended.
    fn failed(&self, conn: ConnId, failure: Failure);
}

/// Listeners that attach themselves to each native `EventSource` and run outside wasm (the JS
/// API's, in `glue.js`), so an event reaches them without a call into wasm. The shell reads
/// their counters only when it needs them: an idle tick, a failure, a resume.
pub(crate) trait Attached {
    /// Starts listening on a new connection (after `detach` from the previous one).
    fn attach(&self, source: &web_sys::EventSource);
    /// Stops listening on the current connection.
    fn detach(&self);
    /// Removes every listener for good: the source closed.
    fn clear(&self);
    /// Events delivered so far (wrapping).
    fn activity(&self) -> u32;
    /// The latest event delivered on the current connection.
    fn last_event(&self) -> Option<MessageEvent>;
}
