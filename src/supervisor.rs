//! The shared state of one source and the supervisor that runs its life: connect, dispatch,
//! notice failures, ask the probe why, back off, reconnect with resume, close.
//!
//! Everything here is reached from native callbacks through a `Weak<Inner>`, so nothing the
//! browser holds keeps a source alive, and dropping the handle ends it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use wasm_bindgen::JsValue;
use web_sys::MessageEvent;

use crate::connection::Connection;
use crate::dispatch::{Incoming, ListenerId, ListenerList, TypeEntry};
use crate::dom::{self, DomListener};
use crate::probe::{self, Outcome};
use crate::reconnect::Backoff;
use crate::resume::{resume_url, DEFAULT_RESUME_PARAM};
use crate::{CloseReason, Error, ReconnectPolicy, State};

/// Asks for a fresh URL after a 401/403 (e.g. with a renewed token) and passes it to the callback
/// later, never synchronously; `Err` gives up. A callback rather than a future, so that the npm
/// build, whose refresher is a JS promise, links no Rust async runtime. What it returns, if
/// anything, is dropped to cancel the request.
pub(crate) type Refresher =
    Rc<dyn Fn(Box<dyn FnOnce(Result<String, String>)>) -> Option<dom::Pending>>;

/// `EventSource.CLOSED`: the browser gave up on its own (non-200, wrong content type, CORS).
const NATIVE_CLOSED: u16 = 2;

/// Idle detection ticks this many times per timeout: silence is noticed within 1.25 timeouts,
/// and an event costs one `Cell::set` rather than re-arming a JS timer.
const IDLE_TICKS: u32 = 4;

pub(crate) struct Config {
    pub(crate) url: String,
    pub(crate) with_credentials: bool,
    pub(crate) policy: ReconnectPolicy,
    pub(crate) resume_param: Option<String>,
    pub(crate) idle_timeout_ms: Option<u32>,
    pub(crate) pause_when_offline: bool,
    pub(crate) pause_when_hidden: bool,
    pub(crate) refresher: Option<Refresher>,
}

impl Config {
    pub(crate) fn new(url: String) -> Self {
        Self {
            url,
            with_credentials: false,
            policy: ReconnectPolicy::default(),
            resume_param: Some(DEFAULT_RESUME_PARAM.to_owned()),
            idle_timeout_ms: None,
            pause_when_offline: true,
            pause_when_hidden: false,
            refresher: None,
        }
    }
}

pub(crate) struct Inner {
    pub(crate) config: RefCell<Config>,
    types: RefCell<Vec<TypeEntry>>,
    pub(crate) catch_all: ListenerList<Incoming>,
    pub(crate) state_listeners: ListenerList<State>,
    pub(crate) error_listeners: ListenerList<Error>,
    next_id: Cell<ListenerId>,
    state: RefCell<State>,
    /// Bumped for every connection and at shutdown; callbacks carrying an older one are stale.
    generation: Cell<u32>,
    connection: RefCell<Option<Connection>>,
    /// The URL the current connection was opened with (resume parameter included).
    connected_url: RefCell<String>,
    /// The latest event the Rust listeners saw on the current connection. Its `lastEventId` is
    /// read only when needed (a reconnect, a getter), never per event.
    last_event: RefCell<Option<MessageEvent>>,
    /// The last event id of the connections before the current one: what a reconnect resumes
    /// from when the current one has none.
    resume_id: RefCell<Rc<str>>,
    /// Events dispatched so far (wrapping): the idle timeout watches it move, and a connection
    /// during which it moved delivered an event, so its end resets the backoff.
    activity: Cell<u32>,
    /// `activity()` when the current connection opened.
    activity_at_connect: Cell<u32>,
    idle_seen: Cell<u32>,
    /// The JS API's listeners, which bypass wasm per event (see `js::Hub`).
    #[cfg(feature = "js")]
    pub(crate) hub: RefCell<Option<crate::js::Hub>>,
    backoff: RefCell<Backoff>,
    timer: RefCell<Option<Timeout>>,
    /// The failure probe's fetch, or the URL refresher's request, in flight.
    pending: RefCell<Option<dom::Pending>>,
    idle: RefCell<Option<Interval>>,
    idle_ticks: Cell<u32>,
    watchers: RefCell<Vec<DomListener>>,
}

impl Inner {
    pub(crate) fn new(config: Config) -> Rc<Self> {
        Rc::new(Self {
            config: RefCell::new(config),
            types: RefCell::new(Vec::new()),
            catch_all: ListenerList::default(),
            state_listeners: ListenerList::default(),
            error_listeners: ListenerList::default(),
            next_id: Cell::new(1),
            state: RefCell::new(State::Connecting),
            generation: Cell::new(0),
            connection: RefCell::new(None),
            connected_url: RefCell::new(String::new()),
            last_event: RefCell::new(None),
            resume_id: RefCell::new(Rc::from("")),
            activity: Cell::new(0),
            activity_at_connect: Cell::new(0),
            idle_seen: Cell::new(0),
            #[cfg(feature = "js")]
            hub: RefCell::new(None),
            backoff: RefCell::new(Backoff::default()),
            timer: RefCell::new(None),
            pending: RefCell::new(None),
            idle: RefCell::new(None),
            idle_ticks: Cell::new(0),
            watchers: RefCell::new(Vec::new()),
        })
    }

    // ---- registry -------------------------------------------------------------------------

    pub(crate) fn next_listener_id(&self) -> ListenerId {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        id
    }

    /// The listener list of `name`, created (and listened for on the live connection) if new.
    pub(crate) fn type_listeners(self: &Rc<Self>, name: &str) -> Rc<ListenerList<Incoming>> {
        let mut types = self.types.borrow_mut();
        if let Some(entry) = types.iter().find(|t| &*t.name == name) {
            return entry.listeners.clone();
        }
        let listeners = Rc::new(ListenerList::default());
        types.push(TypeEntry {
            name: Rc::from(name),
            listeners: listeners.clone(),
        });
        let index = types.len() - 1;
        drop(types);
        if let Some(conn) = self.connection.borrow_mut().as_mut() {
            if let Err(e) = conn.listen(&Rc::downgrade(self), index, name) {
                self.report(Error::Network {
                    message: format!("could not listen for `{name}`: {}", dom::js_message(&e)),
                });
            }
        }
        listeners
    }

    /// Adds a listener for events of `name`.
    pub(crate) fn add_listener(
        self: &Rc<Self>,
        name: &str,
        handler: Box<dyn FnMut(&Incoming)>,
    ) -> ListenerId {
        let id = self.next_listener_id();
        self.type_listeners(name).add(id, handler);
        id
    }

    /// Removes a listener of any kind by id.
    pub(crate) fn remove_listener(&self, id: ListenerId) -> bool {
        let lists: Vec<_> = self
            .types
            .borrow()
            .iter()
            .map(|t| t.listeners.clone())
            .collect();
        lists.iter().any(|l| l.remove(id))
            || self.catch_all.remove(id)
            || self.state_listeners.remove(id)
            || self.error_listeners.remove(id)
    }

    pub(crate) fn state(&self) -> State {
        self.state.borrow().clone()
    }

    pub(crate) fn seed_last_event_id(&self, id: &str) {
        *self.resume_id.borrow_mut() = Rc::from(id);
    }

    /// The id of the last event delivered on any connection (empty before any).
    pub(crate) fn last_event_id(&self) -> String {
        let id = self
            .latest_event()
            .map(|e| e.last_event_id())
            .unwrap_or_default();
        if id.is_empty() {
            self.resume_id.borrow().to_string()
        } else {
            id
        }
    }

    /// The most recent event of the current connection, from the Rust or the JS listeners.
    fn latest_event(&self) -> Option<MessageEvent> {
        let rust = self.last_event.borrow().clone();
        #[cfg(feature = "js")]
        if let Some(js) = self.hub.borrow().as_ref().and_then(|h| h.last_event()) {
            return match rust {
                Some(r) if r.time_stamp() > js.time_stamp() => Some(r),
                _ => Some(js),
            };
        }
        rust
    }

    /// Events dispatched so far, on either path.
    fn activity(&self) -> u32 {
        let rust = self.activity.get();
        #[cfg(feature = "js")]
        if let Some(hub) = self.hub.borrow().as_ref() {
            return rust.wrapping_add(hub.activity());
        }
        rust
    }

    /// While offline and asked to pause then: wait for `online` instead of connecting.
    fn waits_offline(&self) -> bool {
        self.config.borrow().pause_when_offline && !dom::is_online()
    }

    // ---- life cycle -----------------------------------------------------------------------

    /// Resolves the URL, watches the network and the page, and opens the first connection.
    pub(crate) fn start(self: &Rc<Self>) -> Result<(), Error> {
        let url = self.config.borrow().url.clone();
        let resolved =
            dom::resolve_url(&url).map_err(|message| Error::InvalidUrl { url, message })?;
        self.config.borrow_mut().url = resolved;
        self.install_watchers();
        let pause_hidden = self.config.borrow().pause_when_hidden;
        if pause_hidden && page_hidden() {
            self.set_state(State::Paused);
        } else if self.waits_offline() {
            self.set_state(State::Offline);
        } else {
            self.connect();
        }
        match self.state() {
            State::Closed(CloseReason::Failed(e @ Error::InvalidUrl { .. })) => Err(e),
            _ => Ok(()),
        }
    }

    fn install_watchers(self: &Rc<Self>) {
        let (pause_offline, pause_hidden) = {
            let c = self.config.borrow();
            (c.pause_when_offline, c.pause_when_hidden)
        };
        let mut watchers = Vec::new();
        let mut watch = |target: &web_sys::EventTarget, name: &str, f: fn(&Rc<Inner>)| {
            let weak = Rc::downgrade(self);
            let listener = DomListener::new(target, name, move |_| {
                if let Some(inner) = weak.upgrade() {
                    f(&inner);
                }
            });
            // Without these events the source still works; it just cannot pause.
            if let Ok(listener) = listener {
                watchers.push(listener);
            }
        };
        if pause_offline {
            let global = dom::global_target();
            watch(&global, "online", Inner::on_online);
            watch(&global, "offline", Inner::on_offline);
        }
        if pause_hidden {
            let document = dom::global_property("document");
            if let Some(target) = wasm_bindgen::JsCast::dyn_ref::<web_sys::EventTarget>(&document) {
                watch(target, "visibilitychange", Inner::on_visibility_change);
            }
        }
        *self.watchers.borrow_mut() = watchers;
    }

    /// Opens a new native connection, replacing any other, resuming from the last event id.
    fn connect(self: &Rc<Self>) {
        let generation = self.generation.get().wrapping_add(1);
        self.generation.set(generation);
        self.drop_connection();
        let (url, with_credentials, idle_timeout_ms) = {
            let c = self.config.borrow();
            let url = match &c.resume_param {
                Some(param) => resume_url(&c.url, param, &self.resume_id.borrow()),
                None => c.url.clone(),
            };
            (url, c.with_credentials, c.idle_timeout_ms)
        };
        let opened = {
            let types = self.types.borrow();
            Connection::open(
                self,
                generation,
                &url,
                with_credentials,
                types.iter().map(|t| &*t.name),
            )
        };
        match opened {
            Ok(conn) => {
                *self.connection.borrow_mut() = Some(conn);
                *self.connected_url.borrow_mut() = url;
                self.activity_at_connect.set(self.activity());
                self.idle_ticks.set(0);
                if let Some(ms) = idle_timeout_ms {
                    let weak = Rc::downgrade(self);
                    let interval = Interval::new((ms / IDLE_TICKS).max(1), move || {
                        if let Some(inner) = weak.upgrade() {
                            inner.on_idle_tick(generation);
                        }
                    });
                    *self.idle.borrow_mut() = Some(interval);
                }
                // Announced even when the state already reads Connecting (the initial one), so
                // listeners registered in the builder see every attempt begin.
                *self.state.borrow_mut() = State::Connecting;
                self.state_listeners.emit(&State::Connecting);
            }
            Err(e) => self.fail(Error::InvalidUrl {
                url,
                message: dom::js_message(&e),
            }),
        }
    }

    /// Closes the native connection (if any) and stops idle detection for it. The connection's
    /// last event id is carried over to the next one, and if it delivered an event, the retry
    /// count and delay start over.
    fn drop_connection(&self) {
        let idle = self.idle.borrow_mut().take();
        drop(idle);
        if self.connection.borrow().is_none() {
            return;
        }
        let id = self.last_event_id();
        *self.resume_id.borrow_mut() = Rc::from(id);
        let last = self.last_event.borrow_mut().take();
        drop(last);
        if self.activity() != self.activity_at_connect.get() {
            self.backoff.borrow_mut().reset();
        }
        let conn = self.connection.borrow_mut().take();
        drop(conn);
    }

    /// Stops whatever is pending (connection, timer, probe) and invalidates their callbacks.
    fn suspend(&self) {
        self.generation.set(self.generation.get().wrapping_add(1));
        self.drop_connection();
        let timer = self.timer.borrow_mut().take();
        drop(timer);
        let pending = self.pending.borrow_mut().take();
        drop(pending); // cancels it
    }

    pub(crate) fn close(&self) {
        self.shutdown(CloseReason::Requested);
    }

    fn fail(&self, error: Error) {
        self.report(error.clone());
        self.shutdown(CloseReason::Failed(error));
    }

    /// Closed is final: everything is released, and the listeners too (which ends every stream).
    fn shutdown(&self, reason: CloseReason) {
        if self.state.borrow().is_closed() {
            return;
        }
        self.suspend();
        let watchers = std::mem::take(&mut *self.watchers.borrow_mut());
        drop(watchers);
        #[cfg(feature = "js")]
        if let Some(hub) = self.hub.borrow_mut().take() {
            hub.clear();
        }
        self.set_state(State::Closed(reason));
        let lists: Vec<_> = self
            .types
            .borrow()
            .iter()
            .map(|t| t.listeners.clone())
            .collect();
        for list in lists {
            list.clear();
        }
        self.catch_all.clear();
        self.state_listeners.clear();
        self.error_listeners.clear();
    }

    fn set_state(&self, state: State) {
        {
            let mut current = self.state.borrow_mut();
            if *current == state {
                return;
            }
            *current = state.clone();
        }
        self.state_listeners.emit(&state);
    }

    pub(crate) fn report(&self, error: Error) {
        self.error_listeners.emit(&error);
    }

    // ---- native events --------------------------------------------------------------------

    pub(crate) fn on_open(&self, generation: u32) {
        if generation == self.generation.get() {
            self.set_state(State::Open);
        }
    }

    /// The per-event path of the Rust listeners: no JS call and no allocation of its own.
    pub(crate) fn on_message(&self, generation: u32, index: usize, native: MessageEvent) {
        if generation != self.generation.get() {
            return;
        }
        self.activity.set(self.activity.get().wrapping_add(1));
        let Some((event_type, listeners)) = self
            .types
            .borrow()
            .get(index)
            .map(|t| (t.name.clone(), t.listeners.clone()))
        else {
            return;
        };
        let carried_id = self.resume_id.borrow().clone();
        let incoming = Incoming::new(native, event_type, carried_id);
        listeners.emit(&incoming);
        // A listener may have closed the source or replaced the connection.
        if generation == self.generation.get() {
            self.catch_all.emit(&incoming);
            *self.last_event.borrow_mut() = Some(incoming.finish());
        } else {
            incoming.finish();
        }
    }

    pub(crate) fn on_native_error(self: &Rc<Self>, generation: u32) {
        if generation != self.generation.get() {
            return;
        }
        let Some(ready_state) = self.connection.borrow().as_ref().map(|c| c.ready_state()) else {
            return;
        };
        // Never let the browser retry on its own schedule: the policy decides.
        self.drop_connection();
        if ready_state == NATIVE_CLOSED {
            self.start_probe(generation);
        } else {
            self.after_failure(Outcome::Retry {
                error: Error::Network {
                    message: "the connection was lost".into(),
                },
                min_delay_ms: 0,
            });
        }
    }

    fn start_probe(self: &Rc<Self>, generation: u32) {
        let url = self.connected_url.borrow().clone();
        let (with_credentials, has_refresher) = {
            let c = self.config.borrow();
            (c.with_credentials, c.refresher.is_some())
        };
        let weak = Rc::downgrade(self);
        let probe = probe::probe(&url, with_credentials, move |answer| {
            let Some(inner) = weak.upgrade() else { return };
            if generation != inner.generation.get() {
                return;
            }
            // Dropped after this call returns: wasm-bindgen defers freeing a running closure.
            let _finished = inner.pending.borrow_mut().take();
            inner.after_failure(probe::classify(answer, has_refresher));
        });
        *self.pending.borrow_mut() = Some(probe);
    }

    fn on_idle_tick(self: &Rc<Self>, generation: u32) {
        if generation != self.generation.get() || self.connection.borrow().is_none() {
            return;
        }
        let activity = self.activity();
        if activity != self.idle_seen.get() {
            self.idle_seen.set(activity);
            self.idle_ticks.set(0);
            return;
        }
        let ticks = self.idle_ticks.get() + 1;
        self.idle_ticks.set(ticks);
        if ticks > IDLE_TICKS {
            let timeout_ms = self.config.borrow().idle_timeout_ms.unwrap_or(0);
            self.drop_connection();
            self.after_failure(Outcome::Retry {
                error: Error::IdleTimeout { timeout_ms },
                min_delay_ms: 0,
            });
        }
    }

    // ---- reconnecting ---------------------------------------------------------------------

    fn after_failure(self: &Rc<Self>, outcome: Outcome) {
        match outcome {
            Outcome::Stop(error) => self.fail(error),
            Outcome::Refresh { status } => {
                self.retry(Error::Unauthorized { status }, 0, Some(status))
            }
            Outcome::Retry {
                error,
                min_delay_ms,
            } => self.retry(error, min_delay_ms, None),
        }
    }

    /// Schedules the next attempt under the policy, or gives up when the budget is spent.
    fn retry(self: &Rc<Self>, error: Error, min_delay_ms: u32, refresh: Option<u16>) {
        self.report(error.clone());
        if self.state.borrow().is_closed() {
            return; // an error listener closed the source
        }
        if self.waits_offline() {
            // Offline: wait for the `online` event without spending the retry budget.
            self.suspend();
            self.set_state(State::Offline);
            return;
        }
        let next = {
            let config = self.config.borrow();
            self.backoff
                .borrow_mut()
                .next(&config.policy, js_sys::Math::random())
        };
        let Some((attempt, delay)) = next else {
            let attempts = self.backoff.borrow().attempts();
            return self.fail(Error::GaveUp {
                attempts,
                last: Box::new(error),
            });
        };
        let delay_ms = delay.max(min_delay_ms);
        let generation = self.generation.get();
        let weak = Rc::downgrade(self);
        let timer = Timeout::new(delay_ms, move || {
            if let Some(inner) = weak.upgrade() {
                inner.on_retry_timer(generation, refresh);
            }
        });
        *self.timer.borrow_mut() = Some(timer);
        self.set_state(State::Reconnecting {
            attempt,
            delay_ms,
            reason: error,
        });
    }

    fn on_retry_timer(self: &Rc<Self>, generation: u32, refresh: Option<u16>) {
        if generation != self.generation.get() {
            return;
        }
        let fired = self.timer.borrow_mut().take();
        drop(fired);
        if self.waits_offline() {
            self.suspend();
            self.set_state(State::Offline);
            return;
        }
        let refresher = self.config.borrow().refresher.clone();
        match (refresh, refresher) {
            (Some(status), Some(refresher)) => {
                let weak = Rc::downgrade(self);
                let pending = refresher(Box::new(move |fresh| {
                    let Some(inner) = weak.upgrade() else { return };
                    if generation != inner.generation.get() {
                        return;
                    }
                    let _finished = inner.pending.borrow_mut().take();
                    match fresh.map(|url| dom::resolve_url(&url).map_err(|m| (url, m))) {
                        Ok(Ok(url)) => {
                            inner.config.borrow_mut().url = url;
                            inner.connect();
                        }
                        Ok(Err((url, message))) => inner.fail(Error::InvalidUrl { url, message }),
                        Err(_) => inner.fail(Error::Unauthorized { status }),
                    }
                }));
                *self.pending.borrow_mut() = pending;
            }
            _ => self.connect(),
        }
    }

    fn on_online(self: &Rc<Self>) {
        let waiting = matches!(
            &*self.state.borrow(),
            State::Offline
                | State::Reconnecting {
                    reason: Error::Network { .. } | Error::IdleTimeout { .. },
                    ..
                }
        );
        if waiting {
            self.suspend();
            self.connect();
        }
    }

    fn on_offline(self: &Rc<Self>) {
        let active = matches!(
            &*self.state.borrow(),
            State::Connecting | State::Open | State::Reconnecting { .. }
        );
        if active {
            self.suspend();
            self.set_state(State::Offline);
        }
    }

    fn on_visibility_change(self: &Rc<Self>) {
        let paused = matches!(&*self.state.borrow(), State::Paused);
        if page_hidden() {
            if !paused && !self.state.borrow().is_closed() {
                self.suspend();
                self.set_state(State::Paused);
            }
        } else if paused {
            if self.waits_offline() {
                self.set_state(State::Offline);
            } else {
                self.connect();
            }
        }
    }
}

fn page_hidden() -> bool {
    let document = dom::global_property("document");
    !document.is_undefined()
        && js_sys::Reflect::get(&document, &JsValue::from_str("hidden"))
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
}
