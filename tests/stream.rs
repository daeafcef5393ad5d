//! The `futures::Stream` API, as used from `spawn_local` in Yew and Leptos components.

#![cfg(target_arch = "wasm32")]

mod common;

use common::{url, wait_for};
use futures_util::StreamExt;
use typed_sse::{SseClient, State};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(serde::Deserialize, Debug, PartialEq)]
struct Numbered {
    n: u32,
}

#[wasm_bindgen_test]
async fn a_stream_yields_every_event_in_order_then_ends_on_close() {
    let source = SseClient::new(&url("/sse/malformed", &common::key("stream"))).unwrap();
    let mut stream = source.stream::<Numbered>("message");
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.data, Numbered { n: 1 });
    assert_eq!(first.last_event_id(), "1");
    let bad = stream.next().await.unwrap().unwrap_err();
    assert_eq!(bad.raw(), r#"{"n": oops"#);
    assert_eq!(
        stream.next().await.unwrap().unwrap().data,
        Numbered { n: 3 }
    );
    source.close();
    assert!(
        stream.next().await.is_none(),
        "the stream must end when the source closes"
    );
}

#[wasm_bindgen_test]
async fn a_stream_keeps_bursts_whole_when_read_from_spawn_local() {
    let source = SseClient::new(&url("/sse/messages?n=200", &common::key("burst"))).unwrap();
    let stream = source.stream::<Numbered>("message");
    let collected = common::log();
    let c = collected.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let mut stream = stream;
        while let Some(Ok(e)) = stream.next().await {
            c.borrow_mut().push(e.data.n);
        }
    });
    assert!(wait_for(5_000, || collected.borrow().len() == 200).await);
    assert_eq!(*collected.borrow(), (1..=200).collect::<Vec<u32>>());
    assert_eq!(source.state(), State::Open);
}
