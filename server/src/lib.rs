//! The typed-sse test and demo server.
//!
//! [`app`] builds the whole router, apart from `main`, so tests can bind port 0 and drive it.
//!
//! - `/events`: the demo stream (`tick` price quotes, `news`, `chat`, `heartbeat`), served by
//!   `typed-sse-axum` from an event store (memory, or Redis Streams shared by several instances),
//!   so a client that resumes misses nothing (see [`demo`]).
//! - `/sse/...`: scenarios for the browser tests (see [`scenarios`]), by `GET` or `POST`.
//! - `/stats?key=K`: the connections seen for a test key, as JSON.
//! - `/token?key=K` (POST): bearer tokens for `/sse/bearer`, `/v1/completions` (see [`tokens`]).
//! - `/v1/completions?key=K` (POST): a deterministic streamed answer (see [`completions`]).
//! - `/v1/chat/completions?key=K` and `/v1/messages?key=K` (POST): the same answer in the wire
//!   formats of OpenAI and Anthropic (see [`llm`]).
//! - `/chat` (POST), `/control/drop`, `/control/fail?seconds=N`, `/control/cut?key=K` (POST):
//!   demo and test controls.
//! - everything else: the demo page from `www/`, and the npm package from `pkg/` under `/pkg/`.
//!
//! It is built for tests and the demo on this machine, not to be exposed: it listens on
//! 127.0.0.1, answers only requests that name this machine and pages served from it
//! ([`cross_site`]), and bounds what a request may make it hold ([`limits`], [`stats`], [`big`])
//! and how many connections, half-sent requests and idle ones it holds ([`connections`]).

#![deny(missing_docs)]

pub mod big;
pub mod completions;
pub mod connections;
pub mod cross_site;
pub mod demo;
pub mod limits;
pub mod live_completions;
pub mod llm;
mod redirect;
pub mod resume;
pub mod routes;
pub mod scenario;
pub mod scenarios;
pub mod static_files;
pub mod stats;
pub mod tokens;
pub mod typed;

pub use connections::{serve, ConnectionLimits};
pub use cross_site::is_local_origin;

use std::path::PathBuf;

use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::{middleware, Router};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use static_files::serve_dir;

/// Where the static files are, and the demo's store.
#[derive(Clone, Debug)]
pub struct Config {
    /// The demo page (`www/`).
    pub www_dir: PathBuf,
    /// The built npm package (`pkg/`), served under `/pkg/`.
    pub pkg_dir: PathBuf,
    /// Further directories served under `/<name>/` (the example apps' builds); add them with
    /// [`Config::serve`], which checks them.
    pub extra_dirs: Vec<(String, PathBuf)>,
    /// Where the demo stream keeps its events (memory by default; `--store`).
    pub store: demo::DemoStore,
}

impl Default for Config {
    fn default() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        Self {
            www_dir: root.join("www"),
            pkg_dir: root.join("pkg"),
            extra_dirs: Vec::new(),
            store: demo::DemoStore::default(),
        }
    }
}

/// First path segments the server's own routes use: a directory served there would clash.
const RESERVED_NAMES: [&str; 8] = [
    "pkg", "sse", "stats", "events", "chat", "control", "token", "v1",
];

impl Config {
    /// Adds a directory from a `--serve NAME=DIR` value: `NAME` is one path segment of ASCII
    /// letters, digits, `-`, `_` or `.`, not used by the server's routes nor already served, and
    /// `DIR` is an existing directory. (Unchecked, a bad name made the router panic at start.)
    pub fn serve(&mut self, spec: &str) -> Result<(), String> {
        let Some((name, dir)) = spec.split_once('=') else {
            return Err(format!("--serve takes NAME=DIR, not `{spec}`"));
        };
        let segment = !name.is_empty()
            && !name.starts_with('.')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !segment {
            return Err(format!(
                "--serve: `{name}` is not a usable name (one path segment of letters, digits, \
                 `-`, `_` or `.`, not starting with `.`)"
            ));
        }
        if RESERVED_NAMES.contains(&name) || self.extra_dirs.iter().any(|(n, _)| n == name) {
            return Err(format!("--serve: `/{name}/` is already taken"));
        }
        let dir = PathBuf::from(dir);
        if !dir.is_dir() {
            return Err(format!("--serve: `{}` is not a directory", dir.display()));
        }
        self.extra_dirs.push((name.to_owned(), dir));
        Ok(())
    }
}

/// The whole server.
pub fn app(config: Config) -> Router {
    app_with_stats(config, stats::Stats::default())
}

/// The whole server, recording connections in `stats` (which tests can then inspect).
pub fn app_with_stats(config: Config, stats: stats::Stats) -> Router {
    // Echo the page's origin (never `*`: the tests connect with credentials) for loopback pages,
    // such as the wasm-bindgen test runner's on its own random port.
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(|origin: &HeaderValue, _| {
            is_local_origin(origin.as_bytes())
        }))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        // What the `fetch` transport sends: its own headers, the app's token, a body's type.
        .allow_headers([
            header::ACCEPT,
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::CACHE_CONTROL,
            HeaderName::from_static("last-event-id"),
            cross_site::CONTROL_HEADER.clone(),
        ])
        // Neither is a CORS-safelisted response header: the client's probe needs Retry-After,
        // and a client may read why its token was refused.
        .expose_headers([header::RETRY_AFTER, header::WWW_AUTHENTICATE]);
    let mut static_files = Router::new().nest_service("/pkg", serve_dir(config.pkg_dir));
    for (name, dir) in config.extra_dirs.clone() {
        static_files = static_files.nest_service(&format!("/{name}"), serve_dir(dir));
    }
    let static_files = static_files
        .fallback_service(serve_dir(config.www_dir))
        // The demo and tests must always load the package just built.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    Router::new()
        .merge(routes::router(scenario::Shared::new(stats, config.store)))
        .merge(static_files)
        // Inside CORS, so that a loopback page on another port can read why it was refused.
        .layer(middleware::from_fn(cross_site::check_origin_and_post))
        .layer(cors)
        // Outermost: every request, preflights included, must name this machine.
        .layer(middleware::from_fn(cross_site::check_host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serve_accepts_a_plain_name_and_an_existing_directory_only() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let mut config = Config::default();
        assert_eq!(config.serve(&format!("e2e-1.x={dir}")), Ok(()));
        for bad in [
            "no-equals-sign".to_owned(),
            format!("={dir}"),
            format!("a/b={dir}"),
            format!("..={dir}"),
            format!("{{x}}={dir}"),
            format!("pkg={dir}"),
            format!("e2e-1.x={dir}"),
            "x=/no/such/directory".to_owned(),
        ] {
            assert!(config.serve(&bad).is_err(), "{bad}");
        }
        assert_eq!(config.extra_dirs.len(), 1);
        // The accepted name builds a router without panicking.
        let _ = app(config);
    }
}
