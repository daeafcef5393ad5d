//! The wasm half of the npm package's JavaScript API.
//!
//! The public classes, `SseClient` and `TypedEventSource`, are JavaScript (`client.js`, the
//! package's entry point): a JS class can be an `EventTarget`, an async iterable, and be kept
//! alive while open and collected once closed. Each `SseClient` holds a [`Core`] (this module)
//! and its [`Hub`] (`hub.js`). The JS half is ordinary ES modules (`hub.js`, `options.js`,
//! `iterator.js`, `errors.js`, `meta.js`) that the package build bundles with `client.js`: none
//! is a wasm-bindgen snippet. `client.js` makes the hub and hands it to [`Core::new`], and wasm
//! reaches JS only through the hub's methods (a snippet that imported another module made the
//! test runner's page load hang, and wasm-bindgen copies a snippet file alone).
//! JS listeners live in the Hub, which attaches them to each native
//! `EventSource` the shell opens: an event reaches them through the decoder and a call, without
//! entering wasm, which keeps the per-event cost close to a bare `EventSource`. The Hub plugs
//! into the core as its [`Attached`] listeners; the machine keeps the connection's life
//! (reconnects, resume, probe, states, errors) and the shell reads the Hub's counters only when
//! it needs them.

mod convert;
mod options;

use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;

use crate::transport::Attached;
use crate::SseClient;

mod glue {
    use wasm_bindgen::prelude::*;

    // No `module`: the hub is an object made by client.js (src/js/hub.js), whose methods wasm
    // calls.
    #[wasm_bindgen]
    extern "C" {
        /// The JS listeners of one client and the per-event path to them (src/js/hub.js).
        #[derive(Clone, Debug)]
        pub(crate) type Hub;
        #[wasm_bindgen(method)]
        pub(crate) fn attach(this: &Hub, source: &web_sys::EventSource);
        #[wasm_bindgen(method)]
        pub(crate) fn detach(this: &Hub);
        #[wasm_bindgen(method, js_name = attachStream)]
        pub(crate) fn attach_stream(this: &Hub, origin: &str);
        #[wasm_bindgen(method)]
        pub(crate) fn deliver(
            this: &Hub,
            values: &str,
            names: &str,
            records: &[u32],
            ids: Option<&str>,
        );
        #[wasm_bindgen(method)]
        pub(crate) fn clear(this: &Hub);
        #[wasm_bindgen(method)]
        pub(crate) fn closed(this: &Hub, state: &JsValue);
        #[wasm_bindgen(method, js_name = setTerminal)]
        pub(crate) fn set_terminal(
            this: &Hub,
            done_marker: bool,
            terminal: &JsValue,
            finish: &js_sys::Function,
        );
        #[wasm_bindgen(method, js_name = emitError)]
        pub(crate) fn emit_error(this: &Hub, error: &JsValue);
        #[wasm_bindgen(method, js_name = failedWith)]
        pub(crate) fn failed_with(this: &Hub, cause: &JsValue);
        /// Calls `listener(arg)`; what it throws is reported as a `listener` error of `kind`.
        #[wasm_bindgen(method, js_name = callListener)]
        pub(crate) fn call_listener(this: &Hub, kind: &str, listener: &JsValue, arg: &JsValue);
        #[wasm_bindgen(method, getter)]
        pub(crate) fn activity(this: &Hub) -> u32;
        #[wasm_bindgen(method, getter, js_name = lastEvent)]
        pub(crate) fn last_event(this: &Hub) -> Option<web_sys::MessageEvent>;

        /// Throws a `TypedSseError` of kind `invalid_option` unless `listener` is a function.
        #[wasm_bindgen(method, js_name = checkListener, catch)]
        pub(crate) fn check_listener(this: &Hub, listener: &JsValue) -> Result<(), JsValue>;
        #[wasm_bindgen(method)]
        pub(crate) fn unsubscriber(this: &Hub, off: &JsValue, id: f64) -> js_sys::Function;
        /// The `TypedSseError` of an error made here: its message is written in JS from the
        /// kind, the details and the variant's own `text` (see `convert::error`).
        #[wasm_bindgen(method, js_name = wasmError)]
        pub(crate) fn wasm_error(this: &Hub, kind: &str, text: &str, details: &JsValue) -> JsValue;
        #[wasm_bindgen(method, js_name = refreshUrl)]
        pub(crate) fn refresh_url(
            this: &Hub,
            refresh: &js_sys::Function,
            done: &js_sys::Function,
        ) -> web_sys::AbortController;
    }
}

use glue::Hub;

/// The fast path: the Hub attaches the JS listeners to each native connection itself.
impl Attached for Hub {
    fn attach(&self, source: &web_sys::EventSource) {
        Hub::attach(self, source);
    }
    fn attach_stream(&self, origin: &str) {
        Hub::attach_stream(self, origin);
    }
    fn deliver(&self, values: &str, names: &str, records: &[u32], ids: Option<&str>) {
        Hub::deliver(self, values, names, records, ids);
    }
    fn detach(&self) {
        Hub::detach(self);
    }
    fn failed_with(&self, cause: &JsValue) {
        Hub::failed_with(self, cause);
    }
    fn clear(&self) {
        Hub::clear(self);
    }
    fn activity(&self) -> u32 {
        Hub::activity(self)
    }
    fn last_event(&self) -> Option<web_sys::MessageEvent> {
        Hub::last_event(self)
    }
}

/// The wasm half of the JS API's `SseClient` (`client.js`): the connection, its state and the
/// listeners kept in wasm. The JS class holds it and its [`Hub`], and frees it as soon as the
/// client is closed (the hub's `closed`), so that a closed client holds nothing in wasm.
#[wasm_bindgen(js_name = SseCore)]
pub struct Core {
    // Dropped first: closing the source clears the hub before the closures below go.
    source: SseClient,
    hub: Hub,
    /// Removes a state or comment listener by id.
    off: Closure<dyn FnMut(f64)>,
    /// What the hub calls when it sees a terminal marker itself (native transport, or a
    /// terminal predicate): the source closes as done.
    _finish: Closure<dyn FnMut()>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

#[wasm_bindgen(js_class = SseCore)]
impl Core {
    /// Connects to `url` with `options`, as `readOptions` (src/js/options.js) returned them
    /// checked, and `hub`, made by client.js for these options. Throws a `TypedSseError` of
    /// kind `invalid_url` or `invalid_option` (naming the field).
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, options: js_sys::Array, hub: JsValue) -> Result<Core, JsValue> {
        let hub: Hub = hub.unchecked_into();
        let (builder, parsed) = options::apply(&options, &hub, SseClient::builder(url));
        let (errors, ends) = (hub.clone(), hub.clone());
        let attached: Rc<dyn Attached> = Rc::new(hub.clone());
        let source = builder
            // Every error from wasm reaches the JS error listeners, which the hub keeps.
            .on_error(move |e| errors.emit_error(&convert::error(&errors, e)))
            // The end, before the hub is cleared: it ends the iterators and lets the client go.
            // Registered before the source starts, so it sees even a close during `build` (a
            // signal aborted already).
            .on_state(move |state| {
                if state.is_closed() {
                    ends.closed(&convert::state(&ends, state));
                }
            })
            .attached(attached)
            .build()
            .map_err(|e| convert::error(&hub, &e.into()))?;
        let weak = Rc::downgrade(source.registry());
        let off = Closure::wrap(Box::new(move |id: f64| {
            if let Some(registry) = weak.upgrade() {
                registry.remove(id as u64);
            }
        }) as Box<dyn FnMut(f64)>);
        let shell = source.shell();
        let finish = Closure::wrap(Box::new(move || {
            if let Some(shell) = shell.upgrade() {
                shell.finish();
            }
        }) as Box<dyn FnMut()>);
        hub.set_terminal(
            parsed.done_marker,
            &parsed.terminal,
            finish.as_ref().unchecked_ref(),
        );
        Ok(Core {
            source,
            hub,
            off,
            _finish: finish,
        })
    }

    /// Calls `listener(state)` on every state change; returns an unsubscribe function.
    #[wasm_bindgen(js_name = onState)]
    pub fn on_state(&self, listener: JsValue) -> Result<Function, JsValue> {
        self.hub.check_listener(&listener)?;
        let hub = self.hub.clone();
        let id = self
            .source
            .registry()
            .add_state_listener(Box::new(move |state| {
                hub.call_listener("state", &listener, &convert::state(&hub, state));
            }));
        Ok(self.unsubscriber(id))
    }

    /// Calls `listener(text)` with every comment line (fetch transport); returns an unsubscribe
    /// function.
    #[wasm_bindgen(js_name = onComment)]
    pub fn on_comment(&self, listener: JsValue) -> Result<Function, JsValue> {
        self.hub.check_listener(&listener)?;
        let hub = self.hub.clone();
        let id = self
            .source
            .registry()
            .add_comment_listener(Box::new(move |text| {
                hub.call_listener("comment", &listener, &JsValue::from_str(text));
            }));
        Ok(self.unsubscriber(id))
    }

    /// The full state object, as passed to `onState` listeners.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> JsValue {
        convert::state(&self.hub, &self.source.state())
    }

    /// The id of the last event delivered (empty before any).
    #[wasm_bindgen(getter, js_name = lastEventId)]
    pub fn last_event_id(&self) -> String {
        self.source.last_event_id()
    }

    /// `"own"`, `"holder"` or `"follower"`: what this client is to its connection.
    #[wasm_bindgen(getter)]
    pub fn role(&self) -> String {
        self.source.role().name().to_owned()
    }

    /// The absolute URL (without the resume parameter).
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.source.url()
    }

    /// Closes the connection for good and releases every listener.
    pub fn close(&self) {
        self.source.close();
    }

    fn unsubscriber(&self, id: u64) -> Function {
        self.hub.unsubscriber(self.off.as_ref(), id as f64)
    }
}
