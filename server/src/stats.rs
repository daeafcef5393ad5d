//! What the server saw, per test key: the browser tests assert on this, not only on what the page
//! received.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// One request to a stream endpoint.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Connection {
    /// The path and query, e.g. `/sse/numbered?key=k&lastEventId=7`.
    pub uri: String,
    /// Milliseconds since the Unix epoch.
    pub opened_ms: u64,
    /// When the response body was dropped (the client went away or the stream ended).
    pub closed_ms: Option<u64>,
    /// The resume point the client sent, from the `Last-Event-ID` header or the query parameter.
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
}

impl Connection {
    /// The record of a request to `uri` just opened, answered with `status`.
    pub fn new(
        uri: String,
        headers: &axum::http::HeaderMap,
        params: &HashMap<String, String>,
        status: u16,
    ) -> Self {
        let (last_event_id, resumed_via) = crate::resume::last_event_id(headers, params);
        Self {
            uri,
            opened_ms: now_ms(),
            closed_ms: None,
            last_event_id,
            resumed_via,
            status,
            probe: crate::resume::is_probe(headers),
            events_sent: 0,
        }
    }
}

/// All connections, by test key.
#[derive(Clone, Default, Debug)]
pub struct Stats {
    keys: Arc<Mutex<HashMap<String, Vec<Connection>>>>,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Stats {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Vec<Connection>>> {
        // A panic elsewhere must not take the stats down with it.
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a new connection and returns a guard that records its end when dropped.
    pub fn open(&self, key: &str, record: Connection) -> ConnectionGuard {
        let mut keys = self.lock();
        let list = keys.entry(key.to_owned()).or_default();
        list.push(record);
        ConnectionGuard {
            stats: self.clone(),
            key: key.to_owned(),
            index: list.len() - 1,
        }
    }

    /// The connections seen for `key`, oldest first.
    pub fn get(&self, key: &str) -> Vec<Connection> {
        self.lock().get(key).cloned().unwrap_or_default()
    }
}

/// Lives as long as a response body; records the close time and counts events.
#[derive(Debug)]
pub struct ConnectionGuard {
    stats: Stats,
    key: String,
    index: usize,
}

impl ConnectionGuard {
    /// Counts one event written.
    pub fn sent(&self) {
        if let Some(c) = self
            .stats
            .lock()
            .get_mut(&self.key)
            .and_then(|l| l.get_mut(self.index))
        {
            c.events_sent += 1;
        }
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        if let Some(c) = self
            .stats
            .lock()
            .get_mut(&self.key)
            .and_then(|l| l.get_mut(self.index))
        {
            c.closed_ms = Some(now_ms());
        }
    }
}
