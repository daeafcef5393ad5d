//! One event enum for both ends, in Chromium: the test server publishes the shared
//! `ChatEvent` (examples/shared-events) through typed-sse-axum on `/typed/chat`, and the Rust
//! client receives it with `on_union::<ChatEvent>`, over each transport: every value, in order,
//! equal to what was published, with the store's ids; the event type the enum does not know
//! skipped; the `message` whose data does not fit a decode error with its raw text.

#![cfg(target_arch = "wasm32")]

mod common;

use common::{log, url, wait_for};
use typed_sse::{DecodeError, Event, SseClient, Transport};
use typed_sse_example_events::{script, ChatEvent};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The data of the `message` the server publishes that does not decode (server/src/typed.rs).
const MALFORMED_MESSAGE: &str = r#"{"id":3,"user":"eve","text":"cut sh"#;

async fn receive(transport: Transport) -> Vec<Result<Event<ChatEvent>, DecodeError>> {
    let got = log();
    let sink = got.clone();
    let source = SseClient::builder(url("/typed/chat", &common::key("typed")))
        .transport(transport)
        .on_union::<ChatEvent>(move |event| sink.borrow_mut().push(event))
        .build()
        .unwrap();
    // The script's events and the malformed one.
    let expected = script().len() + 1;
    assert!(
        wait_for(10_000, || got.borrow().len() >= expected).await,
        "{transport:?}: {} of {expected} events",
        got.borrow().len()
    );
    source.close();
    got.take()
}

async fn the_shared_enum_arrives_as_published(transport: Transport) {
    let got = receive(transport).await;
    let mut values = Vec::new();
    let mut errors = Vec::new();
    let mut ids = Vec::new();
    for (index, event) in got.into_iter().enumerate() {
        match event {
            Ok(event) => {
                ids.push(event.last_event_id());
                values.push(event.data);
            }
            Err(error) => errors.push((index, error)),
        }
    }
    assert_eq!(values, script(), "{transport:?}");
    // The store's ids, one per event it holds: the unknown event (third) took one too.
    let epoch = ids[0].split('-').next().unwrap_or_default().to_owned();
    assert_eq!(
        ids,
        [1, 2, 4, 5, 7].map(|n| format!("{epoch}-{n}")),
        "{transport:?}"
    );
    assert_eq!(errors.len(), 1, "{transport:?}: {errors:?}");
    let (index, error) = &errors[0];
    assert_eq!(
        *index,
        script().len() - 1,
        "in stream order, before the last value"
    );
    assert_eq!(error.event_type(), "message");
    assert_eq!(error.raw(), MALFORMED_MESSAGE);
}

#[wasm_bindgen_test]
async fn the_shared_enum_arrives_as_published_over_event_source() {
    the_shared_enum_arrives_as_published(Transport::Native).await;
}

#[wasm_bindgen_test]
async fn the_shared_enum_arrives_as_published_over_fetch() {
    the_shared_enum_arrives_as_published(Transport::Fetch).await;
}
