//! What the server saw, per test key: the browser tests assert on this, not only on what the page
//! received.
//!
//! Keys, URIs, `Last-Event-ID`s and the other headers recorded are chosen by clients, so the log
//! is bounded: at most [`MAX_KEYS`] keys (the least recently used one goes first),
//! [`MAX_RECORDS_PER_KEY`] connections per key (the oldest go first), the URI and id cut to
//! [`MAX_TEXT_BYTES`], other headers to [`MAX_HEADER_TEXT_BYTES`] (`Authorization` to a prefix of
//! [`AUTHORIZATION_PREFIX_BYTES`]), and [`MAX_STORED_BYTES`] in all.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;

use crate::limits::{self, BadParam};

/// Most test keys kept. A whole `npm test` run uses a few hundred.
pub const MAX_KEYS: usize = 4_096;

/// Most connections kept per key. The browser tests read at most a few dozen; the reconnect
/// benchmarks make ~1,100 on one key but never read them.
pub const MAX_RECORDS_PER_KEY: usize = 1_000;

/// Longest stored URI or `Last-Event-ID`, in bytes, [`TRUNCATED`] included.
pub const MAX_TEXT_BYTES: usize = 2_048;

/// Ends a stored text that was cut to [`MAX_TEXT_BYTES`] or [`MAX_HEADER_TEXT_BYTES`].
pub const TRUNCATED: &str = "…[truncated]";

/// Longest stored `Accept`, `Cache-Control` or `Content-Type` (and method), in bytes,
/// [`TRUNCATED`] included.
pub const MAX_HEADER_TEXT_BYTES: usize = 256;

/// How much of `Authorization` is kept: its first bytes, up to this many (on a character
/// boundary), followed by `…` when there was more: `Bearer tok-12-3f9a0…`. Enough to tell tokens
/// apart (their number comes first), never the whole secret; at most 23 bytes stored.
pub const AUTHORIZATION_PREFIX_BYTES: usize = 20;

/// Ends a stored `Authorization` prefix that was cut.
pub const ELLIPSIS: &str = "…";

/// Budget for everything stored (texts, keys and a fixed cost per record); beyond it the least
/// recently used keys are forgotten. The worst case of the other limits,
/// `MAX_RECORDS_PER_KEY * (2 * MAX_TEXT_BYTES + 4 * MAX_HEADER_TEXT_BYTES + 23 + overhead)`, is
/// ~5.5 MB for one key, so the key being written always fits.
pub const MAX_STORED_BYTES: usize = 32 << 20;

/// One request to a stream endpoint.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Connection {
    /// The request method: `GET`, `POST` (or `HEAD`).
    pub method: String,
    /// The path and query, e.g. `/sse/numbered?key=k&lastEventId=7`, cut to [`MAX_TEXT_BYTES`].
    pub uri: String,
    /// Milliseconds since the Unix epoch.
    pub opened_ms: u64,
    /// When the response body was dropped (the client went away or the stream ended).
    pub closed_ms: Option<u64>,
    /// The resume point the client sent, from the `Last-Event-ID` header or the query parameter,
    /// cut to [`MAX_TEXT_BYTES`].
    pub last_event_id: Option<String>,
    /// `header`, `query` or `none`: where `last_event_id` came from.
    pub resumed_via: &'static str,
    /// The status the server answered.
    pub status: u16,
    /// Whether this was typed-sse's failure probe (a `fetch`) rather than an `EventSource`
    /// connection: `EventSource` sends `Cache-Control: no-cache`, the probe `max-age=0`.
    pub probe: bool,
    /// Events written to this connection.
    pub events_sent: u64,
    /// Whether an `Authorization` header came (`null` if not), and its start: at most
    /// [`AUTHORIZATION_PREFIX_BYTES`] bytes, then `…` if it was longer.
    pub authorization: Option<String>,
    /// The `Accept` header, cut to [`MAX_HEADER_TEXT_BYTES`].
    pub accept: Option<String>,
    /// The `Cache-Control` header, cut to [`MAX_HEADER_TEXT_BYTES`].
    pub cache_control: Option<String>,
    /// The `Content-Type` header, cut to [`MAX_HEADER_TEXT_BYTES`].
    pub content_type: Option<String>,
    /// The bytes of request body read (0 for none). For a `413`, the declared `Content-Length`
    /// when that alone was too large, else the bytes read before refusing.
    pub body_bytes: u64,
}

impl Connection {
    /// The record of a `method` request to `uri` just opened, answered with `status`; its
    /// `body_bytes` are 0 until set.
    pub fn new(
        method: &axum::http::Method,
        uri: String,
        headers: &axum::http::HeaderMap,
        params: &HashMap<String, String>,
        status: u16,
    ) -> Self {
        let (last_event_id, resumed_via) = crate::resume::last_event_id(headers, params);
        let header = |name: axum::http::HeaderName| {
            headers
                .get(name)
                .map(|v| header_text(v.as_bytes(), MAX_HEADER_TEXT_BYTES))
        };
        Self {
            method: header_text(method.as_str().as_bytes(), MAX_HEADER_TEXT_BYTES),
            uri: truncate(uri),
            opened_ms: now_ms(),
            closed_ms: None,
            last_event_id: last_event_id.map(truncate),
            resumed_via,
            status,
            probe: crate::resume::is_probe(headers),
            events_sent: 0,
            authorization: headers
                .get(axum::http::header::AUTHORIZATION)
                .map(|v| authorization_prefix(v.as_bytes())),
            accept: header(axum::http::header::ACCEPT),
            cache_control: header(axum::http::header::CACHE_CONTROL),
            content_type: header(axum::http::header::CONTENT_TYPE),
            body_bytes: 0,
        }
    }

    /// What keeping this record costs, roughly: its texts' allocations and its own size.
    fn stored_bytes(&self) -> usize {
        let text = |t: &Option<String>| t.as_ref().map_or(0, String::capacity);
        std::mem::size_of::<(u64, Self)>()
            + self.method.capacity()
            + self.uri.capacity()
            + text(&self.last_event_id)
            + text(&self.authorization)
            + text(&self.accept)
            + text(&self.cache_control)
            + text(&self.content_type)
    }
}

/// The first bytes of `value` (at most `max` plus a few for a character cut in two), as text;
/// invalid UTF-8 becomes U+FFFD. Never converts more than it keeps, however long `value` is.
fn head_text(value: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&value[..value.len().min(max + 4)]).into_owned()
}

/// A header value as stored: text, cut to `max` bytes with [`TRUNCATED`] at the end.
fn header_text(value: &[u8], max: usize) -> String {
    let text = head_text(value, max);
    if value.len() <= max && text.len() <= max {
        return text;
    }
    truncate_to(text, max)
}

/// What is kept of an `Authorization` header: see [`Connection::authorization`].
pub fn authorization_prefix(value: &[u8]) -> String {
    let text = head_text(value, AUTHORIZATION_PREFIX_BYTES);
    if value.len() <= AUTHORIZATION_PREFIX_BYTES && text.len() <= AUTHORIZATION_PREFIX_BYTES {
        return text;
    }
    let mut end = AUTHORIZATION_PREFIX_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ELLIPSIS}", &text[..end])
}

/// `text`, or its first bytes (on a character boundary) followed by [`TRUNCATED`], at most
/// [`MAX_TEXT_BYTES`] long.
pub fn truncate(text: String) -> String {
    truncate_to(text, MAX_TEXT_BYTES)
}

/// `text`, or its first bytes (on a character boundary) followed by [`TRUNCATED`], at most `max`
/// long (`max` is more than [`TRUNCATED`]'s length).
fn truncate_to(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max - TRUNCATED.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // A new string: `String::truncate` would keep the whole original allocation alive.
    let mut cut = String::with_capacity(end + TRUNCATED.len());
    cut.push_str(&text[..end]);
    cut.push_str(TRUNCATED);
    cut
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The connections of one key.
#[derive(Debug, Default)]
struct KeyLog {
    /// By sequence number, oldest first.
    records: VecDeque<(u64, Connection)>,
    /// The sequence number of the last connection opened: the key's place in [`Log::by_age`].
    last_opened: u64,
    /// Connections other than probes ever opened, counting those no longer kept.
    not_probes: u64,
    /// Records dropped to stay within [`MAX_RECORDS_PER_KEY`].
    dropped: u64,
    /// What this key's records cost (see [`Connection::stored_bytes`]), its name included.
    bytes: usize,
}

#[derive(Debug, Default)]
struct Log {
    keys: HashMap<String, KeyLog>,
    /// Keys by the sequence number of their last connection: the first is the one to forget.
    by_age: BTreeMap<u64, String>,
    /// Numbers every connection, in the order they open: a record's identity and a key's age.
    next_seq: u64,
    /// The sum of every key's `bytes`.
    bytes: usize,
}

impl Log {
    fn forget_oldest_key(&mut self) {
        if let Some((_, key)) = self.by_age.pop_first() {
            if let Some(log) = self.keys.remove(&key) {
                self.bytes -= log.bytes;
            }
        }
    }
}

/// All connections, by test key, within the bounds above.
#[derive(Clone, Default, Debug)]
pub struct Stats {
    log: Arc<Mutex<Log>>,
}

impl Stats {
    fn lock(&self) -> MutexGuard<'_, Log> {
        // A panic elsewhere must not take the stats down with it.
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a new connection and returns a guard that records its end when dropped.
    pub fn open(&self, key: &str, record: Connection) -> ConnectionGuard {
        let mut log = self.lock();
        let seq = log.next_seq;
        log.next_seq += 1;
        if let Some(existing) = log.keys.get(key) {
            let age = existing.last_opened;
            log.by_age.remove(&age);
        } else {
            while log.keys.len() >= MAX_KEYS {
                log.forget_oldest_key();
            }
            // The key is stored twice (map and age index).
            let bytes = 2 * key.len() + std::mem::size_of::<KeyLog>();
            log.keys.insert(
                key.to_owned(),
                KeyLog {
                    bytes,
                    ..KeyLog::default()
                },
            );
            log.bytes += bytes;
        }
        log.by_age.insert(seq, key.to_owned());

        let added = record.stored_bytes();
        let probe = record.probe;
        let entry = log.keys.get_mut(key).expect("inserted above");
        entry.last_opened = seq;
        entry.not_probes += u64::from(!probe);
        entry.records.push_back((seq, record));
        let mut freed = 0;
        if entry.records.len() > MAX_RECORDS_PER_KEY {
            if let Some((_, old)) = entry.records.pop_front() {
                freed = old.stored_bytes();
                entry.dropped += 1;
            }
        }
        entry.bytes = entry.bytes + added - freed;
        log.bytes = log.bytes + added - freed;
        // This key is now the newest, so it is forgotten last.
        while log.bytes > MAX_STORED_BYTES && log.keys.len() > 1 {
            log.forget_oldest_key();
        }
        drop(log);
        ConnectionGuard {
            stats: self.clone(),
            key: key.to_owned(),
            seq,
        }
    }

    /// The connections kept for `key`, oldest first.
    pub fn get(&self, key: &str) -> Vec<Connection> {
        self.lock().keys.get(key).map_or_else(Vec::new, |log| {
            log.records.iter().map(|(_, c)| c.clone()).collect()
        })
    }

    /// How many connections of `key` were dropped to stay within [`MAX_RECORDS_PER_KEY`].
    pub fn dropped(&self, key: &str) -> u64 {
        self.lock().keys.get(key).map_or(0, |log| log.dropped)
    }

    /// Connections of `key` other than probes, ever (dropped records included).
    pub fn not_probes(&self, key: &str) -> u64 {
        self.lock().keys.get(key).map_or(0, |log| log.not_probes)
    }

    /// How many keys are kept.
    pub fn key_count(&self) -> usize {
        self.lock().keys.len()
    }

    /// What the kept records cost, as counted against [`MAX_STORED_BYTES`].
    pub fn stored_bytes(&self) -> usize {
        self.lock().bytes
    }

    fn update(&self, key: &str, seq: u64, change: impl FnOnce(&mut Connection)) {
        let mut log = self.lock();
        let Some(log) = log.keys.get_mut(key) else {
            return;
        };
        if let Ok(i) = log.records.binary_search_by_key(&seq, |(s, _)| *s) {
            change(&mut log.records[i].1);
        }
    }
}

/// Lives as long as a response body; records the close time and counts events.
#[derive(Debug)]
pub struct ConnectionGuard {
    stats: Stats,
    key: String,
    seq: u64,
}

impl ConnectionGuard {
    /// Counts one event written.
    pub fn sent(&self) {
        self.stats
            .update(&self.key, self.seq, |c| c.events_sent += 1);
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.stats
            .update(&self.key, self.seq, |c| c.closed_ms = Some(now_ms()));
    }
}

/// The connections seen for `key`, and how many older ones were dropped to stay within
/// [`crate::stats::MAX_RECORDS_PER_KEY`].
pub(crate) async fn handler(
    State(s): State<Stats>,
    Query(p): Query<HashMap<String, String>>,
) -> Result<Response, BadParam> {
    let key = limits::key(&p, "default")?;
    Ok(Json(json!({
        "key": key,
        "connections": s.get(key),
        "dropped": s.dropped(key),
        "now_ms": now_ms(),
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(uri: &str) -> Connection {
        Connection::new(
            &axum::http::Method::GET,
            uri.into(),
            &Default::default(),
            &HashMap::new(),
            200,
        )
    }

    #[test]
    fn headers_are_kept_short_and_authorization_only_as_a_prefix() {
        let mut headers = axum::http::HeaderMap::new();
        let token = format!("Bearer {}", "s".repeat(10_000));
        headers.insert("authorization", token.parse().unwrap());
        headers.insert("accept", "a".repeat(10_000).parse().unwrap());
        headers.insert("content-type", "text/plain".parse().unwrap());
        let c = Connection::new(
            &axum::http::Method::POST,
            "/x".into(),
            &headers,
            &HashMap::new(),
            200,
        );
        assert_eq!(c.method, "POST");
        assert_eq!(c.authorization.as_deref(), Some("Bearer sssssssssssss…"));
        let accept = c.accept.unwrap();
        assert_eq!(accept.len(), MAX_HEADER_TEXT_BYTES);
        assert!(accept.ends_with(TRUNCATED));
        assert_eq!(c.content_type.as_deref(), Some("text/plain"));
        assert_eq!(c.cache_control, None);
        // Short values are kept whole; a cut never splits a character, and never stores more
        // than 64 bytes.
        assert_eq!(authorization_prefix(b"Bearer abc"), "Bearer abc");
        assert_eq!(authorization_prefix(&[b'x'; 20]), "x".repeat(20));
        let cut = authorization_prefix("Bearer ééééééééééé".as_bytes());
        assert!(cut.len() <= 64 && cut.ends_with(ELLIPSIS), "{cut}");
        assert_eq!(authorization_prefix(b"\xff\xfe"), "\u{fffd}\u{fffd}");
    }

    #[test]
    fn long_texts_are_cut_on_a_character_boundary_and_marked() {
        assert_eq!(truncate("short".into()), "short");
        let cut = truncate("é".repeat(5_000));
        assert!(cut.len() <= MAX_TEXT_BYTES, "{}", cut.len());
        assert!(
            cut.capacity() <= MAX_TEXT_BYTES,
            "the long original is let go"
        );
        assert!(cut.ends_with(TRUNCATED));
        assert!(cut.starts_with("éé"));
    }

    #[test]
    fn a_key_keeps_its_newest_records_and_guards_of_dropped_ones_do_nothing() {
        let stats = Stats::default();
        let first = stats.open("k", record("/first"));
        let mut guards = Vec::new();
        for i in 0..MAX_RECORDS_PER_KEY {
            guards.push(stats.open("k", record(&format!("/{i}"))));
        }
        let kept = stats.get("k");
        assert_eq!(kept.len(), MAX_RECORDS_PER_KEY);
        assert_eq!(kept[0].uri, "/0");
        assert_eq!(stats.dropped("k"), 1);
        assert_eq!(stats.not_probes("k"), MAX_RECORDS_PER_KEY as u64 + 1);
        first.sent();
        drop(first);
        assert!(stats.get("k").iter().all(|c| c.closed_ms.is_none()));
        guards[0].sent();
        assert_eq!(stats.get("k")[0].events_sent, 1);
    }

    #[test]
    fn the_least_recently_used_key_is_forgotten_first() {
        let stats = Stats::default();
        for i in 0..MAX_KEYS {
            drop(stats.open(&format!("k{i}"), record("/")));
        }
        drop(stats.open("k0", record("/again")));
        drop(stats.open("new", record("/")));
        assert_eq!(stats.key_count(), MAX_KEYS);
        assert_eq!(stats.get("k0").len(), 2, "used recently, so kept");
        assert!(stats.get("k1").is_empty(), "the oldest, so forgotten");
    }

    #[test]
    fn a_re_created_key_is_not_touched_by_guards_of_its_former_records() {
        let stats = Stats::default();
        let old = stats.open("k", record("/old"));
        for i in 0..MAX_KEYS {
            drop(stats.open(&format!("other{i}"), record("/")));
        }
        assert!(stats.get("k").is_empty());
        let _new = stats.open("k", record("/new"));
        drop(old);
        assert_eq!(stats.get("k")[0].closed_ms, None);
    }
}
