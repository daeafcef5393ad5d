//! What every `/sse/...` scenario (and the `/v1/...` answers) starts from: the shared state
//! ([`Shared`]), the `Scenario` extractor that reads and bounds a request and records it, and
//! the `Request` that answers it as a stream of events.
//!
//! Every scenario answers `POST` as well as `GET` (the `fetch` transport sends bodies): the body
//! is read whole before answering, at most [`limits::MAX_BODY_BYTES`] (else `413`) within
//! [`limits::BODY_TIMEOUT_MS`] (else `408`), and its size recorded; it is otherwise ignored.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Query};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use futures_util::stream::{self, BoxStream, StreamExt};
use serde_json::json;

use crate::big::BigSlots;
use crate::demo::{Demo, DemoStore};
use crate::limits::{self, BadParam, MAX_BODY_BYTES, MAX_PAUSE_MS};
use crate::live_completions::LiveCompletions;
use crate::stats::{Connection, ConnectionGuard, Stats};
use crate::tokens::Tokens;

pub(crate) type Params = HashMap<String, String>;

/// What every route's handler can reach: the server's state.
#[derive(Clone, Debug)]
pub struct Shared {
    /// The connections seen, by key.
    pub stats: Stats,
    /// The `/sse/big` responses in flight.
    pub big: BigSlots,
    /// The tokens `/token` issued.
    pub tokens: Tokens,
    /// The `/v1/completions` streams in flight, for `/control/cut`.
    pub completions: LiveCompletions,
    /// The demo stream and chat.
    pub demo: Arc<Demo>,
}

impl Shared {
    /// Fresh state around `stats` and the demo on `store`.
    pub fn new(stats: Stats, store: DemoStore) -> Self {
        Self {
            demo: Demo::new(stats.clone(), store),
            stats,
            big: BigSlots::default(),
            tokens: Tokens::default(),
            completions: LiveCompletions::default(),
        }
    }
}

impl FromRef<Shared> for Arc<Demo> {
    fn from_ref(shared: &Shared) -> Self {
        shared.demo.clone()
    }
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
pub(crate) fn get_or_post<H, T>(handler: H) -> MethodRouter<Shared>
where
    H: axum::handler::Handler<T, Shared> + Clone,
    T: 'static,
{
    get(handler.clone()).post(handler)
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
    pub(crate) keepalive: Duration,
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
    pub(crate) fn next_id(&self) -> Option<u64> {
        match self.resume_from {
            None => Some(1),
            Some(id) => id.checked_add(1),
        }
    }

    /// Streams `events`, then ends (`end`) or holds the connection open with keep-alives.
    pub(crate) fn respond(self, events: BoxStream<'static, Event>, end: bool) -> Response {
        let keepalive = KeepAlive::new().interval(self.keepalive);
        self.respond_with(None, events, end, keepalive)
    }

    /// [`Request::respond`] with `preamble` written first (not counted as an event) and the
    /// keep-alive comments of `keepalive`.
    pub(crate) fn respond_with(
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
pub(crate) fn numbered_events(from: Option<u64>, to: u64) -> BoxStream<'static, Event> {
    match from {
        Some(from) => stream::iter(from..=to).map(numbered_event).boxed(),
        None => stream::empty().boxed(),
    }
}

pub(crate) fn plain_status(code: u16, retry_after: Option<HeaderValue>) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, format!("scenario status {code}\n")).into_response();
    if let Some(v) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// A `text/event-stream` response with `body`, written as is.
pub(crate) fn event_stream(body: axum::body::Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}
