//! The demo stream at `/events`: price ticks, news, chat and heartbeats from one hub.
//!
//! Every event with an id is kept in a bounded replay buffer, so a client that reconnects with
//! `Last-Event-ID` (header or `lastEventId` query parameter) gets what it missed, then the live
//! stream: this is the resume contract typed-sse expects of a server.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::{OriginalUri, Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{broadcast, watch};

use crate::limits::{self, BadParam};
use crate::resume;
use crate::stats::{now_ms, Connection, Stats};

/// How many events the replay buffer keeps.
pub const REPLAY_CAPACITY: usize = 2_000;

/// One event of the demo stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Published {
    /// `None` for heartbeats, which are not replayed.
    pub id: Option<u64>,
    /// The event type.
    pub name: &'static str,
    /// The data (JSON).
    pub data: Arc<str>,
}

impl Published {
    fn to_event(&self) -> Event {
        let e = Event::default().event(self.name).data(&*self.data);
        match self.id {
            Some(id) => e.id(id.to_string()),
            None => e,
        }
    }
}

struct Buffer {
    next_id: u64,
    events: VecDeque<Published>,
}

/// The demo's event hub: publish once, every subscriber receives it, late ones replay it.
pub struct Hub {
    buffer: Mutex<Buffer>,
    live: broadcast::Sender<Published>,
    drops: watch::Sender<u64>,
    failing_until: Mutex<Option<Instant>>,
    stats: Stats,
}

impl Hub {
    /// An empty hub.
    pub fn new(stats: Stats) -> Arc<Self> {
        Arc::new(Self {
            buffer: Mutex::new(Buffer {
                next_id: 1,
                events: VecDeque::new(),
            }),
            live: broadcast::channel(1_024).0,
            drops: watch::channel(0).0,
            failing_until: Mutex::new(None),
            stats,
        })
    }

    fn buffer(&self) -> MutexGuard<'_, Buffer> {
        self.buffer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes an event; `replay` gives it an id and keeps it for resuming clients.
    pub fn publish(&self, name: &'static str, data: String, replay: bool) -> Published {
        let mut buffer = self.buffer();
        let id = replay.then(|| {
            let id = buffer.next_id;
            buffer.next_id += 1;
            id
        });
        let event = Published {
            id,
            name,
            data: data.into(),
        };
        if replay {
            if buffer.events.len() == REPLAY_CAPACITY {
                buffer.events.pop_front();
            }
            buffer.events.push_back(event.clone());
        }
        // Sent under the lock, so a subscriber's snapshot and its live feed never overlap or gap.
        let _ = self.live.send(event.clone());
        event
    }

    /// The buffered events after `last_id`, and the live feed from then on.
    pub fn subscribe(
        &self,
        last_id: Option<u64>,
    ) -> (Vec<Published>, broadcast::Receiver<Published>) {
        let buffer = self.buffer();
        let receiver = self.live.subscribe();
        let missed = match last_id {
            Some(last) => buffer
                .events
                .iter()
                .filter(|e| e.id.is_some_and(|id| id > last))
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        (missed, receiver)
    }

    fn failing_for(&self) -> Option<Duration> {
        let until = *self.failing_until.lock().unwrap_or_else(|e| e.into_inner());
        until.and_then(|t| t.checked_duration_since(Instant::now()))
    }
}

/// `/events`, `/chat` and `/control/...`, with the generator task started.
pub fn router(stats: Stats) -> Router {
    let hub = Hub::new(stats);
    tokio::spawn(generate(Arc::downgrade(&hub)));
    Router::new()
        .route("/events", get(events))
        .route("/chat", post(chat))
        .route("/control/drop", post(drop_all))
        .route("/control/fail", post(fail))
        .with_state(hub)
}

async fn events(
    State(hub): State<Arc<Hub>>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let key = match limits::key(&params, "events") {
        Ok(key) => key.to_owned(),
        Err(bad) => return bad.into_response(),
    };
    let record = |status| Connection::new(&method, uri.0.to_string(), &headers, &params, status);
    let (last_event_id, _) = resume::last_event_id(&headers, &params);
    if let Some(left) = hub.failing_for() {
        let _guard = hub.stats.open(&key, record(503));
        let seconds = left.as_secs() + 1;
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, seconds.to_string())],
            "the demo server is failing on request\n",
        )
            .into_response();
    }
    let guard = hub.stats.open(&key, record(200));
    let (missed, receiver) = hub.subscribe(last_event_id.and_then(|id| id.parse().ok()));
    let mut drops = hub.drops.subscribe();
    drops.mark_unchanged();
    let live = stream::unfold(receiver, |mut receiver| async move {
        match receiver.recv().await {
            Ok(event) => Some((event, receiver)),
            // A client too slow for the live feed ends its stream: it resumes from the buffer.
            Err(_) => None,
        }
    });
    let stream = stream::iter(missed)
        .chain(live)
        .take_until(async move {
            let _ = drops.changed().await;
        })
        .map(move |event| {
            guard.sent();
            Ok::<_, Infallible>(event.to_event())
        });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(10)))
        .into_response()
}

/// A chat message from the demo page.
#[derive(Deserialize)]
struct ChatMessage {
    name: String,
    text: String,
}

async fn chat(State(hub): State<Arc<Hub>>, Json(message): Json<ChatMessage>) -> Response {
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
    let event = hub.publish("chat", data, true);
    Json(json!({ "id": event.id })).into_response()
}

/// Ends every `/events` stream: their clients reconnect and resume.
async fn drop_all(State(hub): State<Arc<Hub>>) -> StatusCode {
    hub.drops.send_modify(|n| *n = n.wrapping_add(1));
    StatusCode::NO_CONTENT
}

/// Fails `/events` with 503 for `seconds` (default 5, at most 120), dropping every stream.
async fn fail(
    State(hub): State<Arc<Hub>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<StatusCode, BadParam> {
    let seconds = limits::number(&params, "seconds", 5, 0..=limits::MAX_FAIL_SECONDS)?;
    *hub.failing_until.lock().unwrap_or_else(|e| e.into_inner()) =
        Some(Instant::now() + Duration::from_secs(seconds));
    hub.drops.send_modify(|n| *n = n.wrapping_add(1));
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

/// Ticks every 250 ms, news every 4 s, a heartbeat every 5 s, until the hub is gone.
async fn generate(hub: std::sync::Weak<Hub>) {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut prices: Vec<f64> = SYMBOLS.iter().map(|(_, p)| *p).collect();
    let mut interval = tokio::time::interval(Duration::from_millis(250));
    for step in 0u64.. {
        interval.tick().await;
        let Some(hub) = hub.upgrade() else { return };
        let i = (step % SYMBOLS.len() as u64) as usize;
        let change = (rng.next_f64() - 0.5) * prices[i] * 0.01;
        prices[i] = (prices[i] + change).max(0.01);
        let tick = json!({
            "symbol": SYMBOLS[i].0,
            "price": (prices[i] * 100.0).round() / 100.0,
            "change": (change * 100.0).round() / 100.0,
            "time": now_ms(),
        });
        hub.publish("tick", tick.to_string(), true);
        if step % 16 == 8 {
            let headline = NEWS[(rng.next_f64() * NEWS.len() as f64) as usize % NEWS.len()];
            hub.publish(
                "news",
                json!({ "headline": headline, "time": now_ms() }).to_string(),
                true,
            );
        }
        if step % 20 == 19 {
            hub.publish("heartbeat", json!({ "time": now_ms() }).to_string(), false);
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
