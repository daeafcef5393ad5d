//! Stream endpoints for the browser tests, under `/sse/`. Each takes `key=K` (default
//! `default`) so a test can read what the server saw at `/stats?key=K`, and most take
//! `keepalive_ms` (default 200): the keep-alive comment interval, which is also how fast the
//! server notices that a client went away.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::stream::{self, BoxStream, StreamExt};
use serde_json::json;

use crate::resume;
use crate::stats::{now_ms, Connection, ConnectionGuard, Stats};

type Params = HashMap<String, String>;

/// The `/sse/...` routes and `/stats`.
pub fn router(stats: Stats) -> Router {
    Router::new()
        .route("/sse/messages", get(messages))
        .route("/sse/named", get(named))
        .route("/sse/malformed", get(malformed))
        .route("/sse/status", get(status))
        .route("/sse/content-type", get(content_type))
        .route("/sse/big", get(big))
        .route("/sse/unicode", get(unicode))
        .route("/sse/numbered", get(numbered))
        .route("/sse/hold", get(hold))
        .route("/sse/heartbeat", get(heartbeat))
        .route("/sse/flaky", get(flaky))
        .route("/sse/auth", get(auth))
        .route("/sse/rate", get(rate))
        .route("/sse/bench", get(bench))
        .route("/stats", get(stats_handler))
        .with_state(stats)
}

/// What every scenario starts from: the request's URI, headers and query, and the stats to record
/// it in. An extractor, so that each handler takes one argument.
pub struct Scenario {
    stats: Stats,
    uri: String,
    headers: HeaderMap,
    params: Params,
}

impl FromRequestParts<Stats> for Scenario {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, stats: &Stats) -> Result<Self, Infallible> {
        let params = Query::<Params>::try_from_uri(&parts.uri)
            .map(|q| q.0)
            .unwrap_or_default();
        Ok(Self {
            stats: stats.clone(),
            uri: parts.uri.to_string(),
            headers: parts.headers.clone(),
            params,
        })
    }
}

impl Scenario {
    fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    fn key(&self) -> &str {
        self.param("key").unwrap_or("default")
    }

    /// Records the request with the status it is answered with.
    fn open(self, status: u16) -> Request {
        let key = self.key().to_owned();
        let record = Connection::new(self.uri, &self.headers, &self.params, status);
        let resume_from = record
            .last_event_id
            .as_deref()
            .and_then(|id| id.parse().ok());
        Request {
            guard: self.stats.open(&key, record),
            resume_from,
            params: self.params,
        }
    }
}

/// One recorded request: its stats record and where it resumes from.
struct Request {
    guard: ConnectionGuard,
    params: Params,
    resume_from: Option<u64>,
}

impl Request {
    fn num(&self, name: &str, default: u64) -> u64 {
        self.params
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// Streams `events`, then ends (`end`) or holds the connection open with keep-alives.
    fn respond(self, events: BoxStream<'static, Event>, end: bool) -> Response {
        let keepalive = Duration::from_millis(self.num("keepalive_ms", 200).max(10));
        let guard = self.guard;
        let events = if end {
            events
        } else {
            events.chain(stream::pending()).boxed()
        };
        // The guard lives in the outermost stream: it must drop only with the response body.
        let events = events.map(move |e| {
            guard.sent();
            Ok::<_, Infallible>(e)
        });
        Sse::new(events)
            .keep_alive(KeepAlive::new().interval(keepalive))
            .into_response()
    }
}

/// Emits `events` one every `interval_ms` (all at once when 0).
fn paced(events: Vec<Event>, interval_ms: u64) -> BoxStream<'static, Event> {
    if interval_ms == 0 {
        return stream::iter(events).boxed();
    }
    stream::iter(events)
        .then(move |e| async move {
            tokio::time::sleep(Duration::from_millis(interval_ms)).await;
            e
        })
        .boxed()
}

fn numbered_event(n: u64) -> Event {
    Event::default()
        .id(n.to_string())
        .data(json!({ "n": n }).to_string())
}

/// `n` (default 5) unnamed JSON messages `{"n":i}` with ids, every `interval_ms`, then hold
/// (or end, with `end=1`). Resumes after the id the client sends.
async fn messages(s: Scenario) -> Response {
    let r = s.open(200);
    let from = r.resume_from.map_or(1, |id| id + 1);
    let n = r.num("n", 5);
    let events = (from..=n).map(numbered_event).collect();
    let paced = paced(events, r.num("interval_ms", 0));
    let end = r.num("end", 0) == 1;
    r.respond(paced, end)
}

/// Named events: `tick` (JSON quotes), `news` (text), and an unnamed message, interleaved.
async fn named(s: Scenario) -> Response {
    let r = s.open(200);
    let events = vec![
        Event::default()
            .id("1")
            .event("tick")
            .data(r#"{"symbol":"ACME","price":10.5}"#),
        Event::default()
            .id("2")
            .event("news")
            .data("ACME beats estimates"),
        Event::default().id("3").data(r#"{"n":3}"#),
        Event::default()
            .id("4")
            .event("tick")
            .data(r#"{"symbol":"INIT","price":3.25}"#),
        Event::default()
            .id("5")
            .event("other")
            .data("nobody listens to this"),
        Event::default().id("6").event("done").data("{}"),
    ];
    r.respond(stream::iter(events).boxed(), false)
}

/// A malformed JSON event between good ones.
async fn malformed(s: Scenario) -> Response {
    let r = s.open(200);
    let events = vec![
        Event::default().id("1").data(r#"{"n":1}"#),
        Event::default().id("2").data(r#"{"n": oops"#),
        Event::default().id("3").data(r#"{"n":3}"#),
    ];
    r.respond(stream::iter(events).boxed(), false)
}

/// Answers `code` (default 500) with a text body, and `Retry-After: retry_after` when given.
async fn status(s: Scenario) -> Response {
    let code = s
        .param("code")
        .and_then(|c| c.parse().ok())
        .unwrap_or(500u16);
    let retry_after = s.param("retry_after").map(str::to_owned);
    let _r = s.open(code);
    plain_status(code, retry_after.as_deref())
}

fn plain_status(code: u16, retry_after: Option<&str>) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, format!("scenario status {code}\n")).into_response();
    if let Some(v) = retry_after.and_then(|v| v.parse().ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// 200 with a content type that is not `text/event-stream` (default `text/plain`).
async fn content_type(s: Scenario) -> Response {
    let ty = s.param("type").unwrap_or("text/plain").to_owned();
    let _r = s.open(200);
    (
        [(header::CONTENT_TYPE, ty)],
        "data: this is not an event stream\n\n",
    )
        .into_response()
}

/// One event whose JSON data is `bytes` long (default 1 MB): `{"size":N,"fill":"xxx..."}`.
async fn big(s: Scenario) -> Response {
    let r = s.open(200);
    let bytes = r.num("bytes", 1_000_000).min(16_000_000) as usize;
    r.respond(
        stream::iter([Event::default().id("1").data(sized_json(bytes))]).boxed(),
        false,
    )
}

/// `{"size":N,"fill":"abc..."}`, exactly `bytes` long (at least the fixed part).
pub fn sized_json(bytes: usize) -> String {
    let head = format!(r#"{{"size":{bytes},"fill":""#);
    let fill = bytes.saturating_sub(head.len() + 2);
    let mut s = String::with_capacity(bytes);
    s.push_str(&head);
    s.extend((0..fill).map(|i| char::from(b'a' + (i % 26) as u8)));
    s.push_str("\"}");
    s
}

/// Non-ASCII and multi-line data.
pub const UNICODE_TEXT: &str = "héllo wörld, 日本語, emoji 🎉\nsecond line\n\nafter a blank line";

async fn unicode(s: Scenario) -> Response {
    let r = s.open(200);
    let events = vec![
        Event::default().id("1").event("text").data(UNICODE_TEXT),
        Event::default()
            .id("2")
            .event("json")
            .data(json!({ "name": "Zoë", "city": "Zürich", "note": "✓ multi\nline" }).to_string()),
    ];
    r.respond(stream::iter(events).boxed(), false)
}

/// Numbered messages `1..=total` (default 100), at most `cut` (default: all) per connection: the
/// stream then ends, and a resuming client continues after its last id. Holds after `total`.
async fn numbered(s: Scenario) -> Response {
    let r = s.open(200);
    let total = r.num("total", 100);
    let cut = r.num("cut", u64::MAX).max(1);
    let from = r.resume_from.map_or(1, |id| id + 1);
    let to = total.min(from.saturating_add(cut - 1));
    let events = (from..=to).map(numbered_event).collect();
    let paced = paced(events, r.num("interval_ms", 0));
    r.respond(paced, to < total)
}

/// One `ready` event, then only keep-alive comments (which `EventSource` does not surface).
async fn hold(s: Scenario) -> Response {
    let r = s.open(200);
    r.respond(
        stream::iter([Event::default().event("ready").data("{}")]).boxed(),
        false,
    )
}

/// `ready`, then a `heartbeat` event every `every_ms` (default 100).
async fn heartbeat(s: Scenario) -> Response {
    let r = s.open(200);
    let every = Duration::from_millis(r.num("every_ms", 100).max(1));
    let beats = stream::unfold(0u64, move |i| async move {
        tokio::time::sleep(every).await;
        Some((
            Event::default().event("heartbeat").data(i.to_string()),
            i + 1,
        ))
    });
    let events = stream::iter([Event::default().event("ready").data("{}")]).chain(beats);
    r.respond(events.boxed(), false)
}

/// The first `fail` (default 2) `EventSource` connections of a key answer `code` (default 503,
/// with `retry_after` if given); the next ones stream `n` numbered messages, resuming.
async fn flaky(s: Scenario) -> Response {
    let connections = s.stats.get(s.key()).iter().filter(|c| !c.probe).count() as u64;
    let fail = s.param("fail").and_then(|v| v.parse().ok()).unwrap_or(2u64);
    // A probe asks about the connection just made, so it gets the answer that connection got.
    let failing = if resume::is_probe(&s.headers) {
        connections <= fail
    } else {
        connections < fail
    };
    if failing {
        let code = s
            .param("code")
            .and_then(|c| c.parse().ok())
            .unwrap_or(503u16);
        let retry_after = s.param("retry_after").map(str::to_owned);
        let _r = s.open(code);
        return plain_status(code, retry_after.as_deref());
    }
    messages(s).await
}

/// 401 unless `token=good`; then a `ready` event whose data is the token.
async fn auth(s: Scenario) -> Response {
    if s.param("token") != Some("good") {
        let _r = s.open(401);
        return plain_status(401, None);
    }
    let r = s.open(200);
    r.respond(
        stream::iter([Event::default().event("ready").data("\"good\"")]).boxed(),
        false,
    )
}

/// `n` messages at `per_sec` a second, each `{"n":i,"sent":<epoch ms, fractional>}`: for latency.
async fn rate(s: Scenario) -> Response {
    let r = s.open(200);
    let n = r.num("n", 100);
    let per_sec = r.num("per_sec", 100).clamp(1, 100_000);
    let period = Duration::from_nanos(1_000_000_000 / per_sec);
    let start = tokio::time::Instant::now();
    let events = stream::unfold(1u64, move |i| async move {
        if i > n {
            return None;
        }
        tokio::time::sleep_until(start + period * (i as u32)).await;
        let sent = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0);
        let data = format!(r#"{{"n":{i},"sent":{sent:.3}}}"#);
        Some((Event::default().id(i.to_string()).data(data), i + 1))
    });
    r.respond(events.boxed(), false)
}

/// Events per body chunk of `/sse/bench`: large writes keep the server far ahead of the browser.
const BENCH_CHUNK: u64 = 500;

/// The data of benchmark event `i`: a ~90-byte quote, or (`large`) a ~2 KB document.
pub fn bench_data(i: u64, large: bool) -> String {
    use std::fmt::Write;
    let symbol = ["ACME", "INIT", "ZED", "WASM"][(i % 4) as usize];
    let price = 100.0 + (i % 997) as f64 / 8.0;
    if !large {
        return format!(
            r#"{{"id":{i},"symbol":"{symbol}","price":{price:.2},"change":-0.37,"volume":{},"time":1795390959872}}"#,
            120_000 + i % 5_000
        );
    }
    let mut s = format!(r#"{{"id":{i},"title":"Benchmark document {i} for {symbol}","items":["#);
    for k in 0..30u64 {
        if k > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"name":"item-{k}","value":{:.2},"tags":["alpha","beta","t{}"]}}"#,
            k as f64 * 1.25 + (i % 100) as f64,
            k % 5
        );
    }
    let _ = write!(
        s,
        r#"],"price":{price:.2},"note":"Lorem ipsum dolor sit amet, consectetur adipiscing elit."}}"#
    );
    s
}

/// `n` (default 1000) events, ~90 B each or ~2 KB with `size=large`, with ids, in one response as
/// fast as the client reads, then the stream ends. A client resuming past `n` gets 204 (stop).
async fn bench(s: Scenario) -> Response {
    let large = s.param("size") == Some("large");
    let r = s.open(200);
    let n = r.num("n", 1_000);
    let from = r.resume_from.map_or(1, |id| id + 1);
    if from > n {
        return StatusCode::NO_CONTENT.into_response();
    }
    let guard = r.guard;
    let chunks = stream::iter((from..=n).step_by(BENCH_CHUNK as usize)).map(move |start| {
        use std::fmt::Write;
        let end = n.min(start + BENCH_CHUNK - 1);
        let mut body =
            String::with_capacity((end - start + 1) as usize * if large { 2_200 } else { 120 });
        for i in start..=end {
            let _ = write!(body, "id: {i}\ndata: {}\n\n", bench_data(i, large));
            guard.sent();
        }
        Ok::<_, Infallible>(axum::body::Bytes::from(body))
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        axum::body::Body::from_stream(chunks),
    )
        .into_response()
}

async fn stats_handler(State(s): State<Stats>, Query(p): Query<Params>) -> impl IntoResponse {
    let key = p.get("key").map_or("default", String::as_str);
    Json(json!({ "key": key, "connections": s.get(key), "now_ms": now_ms() }))
}
