//! The options object of `new SseClient(url, options)`: checked and normalised in `glue.js`
//! (every error names its field), then applied to the builder here.

use std::rc::Rc;

use js_sys::{Array, Function};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;

use crate::dom::Pending;
use crate::{Builder, ReconnectPolicy, Resume, Transport};

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    /// The options, checked, by position (`Opt`); throws a `TypedSseError` of kind
    /// `invalid_option`.
    #[wasm_bindgen(js_name = readOptions, catch)]
    fn read_options(options: &JsValue) -> Result<Array, JsValue>;
}

/// Where each option lies in what `readOptions` returns: the order of `FIELDS` in glue.js, then
/// `contentType` (a test below checks it against glue.js).
#[derive(Clone, Copy)]
enum Opt {
    WithCredentials,
    Decode,
    Reconnect,
    InitialDelayMs,
    MaxDelayMs,
    Multiplier,
    Jitter,
    MaxRetries,
    ResumeParam,
    IdleTimeoutMs,
    HeartbeatEvent,
    PauseWhenOffline,
    PauseWhenHidden,
    RefreshUrl,
    RefreshTimeoutMs,
    MaxRetryAfterMs,
    Transport,
    Method,
    Headers,
    Body,
    Credentials,
    Fetch,
    MaxEventBytes,
    ServerRetry,
    Signal,
    LastEventId,
    Resume,
    DoneMarker,
    TerminalEvents,
    ContentType,
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
    /// For the hub, which checks the events it receives itself: whether `[DONE]` ends the
    /// stream, and the terminal event types (an array) or predicate (a function), if any.
    pub(crate) done_marker: bool,
    pub(crate) terminal: JsValue,
}

/// Applies `options` (undefined, null or a plain object) to `builder`; `Err` is the
/// `TypedSseError` to throw.
pub(crate) fn apply(options: &JsValue, builder: Builder) -> Result<(Builder, Parsed), JsValue> {
    let o = read_options(options)?;
    let get = |key: Opt| Some(o.get(key as u32)).filter(|v| !v.is_undefined());
    // Whole numbers within a timer's range, checked in glue.js.
    let ms = |key: Opt| get(key).and_then(|v| v.as_f64()).map(|n| n as u32);
    let flag = |key: Opt| get(key).and_then(|v| v.as_bool());
    let text = |key: Opt| get(key).and_then(|v| v.as_string());

    let mut policy = ReconnectPolicy::default();
    if let Some(n) = ms(Opt::InitialDelayMs) {
        policy = policy.initial_delay_ms(n);
    }
    if let Some(n) = ms(Opt::MaxDelayMs) {
        policy = policy.max_delay_ms(n);
    }
    if let Some(m) = get(Opt::Multiplier).and_then(|v| v.as_f64()) {
        policy = policy.multiplier(m);
    }
    if let Some(j) = get(Opt::Jitter).and_then(|v| v.as_f64()) {
        policy = policy.jitter(j);
    }
    if let Some(retries) = get(Opt::MaxRetries) {
        policy = match retries.as_f64() {
            Some(n) => policy.max_retries(n as u32),
            None => policy.unlimited_retries(), // null
        };
    }
    if flag(Opt::Reconnect) == Some(false) {
        policy = ReconnectPolicy::never();
    }

    let mut b = builder.reconnect(policy);
    if let Some(yes) = flag(Opt::WithCredentials) {
        b = b.with_credentials(yes);
    }
    if let Some(id) = text(Opt::LastEventId) {
        b = b.last_event_id(&id);
    }
    if let Some(signal) = get(Opt::Signal) {
        b = b.signal(signal.unchecked_ref()); // an AbortSignal, checked in glue.js
    }
    if let Some(param) = get(Opt::ResumeParam) {
        b = b.resume_param(param.as_string().as_deref()); // null turns it off
    }
    if let Some(n) = ms(Opt::IdleTimeoutMs) {
        b = b.idle_timeout_ms(n);
    }
    if let Some(name) = text(Opt::HeartbeatEvent) {
        b = b.heartbeat_event(&name);
    }
    if let Some(yes) = flag(Opt::PauseWhenOffline) {
        b = b.pause_when_offline(yes);
    }
    if let Some(yes) = flag(Opt::PauseWhenHidden) {
        b = b.pause_when_hidden(yes);
    }
    if let Some(n) = ms(Opt::MaxRetryAfterMs) {
        b = b.max_retry_after_ms(n);
    }
    if let Some(n) = ms(Opt::RefreshTimeoutMs) {
        b = b.refresh_timeout_ms(n);
    }
    if let Some(function) = get(Opt::RefreshUrl).and_then(|v| v.dyn_into::<Function>().ok()) {
        b = b.refresher(Rc::new(move |done| Some(refresh(&function, done))));
    }

    // The fetch transport.
    if let Some(t) = text(Opt::Transport) {
        b = b.transport(if t == "fetch" {
            Transport::Fetch
        } else {
            Transport::EventSource
        });
    }
    if let Some(method) = text(Opt::Method) {
        b = b.method(&method);
    }
    if let Some(body) = text(Opt::Body) {
        let content_type = text(Opt::ContentType);
        b = b.fetch_settings("body", |s| s.body = Some((body, content_type)));
    }
    if let Some(headers) = get(Opt::Headers) {
        b = b.fetch_settings("headers", |s| s.headers = headers);
    }
    if let Some(mode) = text(Opt::Credentials) {
        b = b.fetch_settings("credentials", |s| s.credentials = Some(mode));
    }
    if let Some(function) = get(Opt::Fetch) {
        b = b.fetch_settings("fetch", |s| s.fetch = function);
    }
    if let Some(n) = get(Opt::MaxEventBytes).and_then(|v| v.as_f64()) {
        b = b.max_event_bytes(n as usize);
    }
    if let Some(yes) = flag(Opt::ServerRetry) {
        b = b.server_retry(yes);
    }

    // Streamed answers.
    if let Some(how) = text(Opt::Resume) {
        b = b.resume(match how.as_str() {
            "repeat" => Resume::Repeat,
            "get" => Resume::Get,
            _ => Resume::Never,
        });
    }
    let done_marker = flag(Opt::DoneMarker) != Some(false);
    b = b.done_marker(done_marker);
    let terminal = get(Opt::TerminalEvents).unwrap_or(JsValue::UNDEFINED);
    if let Ok(types) = terminal.clone().dyn_into::<Array>() {
        let names: Vec<String> = types.iter().filter_map(|t| t.as_string()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        b = b.terminal_events(&names);
    }

    let decode = if text(Opt::Decode).as_deref() == Some("text") {
        Decode::Text
    } else {
        Decode::Json
    };
    Ok((
        b,
        Parsed {
            decode,
            done_marker,
            terminal,
        },
    ))
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

#[cfg(test)]
mod tests {
    /// `Opt` lists the options in the order glue.js sends them.
    #[test]
    fn opt_follows_the_order_of_glue_js() {
        let glue = include_str!("glue.js");
        let fields = glue.split("const FIELDS = {").nth(1).unwrap();
        let fields = fields.split("\n};").next().unwrap();
        let mut js: Vec<String> = fields
            .lines()
            .filter_map(|line| line.strip_prefix("  ")?.split_once(':'))
            .filter(|(name, _)| name.chars().all(|c| c.is_ascii_alphanumeric()))
            .map(|(name, _)| name.to_owned())
            .collect();
        assert!(glue.contains("const OPTION_ORDER = [...Object.keys(FIELDS), \"contentType\"];"));
        js.push("contentType".into());
        let source = include_str!("options.rs");
        let body = source
            .split("enum Opt {")
            .nth(1)
            .unwrap()
            .split('}')
            .next()
            .unwrap();
        let rust: Vec<String> = body
            .lines()
            .filter_map(|l| l.trim().strip_suffix(','))
            .map(|v| {
                let mut c = v.chars();
                c.next().unwrap().to_lowercase().chain(c).collect()
            })
            .collect();
        assert_eq!(rust, js);
    }
}
