//! Streamed answers in the wire formats of two public LLM APIs, so that clients can be tested
//! against what those servers really send: no ids, a terminal marker, then the end of the body.
//!
//! - `POST /v1/chat/completions?key=K`: OpenAI's chat completions stream. Unnamed events
//!   `data: {"id":...,"object":"chat.completion.chunk",...}`: a first chunk with
//!   `"delta":{"role":"assistant","content":""}`, one chunk per token with
//!   `"delta":{"content":"..."}`, a last chunk with `"delta":{}` and `"finish_reason":"stop"`,
//!   then `data: [DONE]`, and the body ends. The JSON is compact, in the field order of the
//!   documented chunk object (`id`, `object`, `created`, `model`, `system_fingerprint`,
//!   `choices` with `index`, `delta`, `logprobs`, `finish_reason`).
//! - `POST /v1/messages?key=K`: Anthropic's Messages stream, byte for byte the documented example
//!   (its spacing included): `event: message_start`, `event: content_block_start`,
//!   `event: ping`, one `event: content_block_delta` (`text_delta`) per token,
//!   `event: content_block_stop`, `event: message_delta` (`"stop_reason": "end_turn"`),
//!   `event: message_stop`, and the body ends.
//!
//! Neither sends ids, `retry:` or comments, as the real APIs do not. The tokens are those of
//! [`crate::completions`] (a function of the prompt), so a test knows the whole answer.
//!
//! The body is JSON (declared `application/json`, as the real APIs require; other `POST`s are
//! refused by [`crate::cross_site`]): the prompt is the last of `messages` (its `content`, a
//! string or a list of parts whose `text` strings are joined), or `prompt`; `max_tokens` (or
//! `max_completion_tokens`), 1 to 4096, defaults to 16. Anything else in it is ignored: the
//! answer always streams.
//!
//! Query parameters (out of range: `400` in text, not recorded):
//! - `key` (default `default`): every request is recorded under it in `/stats`.
//! - `interval_ms` (default 30, 0 to 60000): the pause before each token.
//! - `fail` (default 0, at most 1000): while fewer than `fail` requests are recorded for `key`,
//!   answer `code` (default 429, 400 to 599) with `Retry-After: retry_after` (default `1`;
//!   delta-seconds or an HTTP date) and the provider's JSON error body (see [`error_body`]),
//!   before reading the body: nothing was generated.
//! - `cut_after` (0 to 4096): end the body after that many tokens, without the final chunk,
//!   `[DONE]` or `message_stop`; with `abort=1` break the connection there instead.
//! - `POST /control/cut?key=K` (with `abort=0|1`) cuts these streams as it cuts
//!   `/v1/completions`.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use serde_json::Value;

use crate::completions::{self, DEFAULT_INTERVAL_MS, DEFAULT_MAX_TOKENS};
use crate::limits::{self, BadParam, MAX_COMPLETION_TOKENS, MAX_FAILURES, MAX_PAUSE_MS};
use crate::live_completions::CutWatch;
use crate::scenario::Scenario;
use crate::stats::{now_ms, ConnectionGuard};

/// The model name both formats report.
pub const MODEL: &str = "typed-sse-test";

/// `system_fingerprint` of the OpenAI format.
pub const SYSTEM_FINGERPRINT: &str = "fp_typed_sse";

/// Which provider's wire format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// OpenAI chat completions.
    OpenAi,
    /// Anthropic messages.
    Anthropic,
}

/// `s` as a JSON string literal (quotes and escapes included).
fn quoted(s: &str) -> String {
    // Serialising a `&str` cannot fail.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// One answer being written: what its events are made of.
struct Answer {
    format: Format,
    /// `chatcmpl-...` or `msg_...`: unique per request of a key.
    id: String,
    /// Unix seconds (OpenAI's `created`).
    created: u64,
    prompt: String,
    max_tokens: u64,
}

impl Answer {
    /// The OpenAI chunk with `delta` and `finish_reason` (both JSON).
    fn chunk(&self, delta: &str, finish_reason: &str) -> String {
        format!(
            "data: {{\"id\":{},\"object\":\"chat.completion.chunk\",\"created\":{},\
             \"model\":{},\"system_fingerprint\":{},\"choices\":[{{\"index\":0,\
             \"delta\":{delta},\"logprobs\":null,\"finish_reason\":{finish_reason}}}]}}\n\n",
            quoted(&self.id),
            self.created,
            quoted(MODEL),
            quoted(SYSTEM_FINGERPRINT),
        )
    }

    /// The events before the first token.
    fn head(&self) -> Vec<String> {
        match self.format {
            Format::OpenAi => vec![self.chunk(r#"{"role":"assistant","content":""}"#, "null")],
            Format::Anthropic => {
                let input_tokens = self.prompt.split_whitespace().count();
                vec![
                    format!(
                        "event: message_start\ndata: {{\"type\": \"message_start\", \
                         \"message\": {{\"id\": {}, \"type\": \"message\", \"role\": \
                         \"assistant\", \"content\": [], \"model\": {}, \"stop_reason\": null, \
                         \"stop_sequence\": null, \"usage\": {{\"input_tokens\": {input_tokens}, \
                         \"output_tokens\": 1}}}}}}\n\n",
                        quoted(&self.id),
                        quoted(MODEL),
                    ),
                    "event: content_block_start\ndata: {\"type\": \"content_block_start\", \
                     \"index\": 0, \"content_block\": {\"type\": \"text\", \"text\": \"\"}}\n\n"
                        .to_owned(),
                    "event: ping\ndata: {\"type\": \"ping\"}\n\n".to_owned(),
                ]
            }
        }
    }

    /// The event of token `index`.
    fn token(&self, index: u64) -> String {
        let text = quoted(&completions::token(&self.prompt, index));
        match self.format {
            Format::OpenAi => self.chunk(&format!("{{\"content\":{text}}}"), "null"),
            Format::Anthropic => format!(
                "event: content_block_delta\ndata: {{\"type\": \"content_block_delta\", \
                 \"index\": 0, \"delta\": {{\"type\": \"text_delta\", \"text\": {text}}}}}\n\n"
            ),
        }
    }

    /// The events after the last token: the end of the answer.
    fn tail(&self) -> Vec<String> {
        match self.format {
            Format::OpenAi => vec![self.chunk("{}", "\"stop\""), "data: [DONE]\n\n".to_owned()],
            Format::Anthropic => vec![
                "event: content_block_stop\ndata: {\"type\": \"content_block_stop\", \
                 \"index\": 0}\n\n"
                    .to_owned(),
                // `"stop_sequence":null` without a space, as in the documented example.
                format!(
                    "event: message_delta\ndata: {{\"type\": \"message_delta\", \"delta\": \
                     {{\"stop_reason\": \"end_turn\", \"stop_sequence\":null}}, \"usage\": \
                     {{\"output_tokens\": {}}}}}\n\n",
                    self.max_tokens
                ),
                "event: message_stop\ndata: {\"type\": \"message_stop\"}\n\n".to_owned(),
            ],
        }
    }
}

/// The `type` and `message` of Anthropic's error body for `code`, as its documentation lists them.
fn anthropic_error(code: u16) -> (&'static str, &'static str) {
    match code {
        400 => (
            "invalid_request_error",
            "There was an issue with your request.",
        ),
        401 => (
            "authentication_error",
            "There's an issue with your API key.",
        ),
        403 => ("permission_error", "Your API key does not have permission."),
        404 => ("not_found_error", "The requested resource was not found."),
        413 => (
            "request_too_large",
            "Request exceeds the maximum allowed size.",
        ),
        429 => ("rate_limit_error", "Your account has hit a rate limit."),
        529 => ("overloaded_error", "Overloaded"),
        _ if code < 500 => ("invalid_request_error", "The request was refused."),
        _ => ("api_error", "An unexpected error has occurred."),
    }
}

/// The `type`, `code` (JSON) and `message` of OpenAI's error body for `code`.
fn openai_error(code: u16) -> (&'static str, &'static str, &'static str) {
    match code {
        429 => (
            "requests",
            "\"rate_limit_exceeded\"",
            "Rate limit reached for requests",
        ),
        401 => (
            "invalid_request_error",
            "\"invalid_api_key\"",
            "Incorrect API key provided.",
        ),
        500 => (
            "server_error",
            "null",
            "The server had an error while processing your request. Sorry about that!",
        ),
        503 => (
            "server_error",
            "null",
            "The engine is currently overloaded, please try again later.",
        ),
        _ if code < 500 => ("invalid_request_error", "null", "The request was refused."),
        _ => ("server_error", "null", "The server had an error."),
    }
}

/// The JSON error body `format`'s API answers `code` with, `message` replacing the default one:
/// OpenAI `{"error":{"message":M,"type":T,"param":null,"code":C}}`, Anthropic
/// `{"type":"error","error":{"type":T,"message":M},"request_id":R}`.
pub fn error_body(format: Format, code: u16, message: Option<&str>, request_id: &str) -> String {
    match format {
        Format::OpenAi => {
            let (kind, error_code, default) = openai_error(code);
            format!(
                "{{\"error\":{{\"message\":{},\"type\":{},\"param\":null,\"code\":{error_code}}}}}",
                quoted(message.unwrap_or(default)),
                quoted(kind),
            )
        }
        Format::Anthropic => {
            let (kind, default) = anthropic_error(code);
            format!(
                "{{\"type\":\"error\",\"error\":{{\"type\":{},\"message\":{}}},\"request_id\":{}}}",
                quoted(kind),
                quoted(message.unwrap_or(default)),
                quoted(request_id),
            )
        }
    }
}

/// `code` with the provider's JSON error body (and `Retry-After` when given).
fn error_response(
    format: Format,
    code: u16,
    message: Option<&str>,
    request_id: &str,
    retry_after: Option<HeaderValue>,
) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        error_body(format, code, message, request_id),
    )
        .into_response();
    if let Some(value) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The text of a message's `content`: a string, or the `text` strings of its parts, joined.
fn content_text(content: &Value) -> Option<String> {
    match content {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect(),
        ),
        _ => None,
    }
}

/// The prompt and `max_tokens` of a request body, or why it is not one.
fn parse_body(body: &[u8]) -> Result<(String, u64), String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        format!(
            r#"the body must be JSON like {{"messages":[{{"role":"user","content":"..."}}]}} ({e})"#
        )
    })?;
    let prompt = match (value.get("messages"), value.get("prompt")) {
        (Some(messages), _) => messages
            .as_array()
            .and_then(|m| m.last())
            .and_then(|m| m.get("content"))
            .and_then(content_text)
            .ok_or("`messages` must be a non-empty list whose last item has a `content`")?,
        (None, Some(prompt)) => prompt
            .as_str()
            .ok_or("`prompt` must be a string")?
            .to_owned(),
        (None, None) => return Err("the body needs `messages` (or `prompt`)".to_owned()),
    };
    let max_tokens = value
        .get("max_tokens")
        .or_else(|| value.get("max_completion_tokens"));
    let max_tokens = match max_tokens {
        None | Some(Value::Null) => DEFAULT_MAX_TOKENS,
        Some(n) => n
            .as_u64()
            .filter(|n| (1..=MAX_COMPLETION_TOKENS).contains(n))
            .ok_or(format!(
                "`max_tokens` must be an integer from 1 to {MAX_COMPLETION_TOKENS}"
            ))?,
    };
    Ok((prompt, max_tokens))
}

/// The query parameters (see the module docs).
struct Query {
    interval_ms: u64,
    fail: u64,
    code: u16,
    retry_after: HeaderValue,
    cut_after: Option<u64>,
    abort: bool,
}

impl Query {
    fn from(s: &Scenario) -> Result<Self, BadParam> {
        Ok(Self {
            interval_ms: s.num("interval_ms", DEFAULT_INTERVAL_MS, 0..=MAX_PAUSE_MS)?,
            fail: s.num("fail", 0, 0..=MAX_FAILURES)?,
            // In range, so it fits.
            code: s.num("code", 429, 400..=599)? as u16,
            retry_after: limits::retry_after(&s.params)?
                .unwrap_or_else(|| HeaderValue::from_static("1")),
            cut_after: match s.param("cut_after") {
                None => None,
                Some(_) => Some(s.num("cut_after", 0, 0..=MAX_COMPLETION_TOKENS)?),
            },
            abort: s.num("abort", 0, 0..=1)? == 1,
        })
    }
}

/// `POST /v1/chat/completions`: the OpenAI format (see the module docs).
pub(crate) async fn chat_completions(s: Scenario) -> Result<Response, BadParam> {
    respond(s, Format::OpenAi)
}

/// `POST /v1/messages`: the Anthropic format (see the module docs).
pub(crate) async fn messages(s: Scenario) -> Result<Response, BadParam> {
    respond(s, Format::Anthropic)
}

fn respond(s: Scenario, format: Format) -> Result<Response, BadParam> {
    let query = Query::from(&s)?;
    // Counts every request of the key, so ids differ and `fail` counts them all.
    let seen = s.shared.stats.not_probes(&s.key);
    let id = match format {
        Format::OpenAi => format!("chatcmpl-typedsse{}", seen + 1),
        Format::Anthropic => format!("msg_typedsse{}", seen + 1),
    };
    let request_id = format!("req_typedsse{}", seen + 1);
    if seen < query.fail {
        let _r = s.open(query.code);
        return Ok(error_response(
            format,
            query.code,
            None,
            &request_id,
            Some(query.retry_after),
        ));
    }
    let (prompt, max_tokens) = match parse_body(&s.body) {
        Ok(request) => request,
        Err(why) => {
            let _r = s.open(400);
            return Ok(error_response(format, 400, Some(&why), &request_id, None));
        }
    };
    let watch = s.shared.completions.watch(&s.key);
    let r = s.open(200);
    let answer = Answer {
        format,
        id,
        created: now_ms() / 1000,
        prompt,
        max_tokens,
    };
    let events = Events {
        head: answer.head().into_iter(),
        next_token: 0,
        tail: answer.tail().into_iter(),
        answer,
        interval: Duration::from_millis(query.interval_ms),
        cut_after: query.cut_after,
        abort: query.abort,
        watch,
        guard: r.guard,
    };
    let body = stream::unfold(Some(events), |events| async move {
        let mut events = events?;
        match events.next().await {
            Next::Event(text) => Some((Ok(Bytes::from(text)), Some(events))),
            Next::End => None,
            Next::Break => {
                // Gives the server a turn to write what was sent before: the break must come
                // after those bytes, not instead of them.
                tokio::time::sleep(Duration::from_millis(10)).await;
                Some((
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "cut mid-answer",
                    )),
                    None,
                ))
            }
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// What [`Events::next`] gives.
enum Next {
    Event(String),
    /// The body ends cleanly.
    End,
    /// The connection breaks.
    Break,
}

/// The events of one answer, made as they are sent; owns the request's stats record and its
/// subscription to `/control/cut`, so both go with the body.
struct Events {
    answer: Answer,
    head: std::vec::IntoIter<String>,
    next_token: u64,
    tail: std::vec::IntoIter<String>,
    interval: Duration,
    cut_after: Option<u64>,
    abort: bool,
    watch: CutWatch,
    guard: ConnectionGuard,
}

impl Events {
    async fn next(&mut self) -> Next {
        let cut = |abort| if abort { Next::Break } else { Next::End };
        let text = if let Some(text) = self.head.next() {
            text
        } else if self.next_token < self.answer.max_tokens {
            if self.cut_after == Some(self.next_token) {
                return cut(self.abort);
            }
            tokio::select! {
                biased;
                abort = self.watch.cut() => return cut(abort),
                () = tokio::time::sleep(self.interval) => {}
            }
            self.next_token += 1;
            self.answer.token(self.next_token - 1)
        } else if let Some(text) = self.tail.next() {
            text
        } else {
            return Next::End;
        };
        self.guard.sent();
        Next::Event(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_gives_the_last_message_or_the_prompt() {
        let ok = |body: &str| parse_body(body.as_bytes());
        assert_eq!(
            ok(r#"{"messages":[{"role":"user","content":"a"},{"role":"user","content":"b c"}]}"#),
            Ok(("b c".into(), 16))
        );
        assert_eq!(
            ok(
                r#"{"messages":[{"content":[{"type":"text","text":"x"},{"type":"image"},{"text":"y"}]}],"max_tokens":3}"#
            ),
            Ok(("xy".into(), 3))
        );
        assert_eq!(
            ok(r#"{"prompt":"hi","max_completion_tokens":2}"#),
            Ok(("hi".into(), 2))
        );
        for bad in [
            "",
            "{}",
            r#"{"messages":[]}"#,
            r#"{"messages":[{"role":"user"}]}"#,
            r#"{"messages":"hi"}"#,
            r#"{"prompt":1}"#,
            r#"{"prompt":"p","max_tokens":0}"#,
            r#"{"prompt":"p","max_tokens":4097}"#,
        ] {
            assert!(ok(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_bodies_have_each_providers_shape() {
        let openai: Value =
            serde_json::from_str(&error_body(Format::OpenAi, 429, None, "r")).unwrap();
        assert_eq!(openai["error"]["code"], "rate_limit_exceeded");
        assert_eq!(openai["error"]["param"], Value::Null);
        let anthropic: Value =
            serde_json::from_str(&error_body(Format::Anthropic, 529, Some("m\""), "req_1"))
                .unwrap();
        assert_eq!(anthropic["type"], "error");
        assert_eq!(anthropic["error"]["type"], "overloaded_error");
        assert_eq!(anthropic["error"]["message"], "m\"");
        assert_eq!(anthropic["request_id"], "req_1");
    }
}
