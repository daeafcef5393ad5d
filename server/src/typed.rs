//! `/typed/chat`: the shared event enum ([`ChatEvent`], from `examples/shared-events`)
//! published through `typed-sse-axum`, for the tests that receive it in Rust (Chromium) and
//! in JavaScript (Node) typed by its generated TypeScript.
//!
//! Each request gets a history of its own (a fresh [`MemoryStore`]): the script's events, in
//! order, with two events among them that an up-to-date client of the enum must step over:
//! an event type the enum does not have (a newer server's), and a `message` whose data does
//! not fit (the client keeps its raw text in a decode error). `/typed/chat/script` answers
//! the script as the enum's own JSON (`[{"type": …, "data": …}, …]`), for comparison.

use axum::response::{IntoResponse, Response};
use axum::Json;
use typed_sse_axum::{EventStore, LastEventId, MemoryStore, ResumableSse};
use typed_sse_example_events::{script, ChatEvent};

/// An event type `ChatEvent` does not name, published before the script's third event.
pub const UNKNOWN_TYPE: &str = "poll";
/// The data of the `message` event that does not decode, published before the last one.
/// Not JSON (cut short), so that a JS client's `JSON.parse` refuses it as the Rust client's
/// decoder does.
pub const MALFORMED_MESSAGE: &str = r#"{"id":3,"user":"eve","text":"cut sh"#;

/// The stream: the priming comment, then the script with the two extra events.
pub async fn chat() -> Response {
    let store = MemoryStore::new(64);
    // Served before anything is appended: a client without a resume point on an empty store
    // follows from the first event on, so it gets every event appended below.
    let response = ResumableSse::new(store.clone())
        .respond(LastEventId(None))
        .await;
    tokio::spawn(async move {
        let events = script();
        for (index, event) in events.iter().enumerate() {
            if index == 2 {
                let _ = store.append(UNKNOWN_TYPE, r#"{"question":"?"}"#).await;
            }
            if index == events.len() - 1 {
                let _ = store.append("message", MALFORMED_MESSAGE).await;
            }
            if store.publish(event).await.is_err() {
                return;
            }
        }
    });
    response
}

/// The script as the enum's JSON: what each event is, to compare with what a client got.
pub async fn chat_script() -> Response {
    let values: Vec<ChatEvent> = script();
    Json(values).into_response()
}
