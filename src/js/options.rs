//! The options object of `new SseClient(url, options)`: checked and normalised in `glue.js`
//! (every error names its field), then applied to the builder here.

use std::rc::Rc;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;

use crate::dom::Pending;
use crate::{Builder, ReconnectPolicy, Transport};

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    /// The options, checked; throws a `TypedSseError` of kind `invalid_option`.
    #[wasm_bindgen(js_name = readOptions, catch)]
    fn read_options(options: &JsValue) -> Result<Object, JsValue>;
}

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

/// Applies `options` (undefined, null or a plain object) to `builder`; `Err` is the
/// `TypedSseError` to throw.
pub(crate) fn apply(options: &JsValue, builder: Builder) -> Result<(Builder, Parsed), JsValue> {
    let o = read_options(options)?;
    let get = |key: &str| {
        Reflect::get(&o, &JsValue::from_str(key))
            .ok()
            .filter(|v| !v.is_undefined())
    };
    // Whole numbers within a timer's range, checked in glue.js.
    let ms = |key: &str| get(key).and_then(|v| v.as_f64()).map(|n| n as u32);
    let flag = |key: &str| get(key).and_then(|v| v.as_bool());
    let text = |key: &str| get(key).and_then(|v| v.as_string());

    let mut policy = ReconnectPolicy::default();
    if let Some(n) = ms("initialDelayMs") {
        policy = policy.initial_delay_ms(n);
    }
    if let Some(n) = ms("maxDelayMs") {
        policy = policy.max_delay_ms(n);
    }
    if let Some(m) = get("multiplier").and_then(|v| v.as_f64()) {
        policy = policy.multiplier(m);
    }
    if let Some(j) = get("jitter").and_then(|v| v.as_f64()) {
        policy = policy.jitter(j);
    }
    if let Some(retries) = get("maxRetries") {
        policy = match retries.as_f64() {
            Some(n) => policy.max_retries(n as u32),
            None => policy.unlimited_retries(), // null
        };
    }
    if flag("reconnect") == Some(false) {
        policy = ReconnectPolicy::never();
    }

    let mut b = builder.reconnect(policy);
    if let Some(yes) = flag("withCredentials") {
        b = b.with_credentials(yes);
    }
    if let Some(id) = text("lastEventId") {
        b = b.last_event_id(&id);
    }
    if let Some(signal) = get("signal") {
        b = b.signal(signal.unchecked_ref()); // an AbortSignal, checked in glue.js
    }
    if let Some(param) = get("resumeParam") {
        b = b.resume_param(param.as_string().as_deref()); // null turns it off
    }
    if let Some(n) = ms("idleTimeoutMs") {
        b = b.idle_timeout_ms(n);
    }
    if let Some(name) = text("heartbeatEvent") {
        b = b.heartbeat_event(&name);
    }
    if let Some(yes) = flag("pauseWhenOffline") {
        b = b.pause_when_offline(yes);
    }
    if let Some(yes) = flag("pauseWhenHidden") {
        b = b.pause_when_hidden(yes);
    }
    if let Some(n) = ms("maxRetryAfterMs") {
        b = b.max_retry_after_ms(n);
    }
    if let Some(n) = ms("refreshTimeoutMs") {
        b = b.refresh_timeout_ms(n);
    }
    if let Some(function) = get("refreshUrl").and_then(|v| v.dyn_into::<Function>().ok()) {
        b = b.refresher(Rc::new(move |done| Some(refresh(&function, done))));
    }

    // The fetch transport.
    if let Some(t) = text("transport") {
        b = b.transport(if t == "fetch" {
            Transport::Fetch
        } else {
            Transport::EventSource
        });
    }
    if let Some(method) = text("method") {
        b = b.method(&method);
    }
    if let Some(body) = text("body") {
        let content_type = text("contentType");
        b = b.fetch_settings("body", |s| s.body = Some((body, content_type)));
    }
    if let Some(headers) = get("headers") {
        b = b.fetch_settings("headers", |s| s.headers = headers);
    }
    if let Some(mode) = text("credentials") {
        b = b.fetch_settings("credentials", |s| s.credentials = Some(mode));
    }
    if let Some(function) = get("fetch") {
        b = b.fetch_settings("fetch", |s| s.fetch = function);
    }
    if let Some(n) = get("maxEventBytes").and_then(|v| v.as_f64()) {
        b = b.max_event_bytes(n as usize);
    }
    if let Some(yes) = flag("serverRetry") {
        b = b.server_retry(yes);
    }

    let decode = if text("decode").as_deref() == Some("text") {
        Decode::Text
    } else {
        Decode::Json
    };
    Ok((b, Parsed { decode }))
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
