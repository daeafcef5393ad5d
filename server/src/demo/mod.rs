//! The demo stream at `/events` and the chat at `/chat`, served by `typed-sse-axum`: price
//! ticks, news and chat messages are appended to an event store ([`DemoStore`]: memory by
//! default, Redis Streams with `--store redis://HOST:PORT`), and every client follows it.
//!
//! A client that reconnects with `Last-Event-ID` (header or `lastEventId` query parameter) gets
//! what it missed, then the live stream: the resume contract typed-sse expects of a server.
//! With Redis, several instances serve one stream with one set of ids, so a client resumes on
//! any of them. An id the store no longer holds (or never gave out) gets the layer's
//! `typed-sse.gap` event first. Each connection also gets a `heartbeat` event (no id, not
//! stored) every 5 s.
//!
//! `/control/drop` ends every stream of this instance; `/control/fail?seconds=N` answers 503
//! for a while.

mod store;

pub use store::{DemoStore, DEFAULT_HISTORY, MAX_HISTORY, REDIS_KEY};

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{OriginalUri, Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::watch;
use typed_sse_axum::{EventStore, LastEventId, ResumableSse, StoreError, KEEP_ALIVE_COMMENT};

use crate::limits::{self, BadParam};
use crate::stats::{now_ms, Connection, Stats};

/// How often each connection gets a `heartbeat` event (the demo page's liveness signal).
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// The keep-alive comment interval of `/events`.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// The demo's state: its store and its controls.
pub struct Demo {
    sse: ResumableSse<DemoStore>,
    drops: watch::Sender<u64>,
    failing_until: Mutex<Option<Instant>>,
    stats: Stats,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo").field("store", self.store()).finish()
    }
}

impl Demo {
    /// The demo on `store`, recording connections in `stats`. The generator is not started:
    /// see [`Demo::start_generator`].
    pub fn new(stats: Stats, store: DemoStore) -> Arc<Self> {
        Arc::new(Self {
            sse: ResumableSse::new(store).keep_alive(KEEP_ALIVE),
            drops: watch::channel(0).0,
            failing_until: Mutex::new(None),
            stats,
        })
    }

    /// Starts appending ticks and news, until the last handle to `demo` is dropped.
    pub fn start_generator(demo: &Arc<Self>) {
        tokio::spawn(generate(Arc::downgrade(demo)));
    }

    /// The store.
    pub fn store(&self) -> &DemoStore {
        self.sse.store()
    }

    /// Appends an event; returns its id.
    pub async fn publish(&self, name: &str, data: &str) -> Result<String, StoreError> {
        self.sse.store().append(name, data).await
    }

    fn failing_for(&self) -> Option<Duration> {
        let until = *self.failing_until.lock().unwrap_or_else(|e| e.into_inner());
        until.and_then(|t| t.checked_duration_since(Instant::now()))
    }
}

fn heartbeat() -> Event {
    Event::default()
        .event("heartbeat")
        .data(json!({ "time": now_ms() }).to_string())
}

/// `GET /events`.
pub(crate) async fn events(
    State(demo): State<Arc<Demo>>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    last: LastEventId,
) -> Response {
    let key = match limits::key(&params, "events") {
        Ok(key) => key.to_owned(),
        Err(bad) => return bad.into_response(),
    };
    let record = |status| Connection::new(&method, uri.0.to_string(), &headers, &params, status);
    if let Some(left) = demo.failing_for() {
        let _guard = demo.stats.open(&key, record(503));
        let seconds = left.as_secs() + 1;
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, seconds.to_string())],
            "the demo server is failing on request\n",
        )
            .into_response();
    }
    let events = match demo.sse.events(last).await {
        Ok(events) => events,
        Err(e) => {
            let _guard = demo.stats.open(&key, record(503));
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("event store: {e}\n"),
            )
                .into_response();
        }
    };
    let guard = demo.stats.open(&key, record(200));
    let mut drops = demo.drops.subscribe();
    drops.mark_unchanged();
    // The heartbeats stop with the store's events: `None` marks the end of those.
    let beats = stream::unfold((), |()| async {
        tokio::time::sleep(HEARTBEAT_EVERY).await;
        Some((Some(Ok::<_, Infallible>(heartbeat())), ()))
    });
    let body = stream::select(events.map(Some).chain(stream::iter([None])), beats)
        .take_while(|item| std::future::ready(item.is_some()))
        .filter_map(std::future::ready)
        .take_until(async move {
            let _ = drops.changed().await;
        })
        // The first item is the priming comment, not an event.
        .enumerate()
        .map(move |(i, event)| {
            if i > 0 {
                guard.sent();
            }
            event
        });
    Sse::new(body)
        .keep_alive(
            KeepAlive::new()
                .interval(KEEP_ALIVE)
                .text(KEEP_ALIVE_COMMENT),
        )
        .into_response()
}

/// A chat message from the demo page.
#[derive(Deserialize)]
pub(crate) struct ChatMessage {
    name: String,
    text: String,
}

/// `POST /chat`: appends a `chat` event; answers `{"id": "<its id>"}`, 400 for a message
/// without a name or text or too long, 503 when the store cannot be written.
pub(crate) async fn chat(
    State(demo): State<Arc<Demo>>,
    Json(message): Json<ChatMessage>,
) -> Response {
    let name = message.name.trim();
    let text = message.text.trim();
    if name.is_empty() || text.is_empty() || name.chars().count() > 32 || text.chars().count() > 500
    {
        return (
            StatusCode::BAD_REQUEST,
            "a chat message needs a name (at most 32 characters) and a text (at most 500)\n",
        )
            .into_response();
    }
    let data = json!({ "name": name, "text": text, "time": now_ms() }).to_string();
    match demo.publish("chat", &data).await {
        Ok(id) => Json(json!({ "id": id })).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("event store: {e}\n"),
        )
            .into_response(),
    }
}

/// `POST /control/drop`: ends every `/events` stream of this instance; their clients
/// reconnect and resume.
pub(crate) async fn drop_all(State(demo): State<Arc<Demo>>) -> StatusCode {
    demo.drops.send_modify(|n| *n = n.wrapping_add(1));
    StatusCode::NO_CONTENT
}

/// `POST /control/fail?seconds=N`: fails `/events` with 503 for `seconds` (default 5, at most
/// 120), dropping every stream.
pub(crate) async fn fail(
    State(demo): State<Arc<Demo>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<StatusCode, BadParam> {
    let seconds = limits::number(&params, "seconds", 5, 0..=limits::MAX_FAIL_SECONDS)?;
    *demo.failing_until.lock().unwrap_or_else(|e| e.into_inner()) =
        Some(Instant::now() + Duration::from_secs(seconds));
    demo.drops.send_modify(|n| *n = n.wrapping_add(1));
    Ok(StatusCode::NO_CONTENT)
}

const SYMBOLS: [(&str, f64); 4] = [
    ("ACME", 120.0),
    ("INIT", 42.0),
    ("ZED", 7.5),
    ("WASM", 260.0),
];
const NEWS: [&str; 6] = [
    "ACME announces a faster anvil",
    "INIT raises its outlook",
    "ZED shares halted briefly, then resume",
    "WASM adopts a component model",
    "Markets steady ahead of the weekend",
    "Analysts: streaming beats polling",
];

/// Ticks every 250 ms and news every 4 s, appended to the store, until the demo is gone. An
/// append that fails (Redis away) is skipped: the next tick tries again.
async fn generate(demo: std::sync::Weak<Demo>) {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut prices: Vec<f64> = SYMBOLS.iter().map(|(_, p)| *p).collect();
    let mut interval = tokio::time::interval(Duration::from_millis(250));
    for step in 0u64.. {
        interval.tick().await;
        let Some(demo) = demo.upgrade() else { return };
        let i = (step % SYMBOLS.len() as u64) as usize;
        let change = (rng.next_f64() - 0.5) * prices[i] * 0.01;
        prices[i] = (prices[i] + change).max(0.01);
        let tick = json!({
            "symbol": SYMBOLS[i].0,
            "price": (prices[i] * 100.0).round() / 100.0,
            "change": (change * 100.0).round() / 100.0,
            "time": now_ms(),
        });
        let _ = demo.publish("tick", &tick.to_string()).await;
        if step % 16 == 8 {
            let headline = NEWS[(rng.next_f64() * NEWS.len() as f64) as usize % NEWS.len()];
            let news = json!({ "headline": headline, "time": now_ms() });
            let _ = demo.publish("news", &news.to_string()).await;
        }
    }
}

/// A tiny deterministic generator: the demo needs plausible prices, not cryptography.
struct XorShift(u64);

impl XorShift {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}
