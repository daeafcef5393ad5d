//! Error types: what went wrong, typed, so callers can match instead of parsing messages.

use std::fmt;

/// An event whose data could not be decoded into the listener's type.
///
/// It keeps everything needed to log or recover the event: the event type, the raw text as the
/// server sent it, and the decoder's message. A decode error never stops the stream: the next event
/// is delivered as usual.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    event_type: String,
    raw: String,
    message: String,
}

impl DecodeError {
    pub(crate) fn new(event_type: &str, raw: &str, message: String) -> Self {
        Self {
            event_type: event_type.to_owned(),
            raw: raw.to_owned(),
            message,
        }
    }

    /// The event type (`message` for unnamed events).
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The event's data exactly as received.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// What the decoder said.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode `{}` event: {}",
            self.event_type, self.message
        )
    }
}

impl std::error::Error for DecodeError {}

/// Everything that can go wrong with an [`SseClient`](crate::SseClient).
///
/// Errors that end the source (see [`Error::is_fatal`]) are followed by the state
/// [`State::Closed`](crate::State::Closed); the others are reported while the source goes on.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL could not be parsed, or `EventSource` refused it. Returned by the constructor.
    #[error("invalid URL `{url}`: {message}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        message: String,
    },
    /// An option was not valid: one passed from JavaScript, or one that the Rust builder's
    /// `build()` refuses (a timer past what a browser timer holds, a `json_body` that does not
    /// serialize, a `last_event_id` with NUL, CR or LF, a fetch-only setting or the native
    /// transport where it cannot be used).
    #[error("invalid option `{field}`: {message}")]
    InvalidOption {
        /// The name of the offending field.
        field: String,
        /// What was wrong with it.
        message: String,
    },
    /// An event's data could not be decoded. The stream goes on.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The server answered 204 No Content: per the SSE specification, do not reconnect.
    #[error("the server answered 204 No Content: it asks the client not to reconnect")]
    NoContent,
    /// The server answered 401 or 403, and renewing the credentials (the URL refresher, or the
    /// fetch transport's headers function) was not possible or did not help.
    #[error("unauthorized: the server answered {status}")]
    Unauthorized {
        /// 401 or 403.
        status: u16,
        /// The first 4 KB of the response body as text, when the transport can read it (the
        /// fetch transport); empty otherwise.
        body: String,
    },
    /// The server answered a status that is neither 200 nor one that renews credentials: a 429
    /// or 5xx (retried under the policy) or another status (the source stops).
    #[error("the server answered HTTP {status}")]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The first 4 KB of the response body as text, when the transport can read it (the
        /// fetch transport: an API's error message is there); empty otherwise.
        body: String,
    },
    /// The server answered 200 with a content type other than `text/event-stream`.
    #[error("the server answered with content type `{content_type}`, not `text/event-stream`")]
    ContentType {
        /// The content type the server sent (empty when there was none).
        content_type: String,
    },
    /// The connection dropped or could not be made; the reconnect policy decides what follows.
    #[error("network error: {message}")]
    Network {
        /// What is known about it.
        message: String,
    },
    /// One event, or one unterminated line, was longer than `max_event_bytes`: the connection
    /// was dropped (what was delivered before stays delivered) and the policy retries.
    #[error("an event passed the {limit}-byte limit: the connection was dropped")]
    TooLarge {
        /// The configured `max_event_bytes`.
        limit: usize,
    },
    /// Nothing arrived within the idle timeout; the connection was recycled.
    #[error("no event for {timeout_ms} ms: the connection was treated as dead")]
    IdleTimeout {
        /// The configured idle timeout.
        timeout_ms: u32,
    },
    /// The reconnect budget is spent: no further connection will be made.
    #[error("gave up after {attempts} reconnect attempt(s): {last}")]
    GaveUp {
        /// How many reconnect attempts were made.
        attempts: u32,
        /// The failure that used the last attempt.
        last: Box<Error>,
    },
    /// A JavaScript listener threw (the npm API only). Delivery to the others goes on.
    #[error("a listener for `{event_type}` threw: {message}")]
    Listener {
        /// The event type the listener was registered for.
        event_type: String,
        /// The thrown value, as a string.
        message: String,
    },
}

impl Error {
    /// Whether this error ends the source: after it, the state is closed and nothing reconnects.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Error::InvalidUrl { .. }
                | Error::InvalidOption { .. }
                | Error::NoContent
                | Error::Unauthorized { .. }
                | Error::Http { .. }
                | Error::ContentType { .. }
                | Error::GaveUp { .. }
        )
    }

    /// A short stable name for the error kind, as used by the JavaScript API (`error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidUrl { .. } => "invalid_url",
            Error::InvalidOption { .. } => "invalid_option",
            Error::Decode(_) => "decode",
            Error::NoContent => "no_content",
            Error::Unauthorized { .. } => "unauthorized",
            Error::Http { .. } => "http",
            Error::ContentType { .. } => "content_type",
            Error::Network { .. } => "network",
            Error::IdleTimeout { .. } => "idle_timeout",
            Error::TooLarge { .. } => "too_large",
            Error::GaveUp { .. } => "gave_up",
            Error::Listener { .. } => "listener",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_error_keeps_type_raw_and_message() {
        let e = DecodeError::new("tick", "{oops", "expected value".into());
        assert_eq!(e.event_type(), "tick");
        assert_eq!(e.raw(), "{oops");
        assert_eq!(e.message(), "expected value");
        assert_eq!(
            e.to_string(),
            "could not decode `tick` event: expected value"
        );
    }

    #[test]
    fn fatal_errors_are_the_ones_that_stop() {
        assert!(Error::NoContent.is_fatal());
        assert!(Error::Unauthorized {
            status: 401,
            body: String::new()
        }
        .is_fatal());
        assert!(!Error::Network {
            message: String::new()
        }
        .is_fatal());
        assert!(!Error::IdleTimeout { timeout_ms: 5 }.is_fatal());
        let gave_up = Error::GaveUp {
            attempts: 3,
            last: Box::new(Error::Http {
                status: 503,
                body: String::new(),
            }),
        };
        assert!(gave_up.is_fatal());
        assert_eq!(gave_up.kind(), "gave_up");
        assert_eq!(
            gave_up.to_string(),
            "gave up after 3 reconnect attempt(s): the server answered HTTP 503"
        );
    }

    /// The error for one entry of test/js/fixtures/error-messages.json (kind, details, text).
    fn from_fixture(entry: &serde_json::Value) -> Error {
        let d = &entry["details"];
        let text = entry["text"].as_str().unwrap_or_default().to_owned();
        let s = |key: &str| d[key].as_str().unwrap_or_default().to_owned();
        let n = |key: &str| d[key].as_u64().unwrap_or_default();
        match entry["kind"].as_str().unwrap_or_default() {
            "invalid_url" => Error::InvalidUrl {
                url: s("url"),
                message: text,
            },
            "invalid_option" => Error::InvalidOption {
                field: s("field"),
                message: text,
            },
            "decode" => Error::Decode(DecodeError::new(&s("eventType"), &s("raw"), text)),
            "no_content" => Error::NoContent,
            "unauthorized" => Error::Unauthorized {
                status: n("status") as u16,
                body: s("body"),
            },
            "http" => Error::Http {
                status: n("status") as u16,
                body: s("body"),
            },
            "content_type" => Error::ContentType {
                content_type: s("contentType"),
            },
            "network" => Error::Network { message: text },
            "too_large" => Error::TooLarge {
                limit: n("limit") as usize,
            },
            "idle_timeout" => Error::IdleTimeout {
                timeout_ms: n("timeoutMs") as u32,
            },
            "gave_up" => Error::GaveUp {
                attempts: n("attempts") as u32,
                last: Box::new(from_fixture(&d["last"])),
            },
            "listener" => Error::Listener {
                event_type: s("eventType"),
                message: text,
            },
            other => panic!("no error of kind {other}"),
        }
    }

    /// The JS messages (src/js/errors.js, `MESSAGES`) restate `Display`: the fixture holds one
    /// error of each kind with its message, checked here against `Display` and by
    /// test/js/errors.test.mjs against errors.js. Every kind is in it.
    #[test]
    fn display_matches_the_js_messages_fixture() {
        let fixture: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../test/js/fixtures/error-messages.json")).unwrap();
        let mut kinds = Vec::new();
        for entry in &fixture {
            let error = from_fixture(entry);
            assert_eq!(error.kind(), entry["kind"]);
            assert_eq!(error.to_string(), entry["message"], "{}", error.kind());
            kinds.push(error.kind());
        }
        // One entry per kind (`Error::kind`): a new variant needs its entry in the fixture, and
        // its message in errors.js, which test/js/errors.test.mjs then checks.
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), 12);
    }
}
