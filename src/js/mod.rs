//! The JavaScript API of the npm package: `new SseClient(url, options)`.
//!
//! JS listeners receive the data decoded by `JSON.parse` (or the raw text) and a meta object;
//! the per-event work happens in `glue.js`, so the data never crosses into wasm and back.

mod convert;
mod options;

use std::rc::{Rc, Weak};

use js_sys::Function;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;

use crate::dispatch::Incoming;
use crate::supervisor::Inner;
use crate::{Error, EventSource};
use options::Decode;

mod glue {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/js/glue.js")]
    extern "C" {
        pub(crate) fn deliver(
            listener: &JsValue,
            event: &JsValue,
            event_type: &JsValue,
            json: bool,
        ) -> JsValue;
        #[wasm_bindgen(js_name = callGuarded)]
        pub(crate) fn call_guarded(listener: &JsValue, arg: &JsValue) -> JsValue;
        pub(crate) fn unsubscriber(off: &JsValue, id: f64) -> js_sys::Function;
        #[wasm_bindgen(js_name = makeError)]
        pub(crate) fn make_error(kind: &str, message: &str, details: &JsValue) -> JsValue;
        pub(crate) fn describe(value: &JsValue) -> String;
    }
}

#[wasm_bindgen]
extern "C" {
    /// The options object, typed as `SseOptions` in TypeScript; checked field by field at runtime.
    #[wasm_bindgen(typescript_type = "SseOptions")]
    pub type SseOptionsObject;
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("types.d.ts");

/// A typed Server-Sent Events client. Free it with `close()` + `free()` (or `using`) when done.
#[wasm_bindgen]
pub struct SseClient {
    source: EventSource,
    decode: Decode,
    /// Removes a listener by id: the target of every unsubscribe function this client returns.
    off: Closure<dyn FnMut(f64)>,
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
        let source = builder.build().map_err(thrown)?;
        let weak = Rc::downgrade(source.inner());
        let off = Closure::wrap(Box::new(move |id: f64| {
            if let Some(inner) = weak.upgrade() {
                inner.remove_listener(id as u64);
            }
        }) as Box<dyn FnMut(f64)>);
        Ok(SseClient {
            source,
            decode: parsed.decode,
            off,
        })
    }

    /// Calls `listener(data, meta)` for every event of `eventType`; returns an unsubscribe function.
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, event_type: &str, listener: Function) -> Function {
        let inner = self.source.inner();
        let handler = js_handler(
            Rc::downgrade(inner),
            event_type,
            listener.into(),
            self.decode,
        );
        let id = inner.add_listener(event_type, handler);
        self.unsubscriber(id)
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
                    web_sys_console_error(&threw);
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

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn web_sys_console_error(value: &JsValue);
}

fn report_throw(source: &Weak<Inner>, event_type: &str, threw: &JsValue) {
    if let Some(inner) = source.upgrade() {
        inner.report(Error::Listener {
            event_type: event_type.to_owned(),
            message: glue::describe(threw),
        });
    }
}

fn js_handler(
    source: Weak<Inner>,
    event_type: &str,
    listener: JsValue,
    decode: Decode,
) -> Box<dyn FnMut(&Incoming)> {
    let type_js = JsValue::from_str(event_type);
    let json = decode == Decode::Json;
    Box::new(move |incoming: &Incoming| {
        let failed = glue::deliver(&listener, incoming.native.as_ref(), &type_js, json);
        if failed.is_undefined() {
            return;
        }
        let failed = js_sys::Array::from(&failed);
        if failed.get(0).as_f64() == Some(1.0) {
            let message = failed.get(1).as_string().unwrap_or_default();
            if let Some(inner) = source.upgrade() {
                inner.report(Error::Decode(crate::DecodeError::new(
                    &incoming.event_type,
                    incoming.text(),
                    message,
                )));
            }
        } else {
            report_throw(&source, &incoming.event_type, &failed.get(1));
        }
    })
}
