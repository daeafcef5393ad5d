//! Connection states and the reasons for them.

use crate::StreamError;

/// Where an [`SseClient`](https://docs.rs/typed-sse/latest/typed_sse/struct.SseClient.html) is in its life.
///
/// `Connecting -> Open -> Reconnecting -> Connecting -> Open ... -> Closed`. `Closed` is final.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum State {
    /// A native `EventSource` is being opened.
    Connecting,
    /// The server accepted the stream; events flow.
    Open,
    /// The connection failed; the next attempt is scheduled.
    Reconnecting {
        /// 1 for the first reconnect attempt after a failure, 2 for the second, ...
        attempt: u32,
        /// How long until that attempt, in milliseconds.
        delay_ms: u32,
        /// Why the previous connection ended.
        reason: StreamError,
    },
    /// Waiting for the browser to come back online; no retries are spent meanwhile.
    Offline,
    /// The page is hidden and `pause_when_hidden` is on: disconnected until it is visible again.
    Paused,
    /// Closed for good.
    Closed(CloseReason),
}

impl State {
    /// A short stable name, as used by the JavaScript API: `connecting`, `open`, `reconnecting`,
    /// `offline`, `paused` or `closed`.
    #[inline]
    pub fn name(&self) -> &'static str {
        match self {
            State::Connecting => "connecting",
            State::Open => "open",
            State::Reconnecting { .. } => "reconnecting",
            State::Offline => "offline",
            State::Paused => "paused",
            State::Closed(_) => "closed",
        }
    }

    /// Whether the state is final.
    #[inline]
    pub fn is_closed(&self) -> bool {
        matches!(self, State::Closed(_))
    }
}

/// Why a source was closed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CloseReason {
    /// `close()` was called or the handle was dropped.
    Requested,
    /// The `AbortSignal` given to [`SseClientBuilder::signal`](https://docs.rs/typed-sse/latest/typed_sse/struct.SseClientBuilder.html#method.signal) was aborted.
    Aborted,
    /// A fatal error; see [`StreamError::is_fatal`].
    Failed(StreamError),
    /// The answer is complete: a terminal marker arrived (`data: [DONE]`, or an event type
    /// named by [`SseClientBuilder::terminal_events`](https://docs.rs/typed-sse/latest/typed_sse/struct.SseClientBuilder.html#method.terminal_events)). Not an error.
    Done,
    /// The stream of a request that is not safe to repeat (a method other than GET and HEAD)
    /// ended, or was cut after data arrived, and is not resumed (see
    /// [`Resume`](crate::Resume)): the answer may be incomplete. Not an error; the last event
    /// id is kept.
    Ended,
}

impl CloseReason {
    /// A short stable name, as used by the JavaScript API: `requested`, `aborted`, `done`,
    /// `ended`, or for failures the error kind: `gave_up`, `no_content`, `unauthorized`,
    /// `http`, `content_type`, ...
    #[inline]
    pub fn name(&self) -> &'static str {
        match self {
            CloseReason::Requested => "requested",
            CloseReason::Aborted => "aborted",
            CloseReason::Failed(e) => e.kind(),
            CloseReason::Done => "done",
            CloseReason::Ended => "ended",
        }
    }
}
