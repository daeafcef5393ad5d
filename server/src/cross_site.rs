//! Refusing what a web page elsewhere could make a visitor's browser send here.
//!
//! - Every request must name this machine in `Host` (`127.0.0.1`, `localhost` or `[::1]`, any
//!   port): a page on a name that an attacker re-points at 127.0.0.1 (DNS rebinding) sends its
//!   own name, and is answered `421 Misdirected Request`.
//! - A request with an `Origin` must come from a page on this machine, else `403`.
//! - A `POST` that changes state (`/control/*`, `/chat`, `/token`: every path but the streams
//!   of [`post_changes_nothing`]) must carry [`CONTROL_HEADER`]`: 1` or a JSON body: a page
//!   cannot send either to another origin without a CORS preflight, which only loopback pages
//!   pass. Without this, a plain form on any site could drop or fail the demo (a "simple
//!   request" needs no preflight), and a browser that omits `Origin` would not be caught by the
//!   check above. The streams (`/sse/*`, `/v1/completions`) take any `POST`: the `fetch`
//!   client sends plain-text bodies, and a stream opened from elsewhere changes nothing here.
//!   Minting a token changes state too, so `/token` answers only such a `POST` (any other method
//!   is `405`, see [`crate::tokens`]): a `GET` would let any site's `<img>` mint.

use axum::extract::Request;
use axum::http::{header, HeaderName, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The header that marks a `POST` as sent by a script allowed to (`X-Typed-SSE: 1`).
pub static CONTROL_HEADER: HeaderName = HeaderName::from_static("x-typed-sse");

/// Whether `authority` (`host[:port]`) names this machine.
fn loopback_host(authority: &str) -> bool {
    let host = match authority.rsplit_once(':') {
        // `[::1]` alone has colons but no port; a port is digits after the last colon.
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|name| host.eq_ignore_ascii_case(name))
}

/// Whether a `Host` header (or an authority) names this machine.
pub fn is_loopback_host(host: &[u8]) -> bool {
    std::str::from_utf8(host).is_ok_and(loopback_host)
}

/// Whether `origin` is a page on this machine: only those may connect with credentials.
pub fn is_local_origin(origin: &[u8]) -> bool {
    std::str::from_utf8(origin)
        .ok()
        .and_then(|o| o.strip_prefix("http://"))
        .is_some_and(loopback_host)
}

fn refuse(status: StatusCode, why: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        why,
    )
        .into_response()
}

/// Middleware: answers `421` unless the request names this machine (see the module docs).
pub async fn check_host(request: Request, next: Next) -> Response {
    // HTTP/2 and absolute-form requests carry the host in the URI, HTTP/1.1 in `Host`.
    let host = match request.uri().authority() {
        Some(authority) => Some(authority.as_str().as_bytes()),
        None => request.headers().get(header::HOST).map(|h| h.as_bytes()),
    };
    match host {
        Some(host) if is_loopback_host(host) => next.run(request).await,
        Some(_) => refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "this server answers only requests for 127.0.0.1, localhost or [::1]\n",
        ),
        None => refuse(StatusCode::BAD_REQUEST, "a request needs a Host header\n"),
    }
}

/// Whether the request's body is declared JSON (`application/json`, any parameters).
fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Whether a `POST` to `path` only opens a stream (and records it), so needs no proof that a
/// page on this machine sent it: the `/sse/` scenarios and `/v1/completions`.
pub fn post_changes_nothing(path: &str) -> bool {
    path.starts_with("/sse/") || path == "/v1/completions"
}

/// Middleware: answers `403` to pages on other origins, and to a state-changing `POST` that a
/// cross-site form could have sent (see the module docs).
pub async fn check_origin_and_post(request: Request, next: Next) -> Response {
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        if !is_local_origin(origin.as_bytes()) {
            return refuse(
                StatusCode::FORBIDDEN,
                "this server answers only pages served from 127.0.0.1, localhost or [::1]\n",
            );
        }
    }
    let marked = request
        .headers()
        .get(&CONTROL_HEADER)
        .is_some_and(|v| v == "1");
    if request.method() == Method::POST
        && !marked
        && !is_json(&request)
        && !post_changes_nothing(request.uri().path())
    {
        return refuse(
            StatusCode::FORBIDDEN,
            "a POST needs the header `X-Typed-SSE: 1` or a JSON body \
             (`Content-Type: application/json`)\n",
        );
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_origins_are_local() {
        assert!(is_local_origin(b"http://127.0.0.1:4000"));
        assert!(is_local_origin(b"http://localhost"));
        assert!(is_local_origin(b"http://[::1]:80"));
        assert!(is_local_origin(b"http://[::1]"));
        assert!(!is_local_origin(b"http://127.0.0.1.evil.com:80"));
        assert!(!is_local_origin(b"https://example.com"));
        assert!(!is_local_origin(b"http://localhost.example:1"));
        assert!(!is_local_origin(b"null"));
    }

    #[test]
    fn only_stream_posts_need_no_proof() {
        for path in ["/sse/messages", "/sse/bearer", "/v1/completions"] {
            assert!(post_changes_nothing(path), "{path}");
        }
        for path in [
            "/control/cut",
            "/control/drop",
            "/chat",
            "/token",
            "/v1/completions/x",
            "/sse",
            "/",
        ] {
            assert!(!post_changes_nothing(path), "{path}");
        }
    }

    #[test]
    fn only_loopback_hosts_are_accepted() {
        for ok in [
            "127.0.0.1",
            "127.0.0.1:8787",
            "localhost:1",
            "LOCALHOST",
            "[::1]:9",
        ] {
            assert!(is_loopback_host(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8787",
            "127.0.0.1.evil.example",
            "localhost:x",
            "127.0.0.2",
            "",
        ] {
            assert!(!is_loopback_host(bad.as_bytes()), "{bad}");
        }
    }
}
