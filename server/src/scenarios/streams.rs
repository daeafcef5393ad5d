//! Scenarios that stream events: numbered messages (resuming after the client's id), named
//! events, paced and rated streams, `retry:` and comments.

use std::convert::Infallible;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use serde_json::json;

use crate::limits::{self, BadParam, MAX_EVENTS, MAX_PAUSE_MS};
use crate::scenario::{event_stream, numbered_events, paced, Scenario};
use crate::tokens;

/// The parameters of [`messages`]: `n`, `interval_ms` and `end`.
pub(crate) struct Messages {
    n: u64,
    interval_ms: u64,
    end: bool,
}

impl Messages {
    pub(crate) fn from(s: &Scenario) -> Result<Self, BadParam> {
        Ok(Self {
            n: s.num("n", 5, 0..=MAX_EVENTS)?,
            interval_ms: s.num("interval_ms", 0, 0..=MAX_PAUSE_MS)?,
            end: s.num("end", 0, 0..=1)? == 1,
        })
    }

    pub(crate) fn respond(self, s: Scenario) -> Response {
        let r = s.open(200);
        let events = numbered_events(r.next_id(), self.n);
        r.respond(paced(events, self.interval_ms), self.end)
    }
}

/// `n` (default 5) unnamed JSON messages `{"n":i}` with ids, every `interval_ms`, then hold
/// (or end, with `end=1`). Resumes after the id the client sends.
pub(crate) async fn messages(s: Scenario) -> Result<Response, BadParam> {
    Ok(Messages::from(&s)?.respond(s))
}

/// Named events: `tick` (JSON quotes), `news` (text), and an unnamed message, interleaved.
pub(crate) async fn named(s: Scenario) -> Result<Response, BadParam> {
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
pub(crate) async fn reserved_names(s: Scenario) -> Result<Response, BadParam> {
    let r = s.open(200);
    let named = ["open", "error", "statechange"].into_iter().zip(1u32..);
    let mut events: Vec<Event> = named
        .map(|(name, id)| Event::default().id(id.to_string()).event(name).data(name))
        .collect();
    events.push(Event::default().id("4").data(r#"{"n":4}"#));
    Ok(r.respond(stream::iter(events).boxed(), false))
}

/// A malformed JSON event between good ones.
pub(crate) async fn malformed(s: Scenario) -> Result<Response, BadParam> {
    let r = s.open(200);
    let events = vec![
        Event::default().id("1").data(r#"{"n":1}"#),
        Event::default().id("2").data(r#"{"n": oops"#),
        Event::default().id("3").data(r#"{"n":3}"#),
    ];
    Ok(r.respond(stream::iter(events).boxed(), false))
}

/// The `code` (default `default`, a final status: 200 to 599), `retry_after` and `body`
/// Non-ASCII and multi-line data.
pub const UNICODE_TEXT: &str = "héllo wörld, 日本語, emoji 🎉\nsecond line\n\nafter a blank line";

pub(crate) async fn unicode(s: Scenario) -> Result<Response, BadParam> {
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
/// `delay_ms`: a connection that starts from the first event waits that long before it (a
/// resumed one does not), so that clients sharing it can all join first.
pub(crate) async fn numbered(s: Scenario) -> Result<Response, BadParam> {
    let total = s.num("total", 100, 0..=MAX_EVENTS)?;
    let cut = s.num("cut", MAX_EVENTS, 1..=MAX_EVENTS)?;
    let interval_ms = s.num("interval_ms", 0, 0..=MAX_PAUSE_MS)?;
    let delay_ms = s.num("delay_ms", 0, 0..=MAX_PAUSE_MS)?;
    let r = s.open(200);
    let from = r.next_id();
    // Past `total` (or past the last id there is), nothing is left: hold.
    let to = from.map_or(total, |from| total.min(from.saturating_add(cut - 1)));
    let mut events = paced(numbered_events(from, to), interval_ms);
    if delay_ms > 0 && from == Some(1) {
        let wait = tokio::time::sleep(Duration::from_millis(delay_ms));
        let nothing = stream::once(wait).filter_map(|()| async { None::<Event> });
        events = nothing.chain(events).boxed();
    }
    Ok(r.respond(events, to < total))
}

/// One `ready` event, then only keep-alive comments (which `EventSource` does not surface).
pub(crate) async fn hold(s: Scenario) -> Result<Response, BadParam> {
    let r = s.open(200);
    Ok(r.respond(
        stream::iter([Event::default().event("ready").data("{}")]).boxed(),
        false,
    ))
}

/// `ready`, then a `heartbeat` event every `every_ms` (default 100).
pub(crate) async fn heartbeat(s: Scenario) -> Result<Response, BadParam> {
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
/// `n` messages at `per_sec` a second, each `{"n":i,"sent":<epoch ms, fractional>}`: for latency.
pub(crate) async fn rate(s: Scenario) -> Result<Response, BadParam> {
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
pub(crate) async fn bench(s: Scenario) -> Result<Response, BadParam> {
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
pub(crate) async fn bearer(s: Scenario) -> Result<Response, BadParam> {
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
pub(crate) async fn retry(s: Scenario) -> Result<Response, BadParam> {
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
pub(crate) async fn comments(s: Scenario) -> Result<Response, BadParam> {
    let every_ms = s.num("every_ms", 1_000, limits::MIN_KEEPALIVE_MS..=MAX_PAUSE_MS)?;
    let r = s.open(200);
    let keepalive = KeepAlive::new()
        .interval(Duration::from_millis(every_ms))
        .text("keep-alive");
    let ready = stream::iter([Event::default().event("ready").data("{}")]).boxed();
    Ok(r.respond_with(None, ready, false, keepalive))
}
