//! The native transport: one browser `EventSource` and the closures attached to it.
//!
//! The browser parses the stream. Its own reconnect is never used: on any `error` the shell
//! drops this connection at once (closing the native instance), and the machine decides.

use std::cell::Cell;
use std::rc::{Rc, Weak};

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{EventSourceInit, MessageEvent};

use super::{Attached, Request, Sink};
use crate::machine::{ConnId, Failure};
use crate::web::dom::DomListener;

/// `EventSource.CLOSED`: the browser gave up on its own (non-200, wrong content type, CORS).
const NATIVE_CLOSED: u16 = 2;

/// A live native `EventSource`. Dropping it closes the native instance and detaches every
/// listener before their closures are freed.
pub(crate) struct Connection {
    native: web_sys::EventSource,
    listeners: Vec<DomListener>,
    conn: ConnId,
    sink: Weak<dyn Sink>,
    attached: Option<Rc<dyn Attached>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Opens `request.url` and listens for `open`, `error` and each of `types`.
    pub(crate) fn open<'a>(
        request: &Request,
        conn: ConnId,
        sink: Weak<dyn Sink>,
        attached: Option<Rc<dyn Attached>>,
        types: impl Iterator<Item = &'a str>,
    ) -> Result<Self, JsValue> {
        let init = EventSourceInit::new();
        init.set_with_credentials(request.with_credentials);
        let native = web_sys::EventSource::new_with_event_source_init_dict(request.url, &init)?;
        if let Some(attached) = &attached {
            attached.attach(&native);
        }
        let mut this = Self {
            native,
            listeners: Vec::new(),
            conn,
            sink,
            attached,
        };
        // A server event named `open` or `error` is a MessageEvent on the same type: an event,
        // not the connection opening or failing (it made every connection drop on arrival).
        // Whether this connection opened: an error before it means the server was never reached
        // (a refusal closes the native instance, below), not a connection lost.
        let opened = Rc::new(Cell::new(false));
        let (sink, seen) = (this.sink.clone(), opened.clone());
        this.attach("open", move |event| {
            if event.is_instance_of::<MessageEvent>() {
                return;
            }
            seen.set(true);
            if let Some(sink) = sink.upgrade() {
                sink.opened(conn);
            }
        })?;
        let sink = this.sink.clone();
        let native = this.native.clone();
        this.attach("error", move |event| {
            if event.is_instance_of::<MessageEvent>() {
                return;
            }
            let Some(sink) = sink.upgrade() else { return };
            // CLOSED: refused (status, content type, CORS), and the browser will not say why.
            // Otherwise it was about to retry by itself: after a drop, or a failure to connect.
            let failure = if native.ready_state() == NATIVE_CLOSED {
                Failure::Unexplained
            } else if opened.get() {
                Failure::Network("the connection was lost".into())
            } else {
                Failure::Network("could not connect to the server".into())
            };
            sink.failed(conn, failure);
        })?;
        for (index, name) in types.enumerate() {
            this.listen(index, name)?;
        }
        Ok(this)
    }

    /// Delivers events of type `name` as the registry entry at `index`.
    pub(crate) fn listen(&mut self, index: usize, name: &str) -> Result<(), JsValue> {
        let sink = self.sink.clone();
        let conn = self.conn;
        // The EventSource's own `open` and `error` events are plain Events: a listener for a
        // server event of that name must skip them. Every other type only ever receives
        // MessageEvents: no per-event check.
        let own_events = name == "open" || name == "error";
        self.attach(name, move |event| {
            if own_events && !event.is_instance_of::<MessageEvent>() {
                return;
            }
            if let Some(sink) = sink.upgrade() {
                sink.event(conn, index, event.unchecked_into::<MessageEvent>());
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
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.native.close();
        if let Some(attached) = &self.attached {
            attached.detach();
        }
        // `listeners` drop next, each detaching itself before its closure is freed.
    }
}
