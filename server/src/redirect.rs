//! `/sse/redirect?to=PATH`: a stream behind a redirect to another origin, for the clients'
//! `origin` after a redirect (the final URL's, by the HTML standard).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::limits::BadParam;
use crate::scenario::Scenario;

/// Longest `to` accepted, in bytes.
const MAX_TO_BYTES: usize = 2_048;

/// `307 Temporary Redirect` (the method and body are kept) to `to` on this server's other
/// loopback name: `localhost` when asked as `127.0.0.1`, and `127.0.0.1` otherwise, on the same
/// port. So the stream that answers has another origin than the one asked for. `to` is a path
/// (one leading `/`, never `//`, at most 2 KB): the redirect never leaves this server. Recorded
/// in `/stats` under `key` with status 307.
pub(crate) async fn redirect(s: Scenario) -> Result<Response, BadParam> {
    let bad = || BadParam {
        name: "to",
        accepts: format!("a path starting with one `/`, at most {MAX_TO_BYTES} bytes"),
    };
    let to = s.param("to").ok_or_else(bad)?;
    if !to.starts_with('/') || to.starts_with("//") || to.len() > MAX_TO_BYTES {
        return Err(bad());
    }
    let host = s
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let (name, port) = host.rsplit_once(':').unwrap_or((host, "80"));
    // A port of digits only, at most 65535: `Host: 127.0.0.1:80@evil.example` would otherwise
    // make the Location `http://localhost:80@evil.example/...`, a redirect to another host (the
    // cross-site layer refuses that Host before, but this handler does not rely on it).
    let digits = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
    if !digits || port.parse::<u16>().is_err() {
        return Ok((
            StatusCode::BAD_REQUEST,
            "the Host header's port must be a number from 0 to 65535",
        )
            .into_response());
    }
    let other = if name == "127.0.0.1" {
        "localhost"
    } else {
        "127.0.0.1"
    };
    let location =
        HeaderValue::from_str(&format!("http://{other}:{port}{to}")).map_err(|_| bad())?;
    let _r = s.open(307);
    Ok((
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response())
}
