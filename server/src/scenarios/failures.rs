//! Scenarios that fail: a status code, a wrong content type, failures before success, a
//! refused token.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream::{self, StreamExt};
use serde_json::json;

use crate::limits::{self, BadParam};
use crate::resume;
use crate::scenario::{plain_status, Scenario};
use crate::scenarios::streams::Messages;

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
pub(crate) async fn status(s: Scenario) -> Result<Response, BadParam> {
    let answer = status_params(&s, 500)?;
    let _r = s.open(answer.code);
    Ok(answer.respond())
}

/// 200 with a content type that is not `text/event-stream` (default `text/plain`).
pub(crate) async fn content_type(s: Scenario) -> Result<Response, BadParam> {
    let ty = s.param("type").unwrap_or("text/plain").to_owned();
    let _r = s.open(200);
    Ok((
        [(header::CONTENT_TYPE, ty)],
        "data: this is not an event stream\n\n",
    )
        .into_response())
}

/// numbered messages, resuming.
pub(crate) async fn flaky(s: Scenario) -> Result<Response, BadParam> {
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
pub(crate) async fn auth(s: Scenario) -> Result<Response, BadParam> {
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
