//! The JavaScript API of the npm package: `new SseClient(url, options)`.
//!
//! JS listeners live in a [`Hub`] (`glue.js`) that attaches them to each native `EventSource` the
//! supervisor opens: an event reaches them through `JSON.parse` and a call, without entering
//! wasm, which keeps the per-event cost close to a bare `EventSource`. The supervisor keeps the
//! connection's life (reconnects, resume, probe, states, errors) and reads the Hub's counters
//! only when it needs them.

mod convert;
mod options;

use std::rc::{Rc, Weak};

use js_sys::Function;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;

use crate::supervisor::Inner;
use crate::{DecodeError, Error, EventSource};
use options::Decode;

mod glue {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/js/glue.js")]
    extern "C" {
        /// The JS listeners of one client and the per-event path to them.
        #[derive(Clone, Debug)]
        pub(crate) type Hub;
        #[wasm_bindgen(constructor)]
        pub(crate) fn new(json: bool, report: &JsValue) -> Hub;
        #[wasm_bindgen(method)]
        pub(crate) fn add(this: &Hub, event_type: &str, listener: &js_sys::Function) -> f64;
        #[wasm_bindgen(method)]
        pub(crate) fn unsubscriber(this: &Hub, id: f64) -> js_sys::Function;
        #[wasm_bindgen(method)]
        pub(crate) fn attach(this: &Hub, source: &web_sys::EventSource);
        #[wasm_bindgen(method)]
        pub(crate) fn detach(this: &Hub);
        #[wasm_bindgen(method)]
        pub(crate) fn clear(this: &Hub);
        #[wasm_bindgen(method, getter)]
        pub(crate) fn activity(this: &Hub) -> u32;
        #[wasm_bindgen(method, getter, js_name = lastEvent)]
        pub(crate) fn last_event(this: &Hub) -> Option<web_sys::MessageEvent>;

        #[wasm_bindgen(js_name = callGuarded)]
        pub(crate) fn call_guarded(listener: &JsValue, arg: &JsValue) -> JsValue;
        pub(crate) fn unsubscriber(off: &JsValue, id: f64) -> js_sys::Function;
        #[wasm_bindgen(js_name = makeError)]
        pub(crate) fn make_error(kind: &str, message: &str, details: &JsValue) -> JsValue;
        pub(crate) fn describe(value: &JsValue) -> String;
        #[wasm_bindgen(js_name = refreshUrl)]
        pub(crate) fn refresh_url(
            refresh: &js_sys::Function,
            done: &js_sys::Function,
        ) -> web_sys::AbortController;
    }
}

pub(crate) use glue::Hub;

#[wasm_bindgen]
extern "C" {
    /// The options object, typed as `SseOptions` in TypeScript; checked field by field at runtime.
    #[wasm_bindgen(typescript_type = "SseOptions")]
    pub type SseOptionsObject;

    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(value: &JsValue);
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("types.d.ts");

/// A typed Server-Sent Events client. Free it with `close()` + `free()` (or `using`) when done.
#[wasm_bindgen]
pub struct SseClient {
    // Dropped first: closing the source clears the hub before the closures below go.
    source: EventSource,
    hub: Hub,
    /// Removes a state or error listener by id.
    off: Closure<dyn FnMut(f64)>,
    /// Receives the hub's reports: malformed JSON, a throwing listener.
    _report: Closure<dyn FnMut(u32, String, String, String)>,
}

impl std::fmt::Debug for SseClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseClient")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

fn thrown(error: Error) -> JsValue {
    convert::error(&error)
}

#[wasm_bindgen]
impl SseClient {
    /// Connects to `url` with `options` (see `SseOptions`). Throws a `TypedSseError` of kind
    /// `invalid_url` or `invalid_option` (naming the field).
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, options: Option<SseOptionsObject>) -> Result<SseClient, JsValue> {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let (builder, parsed) =
            options::apply(&options, EventSource::builder(url)).map_err(thrown)?;
        let weak = builder.source();
        let w = weak.clone();
        let report = Closure::wrap(Box::new(
            move |code: u32, event_type: String, message: String, raw: String| {
                let Some(inner) = w.upgrade() else {
                    return;
                };
                inner.report(if code == 1 {
                    Error::Decode(DecodeError::new(&event_type, &raw, message))
                } else {
                    Error::Listener {
                        event_type,
                        message,
                    }
                });
            },
        ) as Box<dyn FnMut(u32, String, String, String)>);
        let hub = Hub::new(parsed.decode == Decode::Json, report.as_ref());
        let source = builder.hub(hub.clone()).build().map_err(thrown)?;
        let off = Closure::wrap(Box::new(move |id: f64| {
            if let Some(inner) = weak.upgrade() {
                inner.remove_listener(id as u64);
            }
        }) as Box<dyn FnMut(f64)>);
        Ok(SseClient {
            source,
            hub,
            off,
            _report: report,
        })
    }

    /// Calls `listener(data, meta)` for every event of `eventType`; returns an unsubscribe function.
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, event_type: &str, listener: Function) -> Function {
        if self.source.state().is_closed() {
            // A closed client delivers nothing; the unsubscribe function has nothing to do.
            return self.hub.unsubscriber(0.0);
        }
        let id = self.hub.add(event_type, &listener);
        self.hub.unsubscriber(id)
    }

    /// Calls `listener(state)` on every state change; returns an unsubscribe function.
    #[wasm_bindgen(js_name = onState, skip_typescript)]
    pub fn on_state(&self, listener: Function) -> Function {
        let inner = self.source.inner();
        let weak = Rc::downgrade(inner);
        let listener = JsValue::from(listener);
        let id = inner.next_listener_id();
        inner.state_listeners.add(
            id,
            Box::new(move |state| {
                let threw = glue::call_guarded(&listener, &convert::state(state));
                if !threw.is_undefined() {
                    report_throw(&weak, "state", &threw);
                }
            }),
        );
        self.unsubscriber(id)
    }

    /// Calls `listener(error)` with every `TypedSseError`; returns an unsubscribe function.
    #[wasm_bindgen(js_name = onError, skip_typescript)]
    pub fn on_error(&self, listener: Function) -> Function {
        let inner = self.source.inner();
        let listener = JsValue::from(listener);
        let id = inner.next_listener_id();
        inner.error_listeners.add(
            id,
            Box::new(move |error| {
                let threw = glue::call_guarded(&listener, &convert::error(error));
                if !threw.is_undefined() {
                    // Reporting to the error listeners again could loop: log it instead.
                    console_error(&threw);
                }
            }),
        );
        self.unsubscriber(id)
    }

    /// `"connecting"`, `"open"`, `"reconnecting"`, `"offline"`, `"paused"` or `"closed"`.
    #[wasm_bindgen(getter, js_name = readyState, skip_typescript)]
    pub fn ready_state(&self) -> String {
        self.source.state().name().to_owned()
    }

    /// The full state object, as passed to `onState` listeners.
    #[wasm_bindgen(getter, skip_typescript)]
    pub fn state(&self) -> JsValue {
        convert::state(&self.source.state())
    }

    /// The id of the last event delivered (empty before any).
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.source.last_event_id()
    }

    /// The absolute URL (without the resume parameter).
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.source.url()
    }

    /// Closes the connection for good and releases every listener. `free()` also closes.
    pub fn close(&self) {
        self.source.close();
    }

    fn unsubscriber(&self, id: u64) -> Function {
        glue::unsubscriber(self.off.as_ref(), id as f64)
    }
}

fn report_throw(source: &Weak<Inner>, event_type: &str, threw: &JsValue) {
    if let Some(inner) = source.upgrade() {
        inner.report(Error::Listener {
            event_type: event_type.to_owned(),
            message: glue::describe(threw),
        });
    }
}
