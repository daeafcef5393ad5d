//! Rust values as the plain JS objects the TypeScript types describe.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use crate::{CloseReason, Error, State};

use super::glue;

fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), &value.into());
}

/// A `TypedSseError` (an `Error` with `kind` and the details of the variant). Its message is
/// written by glue.js (`wasmError`) from the kind, the details and the variant's own text, the
/// same words as `Error`'s `Display`: formatting them here would link Rust's string formatting
/// into the package for messages alone (about 0.9 KB gzipped).
pub(crate) fn error(e: &Error) -> JsValue {
    let details = Object::new();
    let mut text = "";
    match e {
        Error::InvalidUrl { url, message } => {
            set(&details, "url", url.as_str());
            text = message;
        }
        Error::InvalidOption { field, message } => {
            set(&details, "field", field.as_str());
            text = message;
        }
        Error::Decode(d) => {
            set(&details, "eventType", d.event_type());
            set(&details, "raw", d.raw());
            text = d.message();
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
        Error::Listener {
            event_type,
            message,
        } => {
            set(&details, "eventType", event_type.as_str());
            text = message;
        }
        Error::Network { message } => text = message,
        Error::NoContent => {}
    }
    glue::wasm_error(e.kind(), text, &details)
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

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    use super::error;
    use crate::error::DecodeError;
    use crate::Error;

    wasm_bindgen_test_configure!(run_in_browser);

    /// The message glue.js writes for each error is `Display`'s, word for word.
    #[wasm_bindgen_test]
    fn js_messages_are_the_display_of_each_variant() {
        let network = Error::Network {
            message: "offline".into(),
        };
        let all = [
            Error::InvalidUrl {
                url: "x y".into(),
                message: "relative URL without a base".into(),
            },
            Error::InvalidOption {
                field: "jitter".into(),
                message: "expected a number from 0 to 1".into(),
            },
            Error::Decode(DecodeError::new("tick", "{", "EOF while parsing".into())),
            Error::NoContent,
            Error::Unauthorized {
                status: 401,
                body: "no".into(),
            },
            Error::Http {
                status: 503,
                body: String::new(),
            },
            Error::ContentType {
                content_type: "text/html".into(),
            },
            network.clone(),
            Error::TooLarge { limit: 16 << 20 },
            Error::IdleTimeout { timeout_ms: 45_000 },
            Error::GaveUp {
                attempts: 3,
                last: Box::new(network),
            },
            Error::Listener {
                event_type: "tick".into(),
                message: "boom".into(),
            },
        ];
        for e in all {
            let js = error(&e).unchecked_into::<js_sys::Error>();
            assert_eq!(String::from(js.message()), e.to_string(), "{}", e.kind());
        }
    }
}
