//! The options object of `new SseClient(url, options)`, read field by field so that every error
//! names its field.

use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::dom::Pending;
use crate::{Builder, Error, ReconnectPolicy, MAX_TIMER_MS};

/// How a JS listener receives `data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decode {
    Json,
    Text,
}

/// The options that are not builder settings.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) decode: Decode,
}

/// Named in the error for an unknown option. A literal, not a joined list: `join` costs 1 KB of
/// wasm for one error message.
const KNOWN_OPTIONS: &str = "withCredentials, decode, reconnect, initialDelayMs, multiplier, \
    maxDelayMs, jitter, maxRetries, resumeParam, idleTimeoutMs, heartbeatEvent, pauseWhenOffline, \
    pauseWhenHidden, refreshUrl, maxRetryAfterMs, refreshTimeoutMs";

fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::InvalidOption {
        field: field.to_owned(),
        message: message.into(),
    }
}

fn read<T: FromJs>(field: &str, value: JsValue, expected: &str) -> Result<T, Error> {
    T::from_js(&value).ok_or_else(|| invalid(field, format!("expected {expected}")))
}

/// The three JSON types options use, read without a deserializer: serde-wasm-bindgen cost the
/// package about 8 KB gzipped, mostly float formatting for its error messages (BENCHMARKS.md).
trait FromJs: Sized {
    fn from_js(value: &JsValue) -> Option<Self>;
}

impl FromJs for bool {
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_bool()
    }
}

impl FromJs for f64 {
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_f64()
    }
}

impl FromJs for String {
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_string()
    }
}

/// A duration: every one ends up in a browser timer, which holds at most `i32::MAX` ms (a longer
/// one wraps negative and fires at once).
fn millis(field: &str, value: JsValue) -> Result<u32, Error> {
    let n: f64 = read(field, value, "a number of milliseconds")?;
    if !(0.0..=f64::from(MAX_TIMER_MS)).contains(&n) || n.fract() != 0.0 {
        return Err(invalid(
            field,
            "expected a whole, non-negative number of milliseconds, at most 2147483647",
        ));
    }
    Ok(n as u32)
}

/// A whole count from 0 to `u32::MAX`.
fn count(field: &str, value: JsValue) -> Result<u32, Error> {
    let n: f64 = read(field, value, "a whole non-negative number, or null")?;
    if !(0.0..=f64::from(u32::MAX)).contains(&n) || n.fract() != 0.0 {
        return Err(invalid(
            field,
            "expected a whole non-negative number, or null",
        ));
    }
    Ok(n as u32)
}

/// Applies `options` (undefined, null or a plain object) to `builder`.
pub(crate) fn apply(options: &JsValue, builder: Builder) -> Result<(Builder, Parsed), Error> {
    let mut parsed = Parsed {
        decode: Decode::Json,
    };
    if options.is_undefined() || options.is_null() {
        return Ok((builder, parsed));
    }
    let Some(object) = options
        .dyn_ref::<Object>()
        .filter(|_| !options.is_function())
    else {
        return Err(invalid("options", "expected an object"));
    };
    let mut builder = builder;
    let mut policy = ReconnectPolicy::default();
    let mut reconnect = true;
    for key in Object::keys(object).iter() {
        let field = key.as_string().unwrap_or_default();
        let value = Reflect::get(object, &key).unwrap_or(JsValue::UNDEFINED);
        if value.is_undefined() {
            continue; // `{ jitter: undefined }` means the default, as in most JS APIs
        }
        let f = field.as_str();
        match f {
            "withCredentials" => builder = builder.with_credentials(read(f, value, "a boolean")?),
            "decode" => {
                parsed.decode = match read::<String>(f, value, "\"json\" or \"text\"")?.as_str() {
                    "json" => Decode::Json,
                    "text" => Decode::Text,
                    other => {
                        return Err(invalid(
                            f,
                            format!("expected \"json\" or \"text\", got \"{other}\""),
                        ))
                    }
                }
            }
            "reconnect" => reconnect = read(f, value, "a boolean")?,
            "initialDelayMs" => policy = policy.initial_delay_ms(millis(f, value)?),
            "maxDelayMs" => policy = policy.max_delay_ms(millis(f, value)?),
            "multiplier" => {
                let m: f64 = read(f, value, "a number")?;
                if !(m.is_finite() && m >= 1.0) {
                    return Err(invalid(f, "expected a number of at least 1"));
                }
                policy = policy.multiplier(m);
            }
            "jitter" => {
                let j: f64 = read(f, value, "a number from 0 to 1")?;
                if !(0.0..=1.0).contains(&j) {
                    return Err(invalid(f, "expected a number from 0 to 1"));
                }
                policy = policy.jitter(j);
            }
            "maxRetries" => {
                policy = if value.is_null() {
                    policy.unlimited_retries()
                } else {
                    policy.max_retries(count(f, value)?)
                }
            }
            "resumeParam" => {
                builder = if value.is_null() || value.as_bool() == Some(false) {
                    builder.resume_param(None)
                } else {
                    let name: String = read(f, value, "a string, or null to turn resuming off")?;
                    if name.is_empty() {
                        return Err(invalid(f, "expected a non-empty name"));
                    }
                    builder.resume_param(Some(&name))
                }
            }
            "idleTimeoutMs" => {
                if !value.is_null() {
                    builder = builder.idle_timeout_ms(millis(f, value)?.max(1));
                }
            }
            "heartbeatEvent" => {
                let name: String = read(f, value, "an event type")?;
                builder = builder.heartbeat_event(&name);
            }
            "pauseWhenOffline" => {
                builder = builder.pause_when_offline(read(f, value, "a boolean")?)
            }
            "pauseWhenHidden" => builder = builder.pause_when_hidden(read(f, value, "a boolean")?),
            "maxRetryAfterMs" => builder = builder.max_retry_after_ms(millis(f, value)?),
            "refreshTimeoutMs" => builder = builder.refresh_timeout_ms(millis(f, value)?),
            "refreshUrl" => {
                let Ok(function) = value.dyn_into::<Function>() else {
                    return Err(invalid(
                        f,
                        "expected a function returning a URL or a Promise of one",
                    ));
                };
                builder = builder.refresher(Rc::new(move |done| Some(refresh(&function, done))));
            }
            _ => {
                return Err(invalid(
                    f,
                    format!("unknown option; known options are {KNOWN_OPTIONS}"),
                ))
            }
        }
    }
    if !reconnect {
        policy = ReconnectPolicy::never();
    }
    Ok((builder.reconnect(policy), parsed))
}

/// Calls the user's `refreshUrl()` through `glue.js`, which resolves a returned promise, and
/// passes the URL (or what went wrong) to `done`.
fn refresh(function: &Function, done: Box<dyn FnOnce(Result<String, String>)>) -> Pending {
    let mut done = Some(done);
    let callback = Closure::wrap(Box::new(move |url: Option<String>, error: String| {
        if let Some(done) = done.take() {
            done(url.ok_or(error));
        }
    }) as Box<dyn FnMut(Option<String>, String)>);
    let controller = super::glue::refresh_url(function, callback.as_ref().unchecked_ref());
    Pending::new(controller, callback)
}
