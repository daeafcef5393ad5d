//! What the transports report, on its way to the machine and the listeners.

use std::rc::Rc;

use web_sys::MessageEvent;

use super::batch::BIG_EVENT;
use super::Shell;
use crate::listeners::dispatch::Incoming;
use crate::machine::{ConnId, Failure, Input, Mark, DONE_MARKER};
use crate::resume::fits_header;
use crate::transport::Sink;

impl Sink for Shell {
    fn opened(&self, conn: ConnId) {
        self.feed_from_sink(Input::Opened(conn));
    }

    /// The per-event path of the Rust listeners: no call into the machine and no JS call.
    fn event(&self, conn: ConnId, index: usize, native: MessageEvent) {
        if conn != self.live_conn.get() {
            return;
        }
        self.activity.set(self.activity.get().wrapping_add(1));
        let Some((event_type, listeners)) = self.registry.entry(index) else {
            return;
        };
        let terminal = &self.effects.terminal;
        let mark = if terminal.is_off() {
            None
        } else {
            // Compared in JS: copying every event's data into wasm for this would cost the
            // package the text conversion's code, which the JS API's path does not use.
            terminal.check_with(
                &event_type,
                || native.data() == wasm_bindgen::JsValue::from_str(DONE_MARKER),
                || native.data().as_string(),
            )
        };
        let carried_id = self.carried_id.borrow().clone();
        let incoming = Incoming::native(native, event_type, carried_id);
        if mark == Some(Mark::Marker) {
            incoming.finish();
            return self.feed_from_sink(Input::Finished(conn));
        }
        listeners.emit(&incoming);
        // A listener may have closed the source or replaced the connection. A terminal event
        // is an event like the others here (`on_any`, its id), as on the fetch transport.
        if conn == self.live_conn.get() {
            self.registry.catch_all(&incoming);
            // Only an event with an id is a resume point: a reset (`id:` with no value) just
            // before a drop must not hide the ids before it (the fetch transport's rule too).
            if let Some(native) = incoming.finish().filter(|e| !e.last_event_id().is_empty()) {
                *self.last_event.borrow_mut() = Some(native);
            }
        } else {
            incoming.finish();
        }
        if mark == Some(Mark::Last) {
            self.feed_from_sink(Input::Finished(conn));
        }
    }

    /// The per-event path of the fetch transport: the parsed text goes to the attached (JS)
    /// listeners and to the Rust ones, which decode it without a trip through JS strings.
    fn parsed(
        &self,
        conn: ConnId,
        event_type: &str,
        data: &str,
        ascii: bool,
        last_event_id: &str,
        id_changed: bool,
    ) {
        if conn != self.live_conn.get() || self.stream.borrow().finished {
            return;
        }
        let terminal = &self.effects.terminal;
        let mut last = false;
        if !terminal.is_off() {
            match terminal.check(event_type, data) {
                // Not delivered, and the resume point stays where it was.
                Some(Mark::Marker) => return self.stream.borrow_mut().finished = true,
                Some(Mark::Last) => {
                    self.stream.borrow_mut().finished = true;
                    last = true;
                }
                None => {}
            }
        }
        self.note_id(last_event_id, id_changed);
        if let (Some(attached), true) = (&self.effects.attached, data.len() > BIG_EVENT) {
            // One big event: what the batch holds goes first, then this one without a copy.
            self.deliver_batch();
            if conn != self.live_conn.get() {
                return;
            }
            let records = self.batch.borrow_mut().big_event(
                event_type,
                data,
                ascii,
                last_event_id,
                id_changed,
            );
            // The id goes to JS only when the record says it changed (or JS lacks it): a long
            // id unchanged would otherwise be decoded into a JS string at every big event.
            let ids = (records[4] == 0).then_some(last_event_id);
            attached.deliver(data, event_type, &records, ids);
            if conn != self.live_conn.get() {
                return;
            }
        } else if self.effects.attached.is_some() {
            let full = {
                let mut batch = self.batch.borrow_mut();
                batch.push(event_type, data, ascii, last_event_id, id_changed);
                batch.is_full()
            };
            // Bounded: a big chunk of tiny events, or one big event, goes at once.
            if full {
                self.deliver_batch();
                // A listener may have closed the source or replaced the connection.
                if conn != self.live_conn.get() {
                    return;
                }
            }
        }
        // A terminal event reaches `on_any` even without a listener of its own, as on the
        // native transport, which listens to the terminal types to hear the end.
        let (name, listeners) = match self.registry.find(event_type) {
            Some(found) => found,
            None if last => (Rc::from(event_type), Rc::default()),
            None => return,
        };
        let (id, origin) = {
            let mut stream = self.stream.borrow_mut();
            let stream = &mut *stream;
            let id = stream
                .shared_id
                .get_or_insert_with(|| Rc::from(last_event_id));
            (id.clone(), stream.origin.clone())
        };
        let incoming = Incoming::parsed(name, data, id, origin);
        listeners.emit(&incoming);
        if conn == self.live_conn.get() {
            self.registry.catch_all(&incoming);
        }
        incoming.finish();
    }

    fn redirected(&self, conn: ConnId, origin: &str) {
        if conn == self.live_conn.get() {
            self.stream.borrow_mut().origin = Rc::from(origin);
        }
    }

    fn parsed_id(&self, conn: ConnId, last_event_id: &str) {
        if conn == self.live_conn.get() && !self.stream.borrow().finished {
            self.note_id(last_event_id, true);
        }
    }

    fn comment(&self, conn: ConnId, text: &str) {
        if conn == self.live_conn.get() && !self.stream.borrow().finished {
            self.registry.comment(text);
        }
    }

    fn server_retry(&self, conn: ConnId, ms: u64) {
        self.feed_from_sink(Input::ServerRetry { conn, ms });
    }

    /// Once per chunk: the connection is alive, and the events it carried (reported first, by
    /// `feed`) reset the idle watch and move the resume point.
    fn chunk_done(&self, conn: ConnId) {
        if conn == self.live_conn.get() {
            self.deliver_batch();
        }
        // A listener may have closed the source or moved on meanwhile: then it is stale.
        if conn == self.live_conn.get() && self.stream.borrow().finished {
            return self.feed_from_sink(Input::Finished(conn));
        }
        self.feed_from_sink(Input::Alive(conn));
    }

    fn failed(&self, conn: ConnId, failure: Failure) {
        self.feed_from_sink(Input::Failed { conn, failure });
    }
}

impl Shell {
    /// Hands the chunk's events to the attached listeners, in one call.
    fn deliver_batch(&self) {
        let Some(attached) = &self.effects.attached else {
            return;
        };
        // Taken out of the cell first: a listener may close the source, which clears it. The
        // stand-in knows whether JS has the id, unless a new connection resets it meanwhile.
        let mut batch = std::mem::take(&mut *self.batch.borrow_mut());
        self.batch.borrow_mut().set_id_sent(batch.id_sent());
        if !batch.is_empty() {
            let parts = batch.parts();
            attached.deliver(parts.values, parts.names, parts.records, None);
        }
        batch.clear();
        let mut slot = self.batch.borrow_mut();
        if slot.is_empty() {
            batch.set_id_sent(slot.id_sent());
            *slot = batch; // keep the buffers for the next chunk
        }
    }

    /// Notes the stream's last event id for the machine and for the events' metadata; `changed`
    /// says it is not the previous one (the parser knows, so a long id is never compared, nor
    /// copied, per event). The machine resumes from it only if a `Last-Event-ID` header can
    /// carry it, and never from an empty one (see `Stream::resumable`).
    fn note_id(&self, last_event_id: &str, changed: bool) {
        let mut stream = self.stream.borrow_mut();
        stream.unreported = true;
        if changed {
            stream.shared_id = None;
            if !last_event_id.is_empty() && fits_header(last_event_id) {
                stream.resumable = Some(last_event_id.to_owned());
            }
        }
    }

    /// `feed` for the `Sink` methods, which get `&self`: the transport reaches the shell
    /// through a `Weak`, so an `Rc` exists while they run.
    fn feed_from_sink(&self, input: Input) {
        if let Some(this) = self.me.upgrade() {
            this.feed(input);
        }
    }
}
