//! Bearer tokens for the header-authentication scenarios (`/sse/bearer`, `/v1/completions`).
//!
//! `POST /token?key=K` with the proof every state-changing request needs (`X-Typed-SSE: 1` or a
//! JSON body, see [`crate::cross_site`]) answers `{"token":"tok-<n>-<16 hex digits>"}`; any other
//! method is `405` and mints nothing. (Minting once answered `GET` too: any site's `<img>` could
//! then mint, and [`MAX_TOKENS`] of them evicted the tokens a page had fetched.) The rule a
//! token is judged by, where it is used:
//!
//! - it must have been issued for the same `key`, and still be kept (see below);
//! - it is good for `valid_ms` milliseconds after it was issued (a parameter of the endpoint
//!   that takes it, default [`DEFAULT_TOKEN_VALID_MS`], at most [`MAX_TOKEN_VALID_MS`]);
//! - it opens **one** connection: once a stream was accepted with it, it is spent, unless that
//!   endpoint is given `reuse=1`. A request refused for another reason (a bad parameter or body)
//!   does not spend it.
//!
//! So a client that reconnects with the token it already used is refused, and one that fetches a
//! fresh token for every attempt is not: "every retry carries a fresh token" can be tested.
//! Anything else is `401` with `{"error":"token expired","reason":R,"message":...}`, where `R`
//! is `missing` (no `Authorization: Bearer ...`), `unknown` (never issued for this key, or
//! forgotten), `expired` or `used`, and `WWW-Authenticate: Bearer error="invalid_token"`.
//!
//! At most [`MAX_TOKENS`] tokens are kept (the oldest go first), and none longer than
//! [`MAX_TOKEN_VALID_MS`], after which no endpoint would take them anyway.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

pub use crate::limits::{DEFAULT_TOKEN_VALID_MS, MAX_TOKEN_VALID_MS};

/// Most tokens kept at once, for all keys together.
pub const MAX_TOKENS: usize = 10_000;

/// Why a token was not accepted; answered `401` (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization: Bearer <token>` header.
    Missing,
    /// Not a token issued for this key (or one forgotten since).
    Unknown,
    /// Issued more than `valid_ms` ago.
    Expired,
    /// Already used for a connection.
    Used,
}

impl Refusal {
    /// The `reason` of the JSON body.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Unknown => "unknown",
            Self::Expired => "expired",
            Self::Used => "used",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Self::Missing => "send `Authorization: Bearer <token>` with a token from `POST /token`",
            Self::Unknown => "this token was not issued for this key",
            Self::Expired => {
                "this token is older than `valid_ms`; fetch a fresh one from `POST /token`"
            }
            Self::Used => {
                "this token already opened a connection; fetch a fresh one from `POST /token`"
            }
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="typed-sse", error="invalid_token""#),
            )],
            Json(json!({
                "error": "token expired",
                "reason": self.reason(),
                "message": self.message(),
            })),
        )
            .into_response()
    }
}

/// The token of an `Authorization: Bearer <token>` header, if there is one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[derive(Debug)]
struct Issued {
    key: String,
    at: Instant,
    used: bool,
}

#[derive(Debug, Default)]
struct Log {
    tokens: HashMap<String, Issued>,
    /// Tokens, oldest first: the order they are forgotten in.
    order: VecDeque<String>,
    issued: u64,
}

/// The tokens issued, within the bounds of the module docs.
#[derive(Clone, Debug, Default)]
pub struct Tokens {
    log: Arc<Mutex<Log>>,
}

impl Tokens {
    fn lock(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new token for `key`: `tok-<n>-<16 hex digits>`, `n` counting every token this server
    /// issued (so the stored `Authorization` prefix tells tokens apart).
    pub fn issue(&self, key: &str) -> String {
        let now = Instant::now();
        let mut log = self.lock();
        let max_age = Duration::from_millis(MAX_TOKEN_VALID_MS);
        while let Some(oldest) = log.order.front() {
            let stale = log
                .tokens
                .get(oldest)
                .is_none_or(|t| now.duration_since(t.at) > max_age);
            if !stale && log.order.len() < MAX_TOKENS {
                break;
            }
            if let Some(oldest) = log.order.pop_front() {
                log.tokens.remove(&oldest);
            }
        }
        log.issued += 1;
        // Not cryptography: unpredictable enough that a test cannot guess one by accident.
        let secret = std::collections::hash_map::RandomState::new().hash_one((log.issued, now));
        let token = format!("tok-{}-{secret:016x}", log.issued);
        log.order.push_back(token.clone());
        log.tokens.insert(
            token.clone(),
            Issued {
                key: key.to_owned(),
                at: now,
                used: false,
            },
        );
        token
    }

    /// Whether `token` may open a connection for `key` (see the module docs); spends it when
    /// `spend` and it is single-use.
    fn judge(
        &self,
        key: &str,
        token: Option<&str>,
        valid_ms: u64,
        reuse: bool,
        spend: bool,
    ) -> Result<(), Refusal> {
        let token = token.ok_or(Refusal::Missing)?;
        let mut log = self.lock();
        let issued = log
            .tokens
            .get_mut(token)
            .filter(|t| t.key == key)
            .ok_or(Refusal::Unknown)?;
        if issued.at.elapsed() > Duration::from_millis(valid_ms) {
            return Err(Refusal::Expired);
        }
        if issued.used && !reuse {
            return Err(Refusal::Used);
        }
        if spend {
            issued.used = true;
        }
        Ok(())
    }

    /// Whether `token` would be accepted, without spending it.
    pub fn check(
        &self,
        key: &str,
        token: Option<&str>,
        valid_ms: u64,
        reuse: bool,
    ) -> Result<(), Refusal> {
        self.judge(key, token, valid_ms, reuse, false)
    }

    /// Accepts `token` for one connection of `key`, spending it.
    pub fn accept(
        &self,
        key: &str,
        token: Option<&str>,
        valid_ms: u64,
        reuse: bool,
    ) -> Result<(), Refusal> {
        self.judge(key, token, valid_ms, reuse, true)
    }

    /// How many tokens are kept.
    pub fn len(&self) -> usize {
        self.lock().tokens.len()
    }

    /// Whether no token is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `POST /token?key=K`: a fresh token for `key`, as `{"token":"..."}`, not cached; `405` to any
/// other method (the route also takes `GET` so that it is answered here, not by the static
/// files). The proof a `POST` needs is checked before, by [`crate::cross_site`].
pub async fn token_handler(
    method: Method,
    axum::extract::State(tokens): axum::extract::State<Tokens>,
    axum::extract::Query(params): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    if method != Method::POST {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [
                (header::ALLOW, "POST"),
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            ],
            "a token is minted by `POST /token?key=K` with the header `X-Typed-SSE: 1`\n",
        )
            .into_response();
    }
    let key = match crate::limits::key(&params, "default") {
        Ok(key) => key,
        Err(bad) => return bad.into_response(),
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "token": tokens.issue(key) })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_one_connection_of_its_key_within_its_life() {
        let tokens = Tokens::default();
        let t = tokens.issue("k");
        assert!(
            t.starts_with("tok-1-") && t.len() == "tok-1-".len() + 16,
            "{t}"
        );
        assert_eq!(
            tokens.accept("other", Some(&t), 1_000, false),
            Err(Refusal::Unknown)
        );
        assert_eq!(tokens.check("k", Some(&t), 1_000, false), Ok(()));
        assert_eq!(tokens.accept("k", Some(&t), 1_000, false), Ok(()));
        assert_eq!(
            tokens.accept("k", Some(&t), 1_000, false),
            Err(Refusal::Used)
        );
        assert_eq!(tokens.accept("k", Some(&t), 1_000, true), Ok(()));
        assert_eq!(
            tokens.accept("k", None, 1_000, false),
            Err(Refusal::Missing)
        );
        let late = tokens.issue("k");
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(
            tokens.accept("k", Some(&late), 10, true),
            Err(Refusal::Expired)
        );
        assert_ne!(tokens.issue("k"), tokens.issue("k"));
    }

    #[test]
    fn at_most_max_tokens_are_kept_and_the_oldest_go_first() {
        let tokens = Tokens::default();
        let first = tokens.issue("k");
        for _ in 0..MAX_TOKENS {
            tokens.issue("k");
        }
        assert_eq!(tokens.len(), MAX_TOKENS);
        assert_eq!(
            tokens.check("k", Some(&first), 60_000, false),
            Err(Refusal::Unknown)
        );
    }

    #[test]
    fn only_bearer_credentials_count() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert("authorization", "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
        h.insert("authorization", "bearer  tok-1-x ".parse().unwrap());
        assert_eq!(bearer(&h), Some("tok-1-x"));
        h.insert("authorization", "Bearer ".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
