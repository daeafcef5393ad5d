//! Stream endpoints for the browser tests, under `/sse/`. Each takes `key=K` (default
//! `default`) so a test can read what the server saw at `/stats?key=K`, and most take
//! `keepalive_ms` (default 200): the keep-alive comment interval, which is also how fast the
//! server notices that a client went away.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{OriginalUri, Query, State};
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

/// One request's context: its stats record and where it resumes from.
struct Request {
    guard: ConnectionGuard,
    params: Params,
    resume_from: Option<u64>,
}

impl Request {
    fn open(
        stats: &Stats,
        uri: &OriginalUri,
        headers: &HeaderMap,
        params: Params,
        status: u16,
    ) -> Self {
        let (last_event_id, via) = resume::last_event_id(headers, &params);
        let key = params
            .get("key")
            .map_or("default", String::as_str)
            .to_owned();
        let guard = stats.open(
            &key,
            Connection {
                uri: uri.0.to_string(),
                opened_ms: now_ms(),
                closed_ms: None,
                last_event_id: last_event_id.clone(),
                resumed_via: via,
                status,
                probe: resume::is_probe(headers),
                events_sent: 0,
            },
        );
        Self {
            guard,
            resume_from: last_event_id.and_then(|id| id.parse().ok()),
            params,
        }
    }

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
async fn messages(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let r = Request::open(&s, &uri, &h, p, 200);
    let from = r.resume_from.map_or(1, |id| id + 1);
    let n = r.num("n", 5);
    let events = (from..=n).map(numbered_event).collect();
    let paced = paced(events, r.num("interval_ms", 0));
    let end = r.num("end", 0) == 1;
    r.respond(paced, end)
}

/// Named events: `tick` (JSON quotes), `news` (text), and an unnamed message, interleaved.
async fn named(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let r = Request::open(&s, &uri, &h, p, 200);
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
async fn malformed(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let r = Request::open(&s, &uri, &h, p, 200);
    let events = vec![
        Event::default().id("1").data(r#"{"n":1}"#),
        Event::default().id("2").data(r#"{"n": oops"#),
        Event::default().id("3").data(r#"{"n":3}"#),
    ];
    r.respond(stream::iter(events).boxed(), false)
}

/// Answers `code` (default 500) with a text body, and `Retry-After: retry_after` when given.
async fn status(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let code = p.get("code").and_then(|c| c.parse().ok()).unwrap_or(500u16);
    let retry_after = p.get("retry_after").cloned();
    let _r = Request::open(&s, &uri, &h, p, code);
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
async fn content_type(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let ty = p
        .get("type")
        .cloned()
        .unwrap_or_else(|| "text/plain".into());
    let _r = Request::open(&s, &uri, &h, p, 200);
    (
        [(header::CONTENT_TYPE, ty)],
        "data: this is not an event stream\n\n",
    )
        .into_response()
}

/// One event whose JSON data is `bytes` long (default 1 MB): `{"size":N,"fill":"xxx..."}`.
async fn big(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let r = Request::open(&s, &uri, &h, p, 200);
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

async fn unicode(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let r = Request::open(&s, &uri, &h, p, 200);
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
async fn numbered(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let r = Request::open(&s, &uri, &h, p, 200);
    let total = r.num("total", 100);
    let cut = r.num("cut", u64::MAX).max(1);
    let from = r.resume_from.map_or(1, |id| id + 1);
    let to = total.min(from.saturating_add(cut - 1));
    let events = (from..=to).map(numbered_event).collect();
    let paced = paced(events, r.num("interval_ms", 0));
    r.respond(paced, to < total)
}

/// One `ready` event, then only keep-alive comments (which `EventSource` does not surface).
async fn hold(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let r = Request::open(&s, &uri, &h, p, 200);
    r.respond(
        stream::iter([Event::default().event("ready").data("{}")]).boxed(),
        false,
    )
}

/// `ready`, then a `heartbeat` event every `every_ms` (default 100).
async fn heartbeat(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let r = Request::open(&s, &uri, &h, p, 200);
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
async fn flaky(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let key = p.get("key").map_or("default", String::as_str).to_owned();
    let connections = s.get(&key).iter().filter(|c| !c.probe).count() as u64;
    let fail = p.get("fail").and_then(|v| v.parse().ok()).unwrap_or(2u64);
    // A probe asks about the connection just made, so it gets the answer that connection got.
    let failing = if resume::is_probe(&h) {
        connections <= fail
    } else {
        connections < fail
    };
    if failing {
        let code = p.get("code").and_then(|c| c.parse().ok()).unwrap_or(503u16);
        let retry_after = p.get("retry_after").cloned();
        let _r = Request::open(&s, &uri, &h, p, code);
        return plain_status(code, retry_after.as_deref());
    }
    messages(State(s), uri, h, Query(p)).await
}

/// 401 unless `token=good`; then a `ready` event whose data is the token.
async fn auth(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    if p.get("token").map(String::as_str) != Some("good") {
        let _r = Request::open(&s, &uri, &h, p, 401);
        return plain_status(401, None);
    }
    let r = Request::open(&s, &uri, &h, p, 200);
    r.respond(
        stream::iter([Event::default().event("ready").data("\"good\"")]).boxed(),
        false,
    )
}

/// `n` messages at `per_sec` a second, each `{"n":i,"sent":<epoch ms, fractional>}`: for latency.
async fn rate(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let r = Request::open(&s, &uri, &h, p, 200);
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
async fn bench(
    State(s): State<Stats>,
    uri: OriginalUri,
    h: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let large = p.get("size").map(String::as_str) == Some("large");
    let r = Request::open(&s, &uri, &h, p, 200);
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
