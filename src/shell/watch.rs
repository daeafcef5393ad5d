//! The page and network watchers: `online`/`offline` on the global object,
//! `visibilitychange` on the document and `abort` on the user's signal, fed to the machine. Each
//! is a `DomListener` the shell owns, so they go with it (at the latest when it closes).

use std::rc::Rc;

use super::Shell;
use crate::machine::Input;
use crate::web::dom::{self, DomListener};

impl Shell {
    pub(super) fn install_watchers(self: &Rc<Self>) {
        let mut watchers = Vec::new();
        let mut watch = |target: &web_sys::EventTarget, name: &str, input: fn() -> Input| {
            let weak = Rc::downgrade(self);
            // Without these events the source still works; it just cannot pause.
            if let Ok(listener) = DomListener::new(target, name, move |_| {
                if let Some(shell) = weak.upgrade() {
                    shell.feed(input());
                }
            }) {
                watchers.push(listener);
            }
        };
        if self.effects.watch_online {
            let global = dom::global_target();
            watch(&global, "online", || Input::Online(true));
            watch(&global, "offline", || Input::Online(false));
        }
        if self.effects.watch_hidden {
            if let Some(document) = dom::document_target() {
                watch(&document, "visibilitychange", || {
                    Input::Hidden(dom::page_hidden())
                });
            }
        }
        if let Some(signal) = &self.effects.signal {
            watch(signal, "abort", || Input::Abort);
        }
        // The resume point kept in storage is written as the machine hears of events, which on
        // the native transport is lazy: a page going away writes the latest.
        if self.effects.store.is_some() {
            let weak = Rc::downgrade(self);
            if let Ok(listener) = DomListener::new(&dom::global_target(), "pagehide", move |_| {
                if let Some(shell) = weak.upgrade() {
                    shell.sync();
                    shell.store_id();
                }
            }) {
                watchers.push(listener);
            }
        }
        *self.watchers.borrow_mut() = watchers;
    }
}
