//! The `/v1/completions` streams in flight, by key, so that `/control/cut` can cut them: a
//! leaf that both the shared state and the completion handlers use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

/// A cut asked for by `/control/cut`.
#[derive(Clone, Copy, Debug, Default)]
struct Cut {
    /// Cuts so far: a change is what the streams wait for.
    count: u64,
    /// Whether to break the connection (the body fails) rather than end the stream cleanly.
    abort: bool,
}

/// The completion streams in flight, by key: one channel per key with live streams, removed
/// with the last of them, so this holds no more than the connections themselves.
#[derive(Clone, Debug, Default)]
pub struct LiveCompletions {
    keys: Arc<Mutex<HashMap<String, watch::Sender<Cut>>>>,
}

impl LiveCompletions {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, watch::Sender<Cut>>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn watch(&self, key: &str) -> CutWatch {
        let receiver = self
            .lock()
            .entry(key.to_owned())
            .or_insert_with(|| watch::channel(Cut::default()).0)
            .subscribe();
        CutWatch {
            receiver: Some(receiver),
            key: key.to_owned(),
            live: self.clone(),
        }
    }

    /// Cuts every live completion of `key` (breaking the connections when `abort`); returns how
    /// many there were.
    pub fn cut(&self, key: &str, abort: bool) -> usize {
        let keys = self.lock();
        let Some(sender) = keys.get(key) else {
            return 0;
        };
        sender.send_modify(|cut| {
            cut.count = cut.count.wrapping_add(1);
            cut.abort = abort;
        });
        sender.receiver_count()
    }

    /// How many completions of `key` are live.
    pub fn live(&self, key: &str) -> usize {
        self.lock()
            .get(key)
            .map_or(0, watch::Sender::receiver_count)
    }

    /// How many keys have live completions.
    pub fn key_count(&self) -> usize {
        self.lock().len()
    }
}

/// One stream's subscription to its key's cuts; forgets the key with its last stream.
pub(crate) struct CutWatch {
    receiver: Option<watch::Receiver<Cut>>,
    key: String,
    live: LiveCompletions,
}

impl CutWatch {
    /// Waits for a cut; returns whether it asks to break the connection.
    pub(crate) async fn cut(&mut self) -> bool {
        let Some(receiver) = self.receiver.as_mut() else {
            return std::future::pending().await;
        };
        match receiver.changed().await {
            Ok(()) => receiver.borrow().abort,
            // The sender lives while receivers do; if it were gone, nothing could cut this.
            Err(_) => std::future::pending().await,
        }
    }
}

impl Drop for CutWatch {
    fn drop(&mut self) {
        drop(self.receiver.take());
        let mut keys = self.live.lock();
        if keys.get(&self.key).is_some_and(|s| s.receiver_count() == 0) {
            keys.remove(&self.key);
        }
    }
}
