//! The typed-sse test and demo server.
//!
//! [`app`] builds the whole router, apart from `main`, so tests can bind port 0 and drive it.
//!
//! - `/events`: the demo stream (`tick` price quotes, `news`, `chat`, `heartbeat`), with ids and a
//!   replay buffer, so a client that resumes misses nothing.
//! - `/sse/...`: scenarios for the browser tests (see [`scenarios`]).
//! - `/stats?key=K`: the connections seen for a test key, as JSON.
//! - `/chat` (POST), `/control/drop`, `/control/fail?seconds=N` (POST): demo controls.
//! - everything else: the demo page from `www/`, and the npm package from `pkg/` under `/pkg/`.

#![deny(missing_docs)]

pub mod demo;
pub mod resume;
pub mod scenarios;
pub mod stats;

use std::path::PathBuf;

use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Where the static files are.
#[derive(Clone, Debug)]
pub struct Config {
    /// The demo page (`www/`).
    pub www_dir: PathBuf,
    /// The built npm package (`pkg/`), served under `/pkg/`.
    pub pkg_dir: PathBuf,
    /// Further directories served under `/<name>/` (the example apps' builds).
    pub extra_dirs: Vec<(String, PathBuf)>,
}

impl Default for Config {
    fn default() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        Self {
            www_dir: root.join("www"),
            pkg_dir: root.join("pkg"),
            extra_dirs: Vec::new(),
        }
    }
}

/// Whether `origin` is a page on this machine: only those may connect with credentials.
pub fn is_local_origin(origin: &[u8]) -> bool {
    let Ok(origin) = std::str::from_utf8(origin) else {
        return false;
    };
    let Some(rest) = origin.strip_prefix("http://") else {
        return false;
    };
    let host = rest.rsplit_once(':').map_or(rest, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            rest
        }
    });
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// The whole server.
pub fn app(config: Config) -> Router {
    let stats = stats::Stats::default();
    // Echo the page's origin (never `*`: the tests connect with credentials) for loopback pages,
    // such as the wasm-bindgen test runner's on its own random port.
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, _| {
            is_local_origin(origin.as_bytes())
        }))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::ACCEPT,
            header::CONTENT_TYPE,
            header::CACHE_CONTROL,
            HeaderName::from_static("last-event-id"),
        ])
        // Retry-After is not a CORS-safelisted response header; the client's probe needs it.
        .expose_headers([header::RETRY_AFTER]);
    let mut static_files = Router::new().nest_service("/pkg", ServeDir::new(&config.pkg_dir));
    for (name, dir) in &config.extra_dirs {
        static_files = static_files.nest_service(&format!("/{name}"), ServeDir::new(dir));
    }
    let static_files = static_files
        .fallback_service(ServeDir::new(&config.www_dir))
        // The demo and tests must always load the package just built.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    Router::new()
        .merge(scenarios::router(stats.clone()))
        .merge(demo::router(stats))
        .merge(static_files)
        .layer(cors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_origins_are_local() {
        assert!(is_local_origin(b"http://127.0.0.1:4000"));
        assert!(is_local_origin(b"http://localhost"));
        assert!(is_local_origin(b"http://[::1]:80"));
        assert!(!is_local_origin(b"http://127.0.0.1.evil.com:80"));
        assert!(!is_local_origin(b"https://example.com"));
        assert!(!is_local_origin(b"http://localhost.example:1"));
    }
}
