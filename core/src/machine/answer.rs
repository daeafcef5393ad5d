//! Streamed answers (an LLM's completion, an MCP tool call): where an answer ends, and what a
//! stream of a request that is not safe to repeat may do when it ends or is cut.
//!
//! Two rules, both pure and tested on the host:
//!
//! - **The end of an answer is not an error.** [`Terminal::check`] recognises `data: [DONE]`
//!   (OpenAI's convention, on by default) and the event types the user names (Anthropic's
//!   `message_stop`). The shell then closes the source with [`CloseReason::Done`].
//! - **A request that is not safe to repeat is not repeated unless the user says how.** For a
//!   method other than GET and HEAD, [`Machine::answer_lost`] decides what a connection's end
//!   means; see the table on [`Resume`] (and the README's "Reconnecting" section).
//!
//! [`CloseReason::Done`]: crate::CloseReason::Done

use super::*;

/// How the stream of a request that is not safe to repeat (a method other than GET and HEAD)
/// resumes after a cut, where the server supports it. Ids alone do not make such a request safe
/// to send again (MCP's server gives ids but treats a second `tools/call` POST as a new call),
/// so the default is never to send it again.
///
/// | what happened to the connection | `Never` (default) | `Repeat` / `Get` |
/// | --- | --- | --- |
/// | refused (network error, 429, 5xx) or dropped before the head | retried under the policy, honouring `Retry-After` | the same |
/// | ended, dropped or idle after the head accepted it (200), with a resume point (an event id) | closed: [`CloseReason::Ended`] | reconnected under the policy with `Last-Event-ID`: the same request (`Repeat`) or a GET to the same URL (`Get`); the budget starts over only once bytes arrived |
/// | the same, without any event id | closed: [`CloseReason::Ended`] | closed: [`CloseReason::Ended`] |
/// | a terminal marker arrived (`data: [DONE]`, a named terminal event) | closed: [`CloseReason::Done`] | the same |
///
/// [`CloseReason::Ended`]: crate::CloseReason::Ended
/// [`CloseReason::Done`]: crate::CloseReason::Done
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resume {
    /// Never send the request again once its stream began: an end or a cut closes the source
    /// with [`CloseReason::Ended`](crate::CloseReason::Ended), keeping the last event id.
    #[default]
    Never,
    /// Send the same request again (method, headers, body) with `Last-Event-ID`: for a server
    /// that resumes an answer from it, as the test server's `/v1/completions` does.
    Repeat,
    /// Send a GET to the same URL, without the body, with `Last-Event-ID`: MCP's Streamable
    /// HTTP resumes a POST's stream this way.
    Get,
}

/// The data of OpenAI's (and every OpenAI-compatible server's) last event.
pub const DONE_MARKER: &str = "[DONE]";

/// A predicate over an event's type and data that says it ends the answer.
pub type TerminalIf = std::rc::Rc<dyn Fn(&str, &str) -> bool>;

/// What marks the end of an answer.
#[derive(Clone)]
pub struct Terminal {
    /// An event whose data is exactly `[DONE]` ends the stream (default on).
    pub done_marker: bool,
    /// Event types that end the stream once delivered (e.g. `message_stop`).
    pub types: Vec<String>,
    /// Events that end the stream once delivered, by type and data (an MCP JSON-RPC response).
    pub predicate: Option<TerminalIf>,
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terminal")
            .field("done_marker", &self.done_marker)
            .field("types", &self.types)
            .field("predicate", &self.predicate.is_some())
            .finish()
    }
}

impl Default for Terminal {
    fn default() -> Self {
        Self {
            done_marker: true,
            types: Vec::new(),
            predicate: None,
        }
    }
}

/// What a terminal marker asks of the shell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// `data: [DONE]`: not decoded, not delivered; the source closes as done.
    Marker,
    /// A named terminal event: delivered, then the source closes as done.
    Last,
}

impl Terminal {
    /// Whether an event of `event_type` with `data` ends the answer, and how. Any event type
    /// counts for `[DONE]` (OpenAI sends it unnamed); the data must be exactly that text.
    /// The predicate, if any, is asked last, with the event's type and data.
    #[inline]
    pub fn check(&self, event_type: &str, data: &str) -> Option<Mark> {
        self.check_with(event_type, || data == DONE_MARKER, || Some(data.to_owned()))
    }

    /// [`check`](Self::check) with the data's comparison to `[DONE]` left to the caller (the
    /// native transport compares the browser's string without copying it into wasm), and the
    /// data itself asked for only when a predicate needs it.
    #[inline]
    pub fn check_with(
        &self,
        event_type: &str,
        is_done_marker: impl FnOnce() -> bool,
        data: impl FnOnce() -> Option<String>,
    ) -> Option<Mark> {
        if self.done_marker && is_done_marker() {
            Some(Mark::Marker)
        } else if self.types.iter().any(|t| t == event_type) {
            Some(Mark::Last)
        } else if let Some(predicate) = &self.predicate {
            let ends = data().is_some_and(|data| predicate(event_type, &data));
            ends.then_some(Mark::Last)
        } else {
            None
        }
    }

    /// Nothing ends a stream early: the check can be skipped.
    pub fn is_off(&self) -> bool {
        !self.done_marker && self.types.is_empty() && self.predicate.is_none()
    }
}

/// Whether `method` (none: GET) may be sent again without the user saying so: GET and HEAD.
pub fn is_safe_method(method: Option<&str>) -> bool {
    match method {
        None => true,
        Some(m) => m.eq_ignore_ascii_case("GET") || m.eq_ignore_ascii_case("HEAD"),
    }
}

impl Machine {
    /// A connection of a request that is not safe to repeat ended (`clean`) or failed with
    /// `error`, after the server `received` it (its head accepted it, or bytes arrived) or
    /// not: the table on [`Resume`]. Gives `error` back when the ordinary rules apply (a
    /// failure before the head: the server never accepted the request), for the caller to
    /// retry with: built once, not cloned for a case that rarely applies.
    pub(super) fn answer_lost(
        &mut self,
        error: StreamError,
        clean: bool,
        received: bool,
        now: u64,
    ) -> Option<StreamError> {
        if !self.settings.unsafe_request || !(received || clean) {
            return Some(error);
        }
        let resumable = self.settings.resume != Resume::Never && !self.resume_id.is_empty();
        if received && resumable {
            self.resuming = true;
            self.schedule(error, None, None, now);
        } else {
            self.shutdown(CloseReason::Ended);
        }
        None
    }

    /// A terminal marker arrived on connection `conn`: the answer is complete.
    pub(super) fn on_finished(&mut self, conn: ConnId) {
        if self.connection() == Some(conn) {
            self.shutdown(CloseReason::Done);
        }
    }
}
