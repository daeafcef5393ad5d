//! Bounds on what a request may ask for. Every numeric query parameter has an allowed range, and
//! a value outside it (or not a number) is answered `400` with a plain-text body naming the
//! parameter and the range, instead of being clamped silently or driving the server out of
//! memory.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// Most events a scenario streams (`n`, `total`, `cut`). Events are generated lazily, so this
/// bounds run time, not memory; `bench/measure.mjs` asks for `total=100000000`.
pub const MAX_EVENTS: u64 = 1_000_000_000;

/// Longest pause a request may ask for (`interval_ms`, `every_ms`, `keepalive_ms`): one minute.
pub const MAX_PAUSE_MS: u64 = 60_000;

/// Shortest keep-alive interval: below it, idle connections would cost the server CPU.
pub const MIN_KEEPALIVE_MS: u64 = 10;

/// Largest `/sse/big` event (`bytes`).
pub const MAX_BIG_BYTES: u64 = 16_000_000;

/// Most events one `/sse/big` response sends (`count`), each of `bytes`.
pub const MAX_BIG_COUNT: u64 = 100;

/// Highest `per_sec` of `/sse/rate`.
pub const MAX_RATE_PER_SEC: u64 = 100_000;

/// The statuses a scenario may answer (`code`): 1xx would switch protocols or never end the
/// response, so only final statuses.
pub const STATUS_CODES: RangeInclusive<u64> = 200..=599;

/// Longest `Retry-After` a scenario sends, in seconds (`retry_after`). Far beyond any sane value
/// on purpose: the client's cap is tested with a hostile one (3,000,000 s made old clients
/// loop). It is only a header's digits, so it costs the server nothing.
pub const MAX_RETRY_AFTER_S: u64 = u32::MAX as u64;

/// Longest `retry_after` given as an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT` is 29 bytes).
pub const MAX_RETRY_AFTER_DATE_LEN: usize = 64;

/// Most failing connections `/sse/flaky` may be asked for (`fail`).
pub const MAX_FAILURES: u64 = 1_000;

/// Longest demo outage `/control/fail` may be asked for (`seconds`).
pub const MAX_FAIL_SECONDS: u64 = 120;

/// Largest request body a scenario reads, in bytes: 64 KiB. A longer one is answered `413`
/// (at once when its `Content-Length` says so, else as soon as the 65,537th byte arrives).
pub const MAX_BODY_BYTES: u64 = 64 * 1024;

/// How long a request body may take to arrive, in milliseconds; then `408`.
pub const BODY_TIMEOUT_MS: u64 = 10_000;

/// Largest `retry:` value `/sse/retry` sends (`ms`). Like [`MAX_RETRY_AFTER_S`], far beyond
/// sense on purpose (the client's cap is tested with hostile values); it is only digits.
pub const MAX_RETRY_MS: u64 = u32::MAX as u64;

/// Longest line `/sse/endless` sends (`bytes`). It is written from one static buffer, so this
/// bounds run time, not memory.
pub const MAX_ENDLESS_BYTES: u64 = 1_000_000_000;

/// Default length of the `/sse/endless` line: 20 MB.
pub const DEFAULT_ENDLESS_BYTES: u64 = 20_000_000;

/// Longest a token from `/token` may be allowed to stay good (`valid_ms`): ten minutes.
pub const MAX_TOKEN_VALID_MS: u64 = 600_000;

/// Default life of a token (`valid_ms`): two seconds.
pub const DEFAULT_TOKEN_VALID_MS: u64 = 2_000;

/// Most tokens one completion may ask for (`max_tokens`).
pub const MAX_COMPLETION_TOKENS: u64 = 4_096;

/// Most connections served at once (`--max-connections`); more are closed as they are accepted
/// (see [`crate::connections`]). Well under a common file-descriptor limit of 1,024, and far
/// above what the tests, the benchmarks and a browser (6 per host over HTTP/1.1) open.
pub const MAX_CONNECTIONS: usize = 512;

/// How long a request head may take to arrive from its first byte, in milliseconds
/// (`--header-timeout-ms`); then the connection is closed.
pub const HEADER_TIMEOUT_MS: u64 = 10_000;

/// How long a connection may sit with no request in progress nor begun, in milliseconds
/// (`--idle-timeout-ms`): a fresh connection that sends nothing, or a kept-alive one between
/// requests. An open event stream is a request in progress, however quiet.
pub const IDLE_TIMEOUT_MS: u64 = 30_000;

/// Longest test key (`key`), in bytes: keys are stored, so a client may not pick huge ones.
pub const MAX_KEY_LEN: usize = 128;

/// A query parameter outside its bounds; answered `400 Bad Request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadParam {
    /// The parameter's name.
    pub name: &'static str,
    /// What it accepts, in words, e.g. `an integer from 0 to 5`.
    pub accepts: String,
}

impl IntoResponse for BadParam {
    fn into_response(self) -> Response {
        // The offending value is not echoed back: it may be megabytes long.
        (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("`{}` must be {}\n", self.name, self.accepts),
        )
            .into_response()
    }
}

/// The integer parameter `name` of `params`, `default` when absent, or a [`BadParam`] when it is
/// not an integer within `range`.
pub fn number(
    params: &HashMap<String, String>,
    name: &'static str,
    default: u64,
    range: RangeInclusive<u64>,
) -> Result<u64, BadParam> {
    let Some(value) = params.get(name) else {
        return Ok(default);
    };
    value
        .parse()
        .ok()
        .filter(|v| range.contains(v))
        .ok_or_else(|| BadParam {
            name,
            accepts: format!("an integer from {} to {}", range.start(), range.end()),
        })
}

/// The word parameter `name`: `choices[0]` when absent, else one of `choices`, else a
/// [`BadParam`].
pub fn choice(
    params: &HashMap<String, String>,
    name: &'static str,
    choices: &[&'static str],
) -> Result<&'static str, BadParam> {
    let Some(value) = params.get(name) else {
        return Ok(choices[0]);
    };
    choices
        .iter()
        .find(|c| *c == value)
        .copied()
        .ok_or_else(|| BadParam {
            name,
            accepts: format!(
                "one of {}",
                choices
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

/// The test key (`key`, `default` when absent), at most [`MAX_KEY_LEN`] bytes.
pub fn key<'a>(
    params: &'a HashMap<String, String>,
    default: &'static str,
) -> Result<&'a str, BadParam> {
    match params.get("key") {
        None => Ok(default),
        Some(k) if k.len() <= MAX_KEY_LEN => Ok(k),
        Some(_) => Err(BadParam {
            name: "key",
            accepts: format!("at most {MAX_KEY_LEN} bytes long"),
        }),
    }
}

/// `retry_after`: delta-seconds up to [`MAX_RETRY_AFTER_S`], or an HTTP date (kept as text, so
/// the client's date parsing can be tested), as a header value.
pub fn retry_after(
    params: &HashMap<String, String>,
) -> Result<Option<axum::http::HeaderValue>, BadParam> {
    let Some(value) = params.get("retry_after") else {
        return Ok(None);
    };
    let bad = || BadParam {
        name: "retry_after",
        accepts: format!(
            "an integer from 0 to {MAX_RETRY_AFTER_S}, or an HTTP date of at most \
             {MAX_RETRY_AFTER_DATE_LEN} bytes"
        ),
    };
    if value.bytes().all(|b| b.is_ascii_digit()) {
        number(params, "retry_after", 0, 0..=MAX_RETRY_AFTER_S).map_err(|_| bad())?;
    } else if value.len() > MAX_RETRY_AFTER_DATE_LEN {
        return Err(bad());
    }
    value.parse().map(Some).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn numbers_outside_their_range_or_not_numbers_are_refused() {
        let p = params(&[("n", "7"), ("big", "18446744073709551616"), ("x", "-1")]);
        assert_eq!(number(&p, "n", 5, 0..=10), Ok(7));
        assert_eq!(number(&p, "absent", 5, 0..=10), Ok(5));
        assert_eq!(
            number(&p, "n", 5, 0..=6).unwrap_err().accepts,
            "an integer from 0 to 6"
        );
        assert!(number(&p, "big", 5, 0..=u64::MAX).is_err());
        assert!(number(&p, "x", 5, 0..=10).is_err());
    }

    #[test]
    fn a_choice_is_one_of_its_words() {
        let p = params(&[("body", "json"), ("bad", "xml")]);
        assert_eq!(choice(&p, "body", &["text", "json"]), Ok("json"));
        assert_eq!(choice(&p, "absent", &["text", "json"]), Ok("text"));
        assert_eq!(
            choice(&p, "bad", &["text", "json"]).unwrap_err().accepts,
            "one of `text`, `json`"
        );
    }

    #[test]
    fn retry_after_takes_seconds_or_a_short_date() {
        let ok = params(&[("retry_after", "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert!(retry_after(&ok).unwrap().is_some());
        assert_eq!(
            retry_after(&params(&[("retry_after", "2")])).unwrap(),
            Some("2".parse().unwrap())
        );
        assert!(retry_after(&params(&[("retry_after", "3000000")])).is_ok());
        assert!(retry_after(&params(&[("retry_after", "4294967296")])).is_err());
        assert!(retry_after(&params(&[("retry_after", &"x".repeat(65))])).is_err());
        assert!(retry_after(&params(&[("retry_after", "a\nb")])).is_err());
    }
}
