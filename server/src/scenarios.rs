//! Stream endpoints for the browser tests, under `/sse/`. Each takes `key=K` (default
//! `default`) so a test can read what the server saw at `/stats?key=K`, and most take
//! `keepalive_ms` (default 200): the keep-alive comment interval, which is also how fast the
//! server notices that a client went away.
//!
//! Every scenario answers `POST` as well as `GET` (the `fetch` transport sends bodies): the body
//! is read whole before answering, at most [`limits::MAX_BODY_BYTES`] (else `413`) within
//! [`limits::BODY_TIMEOUT_MS`] (else `408`), and its size recorded; it is otherwise ignored.
//!
//! Every numeric parameter has a range (see [`crate::limits`]); outside it the answer is `400`.
//! Events are generated as they are sent, never collected up front.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use futures_util::stream::{self, BoxStream, StreamExt};
use serde_json::json;

use crate::big::{self, BigSlots};
use crate::completions::{self, LiveCompletions};
use crate::limits::{self, BadParam, MAX_BODY_BYTES, MAX_EVENTS, MAX_PAUSE_MS};
use crate::resume;
use crate::stats::{now_ms, Connection, ConnectionGuard, Stats};
use crate::tokens::{self, Tokens};

pub(crate) type Params = HashMap<String, String>;

/// What the scenario handlers share.
#[derive(Clone, Debug, Default)]
pub struct Shared {
    /// The connections seen, by key.
    pub stats: Stats,
    /// The `/sse/big` responses in flight.
    pub big: BigSlots,
    /// The tokens `/token` issued.
    pub tokens: Tokens,
    /// The `/v1/completions` streams in flight, for `/control/cut`.
    pub completions: LiveCompletions,
}

impl FromRef<Shared> for Stats {
    fn from_ref(shared: &Shared) -> Self {
        shared.stats.clone()
    }
}

impl FromRef<Shared> for Tokens {
    fn from_ref(shared: &Shared) -> Self {
        shared.tokens.clone()
    }
}

impl FromRef<Shared> for LiveCompletions {
    fn from_ref(shared: &Shared) -> Self {
        shared.completions.clone()
    }
}

/// `handler` for both `GET` and `POST`.
fn get_or_post<H, T>(handler: H) -> MethodRouter<Shared>
where
    H: axum::handler::Handler<T, Shared> + Clone,
    T: 'static,
{
    get(handler.clone()).post(handler)
}

/// The `/sse/...` routes, `/stats`, `/token`, `/v1/completions` and `/control/cut`.
pub fn router(stats: Stats) -> Router {
    Router::new()
        .route("/sse/messages", get_or_post(messages))
        .route("/sse/named", get_or_post(named))
        .route("/sse/malformed", get_or_post(malformed))
        .route("/sse/status", get_or_post(status))
        .route("/sse/content-type", get_or_post(content_type))
        .route("/sse/big", get_or_post(big))
        .route("/sse/unicode", get_or_post(unicode))
        .route("/sse/numbered", get_or_post(numbered))
        .route("/sse/hold", get_or_post(hold))
        .route("/sse/heartbeat", get_or_post(heartbeat))
        .route("/sse/flaky", get_or_post(flaky))
        .route("/sse/auth", get_or_post(auth))
        .route("/sse/rate", get_or_post(rate))
        .route("/sse/bench", get_or_post(bench))
        .route("/sse/bearer", get_or_post(bearer))
        .route("/sse/retry", get_or_post(retry))
        .route("/sse/comments", get_or_post(comments))
        .route("/sse/endless", get_or_post(endless))
        .route("/sse/reserved-names", get_or_post(reserved_names))
        .route("/sse/redirect", get_or_post(crate::redirect::redirect))
        .route("/sse/odd-id", get_or_post(odd_id))
        .route("/sse/big-fields", get_or_post(big_fields))
        .route("/sse/tiny", get_or_post(tiny))
        .route("/token", get_or_post(tokens::token_handler))
        .route("/v1/completions", post(completions::completions))
        .route("/v1/chat/completions", post(crate::llm::chat_completions))
        .route("/v1/messages", post(crate::llm::messages))
        .route("/control/cut", post(completions::cut))
        .route("/stats", get(stats_handler))
        .with_state(Shared {
            stats,
            ..Shared::default()
        })
}

/// What every scenario starts from: the request's method, URI, headers, query, key and body,
/// and the shared state. An extractor, so that each handler takes one argument; a key or
/// `keepalive_ms` out of bounds is refused here (`400`, not recorded), and a body too large
/// (`413`), too slow (`408`) or broken (`400`) too (recorded, with the bytes read).
pub(crate) struct Scenario {
    pub(crate) shared: Shared,
    pub(crate) key: String,
    method: Method,
    uri: String,
    pub(crate) headers: HeaderMap,
    pub(crate) params: Params,
    keepalive: Duration,
    /// The request body (at most [`MAX_BODY_BYTES`]).
    pub(crate) body: Bytes,
}

/// Why a request body was not read whole.
enum BodyFailure {
    TooLarge,
    TooSlow,
    Broken,
}

/// Reads `body` whole, if it is at most [`MAX_BODY_BYTES`] and arrives in time. Also returns the
/// bytes counted: the declared length when that alone is too large, else those read.
async fn read_body(
    headers: &HeaderMap,
    body: axum::body::Body,
) -> (u64, Result<Bytes, BodyFailure>) {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(declared) = declared.filter(|d| *d > MAX_BODY_BYTES) {
        return (declared, Err(BodyFailure::TooLarge));
    }
    let mut data = body.into_data_stream();
    let mut read = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_millis(limits::BODY_TIMEOUT_MS);
    loop {
        let Ok(frame) = tokio::time::timeout_at(deadline, data.next()).await else {
            return (read.len() as u64, Err(BodyFailure::TooSlow));
        };
        match frame {
            None => return (read.len() as u64, Ok(read.into())),
            Some(Err(_)) => return (read.len() as u64, Err(BodyFailure::Broken)),
            Some(Ok(chunk)) => {
                let total = read.len() as u64 + chunk.len() as u64;
                if total > MAX_BODY_BYTES {
                    return (total, Err(BodyFailure::TooLarge));
                }
                read.extend_from_slice(&chunk);
            }
        }
    }
}

impl FromRequest<Shared> for Scenario {
    type Rejection = Response;

    async fn from_request(
        request: axum::extract::Request,
        shared: &Shared,
    ) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let params = Query::<Params>::try_from_uri(&parts.uri)
            .map(|q| q.0)
            .unwrap_or_default();
        let key = limits::key(&params, "default")
            .map_err(IntoResponse::into_response)?
            .to_owned();
        let keepalive_ms = limits::number(
            &params,
            "keepalive_ms",
            200,
            limits::MIN_KEEPALIVE_MS..=MAX_PAUSE_MS,
        )
        .map_err(IntoResponse::into_response)?;
        let mut scenario = Self {
            shared: shared.clone(),
            key,
            method: parts.method,
            uri: parts.uri.to_string(),
            headers: parts.headers,
            params,
            keepalive: Duration::from_millis(keepalive_ms),
            body: Bytes::new(),
        };
        let (bytes, body) = read_body(&scenario.headers, body).await;
        let (code, why) = match body {
            Ok(body) => {
                scenario.body = body;
                return Ok(scenario);
            }
            Err(BodyFailure::TooLarge) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a request body may be at most {MAX_BODY_BYTES} bytes\n"),
            ),
            Err(BodyFailure::TooSlow) => (
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request body did not arrive within {} ms\n",
                    limits::BODY_TIMEOUT_MS
                ),
            ),
            Err(BodyFailure::Broken) => (
                StatusCode::BAD_REQUEST,
                "the request body could not be read\n".to_owned(),
            ),
        };
        let _r = scenario.open_with_body(code.as_u16(), bytes);
        Err((
            code,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            why,
        )
            .into_response())
    }
}

impl Scenario {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// The integer parameter `name`, `default` when absent; `400` outside `range`.
    pub(crate) fn num(
        &self,
        name: &'static str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, BadParam> {
        limits::number(&self.params, name, default, range)
    }

    /// Records the request with the status it is answered with.
    pub(crate) fn open(self, status: u16) -> Request {
        let bytes = self.body.len() as u64;
        self.open_with_body(status, bytes)
    }

    fn open_with_body(self, status: u16, body_bytes: u64) -> Request {
        let mut record =
            Connection::new(&self.method, self.uri, &self.headers, &self.params, status);
        record.body_bytes = body_bytes;
        let resume_from = record
            .last_event_id
            .as_deref()
            .and_then(|id| id.parse().ok());
        Request {
            guard: self.shared.stats.open(&self.key, record),
            resume_from,
            keepalive: self.keepalive,
        }
    }
}

/// One recorded request: its stats record and where it resumes from.
pub(crate) struct Request {
    pub(crate) guard: ConnectionGuard,
    pub(crate) resume_from: Option<u64>,
    pub(crate) keepalive: Duration,
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
        let keepalive = KeepAlive::new().interval(self.keepalive);
        self.respond_with(None, events, end, keepalive)
    }

    /// [`Request::respond`] with `preamble` written first (not counted as an event) and the
    /// keep-alive comments of `keepalive`.
    fn respond_with(
        self,
        preamble: Option<Event>,
        events: BoxStream<'static, Event>,
        end: bool,
        keepalive: KeepAlive,
    ) -> Response {
        let guard = self.guard;
        let events = if end {
            events
        } else {
            events.chain(stream::pending()).boxed()
        };
        // The guard lives in the outermost stream: it must drop only with the response body.
        let events = stream::iter(preamble.map(Ok::<_, Infallible>)).chain(events.map(move |e| {
            guard.sent();
            Ok::<_, Infallible>(e)
        }));
        Sse::new(events).keep_alive(keepalive).into_response()
    }
}

/// Emits `events` one every `interval_ms` (all at once when 0).
pub(crate) fn paced(
    events: BoxStream<'static, Event>,
    interval_ms: u64,
) -> BoxStream<'static, Event> {
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

    fn respond(self, s: Scenario) -> Response {
        let r = s.open(200);
        let events = numbered_events(r.next_id(), self.n);
        r.respond(paced(events, self.interval_ms), self.end)
    }
}

/// `n` (default 5) unnamed JSON messages `{"n":i}` with ids, every `interval_ms`, then hold
/// (or end, with `end=1`). Resumes after the id the client sends.
async fn messages(s: Scenario) -> Result<Response, BadParam> {
    Ok(Messages::from(&s)?.respond(s))
}

/// Named events: `tick` (JSON quotes), `news` (text), and an unnamed message, interleaved.
async fn named(s: Scenario) -> Result<Response, BadParam> {
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
    Ok(r.respond(stream::iter(events).boxed(), false))
}

/// Events named as the clients' own events: `open`, `error` and `statechange` (ids 1 to 3,
/// each with its name as data), then an unnamed message `{"n":4}` (id 4); then holds.
async fn reserved_names(s: Scenario) -> Result<Response, BadParam> {
    let r = s.open(200);
    let named = ["open", "error", "statechange"].into_iter().zip(1u32..);
    let mut events: Vec<Event> = named
        .map(|(name, id)| Event::default().id(id.to_string()).event(name).data(name))
        .collect();
    events.push(Event::default().id("4").data(r#"{"n":4}"#));
    Ok(r.respond(stream::iter(events).boxed(), false))
}

/// A malformed JSON event between good ones.
async fn malformed(s: Scenario) -> Result<Response, BadParam> {
    let r = s.open(200);
    let events = vec![
        Event::default().id("1").data(r#"{"n":1}"#),
        Event::default().id("2").data(r#"{"n": oops"#),
        Event::default().id("3").data(r#"{"n":3}"#),
    ];
    Ok(r.respond(stream::iter(events).boxed(), false))
}

/// The `code` (default `default`, a final status: 200 to 599), `retry_after` and `body`
/// (`text` or `json`) parameters.
fn status_params(s: &Scenario, default: u64) -> Result<ErrorAnswer, BadParam> {
    let code = s.num("code", default, limits::STATUS_CODES)?;
    Ok(ErrorAnswer {
        // In range, so it fits: 599 < u16::MAX.
        code: code as u16,
        retry_after: limits::retry_after(&s.params)?,
        json: limits::choice(&s.params, "body", &["text", "json"])? == "json",
    })
}

/// The answer of [`status`], and of [`flaky`] while failing.
struct ErrorAnswer {
    code: u16,
    retry_after: Option<HeaderValue>,
    json: bool,
}

impl ErrorAnswer {
    fn respond(self) -> Response {
        let mut response = if self.json {
            json_error(self.code)
        } else {
            plain_status(self.code, None)
        };
        if let Some(v) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// The `type` and `message` of the JSON error body for `code`.
pub fn error_kind(code: u16) -> (&'static str, &'static str) {
    match code {
        400 => ("invalid_request", "the request is not valid"),
        401 => ("authentication", "a valid token is needed"),
        403 => ("permission", "this is not allowed"),
        404 => ("not_found", "there is nothing here"),
        408 => ("timeout", "the request took too long"),
        413 => ("too_large", "the request is too large"),
        429 => ("rate_limit", "slow down"),
        503 => ("overloaded", "the server is overloaded"),
        500..=599 => ("server_error", "the server failed"),
        _ => ("error", "scenario status"),
    }
}

/// `code` with `Content-Type: application/json` and
/// `{"error":{"type":T,"message":M}}` (see [`error_kind`]).
fn json_error(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (kind, message) = error_kind(code);
    (
        status,
        Json(json!({ "error": { "type": kind, "message": message } })),
    )
        .into_response()
}

/// Answers `code` (default 500) with a text body `scenario status N`, or with `body=json` the
/// JSON of [`json_error`]; and `Retry-After: retry_after` when given.
async fn status(s: Scenario) -> Result<Response, BadParam> {
    let answer = status_params(&s, 500)?;
    let _r = s.open(answer.code);
    Ok(answer.respond())
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
    let _r = s.open(200);
    Ok((
        [(header::CONTENT_TYPE, ty)],
        "data: this is not an event stream\n\n",
    )
        .into_response())
}

/// `count` events (default 1, at most 100) with ids 1, 2, ..., whose JSON data is `bytes` long
/// (default 1 MB, at most 16 MB): `{"size":N,"fill":"abc..."}`, then the stream ends. With
/// `malformed=1` the JSON lacks its closing `"}`, for the decode-error memory tests; with
/// `invalid=1` the data is `bytes` bytes that are not UTF-8 (0xE9), for the memory of an event
/// that grows threefold when decoded. A client
/// resuming after it gets 204: there is nothing more. At most [`big::MAX_BIG_RESPONSES`] at
/// once, else 503.
async fn big(s: Scenario) -> Result<Response, BadParam> {
    let bytes = s.num("bytes", 1_000_000, 0..=limits::MAX_BIG_BYTES)?;
    let count = s.num("count", 1, 1..=limits::MAX_BIG_COUNT)?;
    let malformed = s.num("malformed", 0, 0..=1)? == 1;
    let invalid = s.num("invalid", 0, 0..=1)? == 1;
    if resume::last_event_id(&s.headers, &s.params).0.is_some() {
        let _r = s.open(204);
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let Some(slot) = s.shared.big.try_take() else {
        let _r = s.open(503);
        let mut busy = plain_status(503, None);
        busy.headers_mut()
            .insert(header::RETRY_AFTER, big::BIG_RETRY_AFTER_S.into());
        return Ok(busy);
    };
    let r = s.open(200);
    // Each event `id: i`, its JSON made piece by piece; `malformed=1` leaves the JSON unclosed,
    // `invalid=1` sends `bytes` bytes that are not UTF-8 instead.
    let pieces = (1..=count).flat_map(move |id| {
        // In range, so it fits in usize.
        let data: Box<dyn Iterator<Item = axum::body::Bytes> + Send> = if invalid {
            Box::new(big::invalid_chunks(bytes as usize))
        } else {
            Box::new(big::json_chunks(bytes as usize, !malformed))
        };
        std::iter::once(axum::body::Bytes::from(format!("id: {id}\ndata: ")))
            .chain(data)
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
    let r = s.open(200);
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
    let r = s.open(200);
    let from = r.next_id();
    // Past `total` (or past the last id there is), nothing is left: hold.
    let to = from.map_or(total, |from| total.min(from.saturating_add(cut - 1)));
    let events = numbered_events(from, to);
    Ok(r.respond(paced(events, interval_ms), to < total))
}

/// One `ready` event, then only keep-alive comments (which `EventSource` does not surface).
async fn hold(s: Scenario) -> Result<Response, BadParam> {
    let r = s.open(200);
    Ok(r.respond(
        stream::iter([Event::default().event("ready").data("{}")]).boxed(),
        false,
    ))
}

/// `ready`, then a `heartbeat` event every `every_ms` (default 100).
async fn heartbeat(s: Scenario) -> Result<Response, BadParam> {
    let every_ms = s.num("every_ms", 100, 1..=MAX_PAUSE_MS)?;
    let r = s.open(200);
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
/// with `retry_after` if given, and a JSON body with `body=json`); the next ones stream `n`
/// numbered messages, resuming.
async fn flaky(s: Scenario) -> Result<Response, BadParam> {
    let fail = s.num("fail", 2, 0..=limits::MAX_FAILURES)?;
    let answer = status_params(&s, 503)?;
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
        let _r = s.open(answer.code);
        return Ok(answer.respond());
    }
    Ok(messages.respond(s))
}

/// 401 unless `token=good`; then a `ready` event whose data is the token.
async fn auth(s: Scenario) -> Result<Response, BadParam> {
    if s.param("token") != Some("good") {
        let _r = s.open(401);
        return Ok(plain_status(401, None));
    }
    let r = s.open(200);
    Ok(r.respond(
        stream::iter([Event::default().event("ready").data("\"good\"")]).boxed(),
        false,
    ))
}

/// `n` messages at `per_sec` a second, each `{"n":i,"sent":<epoch ms, fractional>}`: for latency.
async fn rate(s: Scenario) -> Result<Response, BadParam> {
    let n = s.num("n", 100, 0..=MAX_EVENTS)?;
    let per_sec = s.num("per_sec", 100, 1..=limits::MAX_RATE_PER_SEC)?;
    let r = s.open(200);
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

/// `n` (default 1000) events, ~90 B each or ~2 KB with `size=large`, with ids, in one response as
/// fast as the client reads, then the stream ends. A client resuming past `n` gets 204 (stop).
async fn bench(s: Scenario) -> Result<Response, BadParam> {
    let large = s.param("size") == Some("large");
    let n = s.num("n", 1_000, 0..=MAX_EVENTS)?;
    let r = s.open(200);
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
            let _ = write!(
                body,
                "id: {i}\ndata: {}\n\n",
                typed_sse_bench_payloads::bench_data(i, large)
            );
            guard.sent();
        }
        Ok::<_, Infallible>(axum::body::Bytes::from(body))
    });
    Ok(event_stream(axum::body::Body::from_stream(chunks)))
}

/// `/sse/bearer?key=K`: numbered messages for clients that authenticate with a header, which
/// only the `fetch` transport can send.
///
/// Needs `Authorization: Bearer <token>` with a token from `/token?key=K` (the same key), by the
/// rule of [`crate::tokens`]: issued at most `valid_ms` ago (default 2000, 1 to 600000) and not
/// used for a connection before, unless `reuse=1`. Otherwise `401` with
/// `{"error":"token expired","reason":...}` (recorded, the token not spent).
///
/// With a good token, like `/sse/numbered`: messages `{"n":i}` with ids `1..=total` (default
/// 10), resuming after the client's `Last-Event-ID`, at most `cut` (default 3) per connection
/// every `interval_ms` (default 0); then the stream ends and the client must reconnect with a
/// fresh token. After `total` it holds. So with the defaults, a client that fetches a token per
/// attempt gets ids 1 to 10 over four connections, all `200`, with four different
/// `authorization` prefixes in `/stats`; one that reuses its token gets `401`s.
async fn bearer(s: Scenario) -> Result<Response, BadParam> {
    let valid_ms = s.num(
        "valid_ms",
        limits::DEFAULT_TOKEN_VALID_MS,
        1..=limits::MAX_TOKEN_VALID_MS,
    )?;
    let reuse = s.num("reuse", 0, 0..=1)? == 1;
    let total = s.num("total", 10, 0..=MAX_EVENTS)?;
    let cut = s.num("cut", 3, 1..=MAX_EVENTS)?;
    let interval_ms = s.num("interval_ms", 0, 0..=MAX_PAUSE_MS)?;
    let token = tokens::bearer(&s.headers);
    if let Err(refusal) = s.shared.tokens.accept(&s.key, token, valid_ms, reuse) {
        let _r = s.open(401);
        return Ok(refusal.into_response());
    }
    let r = s.open(200);
    let from = r.next_id();
    let to = from.map_or(total, |from| total.min(from.saturating_add(cut - 1)));
    let events = numbered_events(from, to);
    Ok(r.respond(paced(events, interval_ms), to < total))
}

/// `/sse/retry?ms=N&n=M`: `retry: N` (default 1000, 0 to 4294967295) alone first, then `M`
/// (default 1) numbered messages `{"n":i}` with ids, every `interval_ms` (default 0), then the
/// stream ends. A reconnecting client continues after its `Last-Event-ID`, so ids keep rising
/// over connections; the gap between one connection's `closed_ms` and the next one's
/// `opened_ms` in `/stats` is the client's reconnect delay. The `retry:` line is not counted in
/// `events_sent`.
async fn retry(s: Scenario) -> Result<Response, BadParam> {
    let ms = s.num("ms", 1_000, 0..=limits::MAX_RETRY_MS)?;
    let n = s.num("n", 1, 0..=MAX_EVENTS)?;
    let interval_ms = s.num("interval_ms", 0, 0..=MAX_PAUSE_MS)?;
    let r = s.open(200);
    let from = r.next_id();
    let to = from.map_or(0, |from| from.saturating_add(n).saturating_sub(1));
    let events = match from {
        Some(from) if n > 0 => numbered_events(Some(from), to),
        _ => stream::empty().boxed(),
    };
    let keepalive = KeepAlive::new().interval(r.keepalive);
    let preamble = Event::default().retry(Duration::from_millis(ms));
    Ok(r.respond_with(Some(preamble), paced(events, interval_ms), true, keepalive))
}

/// `/sse/comments?every_ms=N`: one `ready` event (`data: {}`), then only `: keep-alive` comment
/// lines every `every_ms` (default 1000, 10 to 60000), until the client goes. Only `ready` is
/// counted in `events_sent`.
async fn comments(s: Scenario) -> Result<Response, BadParam> {
    let every_ms = s.num("every_ms", 1_000, limits::MIN_KEEPALIVE_MS..=MAX_PAUSE_MS)?;
    let r = s.open(200);
    let keepalive = KeepAlive::new()
        .interval(Duration::from_millis(every_ms))
        .text("keep-alive");
    let ready = stream::iter([Event::default().event("ready").data("{}")]).boxed();
    Ok(r.respond_with(None, ready, false, keepalive))
}

/// What `/sse/endless` writes its line from.
static X_CHUNK: [u8; big::BIG_CHUNK] = [b'x'; big::BIG_CHUNK];

/// `/sse/endless?bytes=N`: `200 text/event-stream`, then `data: ` and `bytes` (default
/// 20000000, 0 to 1000000000) bytes of `x`, with no line end, then the stream ends. Written in
/// 64 KiB pieces of one static buffer, so it costs the server nothing per byte. `events_sent`
/// stays 0: no event is ever complete.
async fn endless(s: Scenario) -> Result<Response, BadParam> {
    let bytes = s.num(
        "bytes",
        limits::DEFAULT_ENDLESS_BYTES,
        0..=limits::MAX_ENDLESS_BYTES,
    )?;
    let r = s.open(200);
    let guard = r.guard;
    let pieces = (0..bytes).step_by(big::BIG_CHUNK).map(move |start| {
        // At most BIG_CHUNK, so it fits in usize.
        let len = (bytes - start).min(big::BIG_CHUNK as u64) as usize;
        Bytes::from_static(&X_CHUNK[..len])
    });
    let pieces = std::iter::once(Bytes::from_static(b"data: ")).chain(pieces);
    // The stream's state owns the guard, so the record closes with the body.
    let body = stream::unfold((pieces, guard), |(mut pieces, guard)| async move {
        let piece = pieces.next()?;
        Some((Ok::<_, Infallible>(piece), (pieces, guard)))
    });
    Ok(event_stream(axum::body::Body::from_stream(body)))
}

/// `/sse/big-fields?bytes=N`: one event whose type, id and data are each `bytes` (default
/// 15000000, at most 100000000) bytes of `x`, then the stream ends: what the client holds for one
/// event with three big fields. Written in 64 KiB pieces of one static buffer.
async fn big_fields(s: Scenario) -> Result<Response, BadParam> {
    let bytes = s.num("bytes", 15_000_000, 0..=100_000_000)?;
    let r = s.open(200);
    let guard = r.guard;
    let field = move |name: &'static [u8]| {
        let pieces = (0..bytes).step_by(big::BIG_CHUNK).map(move |start| {
            // At most BIG_CHUNK, so it fits in usize.
            let len = (bytes - start).min(big::BIG_CHUNK as u64) as usize;
            Bytes::from_static(&X_CHUNK[..len])
        });
        std::iter::once(Bytes::from_static(name)).chain(pieces)
    };
    let pieces = field(b"event: ")
        .chain(field(b"\nid: "))
        .chain(field(b"\ndata: "))
        .chain(std::iter::once(Bytes::from_static(b"\n\n")));
    let body = stream::iter(pieces).map(move |piece| {
        let _record = &guard;
        Ok::<_, Infallible>(piece)
    });
    Ok(event_stream(axum::body::Body::from_stream(body)))
}

/// What `/sse/tiny` writes: 7,282 events `data: x` (9 bytes each) in 64 KiB.
static TINY_CHUNK: [u8; 9 * 7_282] = {
    let mut chunk = [0u8; 9 * 7_282];
    let event = *b"data: x\n\n";
    let mut i = 0;
    while i < chunk.len() {
        chunk[i] = event[i % 9];
        i += 1;
    }
    chunk
};

/// `/sse/tiny?n=N`: `n` (default 3000000, at most 1000000000) events `data: x`, as fast as the
/// client reads, in pieces of about 64 KiB; then the stream ends.
async fn tiny(s: Scenario) -> Result<Response, BadParam> {
    let n = s.num("n", 3_000_000, 0..=MAX_EVENTS)?;
    let r = s.open(200);
    let guard = r.guard;
    let per_chunk = (TINY_CHUNK.len() / 9) as u64;
    let pieces = (0..n).step_by(per_chunk as usize).map(move |start| {
        // At most a chunk's events, so it fits in usize.
        let events = (n - start).min(per_chunk) as usize;
        Bytes::from_static(&TINY_CHUNK[..events * 9])
    });
    let body = stream::iter(pieces).map(move |piece| {
        let _record = &guard;
        Ok::<_, Infallible>(piece)
    });
    Ok(event_stream(axum::body::Body::from_stream(body)))
}

/// `/sse/odd-id?id=ID`: event `first` with id `1`, then event `odd` with id `ID` exactly as
/// given (written raw after `id: `, whose one space the format strips, so spaces around `ID`
/// and control characters in it arrive as they are; at most 256 bytes, no CR, LF or NUL), then
/// the stream ends.
/// A connection that resumes (with any id, header or query) gets one `resumed` event and holds:
/// the stats say what it resumed from.
async fn odd_id(s: Scenario) -> Result<Response, BadParam> {
    let id = s.params.get("id").cloned().unwrap_or_default();
    if id.len() > 256 || id.contains(['\r', '\n', '\0']) {
        return Err(BadParam {
            name: "id",
            accepts: "at most 256 bytes, without CR, LF or NUL".into(),
        });
    }
    let (resumed, _) = resume::last_event_id(&s.headers, &s.params);
    let r = s.open(200);
    let guard = r.guard;
    let (text, end) = match resumed {
        Some(_) => ("data: resumed\n\n".to_owned(), false),
        None => (
            format!("id: 1\ndata: first\n\nid: {id}\ndata: odd\n\n"),
            true,
        ),
    };
    let first = stream::iter([Bytes::from(text)]);
    let rest = if end {
        first.boxed()
    } else {
        first.chain(stream::pending()).boxed()
    };
    // The stream owns the guard, so the record closes with the body.
    let body = rest.map(move |piece| {
        let _record = &guard;
        Ok::<_, Infallible>(piece)
    });
    Ok(event_stream(axum::body::Body::from_stream(body)))
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
