//! A deterministic streaming "completion", the shape of an LLM API, for the `fetch` transport's
//! tests and the demo: `POST /v1/completions?key=K`, and `POST /control/cut?key=K`, which cuts
//! that key's live completions mid-answer.
//!
//! The answer is a function of the prompt only: token `i` (from 0) is
//! `CORPUS[(h + i) % CORPUS.len()]`, where `h` is the 64-bit FNV-1a hash of the prompt's UTF-8
//! bytes modulo `CORPUS.len()`, preceded by a space for every token but the first. So two
//! requests with one prompt stream the same tokens, and a client that resumed after a cut can
//! check the whole answer against the `done` event, which carries it.
//!
//! The corpus holds markup (`<b>bold</b>`, `&amp;`, an `<img onerror=...>` that would set
//! `window.__typedSseXss = 1`) so that a page rendering tokens as HTML instead of text is
//! caught.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream::{self, BoxStream, StreamExt};
use serde_json::{json, Value};

use crate::limits::{self, BadParam, MAX_COMPLETION_TOKENS, MAX_PAUSE_MS};
use crate::live_completions::{CutWatch, LiveCompletions};
use crate::resume;
use crate::scenario::{paced, Scenario};
use crate::stats::ConnectionGuard;
use crate::tokens;

/// The words answers are made of, in order.
pub const CORPUS: [&str; 48] = [
    "Streams",
    "resume",
    "where",
    "they",
    "stopped:",
    "the",
    "server",
    "sends",
    "only",
    "later",
    "tokens,",
    "so",
    "none",
    "is",
    "missing",
    "or",
    "repeated.",
    "Text",
    "like",
    "<b>bold</b>",
    "&",
    "&amp;",
    "or",
    r#"<img src=x onerror="window.__typedSseXss=1">"#,
    "shows",
    "as",
    "typed,",
    "never",
    "as",
    "markup.",
    "Unicode",
    "survives",
    "too:",
    "naïve",
    "café,",
    "日本語,",
    "emoji",
    "🎉.",
    "A",
    "cut",
    "costs",
    "a",
    "fresh",
    "token",
    "and",
    "one",
    "reconnect.",
    "\n",
];

/// `max_tokens` when the body does not say.
pub const DEFAULT_MAX_TOKENS: u64 = 16;

/// `interval_ms` when the query does not say.
pub const DEFAULT_INTERVAL_MS: u64 = 30;

/// 64-bit FNV-1a.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Where in [`CORPUS`] the answer to `prompt` starts.
fn start(prompt: &str) -> usize {
    // The remainder is below CORPUS.len(), so it fits.
    (fnv1a(prompt.as_bytes()) % CORPUS.len() as u64) as usize
}

/// Token `index` of the answer that starts at `start`.
fn token_at(start: usize, index: u64) -> String {
    let word = CORPUS[((start as u64 + index) % CORPUS.len() as u64) as usize];
    if index == 0 {
        word.to_owned()
    } else {
        format!(" {word}")
    }
}

/// The text of token `index` of the answer to `prompt`.
pub fn token(prompt: &str, index: u64) -> String {
    token_at(start(prompt), index)
}

/// The whole answer of `tokens` tokens to `prompt`: what the tokens' texts make, in order.
pub fn answer(prompt: &str, tokens: u64) -> String {
    let start = start(prompt);
    (0..tokens).map(|i| token_at(start, i)).collect()
}

/// A `400` with `{"error":{"type":"invalid_request","message":...}}`.
fn invalid(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": { "type": "invalid_request", "message": message } })),
    )
        .into_response()
}

fn bad_param(bad: BadParam) -> Response {
    invalid(format!("`{}` must be {}", bad.name, bad.accepts))
}

/// The prompt and `max_tokens` of a request body, or why it is not one.
fn parse_body(body: &[u8]) -> Result<(String, u64), String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        format!(r#"the body must be JSON like {{"prompt":"...","max_tokens":16}} ({e})"#)
    })?;
    let prompt = value
        .get("prompt")
        .and_then(Value::as_str)
        .ok_or("`prompt` must be a string")?;
    let max_tokens = match value.get("max_tokens") {
        None | Some(Value::Null) => DEFAULT_MAX_TOKENS,
        Some(n) => n
            .as_u64()
            .filter(|n| (1..=MAX_COMPLETION_TOKENS).contains(n))
            .ok_or(format!(
                "`max_tokens` must be an integer from 1 to {MAX_COMPLETION_TOKENS}"
            ))?,
    };
    Ok((prompt.to_owned(), max_tokens))
}

/// The query of [`completions`]: `interval_ms`, `valid_ms` and `reuse`.
fn query(s: &Scenario) -> Result<(u64, u64, bool), BadParam> {
    Ok((
        s.num("interval_ms", DEFAULT_INTERVAL_MS, 0..=MAX_PAUSE_MS)?,
        s.num(
            "valid_ms",
            limits::DEFAULT_TOKEN_VALID_MS,
            1..=limits::MAX_TOKEN_VALID_MS,
        )?,
        s.num("reuse", 0, 0..=1)? == 1,
    ))
}

/// `POST /v1/completions?key=K`: a streamed, deterministic answer to a prompt.
///
/// - Query: `interval_ms` (default 30, 0 to 60000) between tokens; `valid_ms` (default 2000,
///   1 to 600000) and `reuse` (0 or 1), the token rule of [`crate::tokens`]; `keepalive_ms`.
/// - Needs `Authorization: Bearer <token>` from `/token?key=K`, single-use unless `reuse=1`;
///   else `401` `{"error":"token expired","reason":...}`.
/// - Body (any `Content-Type`, at most 64 KiB, else `413`): JSON
///   `{"prompt":"...","max_tokens":N}`, `max_tokens` 1 to 4096 (default 16). Else `400`
///   `{"error":{"type":"invalid_request","message":...}}` (also for bad query numbers), and
///   the token is not spent.
/// - Answer: `event: token`, `id: i`, `data: {"index":i,"text":"..."}` for `i` in
///   `0..max_tokens`, one every `interval_ms`, then `event: done`, `id: max_tokens`,
///   `data: {"tokens":max_tokens,"text":<the whole answer>}`, and the stream ends.
/// - Resume: after a `Last-Event-ID` (header, or `lastEventId` query) of `i`, only tokens after
///   `i` (then `done`); after the `done` id (or past it), `204`.
/// - `POST /control/cut?key=K` ends the stream where it is (without `done`).
pub(crate) async fn completions(s: Scenario) -> Response {
    let (interval_ms, valid_ms, reuse) = match query(&s) {
        Ok(q) => q,
        Err(bad) => return bad_param(bad),
    };
    let token = tokens::bearer(&s.headers).map(str::to_owned);
    let tokens = s.shared.tokens.clone();
    let check = tokens.check(&s.key, token.as_deref(), valid_ms, reuse);
    if let Err(refusal) = check {
        let _r = s.open(401);
        return refusal.into_response();
    }
    let (prompt, max_tokens) = match parse_body(&s.body) {
        Ok(request) => request,
        Err(why) => {
            let _r = s.open(400);
            return invalid(why);
        }
    };
    // Checked again and spent at once: another request may have spent it meanwhile.
    if let Err(refusal) = tokens.accept(&s.key, token.as_deref(), valid_ms, reuse) {
        let _r = s.open(401);
        return refusal.into_response();
    }
    let from = match resume::last_event_id(&s.headers, &s.params).0 {
        // An id that is not a number resumes nothing: the answer starts over.
        Some(id) => id.parse::<u64>().map_or(Some(0), |id| id.checked_add(1)),
        None => Some(0),
    };
    let Some(from) = from.filter(|from| *from <= max_tokens) else {
        let _r = s.open(204);
        return StatusCode::NO_CONTENT.into_response();
    };
    let watch = s.shared.completions.watch(&s.key);
    let r = s.open(200);
    let start = start(&prompt);
    let tokens = stream::iter(from..max_tokens).map(move |i| {
        Event::default()
            .event("token")
            .id(i.to_string())
            .data(json!({ "index": i, "text": token_at(start, i) }).to_string())
    });
    let done = stream::iter(std::iter::once_with(move || {
        let text: String = (0..max_tokens).map(|i| token_at(start, i)).collect();
        Event::default()
            .event("done")
            .id(max_tokens.to_string())
            .data(json!({ "tokens": max_tokens, "text": text }).to_string())
    }));
    let events = paced(tokens.boxed(), interval_ms).chain(done).boxed();
    let keepalive = KeepAlive::new().interval(r.keepalive);
    Sse::new(cuttable(events, watch, r.guard))
        .keep_alive(keepalive)
        .into_response()
}

/// `events`, counted in `guard`, ending early when `watch` sees a cut: cleanly, or with an
/// error (which makes the server break the connection) for an aborting cut.
fn cuttable(
    events: BoxStream<'static, Event>,
    watch: CutWatch,
    guard: ConnectionGuard,
) -> impl futures_util::Stream<Item = Result<Event, std::io::Error>> {
    stream::unfold(Some((events, watch, guard)), |state| async move {
        let (mut events, mut watch, guard) = state?;
        tokio::select! {
            biased;
            abort = watch.cut() => abort.then(|| {
                let error = std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "cut by /control/cut?abort=1",
                );
                (Err(error), None)
            }),
            event = events.next() => event.map(|event| {
                guard.sent();
                (Ok(event), Some((events, watch, guard)))
            }),
        }
    })
}

/// `POST /control/cut?key=K&abort=0|1` (with `X-Typed-SSE: 1`, as every control): ends every
/// live `/v1/completions`, `/v1/chat/completions` and `/v1/messages` stream of `key` now, mid-answer; with `abort=1` the connections break
/// instead of ending cleanly. Answers `{"cut":N}`, the number of streams cut.
pub(crate) async fn cut(
    State(live): State<LiveCompletions>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, BadParam> {
    let key = limits::key(&params, "default")?;
    let abort = limits::number(&params, "abort", 0, 0..=1)? == 1;
    Ok(Json(json!({ "cut": live.cut(key, abort) })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_a_function_of_the_prompt() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(answer("hello", 5), answer("hello", 5));
        assert_ne!(answer("hello", 5), answer("goodbye", 5));
        let whole = answer("hello", 100);
        let joined: String = (0..100).map(|i| token("hello", i)).collect();
        assert_eq!(whole, joined);
        assert!(!token("hello", 0).starts_with(' '));
        assert!(token("hello", 1).starts_with(' '));
        // A full cycle shows every word, markup included.
        let cycle = answer("x", CORPUS.len() as u64);
        for needle in ["<b>bold</b>", "&amp;", "onerror", "日本語"] {
            assert!(cycle.contains(needle), "{needle}");
        }
    }

    #[test]
    fn the_body_is_checked() {
        assert_eq!(
            parse_body(br#"{"prompt":"p","max_tokens":3}"#),
            Ok(("p".into(), 3))
        );
        assert_eq!(parse_body(br#"{"prompt":"p"}"#), Ok(("p".into(), 16)));
        for bad in [
            &br#"{"prompt":1}"#[..],
            br#"{"max_tokens":3}"#,
            br#"{"prompt":"p","max_tokens":0}"#,
            br#"{"prompt":"p","max_tokens":4097}"#,
            br#"{"prompt":"p","max_tokens":2.5}"#,
            b"prompt",
            b"",
        ] {
            assert!(parse_body(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[tokio::test]
    async fn a_key_is_forgotten_with_its_last_stream() {
        let live = LiveCompletions::default();
        let a = live.watch("k");
        let b = live.watch("k");
        assert_eq!(live.live("k"), 2);
        drop(a);
        assert_eq!(live.cut("k", false), 1);
        drop(b);
        assert_eq!(live.key_count(), 0);
        assert_eq!(live.cut("k", false), 0);
    }
}
