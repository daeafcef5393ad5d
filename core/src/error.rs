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
    /// The error for an event of `event_type` whose data `raw` its decoder refused with
    /// `message`.
    #[inline]
    pub fn new(event_type: &str, raw: &str, message: String) -> Self {
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

/// A client built or called wrong: fix the code or the settings; retrying cannot help.
///
/// Returned by [`SseClientBuilder::build`](https://docs.rs/typed-sse/latest/typed_sse/struct.SseClientBuilder.html#method.build),
/// [`SseClient::new`](https://docs.rs/typed-sse/latest/typed_sse/struct.SseClient.html#method.new), [`SseClient::on_union`](https://docs.rs/typed-sse/latest/typed_sse/struct.SseClient.html#method.on_union)
/// and [`SseClient::stream_union`](https://docs.rs/typed-sse/latest/typed_sse/struct.SseClient.html#method.stream_union). A running client meets one
/// only through a function of yours (a URL refresher's URL, a headers function's headers): it
/// then closes with [`StreamError::Config`]. The JavaScript API's `SseConfigError`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The URL could not be parsed, or `EventSource` refused it.
    #[error("invalid URL `{url}`: {message}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        message: String,
    },
    /// A setting was not valid: one passed from JavaScript, or one that the Rust builder's
    /// `build()` refuses (a timer past what a browser timer holds, a `json_body` that does not
    /// serialize, a `last_event_id` with NUL, CR or LF, a fetch-only setting or the native
    /// transport where it cannot be used), or a serde enum that `on_union` cannot read.
    #[error("invalid option `{field}`: {message}")]
    InvalidOption {
        /// The name of the offending field.
        field: String,
        /// What was wrong with it.
        message: String,
    },
}

impl ConfigError {
    /// A short stable name for the error kind, as used by the JavaScript API (`error.kind`):
    /// `invalid_url` or `invalid_option`.
    pub fn kind(&self) -> &'static str {
        match self {
            ConfigError::InvalidUrl { .. } => "invalid_url",
            ConfigError::InvalidOption { .. } => "invalid_option",
        }
    }
}

/// What goes wrong while an [`SseClient`](https://docs.rs/typed-sse/latest/typed_sse/struct.SseClient.html) runs: the network, the server's
/// answer, the events. Reported to [`on_error`](https://docs.rs/typed-sse/latest/typed_sse/struct.SseClient.html#method.on_error) listeners and in
/// the [`State`](crate::State); the JavaScript API's `SseStreamError`.
///
/// Errors that end the client (see [`StreamError::is_fatal`]) are followed by the state
/// [`State::Closed`](crate::State::Closed); the others are reported while the client goes on.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// A setting that only shows itself while the client runs was not valid: the URL that a
    /// [URL refresher](https://docs.rs/typed-sse/latest/typed_sse/struct.SseClientBuilder.html#method.url_refresher) returned, the headers that a
    /// [headers function](https://docs.rs/typed-sse/latest/typed_sse/struct.SseClientBuilder.html#method.headers_with) returned. The client closes.
    #[error(transparent)]
    Config(#[from] ConfigError),
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
        last: Box<StreamError>,
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

impl StreamError {
    /// Whether this error ends the source: after it, the state is closed and nothing reconnects.
    #[inline]
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            StreamError::Config(_)
                | StreamError::NoContent
                | StreamError::Unauthorized { .. }
                | StreamError::Http { .. }
                | StreamError::ContentType { .. }
                | StreamError::GaveUp { .. }
        )
    }

    /// A short stable name for the error kind, as used by the JavaScript API (`error.kind`).
    #[inline]
    pub fn kind(&self) -> &'static str {
        match self {
            StreamError::Config(e) => e.kind(),
            StreamError::Decode(_) => "decode",
            StreamError::NoContent => "no_content",
            StreamError::Unauthorized { .. } => "unauthorized",
            StreamError::Http { .. } => "http",
            StreamError::ContentType { .. } => "content_type",
            StreamError::Network { .. } => "network",
            StreamError::IdleTimeout { .. } => "idle_timeout",
            StreamError::TooLarge { .. } => "too_large",
            StreamError::GaveUp { .. } => "gave_up",
            StreamError::Listener { .. } => "listener",
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
        assert!(StreamError::NoContent.is_fatal());
        assert!(StreamError::Unauthorized {
            status: 401,
            body: String::new()
        }
        .is_fatal());
        assert!(!StreamError::Network {
            message: String::new()
        }
        .is_fatal());
        assert!(!StreamError::IdleTimeout { timeout_ms: 5 }.is_fatal());
        let gave_up = StreamError::GaveUp {
            attempts: 3,
            last: Box::new(StreamError::Http {
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

    #[test]
    fn a_config_error_met_while_running_keeps_its_kind_and_message() {
        let config = ConfigError::InvalidOption {
            field: "headers".into(),
            message: "not valid headers".into(),
        };
        assert_eq!(config.kind(), "invalid_option");
        let stream = StreamError::from(config.clone());
        assert_eq!(stream, StreamError::Config(config.clone()));
        assert_eq!(stream.kind(), "invalid_option");
        assert_eq!(stream.to_string(), config.to_string());
        assert!(stream.is_fatal(), "a refused setting closes the client");
        let url = StreamError::from(ConfigError::InvalidUrl {
            url: "htp:/x".into(),
            message: "no".into(),
        });
        assert_eq!(url.kind(), "invalid_url");
        assert!(url.is_fatal());
    }

    /// The error for one entry of test/js/fixtures/error-messages.json (kind, details, text).
    fn from_fixture(entry: &serde_json::Value) -> StreamError {
        let d = &entry["details"];
        let text = entry["text"].as_str().unwrap_or_default().to_owned();
        let s = |key: &str| d[key].as_str().unwrap_or_default().to_owned();
        let n = |key: &str| d[key].as_u64().unwrap_or_default();
        match entry["kind"].as_str().unwrap_or_default() {
            "invalid_url" => StreamError::Config(ConfigError::InvalidUrl {
                url: s("url"),
                message: text,
            }),
            "invalid_option" => StreamError::Config(ConfigError::InvalidOption {
                field: s("field"),
                message: text,
            }),
            "decode" => StreamError::Decode(DecodeError::new(&s("eventType"), &s("raw"), text)),
            "no_content" => StreamError::NoContent,
            "unauthorized" => StreamError::Unauthorized {
                status: n("status") as u16,
                body: s("body"),
            },
            "http" => StreamError::Http {
                status: n("status") as u16,
                body: s("body"),
            },
            "content_type" => StreamError::ContentType {
                content_type: s("contentType"),
            },
            "network" => StreamError::Network { message: text },
            "too_large" => StreamError::TooLarge {
                limit: n("limit") as usize,
            },
            "idle_timeout" => StreamError::IdleTimeout {
                timeout_ms: n("timeoutMs") as u32,
            },
            "gave_up" => StreamError::GaveUp {
                attempts: n("attempts") as u32,
                last: Box::new(from_fixture(&d["last"])),
            },
            "listener" => StreamError::Listener {
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
            serde_json::from_str(include_str!("../../test/js/fixtures/error-messages.json"))
                .unwrap();
        let mut kinds = Vec::new();
        for entry in &fixture {
            let error = from_fixture(entry);
            assert_eq!(error.kind(), entry["kind"]);
            assert_eq!(error.to_string(), entry["message"], "{}", error.kind());
            kinds.push(error.kind());
        }
        // One entry per kind (`StreamError::kind`): a new variant needs its entry in the fixture, and
        // its message in errors.js, which test/js/errors.test.mjs then checks.
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), 12);
    }
}
