//! [`DomListener`]: a Rust closure attached to an `EventTarget`, detached and freed on drop.
//! [`Pending`]: a Rust closure that JS will call back once, called off on drop.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, EventTarget};

/// A callback that JS (`probe.js`, `hub.js`) calls at most once, such as the answer of a fetch.
/// JS checks the controller's signal before calling, and dropping this aborts it, so a dropped
/// callback is never called and whatever JS was doing (a fetch) is cancelled.
pub(crate) struct Pending {
    controller: AbortController,
    _callback: Box<dyn std::any::Any>,
}

impl Pending {
    /// `controller` is what JS returned for `callback`.
    pub(crate) fn new(controller: AbortController, callback: impl std::any::Any) -> Self {
        Self {
            controller,
            _callback: Box::new(callback),
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.controller.abort();
    }
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pending")
    }
}

/// Owns one event listener. Dropping it removes the listener first, then frees the closure, so
/// the browser never calls a freed closure. (wasm-bindgen defers the free when the drop happens
/// inside the closure itself, which makes closing from a callback safe.)
pub(crate) struct DomListener {
    target: EventTarget,
    name: String,
    closure: Closure<dyn FnMut(web_sys::Event)>,
}

impl DomListener {
    pub(crate) fn new(
        target: &EventTarget,
        name: &str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> Result<Self, JsValue> {
        Self::boxed(target, name, Box::new(f))
    }

    /// `new` past the closure's type: one copy of this code for every kind of listener.
    fn boxed(
        target: &EventTarget,
        name: &str,
        f: Box<dyn FnMut(web_sys::Event)>,
    ) -> Result<Self, JsValue> {
        let closure = Closure::wrap(f);
        target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref())?;
        Ok(Self {
            target: target.clone(),
            name: name.to_owned(),
            closure,
        })
    }
}

impl Drop for DomListener {
    fn drop(&mut self) {
        // Removing can only fail for a target that is gone; nothing is left to clean up then.
        let _ = self
            .target
            .remove_event_listener_with_callback(&self.name, self.closure.as_ref().unchecked_ref());
    }
}

impl std::fmt::Debug for DomListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DomListener")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `globalThis` (every browser EventSource runs in has it). Read directly rather than
    /// through `js_sys::global()`, whose fallbacks for older engines cost four imports.
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL_THIS: JsValue;
}

fn global() -> JsValue {
    GLOBAL_THIS.with(JsValue::clone)
}

/// The global object (`window` or a worker's `self`) as an event target.
pub(crate) fn global_target() -> EventTarget {
    global().unchecked_into()
}

/// `globalThis[name]`, or `undefined`.
pub(crate) fn global_property(name: &str) -> JsValue {
    js_sys::Reflect::get(&global(), &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// `navigator.onLine`; `true` where there is no navigator.
pub(crate) fn is_online() -> bool {
    let navigator = global_property("navigator");
    if navigator.is_undefined() {
        return true;
    }
    js_sys::Reflect::get(&navigator, &JsValue::from_str("onLine"))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(true)
}

/// `document` as an event target, where there is one (not in workers).
pub(crate) fn document_target() -> Option<EventTarget> {
    global_property("document").dyn_into::<EventTarget>().ok()
}

/// `document.hidden`; `false` where there is no document.
pub(crate) fn page_hidden() -> bool {
    let document = global_property("document");
    !document.is_undefined()
        && js_sys::Reflect::get(&document, &JsValue::from_str("hidden"))
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
}

/// Whether this environment has a native `EventSource` (browsers do; Node does not).
pub(crate) fn has_event_source() -> bool {
    !global_property("EventSource").is_undefined()
}

/// The origin of an absolute `url` (empty if it cannot be parsed, which a resolved URL can).
pub(crate) fn origin(url: &str) -> String {
    web_sys::Url::new(url)
        .map(|u| u.origin())
        .unwrap_or_default()
}

/// Resolves `url` against the page's base URL (`location.href`), as `EventSource` would, and
/// refuses what cannot be streamed from: a scheme other than http(s), or a relative URL where
/// there is no page (Node).
pub(crate) fn resolve_url(url: &str) -> Result<String, String> {
    let base = js_sys::Reflect::get(&global_property("location"), &JsValue::from_str("href"))
        .ok()
        .and_then(|v| v.as_string());
    let parsed = match &base {
        Some(base) => web_sys::Url::new_with_base(url, base),
        None => web_sys::Url::new(url),
    };
    let parsed = match parsed {
        Ok(parsed) => parsed,
        // Without a page, a URL that a base would have resolved is a relative one: say so
        // rather than the platform's bare "Invalid URL".
        Err(_) if base.is_none() && web_sys::Url::new_with_base(url, "http://a/").is_ok() => {
            return Err(crate::url_check::NO_BASE.into());
        }
        Err(e) => return Err(js_message(&e)),
    };
    crate::url_check::check_scheme(&parsed.protocol(), url)?;
    Ok(parsed.href())
}

/// The message of a thrown JS value, for error reports.
pub(crate) fn js_message(value: &JsValue) -> String {
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    value
        .as_string()
        .unwrap_or_else(|| String::from(js_sys::JsString::from(value.clone())))
}
