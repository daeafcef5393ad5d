//! What goes into the machine and what comes out: its settings, inputs and outputs.

use crate::{ReconnectPolicy, State, StreamError};

use super::Head;

/// The longest delay a browser timer holds: `setTimeout` takes a signed 32-bit count of
/// milliseconds, and a longer one wraps negative and fires at once (a retry storm).
pub const MAX_TIMER_MS: u32 = i32::MAX as u32;

/// The default cap on a server's `Retry-After`: five minutes.
pub const DEFAULT_MAX_RETRY_AFTER_MS: u32 = 5 * 60 * 1_000;

/// The default time a URL refresher gets before it counts as failed: 30 seconds.
pub const DEFAULT_REFRESH_TIMEOUT_MS: u32 = 30_000;

/// A connection's number: inputs about an older one are stale and ignored.
pub type ConnId = u32;

/// What the machine needs to know of the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The reconnect policy: delays, jitter, the reconnect budget.
    pub policy: ReconnectPolicy,
    /// The query parameter that carries the resume point in the URL (`None`: not in the URL).
    pub resume_param: Option<String>,
    /// Recycle a connection on which nothing arrived for this long.
    pub idle_timeout_ms: Option<u32>,
    /// Wait for the network to come back rather than spend retries while offline.
    pub pause_when_offline: bool,
    /// Disconnect while the page is hidden.
    pub pause_when_hidden: bool,
    /// A URL refresher is set: after a 401/403 it runs before the next attempt.
    pub has_refresher: bool,
    /// Credentials are computed afresh for every connection (the fetch transport's headers
    /// function): a 401/403 is worth one more attempt even without a URL refresher.
    pub renews_credentials: bool,
    /// Whether the server's `retry:` field replaces the policy's initial delay.
    pub honor_server_retry: bool,
    /// The cap on a server's `Retry-After`.
    pub max_retry_after_ms: u32,
    /// How long the URL refresher may take before it counts as failed.
    pub refresh_timeout_ms: u32,
    /// The request is not safe to repeat (a method other than GET and HEAD): its stream's end
    /// follows the rules of [`super::Resume`].
    pub unsafe_request: bool,
    /// How such a stream resumes.
    pub resume: super::Resume,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            policy: ReconnectPolicy::default(),
            resume_param: Some(crate::DEFAULT_RESUME_PARAM.to_owned()),
            idle_timeout_ms: None,
            pause_when_offline: true,
            pause_when_hidden: false,
            has_refresher: false,
            renews_credentials: false,
            honor_server_retry: true,
            max_retry_after_ms: DEFAULT_MAX_RETRY_AFTER_MS,
            refresh_timeout_ms: DEFAULT_REFRESH_TIMEOUT_MS,
            unsafe_request: false,
            resume: super::Resume::Never,
        }
    }
}

/// How a connection ended, as far as its transport can tell.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// The network failed: retry under the policy.
    Network(String),
    /// The server ended an accepted stream cleanly. Retried under the policy like a network
    /// failure, but for a request that is not safe to repeat (see [`super::Resume`]).
    Ended,
    /// The server answered, but not with an event stream. A transport that sees the response
    /// (fetch) reports this; the native one cannot, and reports `Unexplained`.
    #[allow(dead_code)] // until the fetch transport lands; the machine's tests drive it
    Rejected(Head),
    /// Refused without saying why (native `EventSource` hides the status): ask the probe.
    Unexplained,
    /// One event, or one unterminated line, passed `max_event_bytes`: retry under the policy.
    TooLarge {
        /// The cap that was passed.
        limit: usize,
    },
    /// Could not even be attempted (the browser refused the URL): stop with this error.
    Fatal(StreamError),
}

/// What the URL refresher came back with.
#[derive(Clone, Debug, PartialEq)]
pub enum Refreshed {
    /// A new absolute URL.
    Url(String),
    /// It gave something that is not a URL.
    InvalidUrl {
        /// What it gave.
        url: String,
        /// Why it is not a URL.
        message: String,
    },
    /// It threw, rejected or gave no string.
    Failed,
}

/// Something that happened, fed to [`Machine::handle`](super::Machine::handle).
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// Begin: whether the network is up and the page hidden right now.
    Start {
        /// The network is up.
        online: bool,
        /// The page is hidden.
        hidden: bool,
    },
    /// The connection's response was accepted.
    Opened(ConnId),
    /// One or more events arrived on the connection; the id of the last (empty: it had none).
    Delivered {
        /// The connection.
        conn: ConnId,
        /// The last event's id.
        last_id: String,
    },
    /// Bytes arrived on the connection (a comment, part of an event): it is alive. Only the
    /// fetch transport sees these; an event counts as life too.
    Alive(ConnId),
    /// The server's `retry:` field, in milliseconds.
    ServerRetry {
        /// The connection.
        conn: ConnId,
        /// The field's value.
        ms: u64,
    },
    /// The connection ended.
    Failed {
        /// The connection.
        conn: ConnId,
        /// How it ended.
        failure: Failure,
    },
    /// A terminal marker arrived on the connection (see [`super::Terminal`]): the answer is
    /// complete, and the source closes as done.
    Finished(ConnId),
    /// The probe's answer: the response head, or the network error's message.
    ProbeAnswered(Result<Head, String>),
    /// The URL refresher's answer.
    Refreshed(Refreshed),
    /// The timer armed last fired.
    Timer,
    /// The browser went online (`true`) or offline.
    Online(bool),
    /// The page became hidden (`true`) or visible.
    Hidden(bool),
    /// The user closed the source.
    Close,
    /// The user's `AbortSignal` fired: a close that says so.
    Abort,
}

/// Something for the shell to do, taken with [`Machine::poll`](super::Machine::poll).
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Open connection `conn` to `url` (resume parameter included), resuming after
    /// `last_event_id` (empty: from the start). Any earlier connection is already dropped.
    Connect {
        /// The new connection's number.
        conn: ConnId,
        /// Where to connect.
        url: String,
        /// The resume point, for `Last-Event-ID` (empty: none).
        last_event_id: String,
        /// Send a GET without the body, whatever the method (a POST's stream resumed the way
        /// [`super::Resume::Get`] says).
        get: bool,
    },
    /// Drop the live connection, if any.
    Disconnect,
    /// Ask the server why `url` was refused (one request, head only).
    Probe {
        /// The URL the refused connection was opened with.
        url: String,
    },
    /// Ask the URL refresher for a new URL.
    Refresh,
    /// Cancel the probe or refresh in flight, if any.
    Cancel,
    /// Arm the one timer to fire at this instant (replacing any), or disarm it.
    Timer(Option<u64>),
    /// The state changed.
    State(State),
    /// An error to report.
    Error(StreamError),
}
