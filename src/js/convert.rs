//! Rust values as the plain JS objects the TypeScript types describe.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use crate::{CloseReason, Error, State};

use super::glue;

fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), &value.into());
}

/// A `TypedSseError` (an `Error` with `kind` and the details of the variant).
pub(crate) fn error(e: &Error) -> JsValue {
    let details = Object::new();
    match e {
        Error::InvalidUrl { url, .. } => set(&details, "url", url.as_str()),
        Error::InvalidOption { field, .. } => set(&details, "field", field.as_str()),
        Error::Decode(d) => {
            set(&details, "eventType", d.event_type());
            set(&details, "raw", d.raw());
        }
        Error::Unauthorized { status, body } | Error::Http { status, body } => {
            set(&details, "status", *status);
            set(&details, "body", body.as_str());
        }
        Error::TooLarge { limit } => set(&details, "limit", *limit as f64),
        Error::ContentType { content_type } => set(&details, "contentType", content_type.as_str()),
        Error::IdleTimeout { timeout_ms } => set(&details, "timeoutMs", *timeout_ms),
        Error::GaveUp { attempts, last } => {
            set(&details, "attempts", *attempts);
            set(&details, "last", error(last));
        }
        Error::Listener { event_type, .. } => set(&details, "eventType", event_type.as_str()),
        Error::NoContent | Error::Network { .. } => {}
    }
    glue::make_error(e.kind(), &e.to_string(), &details)
}

/// `{ state, attempt?, delayMs?, reason?, error? }`.
pub(crate) fn state(s: &State) -> JsValue {
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
            set(&object, "error", error(reason));
        }
        State::Closed(reason) => {
            set(&object, "reason", reason.name());
            if let CloseReason::Failed(e) = reason {
                set(&object, "error", error(e));
            }
        }
        _ => {}
    }
    object.into()
}
