//! [`RedisStore`]: the history in a Redis stream, shared by every server instance on it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Client, Value};

use crate::store::{
    check_event_name, EventStore, FollowStream, Followed, Position, StoreError, StoredEvent,
};

/// How long a command may take before it fails; a follower's blocking read gets its block
/// time on top.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);

/// How the stream is bounded at each append (`XADD ... MAXLEN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trim {
    /// `MAXLEN ~ n`: at least `n` entries are kept; Redis trims whole internal nodes, which is
    /// cheaper, so the stream may hold somewhat more.
    Approx(usize),
    /// `MAXLEN = n`: exactly the newest `n` entries are kept.
    Exact(usize),
}

impl Trim {
    fn len(self) -> usize {
        match self {
            Trim::Approx(n) | Trim::Exact(n) => n.max(1),
        }
    }
}

/// Reads the stream's state and a page of it in one atomic step (a script runs alone), so a
/// trim between the two cannot go unnoticed. Returns `{exists, last-generated-id,
/// max-deleted-entry-id, first-entry id, entries, removed}`: the ids are "" when absent,
/// `removed` (entries-added minus length: how many entries were trimmed or deleted) is -1
/// when unknown (`max-deleted-entry-id` and `entries-added` need Redis 7.0).
const STATE_AND_PAGE: &str = r#"
local info = redis.pcall('XINFO', 'STREAM', KEYS[1])
if type(info) ~= 'table' or info.err then return {0, '', '', '', {}, 0} end
local last, maxdel, first, added, length = '', '', '', -1, 0
for i = 1, #info, 2 do
  local k = info[i]
  if k == 'last-generated-id' then last = info[i + 1]
  elseif k == 'max-deleted-entry-id' then maxdel = info[i + 1]
  elseif k == 'entries-added' then added = info[i + 1]
  elseif k == 'length' then length = info[i + 1]
  elseif k == 'first-entry' and type(info[i + 1]) == 'table' then first = info[i + 1][1] end
end
local entries = {}
if tonumber(ARGV[2]) > 0 then
  entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
end
local removed = -1
if added >= 0 then removed = added - length end
return {1, last, maxdel, first, entries, removed}
"#;

/// An [`EventStore`] on one Redis stream (Redis 6.2 or newer; 7.0 for exact gap detection).
/// The Redis user needs `XADD`, `XRANGE`, `XREVRANGE`, `XREAD`, `XINFO` and `EVAL` (one
/// read-only script reads the stream's state and a page atomically).
///
/// - append: `XADD key MAXLEN ~|= n * event <name> data <data>`; the id is the stream id, so
///   every server instance on the same Redis and key gives and understands the same ids;
/// - replay: `XRANGE key (id + COUNT n` (exclusive start), run in one script with `XINFO
///   STREAM` so that a trim is seen exactly;
/// - follow: `XREAD COUNT n BLOCK ms STREAMS key <last id seen>` on a connection of its own
///   per follower (a blocking read would stall every other command on a shared one); an empty
///   block repeats the same id, never `$`, which would drop what arrived in between;
/// - gap: an id is [`Position::Trimmed`] when entries were removed (`entries-added` exceeds
///   the length) and it is older than the first entry still held, or when it is older than
///   `max-deleted-entry-id` (an `XDEL` after it). Redis does not record which entries the
///   trim removed, so the newest trimmed id itself counts as trimmed: a gap may be announced
///   when none happened, never missed. An id is [`Position::Unknown`] when it is not a stream
///   id (`<ms>-<seq>`), is newer than `last-generated-id`, or the key does not exist. Before
///   Redis 7.0 (no `entries-added`), any id older than the first entry counts as trimmed.
///
/// Entries written by other programs are read leniently: a missing `event` field is the
/// default event, a missing `data` field empty data, non-UTF-8 bytes replaced.
///
/// Cloning is cheap: clones share the append connection.
#[derive(Clone)]
pub struct RedisStore {
    client: Client,
    conn: ConnectionManager,
    key: Arc<str>,
    trim: Trim,
    block: Duration,
    batch: usize,
}

impl RedisStore {
    /// Connects to `url` (`redis://127.0.0.1:6379`) for the stream `key`, bounded by
    /// `MAXLEN ~ 10000`, following with 5 s blocks and pages of 256 entries. Commands time
    /// out after 5 s (the redis crate's default of 0.5 s failed appends on a loaded machine).
    pub async fn connect(url: &str, key: impl Into<String>) -> Result<Self, StoreError> {
        let client = Client::open(url)?;
        let config = ConnectionManagerConfig::new().set_response_timeout(Some(RESPONSE_TIMEOUT));
        let conn = client.get_connection_manager_with_config(config).await?;
        Ok(Self::from_parts(client, conn, key))
    }

    /// A store on connections of your own: `client` opens each follower's blocking
    /// connection, `conn` carries everything else. The defaults of [`RedisStore::connect`].
    pub fn from_parts(client: Client, conn: ConnectionManager, key: impl Into<String>) -> Self {
        Self {
            client,
            conn,
            key: Arc::from(key.into()),
            trim: Trim::Approx(10_000),
            block: Duration::from_secs(5),
            batch: 256,
        }
    }

    /// The same connection, another stream `key` (one store per stream).
    pub fn stream(&self, key: impl Into<String>) -> Self {
        Self {
            key: Arc::from(key.into()),
            ..self.clone()
        }
    }

    /// Sets the bound applied at each append.
    pub fn trim(mut self, trim: Trim) -> Self {
        self.trim = trim;
        self
    }

    /// How long one `XREAD BLOCK` waits (at least 1 ms). A follower whose client left is
    /// noticed within this time at the latest.
    pub fn block(mut self, block: Duration) -> Self {
        self.block = block.max(Duration::from_millis(1));
        self
    }

    /// How many entries one read takes (at least 1). Never more than the trim bound: a full
    /// page is how a follower notices it may have been overtaken by the trim.
    pub fn batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// The stream's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    fn page(&self) -> usize {
        self.batch.min(self.trim.len())
    }

    async fn state_and_page(&self, start: &str, count: usize) -> Result<StreamState, StoreError> {
        let mut conn = self.conn.clone();
        let reply: Value = redis::cmd("EVAL")
            .arg(STATE_AND_PAGE)
            .arg(1)
            .arg(&*self.key)
            .arg(start)
            .arg(count)
            .query_async(&mut conn)
            .await?;
        StreamState::parse(reply)
    }
}

/// What [`STATE_AND_PAGE`] returns.
struct StreamState {
    exists: bool,
    last_generated: Option<StreamId>,
    max_deleted: Option<StreamId>,
    first: Option<String>,
    entries: Vec<StoredEvent>,
    /// How many entries were ever removed; `None` before Redis 7.0.
    removed: Option<u64>,
}

impl StreamState {
    fn parse(reply: Value) -> Result<Self, StoreError> {
        let unexpected = || StoreError::UnexpectedReply("stream state".into());
        let Value::Array(mut items) = reply else {
            return Err(unexpected());
        };
        if items.len() != 6 {
            return Err(unexpected());
        }
        let removed = match items.pop() {
            Some(Value::Int(n)) => u64::try_from(n).ok(),
            _ => return Err(unexpected()),
        };
        let entries = parse_entries(items.pop().unwrap_or_default())?;
        let text = |v: &Value| text(v).filter(|s| !s.is_empty());
        Ok(Self {
            exists: matches!(items[0], Value::Int(1)),
            last_generated: text(&items[1]).and_then(|s| StreamId::parse(&s)),
            max_deleted: text(&items[2]).and_then(|s| StreamId::parse(&s)),
            first: text(&items[3]),
            entries,
            removed,
        })
    }

    /// Whether entries after `id` may have been removed: `XDEL` removed one after it
    /// (`max-deleted-entry-id`, which the `MAXLEN` trim does not update), or entries were
    /// trimmed and `id` is older than the first entry held. Redis does not record what the
    /// trim removed, so an `id` that is exactly the newest trimmed entry counts as trimmed
    /// too: a gap is sometimes announced when none happened, never missed.
    fn trimmed_after(&self, id: StreamId) -> bool {
        if self.max_deleted.is_some_and(|max_deleted| id < max_deleted) {
            return true;
        }
        self.removed != Some(0)
            && self
                .first
                .as_deref()
                .and_then(StreamId::parse)
                .is_some_and(|first| id < first)
    }
}

/// A stream id, `<ms>-<seq>`, ordered as Redis orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct StreamId(u64, u64);

impl StreamId {
    /// Only the full form, decimal digits without leading zeros, as Redis gives it out (so a
    /// gap event repeats the client's id as it was sent).
    fn parse(text: &str) -> Option<Self> {
        let (ms, seq) = text.split_once('-')?;
        let number = |s: &str| {
            let canonical = !s.is_empty()
                && s.bytes().all(|b| b.is_ascii_digit())
                && (s == "0" || !s.starts_with('0'));
            canonical.then(|| s.parse().ok()).flatten()
        };
        Some(StreamId(number(ms)?, number(seq)?))
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        _ => None,
    }
}

/// `[[id, [field, value, ...]], ...]` (XRANGE, and each stream of XREAD).
fn parse_entries(value: Value) -> Result<Vec<StoredEvent>, StoreError> {
    let unexpected = || StoreError::UnexpectedReply("stream entries".into());
    let entries = match value {
        Value::Array(entries) => entries,
        Value::Nil => return Ok(Vec::new()),
        _ => return Err(unexpected()),
    };
    entries
        .into_iter()
        .map(|entry| {
            let Value::Array(parts) = entry else {
                return Err(unexpected());
            };
            let [id, fields] = <[Value; 2]>::try_from(parts).map_err(|_| unexpected())?;
            let id = text(&id).ok_or_else(unexpected)?;
            let fields: Vec<(Value, Value)> = match fields {
                Value::Array(flat) => {
                    let mut pairs = Vec::with_capacity(flat.len() / 2);
                    let mut flat = flat.into_iter();
                    while let (Some(k), Some(v)) = (flat.next(), flat.next()) {
                        pairs.push((k, v));
                    }
                    pairs
                }
                Value::Map(pairs) => pairs,
                Value::Nil => Vec::new(),
                _ => return Err(unexpected()),
            };
            let mut event = StoredEvent {
                id,
                event: String::new(),
                data: String::new(),
            };
            for (k, v) in fields {
                match text(&k).as_deref() {
                    Some("event") => event.event = text(&v).unwrap_or_default(),
                    Some("data") => event.data = text(&v).unwrap_or_default(),
                    _ => {}
                }
            }
            Ok(event)
        })
        .collect()
}

/// XREAD's reply: nil after an empty block, else the entries of the one stream asked for
/// (an array of `[key, entries]` in RESP2, a map in RESP3).
fn parse_xread(value: Value) -> Result<Vec<StoredEvent>, StoreError> {
    let unexpected = || StoreError::UnexpectedReply("XREAD".into());
    let streams: Vec<(Value, Value)> = match value {
        Value::Nil => return Ok(Vec::new()),
        Value::Map(pairs) => pairs,
        Value::Array(streams) => streams
            .into_iter()
            .map(|stream| match stream {
                Value::Array(parts) => <[Value; 2]>::try_from(parts)
                    .map(|[k, v]| (k, v))
                    .map_err(|_| unexpected()),
                _ => Err(unexpected()),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(unexpected()),
    };
    match streams.into_iter().next() {
        Some((_, entries)) => parse_entries(entries),
        None => Ok(Vec::new()),
    }
}

impl EventStore for RedisStore {
    async fn append(&self, event: &str, data: &str) -> Result<String, StoreError> {
        check_event_name(event)?;
        let (approx, n) = match self.trim {
            Trim::Approx(_) => ("~", self.trim.len()),
            Trim::Exact(_) => ("=", self.trim.len()),
        };
        let mut conn = self.conn.clone();
        let id: String = redis::cmd("XADD")
            .arg(&*self.key)
            .arg("MAXLEN")
            .arg(approx)
            .arg(n)
            .arg("*")
            .arg("event")
            .arg(event)
            .arg("data")
            .arg(data)
            .query_async(&mut conn)
            .await?;
        Ok(id)
    }

    async fn replay_after(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let start = match after {
            None => "-".to_owned(),
            Some(id) => match StreamId::parse(id) {
                Some(StreamId(ms, seq)) => format!("({ms}-{seq}"),
                None => return Ok(Vec::new()),
            },
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.conn.clone();
        let reply: Value = redis::cmd("XRANGE")
            .arg(&*self.key)
            .arg(start)
            .arg("+")
            .arg("COUNT")
            .arg(limit)
            .query_async(&mut conn)
            .await?;
        parse_entries(reply)
    }

    async fn first_id(&self) -> Result<Option<String>, StoreError> {
        Ok(self.replay_after(None, 1).await?.pop().map(|e| e.id))
    }

    async fn last_id(&self) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn.clone();
        let reply: Value = redis::cmd("XREVRANGE")
            .arg(&*self.key)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut conn)
            .await?;
        Ok(parse_entries(reply)?.pop().map(|e| e.id))
    }

    async fn position(&self, id: &str) -> Result<Position, StoreError> {
        let Some(id) = StreamId::parse(id) else {
            return Ok(Position::Unknown);
        };
        let state = self.state_and_page("-", 0).await?;
        Ok(match state.last_generated {
            _ if !state.exists => Position::Unknown,
            Some(last) if id > last => Position::Unknown,
            _ if state.trimmed_after(id) => Position::Trimmed,
            _ => Position::Held,
        })
    }

    async fn follow(&self, after: Option<String>) -> Result<FollowStream, StoreError> {
        let cursor = after.as_deref().and_then(StreamId::parse);
        let follower = Follower {
            store: self.clone(),
            live: None,
            cursor,
            catching_up: true,
            failed: false,
            pending: VecDeque::new(),
        };
        Ok(futures_util::stream::unfold(follower, Follower::next).boxed())
    }
}

struct Follower {
    store: RedisStore,
    /// The follower's own connection for `XREAD BLOCK`, opened on first use.
    live: Option<MultiplexedConnection>,
    /// The last id handed out; `None` before the first (then from the start of the stream).
    cursor: Option<StreamId>,
    /// Whether the next read pages with the atomic state script rather than blocking.
    catching_up: bool,
    failed: bool,
    pending: VecDeque<Followed>,
}

impl Follower {
    async fn next(mut self) -> Option<(Result<Followed, StoreError>, Self)> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some((Ok(item), self));
            }
            if self.failed {
                return None;
            }
            let read = if self.catching_up {
                self.catch_up().await
            } else {
                self.read_live().await
            };
            if let Err(e) = read {
                // The stream ends after the error: the client reconnects with its last id.
                self.failed = true;
                return Some((Err(e), self));
            }
        }
    }

    fn deliver(&mut self, entries: Vec<StoredEvent>) {
        for entry in entries {
            if let Some(id) = StreamId::parse(&entry.id) {
                self.cursor = Some(id);
            }
            self.pending.push_back(Followed::Event(entry));
        }
    }

    async fn catch_up(&mut self) -> Result<(), StoreError> {
        let page = self.store.page();
        let start = match self.cursor {
            None => "-".to_owned(),
            Some(StreamId(ms, seq)) => format!("({ms}-{seq}"),
        };
        let state = self.store.state_and_page(&start, page).await?;
        if let Some(cursor) = self.cursor {
            if state.trimmed_after(cursor) {
                self.pending.push_back(Followed::Gap {
                    after: format!("{}-{}", cursor.0, cursor.1),
                    first_available: state.first.clone(),
                });
            }
        }
        self.catching_up = state.entries.len() >= page;
        self.deliver(state.entries);
        Ok(())
    }

    async fn read_live(&mut self) -> Result<(), StoreError> {
        let store = &self.store;
        let conn = match &mut self.live {
            Some(conn) => conn,
            None => {
                let config = AsyncConnectionConfig::new()
                    .set_response_timeout(Some(store.block + RESPONSE_TIMEOUT));
                let conn = store
                    .client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await?;
                self.live.insert(conn)
            }
        };
        let page = store.page();
        let from = match self.cursor {
            None => "0-0".to_owned(),
            Some(StreamId(ms, seq)) => format!("{ms}-{seq}"),
        };
        let reply: Value = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(page)
            .arg("BLOCK")
            .arg(store.block.as_millis() as u64)
            .arg("STREAMS")
            .arg(&*store.key)
            .arg(from)
            .query_async(conn)
            .await?;
        let entries = parse_xread(reply)?;
        if entries.len() >= page {
            // A full page: the trim may have overtaken this reader. Read it again through
            // the atomic script, which tells.
            self.catching_up = true;
            return Ok(());
        }
        self.deliver(entries);
        Ok(())
    }
}
