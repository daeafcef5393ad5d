//! Rust values as the plain JS objects the TypeScript types describe.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use crate::{CloseReason, ConfigError, State, StreamError};

use super::glue::Hub;

fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), &value.into());
}

/// A `TypedSseError` (an `Error` with `kind` and the details of the variant). Its message is
/// written by errors.js (`wasmError`, through the hub) from the kind, the details and the
/// variant's own text, the same words as `Error`'s `Display`: formatting them here would link
/// Rust's string formatting into the package for messages alone (about 0.9 KB gzipped).
/// test/js/fixtures/error-messages.json holds the contract: `Display` is checked against it by
/// `cargo test` (core/src/error.rs), errors.js by `node --test test/js/`.
pub(crate) fn error(hub: &Hub, e: &StreamError) -> JsValue {
    let details = Object::new();
    let mut text = "";
    match e {
        StreamError::Config(ConfigError::InvalidUrl { url, message }) => {
            set(&details, "url", url.as_str());
            text = message;
        }
        StreamError::Config(ConfigError::InvalidOption { field, message }) => {
            set(&details, "field", field.as_str());
            text = message;
        }
        StreamError::Decode(d) => {
            set(&details, "eventType", d.event_type());
            set(&details, "raw", d.raw());
            text = d.message();
        }
        StreamError::Unauthorized { status, body } | StreamError::Http { status, body } => {
            set(&details, "status", *status);
            set(&details, "body", body.as_str());
        }
        StreamError::TooLarge { limit } => set(&details, "limit", *limit as f64),
        StreamError::ContentType { content_type } => {
            set(&details, "contentType", content_type.as_str())
        }
        StreamError::IdleTimeout { timeout_ms } => set(&details, "timeoutMs", *timeout_ms),
        StreamError::GaveUp { attempts, last } => {
            set(&details, "attempts", *attempts);
            set(&details, "last", error(hub, last));
        }
        StreamError::Listener {
            event_type,
            message,
        } => {
            set(&details, "eventType", event_type.as_str());
            text = message;
        }
        StreamError::Network { message } => text = message,
        StreamError::NoContent => {}
        // `StreamError` is `#[non_exhaustive]` in typed-sse-core: a variant added there has only
        // its kind and message here until it is named above.
        _ => {}
    }
    hub.wasm_error(e.kind(), text, &details)
}

/// `{ state, attempt?, delayMs?, reason?, error? }`.
pub(crate) fn state(hub: &Hub, s: &State) -> JsValue {
    let object = Object::new();
    set(&object, "state", s.name());
    match s {
        State::Reconnecting {
            attempt,
            delay_ms,
            reason,
        } => {
            set(&object, "attempt", *attempt);
            set(&object, "delayMs", *delay_ms);
            set(&object, "reason", reason.kind());
            set(&object, "error", error(hub, reason));
        }
        State::Closed(reason) => {
            set(&object, "reason", reason.name());
            if let CloseReason::Failed(e) = reason {
                set(&object, "error", error(hub, e));
            }
        }
        _ => {}
    }
    object.into()
}
