//! Stream endpoints for the browser tests, under `/sse/`. Each takes `key=K` (default
//! `default`) so a test can read what the server saw at `/stats?key=K`, and most take
//! `keepalive_ms` (default 200): the keep-alive comment interval, which is also how fast the
//! server notices that a client went away.
//!
//! Every numeric parameter has a range (see [`crate::limits`]); outside it the answer is `400`.
//! Events are generated as they are sent, never collected up front.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::stream::{self, BoxStream, StreamExt};
use serde_json::json;

use crate::big::{self, BigSlots};
use crate::limits::{self, BadParam, MAX_EVENTS, MAX_PAUSE_MS};
use crate::resume;
use crate::stats::{now_ms, Connection, ConnectionGuard, Stats};

type Params = HashMap<String, String>;

/// What the scenario handlers share.
#[derive(Clone, Debug, Default)]
pub struct Shared {
    /// The connections seen, by key.
    pub stats: Stats,
    /// The `/sse/big` responses in flight.
    pub big: BigSlots,
}

impl FromRef<Shared> for Stats {
    fn from_ref(shared: &Shared) -> Self {
        shared.stats.clone()
    }
}

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
        .with_state(Shared {
            stats,
            big: BigSlots::default(),
        })
}

/// What every scenario starts from: the request's URI, headers, query and key, and the shared
/// state. An extractor, so that each handler takes one argument; a key that is too long is
/// refused here.
pub struct Scenario {
    shared: Shared,
    key: String,
    uri: String,
    headers: HeaderMap,
    params: Params,
}

impl FromRequestParts<Shared> for Scenario {
    type Rejection = BadParam;

    async fn from_request_parts(parts: &mut Parts, shared: &Shared) -> Result<Self, BadParam> {
        let params = Query::<Params>::try_from_uri(&parts.uri)
            .map(|q| q.0)
            .unwrap_or_default();
        Ok(Self {
            shared: shared.clone(),
            key: limits::key(&params, "default")?.to_owned(),
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

    /// The integer parameter `name`, `default` when absent; `400` outside `range`.
    fn num(
        &self,
        name: &'static str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, BadParam> {
        limits::number(&self.params, name, default, range)
    }

    /// Records the request with the status it is answered with.
    fn open(self, status: u16) -> Result<Request, BadParam> {
        let keepalive_ms =
            self.num("keepalive_ms", 200, limits::MIN_KEEPALIVE_MS..=MAX_PAUSE_MS)?;
        let record = Connection::new(self.uri, &self.headers, &self.params, status);
        let resume_from = record
            .last_event_id
            .as_deref()
            .and_then(|id| id.parse().ok());
        Ok(Request {
            guard: self.shared.stats.open(&self.key, record),
            resume_from,
            keepalive: Duration::from_millis(keepalive_ms),
        })
    }
}

/// One recorded request: its stats record and where it resumes from.
struct Request {
    guard: ConnectionGuard,
    resume_from: Option<u64>,
    keepalive: Duration,
}

impl Request {
    /// The first id to send: 1, or the one after the client's last. `None` past `u64::MAX`.
    fn next_id(&self) -> Option<u64> {
        match self.resume_from {
            None => Some(1),
            Some(id) => id.checked_add(1),
        }
    }

    /// Streams `events`, then ends (`end`) or holds the connection open with keep-alives.
    fn respond(self, events: BoxStream<'static, Event>, end: bool) -> Response {
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
            .keep_alive(KeepAlive::new().interval(self.keepalive))
            .into_response()
    }
}

/// Emits `events` one every `interval_ms` (all at once when 0).
fn paced(events: BoxStream<'static, Event>, interval_ms: u64) -> BoxStream<'static, Event> {
    if interval_ms == 0 {
        return events;
    }
    events
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

/// Numbered events `from..=to`, made one at a time as the client reads (none if `from` is
/// `None`).
fn numbered_events(from: Option<u64>, to: u64) -> BoxStream<'static, Event> {
    match from {
        Some(from) => stream::iter(from..=to).map(numbered_event).boxed(),
        None => stream::empty().boxed(),
    }
}

/// The parameters of [`messages`]: `n`, `interval_ms` and `end`.
struct Messages {
    n: u64,
    interval_ms: u64,
    end: bool,
}

impl Messages {
    fn from(s: &Scenario) -> Result<Self, BadParam> {
        Ok(Self {
            n: s.num("n", 5, 0..=MAX_EVENTS)?,
            interval_ms: s.num("interval_ms", 0, 0..=MAX_PAUSE_MS)?,
            end: s.num("end", 0, 0..=1)? == 1,
        })
    }

    fn respond(self, s: Scenario) -> Result<Response, BadParam> {
        let r = s.open(200)?;
        let events = numbered_events(r.next_id(), self.n);
        Ok(r.respond(paced(events, self.interval_ms), self.end))
    }
}

/// `n` (default 5) unnamed JSON messages `{"n":i}` with ids, every `interval_ms`, then hold
/// (or end, with `end=1`). Resumes after the id the client sends.
async fn messages(s: Scenario) -> Result<Response, BadParam> {
    Messages::from(&s)?.respond(s)
}

/// Named events: `tick` (JSON quotes), `news` (text), and an unnamed message, interleaved.
async fn named(s: Scenario) -> Result<Response, BadParam> {
    let r = s.open(200)?;
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
    Ok(r.respond(stream::iter(events).boxed(), false))
}

/// A malformed JSON event between good ones.
async fn malformed(s: Scenario) -> Result<Response, BadParam> {
    let r = s.open(200)?;
    let events = vec![
        Event::default().id("1").data(r#"{"n":1}"#),
        Event::default().id("2").data(r#"{"n": oops"#),
        Event::default().id("3").data(r#"{"n":3}"#),
    ];
    Ok(r.respond(stream::iter(events).boxed(), false))
}

/// The `code` (default `default`, a final status: 200 to 599) and `retry_after` parameters.
fn status_params(s: &Scenario, default: u64) -> Result<(u16, Option<HeaderValue>), BadParam> {
    let code = s.num("code", default, limits::STATUS_CODES)?;
    // In range, so it fits: 599 < u16::MAX.
    Ok((code as u16, limits::retry_after(&s.params)?))
}

/// Answers `code` (default 500) with a text body, and `Retry-After: retry_after` when given.
async fn status(s: Scenario) -> Result<Response, BadParam> {
    let (code, retry_after) = status_params(&s, 500)?;
    let _r = s.open(code)?;
    Ok(plain_status(code, retry_after))
}

fn plain_status(code: u16, retry_after: Option<HeaderValue>) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, format!("scenario status {code}\n")).into_response();
    if let Some(v) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// 200 with a content type that is not `text/event-stream` (default `text/plain`).
async fn content_type(s: Scenario) -> Result<Response, BadParam> {
    let ty = s.param("type").unwrap_or("text/plain").to_owned();
    let _r = s.open(200)?;
    Ok((
        [(header::CONTENT_TYPE, ty)],
        "data: this is not an event stream\n\n",
    )
        .into_response())
}

/// `count` events (default 1, at most 100) with ids 1, 2, ..., whose JSON data is `bytes` long
/// (default 1 MB, at most 16 MB): `{"size":N,"fill":"abc..."}`, then the stream ends. With
/// `malformed=1` the JSON lacks its closing `"}`, for the decode-error memory tests. A client
/// resuming after it gets 204: there is nothing more. At most [`big::MAX_BIG_RESPONSES`] at
/// once, else 503.
async fn big(s: Scenario) -> Result<Response, BadParam> {
    let bytes = s.num("bytes", 1_000_000, 0..=limits::MAX_BIG_BYTES)?;
    let count = s.num("count", 1, 1..=limits::MAX_BIG_COUNT)?;
    let malformed = s.num("malformed", 0, 0..=1)? == 1;
    if resume::last_event_id(&s.headers, &s.params).0.is_some() {
        let _r = s.open(204)?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let Some(slot) = s.shared.big.try_take() else {
        let _r = s.open(503)?;
        let mut busy = plain_status(503, None);
        busy.headers_mut()
            .insert(header::RETRY_AFTER, big::BIG_RETRY_AFTER_S.into());
        return Ok(busy);
    };
    let r = s.open(200)?;
    // Each event `id: i`, its JSON made piece by piece; `malformed=1` leaves the JSON unclosed.
    let pieces = (1..=count).flat_map(move |id| {
        // In range, so it fits in usize.
        let json = big::json_chunks(bytes as usize, !malformed);
        std::iter::once(axum::body::Bytes::from(format!("id: {id}\ndata: ")))
            .chain(json)
            .chain(std::iter::once(axum::body::Bytes::from_static(b"\n\n")))
    });
    let held = BigResponse {
        guard: r.guard,
        _slot: slot,
    };
    let mut pieces = pieces.peekable();
    // The closure owns `held`, so the slot is given back when the body is dropped.
    let body = stream::iter(std::iter::from_fn(move || {
        let piece = pieces.next()?;
        if pieces.peek().is_none() {
            held.sent();
        }
        Some(Ok::<_, Infallible>(piece))
    }));
    Ok(event_stream(axum::body::Body::from_stream(body)))
}

/// What a `/sse/big` body keeps until it is dropped: its stats record and its slot.
struct BigResponse {
    guard: ConnectionGuard,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl BigResponse {
    // A method, not a field access, so that closures capture the whole struct, slot included.
    fn sent(&self) {
        self.guard.sent();
    }
}

/// A `text/event-stream` response with `body`, written as is.
fn event_stream(body: axum::body::Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Non-ASCII and multi-line data.
pub const UNICODE_TEXT: &str = "héllo wörld, 日本語, emoji 🎉\nsecond line\n\nafter a blank line";

async fn unicode(s: Scenario) -> Result<Response, BadParam> {
    let r = s.open(200)?;
    let events = vec![
        Event::default().id("1").event("text").data(UNICODE_TEXT),
        Event::default()
            .id("2")
            .event("json")
            .data(json!({ "name": "Zoë", "city": "Zürich", "note": "✓ multi\nline" }).to_string()),
    ];
    Ok(r.respond(stream::iter(events).boxed(), false))
}

/// Numbered messages `1..=total` (default 100), at most `cut` (default: all) per connection: the
/// stream then ends, and a resuming client continues after its last id. Holds after `total`.
async fn numbered(s: Scenario) -> Result<Response, BadParam> {
    let total = s.num("total", 100, 0..=MAX_EVENTS)?;
    let cut = s.num("cut", MAX_EVENTS, 1..=MAX_EVENTS)?;
    let interval_ms = s.num("interval_ms", 0, 0..=MAX_PAUSE_MS)?;
    let r = s.open(200)?;
    let from = r.next_id();
    // Past `total` (or past the last id there is), nothing is left: hold.
    let to = from.map_or(total, |from| total.min(from.saturating_add(cut - 1)));
    let events = numbered_events(from, to);
    Ok(r.respond(paced(events, interval_ms), to < total))
}

/// One `ready` event, then only keep-alive comments (which `EventSource` does not surface).
async fn hold(s: Scenario) -> Result<Response, BadParam> {
    let r = s.open(200)?;
    Ok(r.respond(
        stream::iter([Event::default().event("ready").data("{}")]).boxed(),
        false,
    ))
}

/// `ready`, then a `heartbeat` event every `every_ms` (default 100).
async fn heartbeat(s: Scenario) -> Result<Response, BadParam> {
    let every_ms = s.num("every_ms", 100, 1..=MAX_PAUSE_MS)?;
    let r = s.open(200)?;
    let every = Duration::from_millis(every_ms);
    let beats = stream::unfold(0u64, move |i| async move {
        tokio::time::sleep(every).await;
        Some((
            Event::default().event("heartbeat").data(i.to_string()),
            i.wrapping_add(1),
        ))
    });
    let events = stream::iter([Event::default().event("ready").data("{}")]).chain(beats);
    Ok(r.respond(events.boxed(), false))
}

/// The first `fail` (default 2) `EventSource` connections of a key answer `code` (default 503,
/// with `retry_after` if given); the next ones stream `n` numbered messages, resuming.
async fn flaky(s: Scenario) -> Result<Response, BadParam> {
    let fail = s.num("fail", 2, 0..=limits::MAX_FAILURES)?;
    let (code, retry_after) = status_params(&s, 503)?;
    // Checked before failing too, so that a bad `n` is refused on every connection alike.
    let messages = Messages::from(&s)?;
    let connections = s.shared.stats.not_probes(&s.key);
    // A probe asks about the connection just made, so it gets the answer that connection got.
    let failing = if resume::is_probe(&s.headers) {
        connections <= fail
    } else {
        connections < fail
    };
    if failing {
        let _r = s.open(code)?;
        return Ok(plain_status(code, retry_after));
    }
    messages.respond(s)
}

/// 401 unless `token=good`; then a `ready` event whose data is the token.
async fn auth(s: Scenario) -> Result<Response, BadParam> {
    if s.param("token") != Some("good") {
        let _r = s.open(401)?;
        return Ok(plain_status(401, None));
    }
    let r = s.open(200)?;
    Ok(r.respond(
        stream::iter([Event::default().event("ready").data("\"good\"")]).boxed(),
        false,
    ))
}

/// `n` messages at `per_sec` a second, each `{"n":i,"sent":<epoch ms, fractional>}`: for latency.
async fn rate(s: Scenario) -> Result<Response, BadParam> {
    let n = s.num("n", 100, 0..=MAX_EVENTS)?;
    let per_sec = s.num("per_sec", 100, 1..=limits::MAX_RATE_PER_SEC)?;
    let r = s.open(200)?;
    let period = Duration::from_nanos(1_000_000_000 / per_sec);
    let start = tokio::time::Instant::now();
    let events = stream::unfold(1u64, move |i| async move {
        if i > n {
            return None;
        }
        // `n` is at most MAX_EVENTS, which fits in u32.
        let due = period.saturating_mul(u32::try_from(i).unwrap_or(u32::MAX));
        tokio::time::sleep_until(start + due).await;
        let sent = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0);
        let data = format!(r#"{{"n":{i},"sent":{sent:.3}}}"#);
        Some((Event::default().id(i.to_string()).data(data), i + 1))
    });
    Ok(r.respond(events.boxed(), false))
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
async fn bench(s: Scenario) -> Result<Response, BadParam> {
    let large = s.param("size") == Some("large");
    let n = s.num("n", 1_000, 0..=MAX_EVENTS)?;
    let r = s.open(200)?;
    let Some(from) = r.next_id().filter(|from| *from <= n) else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let guard = r.guard;
    let chunks = stream::iter((from..=n).step_by(BENCH_CHUNK as usize)).map(move |start| {
        use std::fmt::Write;
        let end = n.min(start.saturating_add(BENCH_CHUNK - 1));
        let mut body =
            String::with_capacity((end - start + 1) as usize * if large { 2_200 } else { 120 });
        for i in start..=end {
            let _ = write!(body, "id: {i}\ndata: {}\n\n", bench_data(i, large));
            guard.sent();
        }
        Ok::<_, Infallible>(axum::body::Bytes::from(body))
    });
    Ok(event_stream(axum::body::Body::from_stream(chunks)))
}

/// The connections seen for `key`, and how many older ones were dropped to stay within
/// [`crate::stats::MAX_RECORDS_PER_KEY`].
async fn stats_handler(
    State(s): State<Stats>,
    Query(p): Query<Params>,
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
