//! The options object of `new SseClient(url, options)`: checked and normalised in
//! `options.js` (every error names its field), then applied to the builder here.

use std::rc::Rc;

use js_sys::{Array, Function};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;

use crate::web::dom::Pending;
use crate::{ReconnectPolicy, Resume, SseClientBuilder, StorageArea, Transport};

use super::glue::Hub;

/// Declares `Opt`, where each option lies in what `readOptions` (options.js) returns, with the
/// name JS gives it: the order of `FIELDS` there, then `contentType`.
/// test/js/fixtures/options.json lists that order: `cargo test` checks these names against it,
/// and `node --test test/js/` checks options.js.
macro_rules! options {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        #[derive(Clone, Copy)]
        enum Opt {
            $($(#[$doc])* $variant,)*
        }
        /// The names of `Opt`, in order.
        #[cfg(test)]
        const NAMES: &[&str] = &[$($name),*];
    };
}

options! {
    WithCredentials = "withCredentials",
    Decode = "decode",
    Reconnect = "reconnect",
    InitialDelayMs = "initialDelayMs",
    MaxDelayMs = "maxDelayMs",
    Multiplier = "multiplier",
    Jitter = "jitter",
    MaxReconnects = "maxReconnects",
    ResumeParam = "resumeParam",
    IdleTimeoutMs = "idleTimeoutMs",
    HeartbeatEvent = "heartbeatEvent",
    PauseWhenOffline = "pauseWhenOffline",
    PauseWhenHidden = "pauseWhenHidden",
    RefreshUrl = "refreshUrl",
    RefreshTimeoutMs = "refreshTimeoutMs",
    MaxRetryAfterMs = "maxRetryAfterMs",
    Transport = "transport",
    Method = "method",
    Headers = "headers",
    Body = "body",
    Credentials = "credentials",
    Fetch = "fetch",
    MaxEventBytes = "maxEventBytes",
    ServerRetry = "serverRetry",
    Signal = "signal",
    LastEventId = "lastEventId",
    Resume = "resume",
    DoneMarker = "doneMarker",
    TerminalEvents = "terminalEvents",
    Shared = "shared",
    StorageKey = "storageKey",
    StorageArea = "storageArea",
    // JS only: read by the hub (options.js `hubSettings`), as `Decode` is.
    LogErrors = "logErrors",
    ContentType = "contentType",
}

/// The options that are not builder settings.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// For the hub, which checks the events it receives itself: whether `[DONE]` ends the
    /// stream, and the terminal event types (an array) or predicate (a function), if any.
    pub(crate) done_marker: bool,
    pub(crate) terminal: JsValue,
}

/// Applies `o`, the options as `readOptions` returned them (checked, by position), to `builder`.
pub(crate) fn apply(o: &Array, hub: &Hub, builder: SseClientBuilder) -> (SseClientBuilder, Parsed) {
    let get = |key: Opt| Some(o.get(key as u32)).filter(|v| !v.is_undefined());
    // Whole numbers within a timer's range, checked in options.js.
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
    if let Some(retries) = get(Opt::MaxReconnects) {
        policy = match retries.as_f64() {
            Some(n) => policy.max_reconnects(n as u32),
            None => policy.unlimited_reconnects(), // null
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
        b = b.signal(signal.unchecked_ref()); // an AbortSignal, checked in options.js
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
        let hub = hub.clone();
        b = b.refresher(Rc::new(move |done| Some(refresh(&hub, &function, done))));
    }

    // The fetch transport.
    if let Some(t) = text(Opt::Transport) {
        b = b.transport(if t == "fetch" {
            Transport::Fetch
        } else {
            Transport::Native
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
    if let Some(yes) = flag(Opt::Shared) {
        b = b.shared(yes);
    }
    if let Some(key) = text(Opt::StorageKey) {
        let area = match text(Opt::StorageArea).as_deref() {
            Some("local") => StorageArea::Local,
            _ => StorageArea::Session,
        };
        b = b.store_last_event_id(&key, area);
    }
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
    // Read by the hub, which client.js made for these options (`hubSettings`).
    let _ = (Opt::Decode, Opt::LogErrors);
    (
        b,
        Parsed {
            done_marker,
            terminal,
        },
    )
}

/// Calls the user's `refreshUrl()` through the hub, which resolves a returned promise, and
/// passes the URL (or what went wrong) to `done`.
fn refresh(
    hub: &Hub,
    function: &Function,
    done: Box<dyn FnOnce(Result<String, String>)>,
) -> Pending {
    let mut done = Some(done);
    let callback = Closure::wrap(Box::new(move |url: Option<String>, error: String| {
        if let Some(done) = done.take() {
            done(url.ok_or(error));
        }
    }) as Box<dyn FnMut(Option<String>, String)>);
    let controller = hub.refresh_url(function, callback.as_ref().unchecked_ref());
    Pending::new(controller, callback)
}

#[cfg(test)]
mod tests {
    /// `Opt` lists the options in the order of test/js/fixtures/options.json, which
    /// test/js/options.test.mjs checks against `OPTION_ORDER` in options.js.
    #[test]
    fn opt_follows_the_order_of_the_options_fixture() {
        let fixture: Vec<String> =
            serde_json::from_str(include_str!("../../test/js/fixtures/options.json")).unwrap();
        assert_eq!(super::NAMES, fixture);
    }
}
