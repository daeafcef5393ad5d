//! The resume point kept in storage, so that a reload or a restored tab resumes where it
//! stopped ([`SseClientBuilder::store_last_event_id`](crate::SseClientBuilder::store_last_event_id)).

use wasm_bindgen::prelude::*;

use super::Shell;
use crate::cell::Shared;

#[wasm_bindgen(module = "/src/shell/storage.js")]
extern "C" {
    #[wasm_bindgen(js_name = readId)]
    fn read_id(local: bool, key: &str, url: &str) -> String;
    #[wasm_bindgen(js_name = writeId)]
    fn write_id(local: bool, key: &str, url: &str, id: &str) -> bool;
}

/// Where the last event id is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageArea {
    /// `sessionStorage`: per tab; a reload or a restored tab resumes, a new tab starts over.
    Session,
    /// `localStorage`: per origin; every tab, and a new one, resumes from the last id any of
    /// them kept under the key.
    Local,
}

/// The key and the area, the stream's URL (kept with the id: an id kept for another URL under
/// the same key is not this stream's), and the id last written (written again only when it
/// changes).
#[derive(Debug)]
pub(crate) struct Store {
    key: String,
    local: bool,
    url: String,
    written: Shared<String>,
}

impl Store {
    pub(crate) fn new(key: String, area: StorageArea, url: String) -> Self {
        Self {
            key,
            local: area == StorageArea::Local,
            url,
            written: Shared::default(),
        }
    }

    /// The id kept under the key for this URL, "" when there is none (or storage cannot be
    /// read).
    pub(crate) fn read(&self) -> String {
        let id = read_id(self.local, &self.key, &self.url);
        self.written.borrow_mut().clone_from(&id);
        id
    }

    fn write(&self, id: &str) {
        if *self.written.borrow() == id {
            return;
        }
        // A refusal (quota, storage off) keeps nothing; the stream goes on.
        if write_id(self.local, &self.key, &self.url, id) {
            let mut written = self.written.borrow_mut();
            written.clear();
            written.push_str(id);
        }
    }
}

impl Shell {
    /// Keeps the resume point, if it moved (never an empty one: no event id yet is nothing
    /// to keep).
    pub(super) fn store_id(&self) {
        let Some(store) = &self.effects.store else {
            return;
        };
        let machine = self.machine.borrow();
        let id = machine.last_event_id();
        if !id.is_empty() {
            store.write(id);
        }
    }
}
