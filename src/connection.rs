//! [`Connection`]: one native `web_sys::EventSource` and the closures attached to it.
//!
//! Every closure holds a `Weak` to the source's shared state and the connection's generation, so
//! an event that a replaced connection still fires is recognised and dropped.

use std::rc::{Rc, Weak};

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{EventSourceInit, MessageEvent};

use crate::dom::DomListener;
use crate::supervisor::Inner;

/// A live native `EventSource`. Dropping it closes the native instance and detaches every
/// listener before their closures are freed.
#[derive(Debug)]
pub(crate) struct Connection {
    native: web_sys::EventSource,
    listeners: Vec<DomListener>,
    generation: u32,
    /// The JS API's listeners, attached to `native` directly (see `js::Hub`).
    #[cfg(feature = "js")]
    hub: Option<crate::js::Hub>,
}

impl Connection {
    /// Opens `url` and listens for `open`, `error` and each of `types`.
    pub(crate) fn open<'a>(
        inner: &Rc<Inner>,
        generation: u32,
        url: &str,
        with_credentials: bool,
        types: impl Iterator<Item = &'a str>,
    ) -> Result<Self, JsValue> {
        let init = EventSourceInit::new();
        init.set_with_credentials(with_credentials);
        let native = web_sys::EventSource::new_with_event_source_init_dict(url, &init)?;
        #[cfg(feature = "js")]
        let hub = inner.hub.borrow().clone();
        #[cfg(feature = "js")]
        if let Some(hub) = &hub {
            hub.attach(&native);
        }
        let mut conn = Self {
            native,
            listeners: Vec::new(),
            generation,
            #[cfg(feature = "js")]
            hub,
        };
        let weak = Rc::downgrade(inner);
        let w = weak.clone();
        conn.attach("open", move |_| {
            if let Some(inner) = w.upgrade() {
                inner.on_open(generation);
            }
        })?;
        let w = weak.clone();
        conn.attach("error", move |_| {
            if let Some(inner) = w.upgrade() {
                inner.on_native_error(generation);
            }
        })?;
        for (index, name) in types.enumerate() {
            conn.listen(&weak, index, name)?;
        }
        Ok(conn)
    }

    /// Delivers events of type `name` to the registry entry at `index`.
    pub(crate) fn listen(
        &mut self,
        inner: &Weak<Inner>,
        index: usize,
        name: &str,
    ) -> Result<(), JsValue> {
        let weak = inner.clone();
        let generation = self.generation;
        self.attach(name, move |event| {
            // A listener of an EventSource only ever receives MessageEvents: no per-event check.
            if let Some(inner) = weak.upgrade() {
                inner.on_message(generation, index, event.unchecked_into::<MessageEvent>());
            }
        })
    }

    fn attach(
        &mut self,
        name: &str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> Result<(), JsValue> {
        self.listeners
            .push(DomListener::new(&self.native, name, f)?);
        Ok(())
    }

    /// The native `readyState`: 0 connecting, 1 open, 2 closed.
    pub(crate) fn ready_state(&self) -> u16 {
        self.native.ready_state()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.native.close();
        #[cfg(feature = "js")]
        if let Some(hub) = &self.hub {
            hub.detach();
        }
        // `listeners` drop next, each detaching itself before its closure is freed.
    }
}
