//! Transports: each opens one connection, reports what it sees to a [`Sink`], and owns (and
//! releases on drop) every closure it hands to the browser. The machine decides what a report
//! means; the shell carries the reports to it.
//!
//! Today there is one, the browser's native `EventSource` ([`native`]), whose failures are
//! explained by a one-request [`probe`]. A transport that sees the response itself (`fetch`)
//! reports [`Failure::Rejected`] with the head and needs no probe; it takes request headers and
//! a body in [`Request`], next to the URL and the resume point.

pub(crate) mod fetch;
pub(crate) mod native;
pub(crate) mod probe;
pub(crate) mod shared;

use web_sys::MessageEvent;

use crate::machine::{parse_retry_after, ConnId, Failure, Head};

/// Which transport a source uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// The browser's `EventSource`: the default where there is one. The browser parses; a probe
    /// tells why a connection was refused.
    Native,
    /// `fetch` and a stream reader, parsed by typed-sse: headers, a method and a body, the real
    /// status and `retry:`, and no `EventSource` needed (Node, workers). The default where there
    /// is no `EventSource`.
    Fetch,
}

/// What the shell asks a transport to open.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    /// The URL, resume parameter included when the settings ask for one.
    pub(crate) url: &'a str,
    /// The resume point (empty: from the start), for a transport that sends `Last-Event-ID`.
    pub(crate) last_event_id: &'a str,
    pub(crate) with_credentials: bool,
}

/// Where a transport reports what its connection sees. The shell implements it; a transport
/// holds it through a `Weak`, so the browser holding a transport's closure keeps nothing alive.
pub(crate) trait Sink {
    /// The server accepted the stream.
    fn opened(&self, conn: ConnId);
    /// An event of the type registered at `index` arrived (native).
    fn event(&self, conn: ConnId, index: usize, event: MessageEvent);
    /// An event parsed from the stream arrived (fetch). `ascii`: `data` is known to be all
    /// ASCII; `id_changed`: `last_event_id` is not the previous event's (see
    /// [`Item::Event`](crate::parse::Item::Event)).
    fn parsed(
        &self,
        conn: ConnId,
        event_type: &str,
        data: &str,
        ascii: bool,
        last_event_id: &str,
        id_changed: bool,
    );
    /// A blank line dispatched no event but set the last event id (fetch).
    fn parsed_id(&self, conn: ConnId, last_event_id: &str);
    /// A comment line arrived (fetch).
    fn comment(&self, conn: ConnId, text: &str);
    /// The server's `retry:` field (fetch).
    fn server_retry(&self, conn: ConnId, ms: u64);
    /// A chunk of bytes has been parsed: the connection is alive (fetch).
    fn chunk_done(&self, conn: ConnId);
    /// The accepted response came from `origin`, not the requested URL's: it was redirected
    /// (fetch; events carry the final URL's origin, as `EventSource`'s do).
    fn redirected(&self, conn: ConnId, origin: &str);
    /// The connection ended.
    fn failed(&self, conn: ConnId, failure: Failure);
}

/// Listeners that run outside wasm (the JS API's, in `hub.js`). On the native transport they
/// attach themselves to each `EventSource`, so an event reaches them without a call into wasm,
/// and the shell reads their counters only when it needs them: an idle tick, a failure, a
/// resume. On the fetch transport, events are parsed in wasm and handed to them.
pub(crate) trait Attached {
    /// Starts listening on a new native connection (after `detach` from the previous one).
    fn attach(&self, source: &web_sys::EventSource);
    /// A new fetch connection to `origin` begins: events will come through `deliver`.
    fn attach_stream(&self, origin: &str);
    /// A chunk's parsed events (fetch): `values` holds their data, `names` their types, `ids`
    /// their ids (`None`: in `names`; a string of its own only for one big event whose id
    /// changed, see `shell::batch`), and each event is six numbers in `records`. Each string
    /// passed becomes a JS string decoded from wasm memory: passing one twice, or an id that
    /// did not change, would cost its length per delivery.
    fn deliver(&self, values: &str, names: &str, records: &[u32], ids: Option<&str>);
    /// Stops listening on the current connection.
    fn detach(&self);
    /// What the connection's network failure threw (fetch), to keep as the `cause` of the
    /// error that reports it: the failure itself goes to the machine as text.
    fn failed_with(&self, cause: &wasm_bindgen::JsValue);
    /// Removes every listener for good: the source closed.
    fn clear(&self);
    /// Events delivered so far (wrapping).
    fn activity(&self) -> u32;
    /// The latest event delivered on the current connection that had an id (a reset, an empty
    /// id, is no resume point).
    fn last_event(&self) -> Option<MessageEvent>;
}

/// A refused response's head as the machine reads it, `Retry-After` (seconds or an HTTP date)
/// read against the wall clock (a date is one): what the probe and the fetch transport both report.
pub(crate) fn head(status: u16, content_type: String, retry_after: &str, body: String) -> Head {
    Head {
        status,
        content_type,
        retry_after_ms: parse_retry_after(retry_after, js_sys::Date::now()),
        body,
    }
}
