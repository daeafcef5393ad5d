//! The demo stream's history: in this process's memory, or on Redis Streams (chosen on the
//! command line, `--store`), behind one type.

use std::fmt;

use typed_sse_axum::{
    EventStore, FollowStream, MemoryStore, Position, RedisStore, StoreError, StoredEvent, Trim,
};

/// The Redis stream key the demo uses: every instance on one Redis serves this one stream.
pub const REDIS_KEY: &str = "typed-sse:demo";

/// How many events the demo keeps by default (`--history`).
pub const DEFAULT_HISTORY: usize = 10_000;

/// The most `--history` accepts: the bound is a count of events of at most ~600 bytes each.
pub const MAX_HISTORY: usize = 1_000_000;

/// Where the demo keeps its events.
#[derive(Clone)]
pub enum DemoStore {
    /// In this process: lost on restart, one instance only.
    Memory(MemoryStore),
    /// A Redis stream: shared by every instance on that Redis, kept across restarts.
    Redis(Box<RedisStore>),
}

impl fmt::Debug for DemoStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoStore::Memory(s) => write!(f, "DemoStore::Memory({} events)", s.capacity()),
            DemoStore::Redis(s) => write!(f, "DemoStore::Redis({})", s.key()),
        }
    }
}

impl Default for DemoStore {
    fn default() -> Self {
        DemoStore::memory(DEFAULT_HISTORY)
    }
}

impl DemoStore {
    /// The newest `history` events in memory.
    pub fn memory(history: usize) -> Self {
        DemoStore::Memory(MemoryStore::new(history))
    }

    /// The newest `history` events (`MAXLEN =`, exactly, so that a test can trim the history
    /// to a known length) in the stream [`REDIS_KEY`] of the Redis at `url`.
    pub async fn redis(url: &str, history: usize) -> Result<Self, StoreError> {
        let store = RedisStore::connect(url, REDIS_KEY).await?;
        // A page never larger than the bound: a full page is how a follower sees a trim.
        let store = store
            .trim(Trim::Exact(history))
            .batch(history.clamp(1, 256));
        Ok(DemoStore::Redis(Box::new(store)))
    }

    /// `memory` or a `redis://` URL, as `--store` takes it.
    pub async fn from_arg(arg: &str, history: usize) -> Result<Self, String> {
        if arg == "memory" {
            return Ok(DemoStore::memory(history));
        }
        if arg.starts_with("redis://") {
            return DemoStore::redis(arg, history)
                .await
                .map_err(|e| format!("--store {arg}: {e}"));
        }
        Err(format!(
            "--store takes `memory` or a `redis://HOST:PORT` URL, not `{arg}`"
        ))
    }
}

impl EventStore for DemoStore {
    async fn append(&self, event: &str, data: &str) -> Result<String, StoreError> {
        match self {
            DemoStore::Memory(s) => s.append(event, data).await,
            DemoStore::Redis(s) => s.append(event, data).await,
        }
    }

    async fn replay_after(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        match self {
            DemoStore::Memory(s) => s.replay_after(after, limit).await,
            DemoStore::Redis(s) => s.replay_after(after, limit).await,
        }
    }

    async fn first_id(&self) -> Result<Option<String>, StoreError> {
        match self {
            DemoStore::Memory(s) => s.first_id().await,
            DemoStore::Redis(s) => s.first_id().await,
        }
    }

    async fn last_id(&self) -> Result<Option<String>, StoreError> {
        match self {
            DemoStore::Memory(s) => s.last_id().await,
            DemoStore::Redis(s) => s.last_id().await,
        }
    }

    async fn position(&self, id: &str) -> Result<Position, StoreError> {
        match self {
            DemoStore::Memory(s) => s.position(id).await,
            DemoStore::Redis(s) => s.position(id).await,
        }
    }

    async fn follow(&self, after: Option<String>) -> Result<FollowStream, StoreError> {
        match self {
            DemoStore::Memory(s) => s.follow(after).await,
            DemoStore::Redis(s) => s.follow(after).await,
        }
    }
}
