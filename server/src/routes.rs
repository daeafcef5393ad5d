//! The server's one route table. Handlers live in modules by route group:
//!
//! | routes | module |
//! | --- | --- |
//! | `/sse/...` | [`crate::scenarios`] (streams, failures, raw bytes) and `redirect` |
//! | `/token` | [`crate::tokens`] |
//! | `/v1/completions`, `/control/cut` | [`crate::completions`] |
//! | `/v1/chat/completions`, `/v1/messages` | [`crate::llm`] |
//! | `/events`, `/chat`, `/control/drop`, `/control/fail` | [`crate::demo`] |
//! | `/typed/chat`, `/typed/chat/script` | [`crate::typed`] |
//! | `/stats` | [`crate::stats`] |
//!
//! Every module depends on [`crate::scenario`] (the shared state and the request plumbing),
//! never on this table, so no module imports another that imports it back.

use axum::routing::{get, post};
use axum::Router;

use crate::scenario::{get_or_post, Shared};
use crate::scenarios::{bytes, failures, streams};
use crate::{completions, demo, llm, redirect, stats, tokens, typed};

/// Every dynamic route, on `shared`; the demo's generator is started.
pub fn router(shared: Shared) -> Router {
    demo::Demo::start_generator(&shared.demo);
    Router::new()
        // Streams.
        .route("/sse/messages", get_or_post(streams::messages))
        .route("/sse/named", get_or_post(streams::named))
        .route("/sse/malformed", get_or_post(streams::malformed))
        .route("/sse/unicode", get_or_post(streams::unicode))
        .route("/sse/numbered", get_or_post(streams::numbered))
        .route("/sse/hold", get_or_post(streams::hold))
        .route("/sse/heartbeat", get_or_post(streams::heartbeat))
        .route("/sse/rate", get_or_post(streams::rate))
        .route("/sse/bench", get_or_post(streams::bench))
        .route("/sse/bearer", get_or_post(streams::bearer))
        .route("/sse/retry", get_or_post(streams::retry))
        .route("/sse/comments", get_or_post(streams::comments))
        .route("/sse/reserved-names", get_or_post(streams::reserved_names))
        // Failures.
        .route("/sse/status", get_or_post(failures::status))
        .route("/sse/content-type", get_or_post(failures::content_type))
        .route("/sse/flaky", get_or_post(failures::flaky))
        .route("/sse/auth", get_or_post(failures::auth))
        .route("/sse/redirect", get_or_post(redirect::redirect))
        // Raw bytes.
        .route("/sse/big", get_or_post(bytes::big))
        .route("/sse/endless", get_or_post(bytes::endless))
        .route("/sse/odd-id", get_or_post(bytes::odd_id))
        .route("/sse/big-fields", get_or_post(bytes::big_fields))
        .route("/sse/tiny", get_or_post(bytes::tiny))
        // Tokens and streamed answers.
        .route("/token", get_or_post(tokens::token_handler))
        .route("/v1/completions", post(completions::completions))
        .route("/v1/chat/completions", post(llm::chat_completions))
        .route("/v1/messages", post(llm::messages))
        .route("/control/cut", post(completions::cut))
        // The demo.
        .route("/events", get(demo::events))
        .route("/chat", post(demo::chat))
        .route("/control/drop", post(demo::drop_all))
        .route("/control/fail", post(demo::fail))
        // The shared event enum.
        .route("/typed/chat", get(typed::chat))
        .route("/typed/chat/script", get(typed::chat_script))
        // What the server saw.
        .route("/stats", get(stats::handler))
        .with_state(shared)
}
