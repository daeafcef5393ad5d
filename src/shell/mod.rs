//! The shell: the one place where the machine meets the browser. It feeds the machine what the
//! transport, the timer, the probe, the refresher and the page watchers report, carries out
//! what the machine asks for, and hands events to the listeners.
//!
//! Everything here is reached from browser callbacks through a `Weak<Shell>`, so nothing the
//! browser holds keeps a source alive, and dropping the handle ends it. No borrow is held while
//! user code runs: a listener may close the source, add listeners, or drop the handle.

use std::cell::Cell;

use crate::cell::Shared;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use web_sys::MessageEvent;

mod batch;
mod sink;
mod storage;
mod watch;

use crate::listeners::dispatch::{Handler, Incoming, ListenerId};
use crate::listeners::registry::Registry;
use crate::machine::{ConnId, Failure, Input, Machine, Output, Refreshed, Terminal, MAX_TIMER_MS};
use crate::share::Role;
use crate::transport::fetch::{self, FetchSettings};
use crate::transport::shared::Member;
use crate::transport::{native, probe, Attached, Request, Sink, Transport};
use crate::web::dom::{self, DomListener, Pending};
use crate::{ConfigError, State, StreamError};
pub use storage::StorageArea;
pub(crate) use storage::Store;

/// Asks for a fresh URL after a 401/403 (e.g. with a renewed token) and passes it to the callback
/// later, never synchronously; `Err` gives up. A callback rather than a future, so that the npm
/// build, whose refresher is a JS promise, links no Rust async runtime. What it returns, if
/// anything, is dropped to cancel the request.
pub(crate) type Refresher = Rc<dyn Fn(Box<dyn FnOnce(Result<String, String>)>) -> Option<Pending>>;

/// What the shell needs besides the machine.
pub(crate) struct Effects {
    pub(crate) transport: Transport,
    /// What a fetch connection sends (the fetch transport only).
    pub(crate) fetch: FetchSettings,
    pub(crate) with_credentials: bool,
    pub(crate) refresher: Option<Refresher>,
    pub(crate) attached: Option<Rc<dyn Attached>>,
    pub(crate) watch_online: bool,
    pub(crate) watch_hidden: bool,
    /// The user's `AbortSignal`: aborting it closes the source as `Aborted`.
    pub(crate) signal: Option<web_sys::AbortSignal>,
    /// What ends an answer: `data: [DONE]`, named terminal events.
    pub(crate) terminal: Terminal,
    /// Share one connection with the clients of every tab (`transport::shared`).
    pub(crate) shared: bool,
    /// Where the resume point is kept between page loads.
    pub(crate) store: Option<Store>,
}

/// The live connection, of whichever transport.
enum Live {
    Native(native::Connection),
    /// Held for its `Drop`, which aborts the request and releases the reader.
    Fetch(#[allow(dead_code)] fetch::Connection),
}

/// What the shell tracks of a fetch connection's parsed stream.
#[derive(Default)]
struct Stream {
    /// The stream's origin, for events' metadata.
    origin: Rc<str>,
    /// The last event id as one `Rc` shared by the Rust listeners' events while it does not
    /// change: made when one needs it, so that the JS listeners' path allocates nothing per id.
    shared_id: Option<Rc<str>>,
    /// Events (or an id) arrived since the machine was last told.
    unreported: bool,
    /// The resume point the machine has yet to hear: the latest id that is not empty (a reset
    /// never moves the resume point back to nothing, and must not depend on whether it came in
    /// the same chunk as the id before it) and that a `Last-Event-ID` header can carry
    /// (`resume::fits_header`). Handed over, not copied, once per change.
    resumable: Option<String>,
    /// A terminal marker arrived: nothing after it is delivered, and the machine hears of it
    /// once the chunk's events are handed over.
    finished: bool,
}

pub(crate) struct Shell {
    /// Itself, for the callbacks it creates and for the transport's reports.
    me: Weak<Shell>,
    machine: Shared<Machine>,
    pub(crate) registry: Rc<Registry>,
    effects: Effects,
    live: Shared<Option<Live>>,
    stream: Shared<Stream>,
    /// The current chunk's events for the attached listeners (fetch).
    batch: Shared<batch::Batch>,
    /// The number of the live connection (0: none), readable without a borrow per event.
    live_conn: Cell<ConnId>,
    /// The resume point when the live connection opened: `Event::last_event_id` of its events
    /// that carry no id of their own.
    carried_id: Shared<Rc<str>>,
    /// Events the Rust listeners received (wrapping), and the latest of them that had an id, on
    /// the live connection: the resume point, as the fetch transport keeps it (a reset, an
    /// empty id, never moves it back).
    activity: Cell<u32>,
    last_event: Shared<Option<MessageEvent>>,
    /// The total activity last reported to the machine.
    reported: Cell<u32>,
    timer: Shared<Option<Timeout>>,
    /// The probe's fetch, or the URL refresher's request, in flight.
    pending: Shared<Option<Pending>>,
    watchers: Shared<Vec<DomListener>>,
    /// The membership of a shared stream, from the first connection to the close.
    member: Shared<Option<Member>>,
    /// Sharing was asked for but is not available here: a connection of its own.
    unshared: Cell<bool>,
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `performance.now()`: present in pages, workers and Node.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The machine's clock: monotonic, so that the idle timeout and the waits measure elapsed time
/// whatever happens to the wall clock (set back an hour, the idle timeout would wait that hour;
/// set forward, fire at once). `Retry-After` dates are read against the wall clock, as a delay.
fn now() -> u64 {
    performance_now() as u64
}

impl Shell {
    pub(crate) fn new(machine: Machine, registry: Rc<Registry>, effects: Effects) -> Rc<Self> {
        Rc::new_cyclic(|me| Self {
            me: me.clone(),
            machine: Shared::new(machine),
            registry,
            effects,
            live: Shared::new(None),
            stream: Shared::default(),
            batch: Shared::default(),
            live_conn: Cell::new(0),
            carried_id: Shared::new(Rc::from("")),
            activity: Cell::new(0),
            last_event: Shared::new(None),
            reported: Cell::new(0),
            timer: Shared::new(None),
            pending: Shared::new(None),
            watchers: Shared::new(Vec::new()),
            member: Shared::new(None),
            unshared: Cell::new(false),
        })
    }

    /// Watches the network, the page and the abort signal, then lets the machine begin; a
    /// signal aborted already closes it before any connection.
    pub(crate) fn start(self: &Rc<Self>) {
        if self.effects.signal.as_ref().is_some_and(|s| s.aborted()) {
            return self.feed(Input::Abort);
        }
        self.install_watchers();
        let hidden = dom::page_hidden();
        self.feed(Input::Start {
            online: dom::is_online(),
            hidden,
        });
    }

    pub(crate) fn state(&self) -> State {
        self.machine.borrow().state().clone()
    }

    /// The id of the last event delivered (empty before any): what the next connection resumes
    /// from.
    pub(crate) fn last_event_id(&self) -> String {
        self.sync();
        self.machine.borrow().last_event_id().to_owned()
    }

    /// What this client is to its connection.
    pub(crate) fn role(&self) -> Role {
        match &*self.member.borrow() {
            Some(member) => member.role(),
            None if self.effects.shared && !self.unshared.get() => Role::Follower,
            None => Role::Own,
        }
    }

    pub(crate) fn url(&self) -> String {
        self.machine.borrow().url().to_owned()
    }

    pub(crate) fn close(self: &Rc<Self>) {
        self.feed(Input::Close);
    }

    /// A terminal marker arrived on the live connection, seen by listeners outside wasm (the
    /// JS API's): the source closes as done.
    #[cfg(feature = "js")]
    pub(crate) fn finish(self: &Rc<Self>) {
        let conn = self.live_conn.get();
        if conn != 0 {
            self.feed(Input::Finished(conn));
        }
    }

    /// Adds a listener for events of `name`; a live connection starts listening for a new type.
    pub(crate) fn add_listener(&self, name: &str, handler: Handler<Incoming>) -> ListenerId {
        let id = self.registry.next_listener_id();
        self.add_listener_as(name, id, handler);
        id
    }

    /// Adds a listener for events of `name` under `id`: one id may serve several types (a
    /// typed union), removed together.
    pub(crate) fn add_listener_as(&self, name: &str, id: ListenerId, handler: Handler<Incoming>) {
        let (list, created) = self.registry.type_listeners(name);
        list.add(id, handler);
        // The native transport listens per type; the fetch transport sees every type.
        if let (Some(index), Some(Live::Native(live))) = (created, self.live.borrow_mut().as_mut())
        {
            if let Err(e) = live.listen(index, name) {
                let message = format!("could not listen for `{name}`: {}", dom::js_message(&e));
                self.registry.report(&StreamError::Network { message });
            }
        }
    }

    // ---- into the machine -----------------------------------------------------------------

    fn feed(self: &Rc<Self>, input: Input) {
        // Whatever was delivered since the last report counts before what happens now.
        self.sync();
        self.machine.borrow_mut().handle(input, now());
        self.store_id();
        self.drive();
    }

    /// Tells the machine about events delivered since the last report, on either path, with
    /// the latest one's id.
    fn sync(&self) {
        let conn = self.live_conn.get();
        // Fetch: the events parsed since the last report, and the id of the last.
        // No new resume point goes as "", which never moves the machine's: a long id is
        // handed over once when it changes, never copied per chunk.
        let parsed = {
            let mut stream = self.stream.borrow_mut();
            std::mem::take(&mut stream.unreported)
                .then(|| stream.resumable.take().unwrap_or_default())
        };
        if let Some(last_id) = parsed.filter(|_| conn != 0) {
            let input = Input::Delivered { conn, last_id };
            return self.machine.borrow_mut().handle(input, now());
        }
        // Native: the counters of the Rust listeners and the attached ones.
        let attached = self.effects.attached.as_ref();
        let total = self
            .activity
            .get()
            .wrapping_add(attached.map_or(0, |a| a.activity()));
        if conn == 0 || total == self.reported.replace(total) {
            return;
        }
        let rust = self.last_event.borrow().clone();
        let latest = match (rust, attached.and_then(|a| a.last_event())) {
            (Some(r), Some(js)) if r.time_stamp() > js.time_stamp() => Some(r),
            (rust, js) => js.or(rust),
        };
        let last_id = latest.map(|e| e.last_event_id()).unwrap_or_default();
        let input = Input::Delivered { conn, last_id };
        self.machine.borrow_mut().handle(input, now());
    }

    /// Carries out what the machine asks for. Each output is taken before it runs, so a user
    /// callback that feeds the machine again (closing it, say) finds it free.
    fn drive(self: &Rc<Self>) {
        loop {
            let Some(output) = self.machine.borrow_mut().poll() else {
                break;
            };
            match output {
                Output::Connect {
                    conn,
                    url,
                    last_event_id,
                    get,
                } => self.connect(conn, &url, &last_event_id, get),
                Output::Disconnect => self.disconnect(),
                Output::Probe { url } => self.probe(&url),
                Output::Refresh => self.refresh(),
                Output::Cancel => drop(self.pending.borrow_mut().take()),
                Output::Timer(at) => self.arm(at),
                Output::State(state) => self.announce(&state),
                Output::Error(error) => self.registry.report(&error),
            }
        }
    }

    // ---- out of the machine ---------------------------------------------------------------

    /// Opens connection `conn`; `get`: as a GET without the body, whatever the method (a
    /// stream resumed as `Resume::Get` says).
    fn connect(self: &Rc<Self>, conn: ConnId, url: &str, last_event_id: &str, get: bool) {
        self.disconnect();
        let request = Request {
            url,
            last_event_id,
            with_credentials: self.effects.with_credentials,
        };
        if self.joined() {
            return self.connect_shared(conn, &request);
        }
        let sink = self.me.clone() as Weak<dyn Sink>;
        let attached = self.effects.attached.clone();
        let opened = match self.effects.transport {
            Transport::Native => {
                let names = self.registry.type_names();
                let types = names.iter().map(|n| &**n);
                native::Connection::open(&request, conn, sink, attached, types).map(Live::Native)
            }
            Transport::Fetch => {
                let origin = dom::origin(url);
                self.batch.borrow_mut().new_connection();
                *self.stream.borrow_mut() = Stream {
                    origin: Rc::from(origin.as_str()),
                    shared_id: None,
                    unreported: false,
                    resumable: None,
                    finished: false,
                };
                // `get`: the settings say to leave out the method and the body, rather than
                // a copy of them without (a derived `Clone` of the settings cost ~0.2 KB).
                Ok(Live::Fetch(fetch::Connection::open(
                    &request,
                    &self.effects.fetch,
                    get,
                    conn,
                    sink,
                    attached,
                    &origin,
                )))
            }
        };
        match opened {
            Ok(live) => {
                *self.carried_id.borrow_mut() = Rc::from(last_event_id);
                self.live_conn.set(conn);
                *self.live.borrow_mut() = Some(live);
            }
            Err(e) => {
                let error = ConfigError::InvalidUrl {
                    url: url.to_owned(),
                    message: dom::js_message(&e),
                };
                let failure = Failure::Fatal(error.into());
                self.machine
                    .borrow_mut()
                    .handle(Input::Failed { conn, failure }, now());
            }
        }
    }

    /// Whether this client shares its connection: joined already, or joining now. Where
    /// sharing is not available, it never tries again: a connection of its own.
    fn joined(self: &Rc<Self>) -> bool {
        if !self.effects.shared || self.unshared.get() {
            return false;
        }
        if self.member.borrow().is_some() {
            return true;
        }
        let weak = Rc::downgrade(self);
        let member = Member::join(
            self.machine.borrow().url(),
            &self.effects.fetch,
            self.effects.with_credentials,
            self.me.clone() as Weak<dyn Sink>,
            move |held| {
                if let Some(shell) = weak.upgrade() {
                    shell.granted(held);
                }
            },
        );
        self.unshared.set(member.is_none());
        let joined = member.is_some();
        *self.member.borrow_mut() = member;
        joined
    }

    /// Connection `conn` of a shared stream: the holder opens it, a follower asks the holder.
    fn connect_shared(&self, conn: ConnId, request: &Request) {
        let origin = dom::origin(request.url);
        self.batch.borrow_mut().new_connection();
        *self.stream.borrow_mut() = Stream {
            origin: Rc::from(origin.as_str()),
            ..Stream::default()
        };
        if let Some(attached) = &self.effects.attached {
            attached.attach_stream(&origin);
        }
        *self.carried_id.borrow_mut() = Rc::from(request.last_event_id);
        self.live_conn.set(conn);
        if let Some(member) = &*self.member.borrow() {
            member.connect(conn);
            if member.role() == Role::Holder {
                member.hold(request, &self.effects.fetch, &origin);
            }
        }
    }

    /// This client was granted the shared connection (`held`), or gave it up to be frozen.
    /// Granted while connected, it opens the connection at once, resuming from the last id it
    /// heard; state listeners hear the state again, with the new role.
    fn granted(self: &Rc<Self>, held: bool) {
        let conn = self.live_conn.get();
        if held && conn != 0 {
            self.sync();
            let (url, last_event_id) = {
                let machine = self.machine.borrow();
                (machine.resume_url(), machine.last_event_id().to_owned())
            };
            let request = Request {
                url: &url,
                last_event_id: &last_event_id,
                with_credentials: self.effects.with_credentials,
            };
            let origin = self.stream.borrow().origin.clone();
            if let Some(member) = &*self.member.borrow() {
                member.hold(&request, &self.effects.fetch, &origin);
            }
        }
        let state = self.state();
        self.registry.state_changed(&state);
    }

    fn disconnect(&self) {
        if let Some(member) = &*self.member.borrow() {
            member.disconnect();
            if self.live_conn.get() != 0 {
                if let Some(attached) = &self.effects.attached {
                    attached.detach();
                }
            }
        }
        self.live_conn.set(0);
        drop(self.last_event.borrow_mut().take());
        self.stream.borrow_mut().unreported = false;
        self.batch.borrow_mut().clear();
        let live = self.live.borrow_mut().take();
        drop(live);
    }

    fn probe(self: &Rc<Self>, url: &str) {
        let weak = Rc::downgrade(self);
        let pending = probe::probe(url, self.effects.with_credentials, move |answer| {
            if let Some(shell) = weak.upgrade() {
                // Dropped after this call returns: wasm-bindgen defers freeing a running closure.
                let _finished = shell.pending.borrow_mut().take();
                shell.feed(Input::ProbeAnswered(answer));
            }
        });
        *self.pending.borrow_mut() = Some(pending);
    }

    fn refresh(self: &Rc<Self>) {
        let Some(refresher) = self.effects.refresher.clone() else {
            return self.feed(Input::Refreshed(Refreshed::Failed));
        };
        let weak = Rc::downgrade(self);
        let pending = refresher(Box::new(move |fresh| {
            let Some(shell) = weak.upgrade() else { return };
            let _finished = shell.pending.borrow_mut().take();
            let refreshed = match fresh.map(|url| dom::resolve_url(&url).map_err(|m| (url, m))) {
                Ok(Ok(url)) => Refreshed::Url(url),
                Ok(Err((url, message))) => Refreshed::InvalidUrl { url, message },
                Err(_) => Refreshed::Failed,
            };
            shell.feed(Input::Refreshed(refreshed));
        }));
        *self.pending.borrow_mut() = pending;
    }

    fn arm(self: &Rc<Self>, at: Option<u64>) {
        let timeout = at.map(|at| {
            // The machine never asks for more than a timer holds; the clamp keeps it so.
            let delay = at.saturating_sub(now()).min(u64::from(MAX_TIMER_MS)) as u32;
            let weak = Rc::downgrade(self);
            Timeout::new(delay, move || {
                if let Some(shell) = weak.upgrade() {
                    // Dropped after this call returns: wasm-bindgen defers freeing it.
                    let _fired = shell.timer.borrow_mut().take();
                    shell.feed(Input::Timer);
                }
            })
        });
        let replaced = std::mem::replace(&mut *self.timer.borrow_mut(), timeout);
        drop(replaced);
    }

    fn announce(&self, state: &State) {
        self.registry.state_changed(state);
        if state.is_closed() {
            // Closed is final: every watcher and listener goes, which ends every stream, and
            // a shared stream's membership (the next client takes over).
            drop(self.member.borrow_mut().take());
            drop(std::mem::take(&mut *self.watchers.borrow_mut()));
            if let Some(attached) = &self.effects.attached {
                attached.clear();
            }
            self.registry.clear();
        }
    }
}
