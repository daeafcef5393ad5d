//! [`MemoryStore`]: the history in this process's memory, bounded by a count of events.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use tokio::sync::watch;

use crate::store::{
    check_event_name, EventStore, FollowStream, Followed, Position, StoreError, StoredEvent,
};

/// How many events one read of a follower takes under the lock.
const PAGE: usize = 256;

/// An [`EventStore`] in this process's memory, holding at most `capacity` events (the oldest
/// is dropped when a new one would exceed it; the bound counts events, not bytes, so size the
/// payloads too).
///
/// Ids are `"{epoch}-{n}"`: `epoch` is the store's creation time in milliseconds since the
/// Unix epoch, `n` counts appends from 1. The epoch makes an id from an earlier process (or
/// another store) [`Position::Unknown`] instead of a wrong place in this history. It lives
/// and dies with the process: several server instances need [`RedisStore`](crate::RedisStore).
///
/// Cloning is cheap and shares the history.
#[derive(Clone)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

struct Shared {
    epoch: u64,
    capacity: usize,
    history: Mutex<History>,
    /// The newest sequence number, for followers to wait on.
    newest: watch::Sender<u64>,
}

struct History {
    /// (sequence number, event), oldest first.
    events: VecDeque<(u64, StoredEvent)>,
    /// The newest sequence number given out (0 before the first append).
    last: u64,
    /// The newest sequence number dropped by the bound (0 when none was).
    trimmed_through: u64,
}

impl MemoryStore {
    /// A store that keeps the newest `capacity` events (at least 1).
    pub fn new(capacity: usize) -> Self {
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        Self::with_epoch(capacity, epoch)
    }

    /// A store whose ids start with `epoch` instead of the creation time (for tests and for
    /// processes that persist the epoch elsewhere).
    pub fn with_epoch(capacity: usize, epoch: u64) -> Self {
        Self {
            shared: Arc::new(Shared {
                epoch,
                capacity: capacity.max(1),
                history: Mutex::new(History {
                    events: VecDeque::new(),
                    last: 0,
                    trimmed_through: 0,
                }),
                newest: watch::channel(0).0,
            }),
        }
    }

    /// The bound given to [`MemoryStore::new`].
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// How many events are held now (at most [`MemoryStore::capacity`]).
    pub fn len(&self) -> usize {
        self.shared.lock().events.len()
    }

    /// Whether no event is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, History> {
        // A panic elsewhere while holding the lock leaves the history consistent (every
        // mutation is one push or pop), so a poisoned lock is still usable.
        self.history.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn id(&self, n: u64) -> String {
        format!("{}-{}", self.epoch, n)
    }

    /// The sequence number of one of this store's ids; `None` for anything else.
    fn sequence(&self, id: &str) -> Option<u64> {
        let (epoch, n) = id.split_once('-')?;
        if parse_decimal(epoch)? != self.epoch {
            return None;
        }
        parse_decimal(n)
    }

    fn first_id(history: &History) -> Option<String> {
        history.events.front().map(|(_, e)| e.id.clone())
    }

    /// Up to `limit` events after sequence number `after`.
    fn after(history: &History, after: u64, limit: usize) -> Vec<StoredEvent> {
        // Sequence numbers are contiguous in the deque, so the start is an index.
        let first = history.events.front().map_or(after + 1, |(n, _)| *n);
        let skip = (after + 1).saturating_sub(first) as usize;
        history
            .events
            .iter()
            .skip(skip)
            .take(limit)
            .map(|(_, e)| e.clone())
            .collect()
    }
}

/// Decimal digits exactly as the store writes them (no sign, no spaces, no leading zero), so
/// that one number has one id and a gap event repeats the client's id as it was sent.
fn parse_decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

impl EventStore for MemoryStore {
    async fn append(&self, event: &str, data: &str) -> Result<String, StoreError> {
        check_event_name(event)?;
        let shared = &self.shared;
        let n = {
            let mut history = shared.lock();
            let n = history.last + 1;
            history.last = n;
            let id = shared.id(n);
            history.events.push_back((
                n,
                StoredEvent {
                    id,
                    event: event.to_owned(),
                    data: data.to_owned(),
                },
            ));
            while history.events.len() > shared.capacity {
                if let Some((dropped, _)) = history.events.pop_front() {
                    history.trimmed_through = dropped;
                }
            }
            n
        };
        shared.newest.send_replace(n);
        Ok(shared.id(n))
    }

    async fn replay_after(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let history = self.shared.lock();
        let after = match after {
            None => 0,
            Some(id) => match self.shared.sequence(id) {
                Some(n) => n,
                None => return Ok(Vec::new()),
            },
        };
        Ok(Shared::after(&history, after, limit))
    }

    async fn first_id(&self) -> Result<Option<String>, StoreError> {
        Ok(Shared::first_id(&self.shared.lock()))
    }

    async fn last_id(&self) -> Result<Option<String>, StoreError> {
        let history = self.shared.lock();
        Ok((history.last > 0).then(|| self.shared.id(history.last)))
    }

    async fn position(&self, id: &str) -> Result<Position, StoreError> {
        let history = self.shared.lock();
        Ok(match self.shared.sequence(id) {
            None => Position::Unknown,
            Some(n) if n > history.last => Position::Unknown,
            Some(n) if n < history.trimmed_through => Position::Trimmed,
            Some(_) => Position::Held,
        })
    }

    async fn follow(&self, after: Option<String>) -> Result<FollowStream, StoreError> {
        // From the first held event when `after` is `None` or not one of this store's ids
        // (nothing of this store is "after" a foreign id).
        let cursor = match after.as_deref().and_then(|id| self.shared.sequence(id)) {
            Some(n) => n,
            None => self.shared.lock().trimmed_through,
        };
        let state = Follower {
            shared: self.shared.clone(),
            newest: self.shared.newest.subscribe(),
            cursor,
            pending: VecDeque::new(),
        };
        Ok(futures_util::stream::unfold(state, Follower::next).boxed())
    }
}

struct Follower {
    shared: Arc<Shared>,
    newest: watch::Receiver<u64>,
    /// The sequence number of the last event handed out (0 before the first).
    cursor: u64,
    pending: VecDeque<Followed>,
}

impl Follower {
    async fn next(mut self) -> Option<(Result<Followed, StoreError>, Self)> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some((Ok(item), self));
            }
            // Marked seen before reading, so an append after the read wakes `changed`.
            self.newest.borrow_and_update();
            {
                let history = self.shared.lock();
                if self.cursor < history.trimmed_through {
                    self.pending.push_back(Followed::Gap {
                        after: self.shared.id(self.cursor),
                        first_available: Shared::first_id(&history),
                    });
                    self.cursor = history.trimmed_through;
                }
                for event in Shared::after(&history, self.cursor, PAGE) {
                    self.cursor += 1;
                    self.pending.push_back(Followed::Event(event));
                }
            }
            if self.pending.is_empty() && self.newest.changed().await.is_err() {
                return None;
            }
        }
    }
}
