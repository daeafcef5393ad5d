//! The shared transport: one connection for the clients of every tab of an origin that read the
//! same URL with the same request settings. Each client joins (a Web Lock requested, a
//! `BroadcastChannel` opened, in `shared.js`); the one granted the lock holds a fetch
//! connection and relays each event, numbered, on the channel; the others deliver what they
//! hear as if their own connection had parsed it. The decisions are `crate::share`'s.
//!
//! A message on the channel is an array: `[position, type, data, id, type, data, id, ...]` for
//! the events of one chunk the holder read (the first numbered `position`, the next ones after
//! it; `id` is `null` when it is the previous event's, so a long id crosses the channel once per
//! chunk, not once per event), `["alive", comment, ...]` for the comments of a chunk (a
//! keep-alive: followers count it as activity), `["open", position, id]` when the holder's
//! connection opens (and in answer to a newcomer's `["hello"]`).

use std::cell::Cell;
use std::rc::{Rc, Weak};

use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::fetch::{self, FetchSettings};
use super::{Request, Sink};
use crate::cell::Shared;
use crate::machine::{ConnId, Failure};
use crate::share::{self, Heard, Role, Share};

#[wasm_bindgen(module = "/src/transport/shared.js")]
extern "C" {
    /// The membership `joinShared` returns: `post` on the channel, `leave` for good.
    pub(crate) type Handle;
    #[wasm_bindgen(js_name = joinShared)]
    fn join_shared(
        url: &str,
        options: &JsValue,
        headers: &JsValue,
        role: &js_sys::Function,
        message: &js_sys::Function,
    ) -> Option<Handle>;
    #[wasm_bindgen(method)]
    fn post(this: &Handle, data: &JsValue);
    #[wasm_bindgen(method)]
    fn leave(this: &Handle);
}

/// One client's membership: its lock request or lock, its channel, and when it holds, the
/// connection. Dropping it closes the connection, releases the lock (the next client takes
/// over) and closes the channel.
pub(crate) struct Member {
    relay: Rc<Relay>,
    handle: Handle,
    _role: Closure<dyn FnMut(bool)>,
    _message: Closure<dyn FnMut(JsValue)>,
}

impl std::fmt::Debug for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("shared::Member")
    }
}

/// Between the holder's connection and the shell: relays what the connection parses and
/// passes every report on. For a follower, turns what it hears into the shell's reports.
struct Relay {
    me: Weak<Relay>,
    shell: Weak<dyn Sink>,
    handle: Shared<Option<Handle>>,
    share: Shared<Share>,
    /// The shell's connection number this membership reports as (0: between connections).
    conn: Cell<ConnId>,
    /// The holder's connection is open; or, following, the shell heard `opened` for `conn`.
    open: Cell<bool>,
    /// The last event id relayed or heard (for announcements, and `id_changed`).
    last_id: Shared<String>,
    /// The holder's connection.
    live: Shared<Option<fetch::Connection>>,
    /// The holder's events of the chunk being read, posted as one message when it is done.
    batch: Shared<Option<Array>>,
    /// The holder's comments of the chunk being read, posted before its events.
    alive: Shared<Option<Array>>,
}

impl Member {
    /// Joins the clients that share `url` with these settings; `None` where sharing is not
    /// available (no Web Locks or no `BroadcastChannel`): the caller opens its own connection.
    /// `granted` tells the shell when this client becomes the holder (or stops being one).
    pub(crate) fn join(
        url: &str,
        settings: &FetchSettings,
        with_credentials: bool,
        shell: Weak<dyn Sink>,
        granted: impl Fn(bool) + 'static,
    ) -> Option<Self> {
        let relay = Rc::new_cyclic(|me| Relay {
            me: me.clone(),
            shell,
            handle: Shared::new(None),
            share: Shared::new(Share::new()),
            conn: Cell::new(0),
            open: Cell::new(false),
            last_id: Shared::default(),
            live: Shared::new(None),
            batch: Shared::new(None),
            alive: Shared::new(None),
        });
        let weak = Rc::downgrade(&relay);
        let role = Closure::wrap(Box::new(move |held: bool| {
            let Some(relay) = weak.upgrade() else { return };
            if held {
                relay.share.borrow_mut().granted();
            } else {
                relay.share.borrow_mut().released();
                relay.open.set(false);
                relay.drop_connection();
            }
            granted(held);
        }) as Box<dyn FnMut(bool)>);
        let weak = Rc::downgrade(&relay);
        let message = Closure::wrap(Box::new(move |data: JsValue| {
            if let Some(relay) = weak.upgrade() {
                relay.heard(&data);
            }
        }) as Box<dyn FnMut(JsValue)>);
        let options = settings.options(with_credentials, false);
        let handle = join_shared(
            url,
            &options,
            &settings.headers,
            role.as_ref().unchecked_ref(),
            message.as_ref().unchecked_ref(),
        )?;
        *relay.handle.borrow_mut() = Some(handle.clone().unchecked_into());
        Some(Self {
            relay,
            handle,
            _role: role,
            _message: message,
        })
    }

    pub(crate) fn role(&self) -> Role {
        self.relay.share.borrow().role()
    }

    /// The shell's connection `conn` begins: a follower asks the holder where the stream is
    /// (its answer opens it); a holder opens with [`Member::hold`].
    pub(crate) fn connect(&self, conn: ConnId) {
        self.relay.conn.set(conn);
        self.relay.open.set(false);
        if self.role() == Role::Follower {
            self.relay.post(&Array::of1(&"hello".into()));
        }
    }

    /// As the holder, opens the connection: `request` resumes from the last id this client
    /// heard.
    pub(crate) fn hold(&self, request: &Request, settings: &FetchSettings, origin: &str) {
        let relay = &self.relay;
        relay.open.set(false);
        relay.drop_connection();
        let conn = relay.conn.get();
        let sink = relay.me.clone() as Weak<dyn Sink>;
        let live = fetch::Connection::open(request, settings, false, conn, sink, None, origin);
        *relay.live.borrow_mut() = Some(live);
    }

    /// The shell's connection ended: the holder's closes (the lock is kept: the machine decides
    /// when to connect again); a follower stops reporting until the next.
    pub(crate) fn disconnect(&self) {
        self.relay.conn.set(0);
        self.relay.open.set(false);
        self.relay.drop_connection();
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.relay.drop_connection();
        drop(self.relay.handle.borrow_mut().take());
        // Nothing is reported after this: the closures below can go.
        self.handle.leave();
    }
}

impl Relay {
    fn post(&self, data: &JsValue) {
        if let Some(handle) = &*self.handle.borrow() {
            handle.post(data);
        }
    }

    fn drop_connection(&self) {
        let live = self.live.borrow_mut().take();
        drop(live);
        drop(self.batch.borrow_mut().take());
        drop(self.alive.borrow_mut().take());
    }

    fn announce(&self) {
        let position = self.share.borrow().position();
        let id = JsValue::from_str(&self.last_id.borrow());
        self.post(&Array::of3(&"open".into(), &(position as f64).into(), &id));
    }

    /// What another client posted. A page of the same origin may post anything on the channel:
    /// what is not one of the messages above is ignored.
    fn heard(&self, data: &JsValue) {
        let Some(message) = data.dyn_ref::<Array>() else {
            return;
        };
        let conn = self.conn.get();
        let Some(shell) = self.shell.upgrade() else {
            return;
        };
        let first = message.get(0);
        let alive = first.as_string().is_some_and(|s| s == "alive");
        let position = first.as_f64().and_then(share::position).filter(|p| *p >= 1);
        if alive || position.is_some() {
            if conn == 0 {
                return;
            }
            // An event or a comment is the holder's connection at work, even before its
            // announcement.
            if !self.open.replace(true) {
                shell.opened(conn);
            }
            if alive {
                for comment in message.iter().skip(1) {
                    if let Some(text) = comment.as_string() {
                        shell.comment(conn, &text);
                    }
                    if self.conn.get() != conn {
                        return;
                    }
                }
                return shell.chunk_done(conn);
            }
            let mut position = position.unwrap_or(0);
            let mut at = 1;
            while at + 2 < message.length() {
                let (Some(event_type), Some(data)) =
                    (message.get(at).as_string(), message.get(at + 1).as_string())
                else {
                    break;
                };
                // `null`: the previous event's id, which this client keeps.
                let id = message.get(at + 2);
                let id = if id.is_null() {
                    None
                } else if let Some(id) = id.as_string() {
                    Some(id)
                } else {
                    break;
                };
                at += 3;
                let heard = self.share.borrow_mut().heard(position);
                position = position.saturating_add(1);
                let changed = id.is_some_and(|id| {
                    let changed = *self.last_id.borrow() != id;
                    if changed {
                        *self.last_id.borrow_mut() = id;
                    }
                    changed
                });
                if heard == Heard::Repeat {
                    continue;
                }
                // Lent to the shell, not copied: a long id costs nothing per event.
                let id = std::mem::take(&mut *self.last_id.borrow_mut());
                shell.parsed(conn, &event_type, &data, false, &id, changed);
                *self.last_id.borrow_mut() = id;
                // A listener may have closed the client.
                if self.conn.get() != conn {
                    return;
                }
            }
            return shell.chunk_done(conn);
        }
        match first.as_string().as_deref() {
            Some("hello") if self.share.borrow().role() == Role::Holder && self.open.get() => {
                self.announce();
            }
            Some("open") if conn != 0 => {
                // A forged announcement (a page of the origin may post one) is ignored.
                let Some(position) = message.get(1).as_f64().and_then(share::position) else {
                    return;
                };
                let id = message.get(2).as_string().unwrap_or_default();
                if !share::announceable(&id) {
                    return;
                }
                if self.share.borrow_mut().announced(position) && !id.is_empty() {
                    shell.parsed_id(conn, &id);
                    *self.last_id.borrow_mut() = id;
                }
                if self.share.borrow().role() == Role::Follower && !self.open.replace(true) {
                    shell.opened(conn);
                }
            }
            _ => {}
        }
    }
}

/// The holder's connection reports here; each report goes on to the shell, and each event and
/// the opening are relayed to the other clients first.
impl Sink for Relay {
    fn opened(&self, conn: ConnId) {
        self.open.set(true);
        self.announce();
        if let Some(shell) = self.shell.upgrade() {
            shell.opened(conn);
        }
    }
    fn event(&self, _: ConnId, _: usize, _: web_sys::MessageEvent) {
        // The holder reads with fetch, whose events come through `parsed`.
    }
    fn parsed(
        &self,
        conn: ConnId,
        event_type: &str,
        data: &str,
        ascii: bool,
        last_event_id: &str,
        id_changed: bool,
    ) {
        let position = self.share.borrow_mut().stamp();
        if id_changed {
            let mut last = self.last_id.borrow_mut();
            last.clear();
            last.push_str(last_event_id);
        }
        let mut batch = self.batch.borrow_mut();
        // The id goes with the chunk's first event and when it changes; `null` otherwise.
        let first = batch.is_none();
        let message = batch.get_or_insert_with(|| Array::of1(&(position as f64).into()));
        message.push(&event_type.into());
        message.push(&data.into());
        if first || id_changed {
            message.push(&last_event_id.into());
        } else {
            message.push(&JsValue::NULL);
        }
        drop(batch);
        if let Some(shell) = self.shell.upgrade() {
            shell.parsed(conn, event_type, data, ascii, last_event_id, id_changed);
        }
    }
    fn parsed_id(&self, conn: ConnId, last_event_id: &str) {
        if let Some(shell) = self.shell.upgrade() {
            shell.parsed_id(conn, last_event_id);
        }
    }
    fn comment(&self, conn: ConnId, text: &str) {
        // Relayed: a stream kept alive by comments alone keeps the followers' idle watch quiet.
        let mut alive = self.alive.borrow_mut();
        alive
            .get_or_insert_with(|| Array::of1(&"alive".into()))
            .push(&text.into());
        drop(alive);
        if let Some(shell) = self.shell.upgrade() {
            shell.comment(conn, text);
        }
    }
    fn server_retry(&self, conn: ConnId, ms: u64) {
        if let Some(shell) = self.shell.upgrade() {
            shell.server_retry(conn, ms);
        }
    }
    fn chunk_done(&self, conn: ConnId) {
        // One message per chunk read: the per-message cost is paid once for all its events.
        let alive = self.alive.borrow_mut().take();
        if let Some(message) = alive {
            self.post(&message);
        }
        let batch = self.batch.borrow_mut().take();
        if let Some(message) = batch {
            self.post(&message);
        }
        if let Some(shell) = self.shell.upgrade() {
            shell.chunk_done(conn);
        }
    }
    fn redirected(&self, conn: ConnId, origin: &str) {
        if let Some(shell) = self.shell.upgrade() {
            shell.redirected(conn, origin);
        }
    }
    fn failed(&self, conn: ConnId, failure: Failure) {
        self.open.set(false);
        if let Some(shell) = self.shell.upgrade() {
            shell.failed(conn, failure);
        }
    }
}
