//! Events reach the right typed listener, decoded, with their metadata; bad data never stops them.

#![cfg(target_arch = "wasm32")]

mod common;

use common::{log, url, wait_for};
use serde::Deserialize;
use typed_sse::{Decoder, SseClient, StreamError};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Deserialize, Debug, PartialEq, Clone)]
struct Numbered {
    n: u32,
}

#[derive(Deserialize, Debug, PartialEq, Clone)]
struct Quote {
    symbol: String,
    price: f64,
}

#[wasm_bindgen_test]
async fn unnamed_messages_arrive_in_order_with_their_metadata() {
    let got = log();
    let g = got.clone();
    let source = SseClient::builder(url("/sse/messages?n=5", &common::key("basic")))
        .on_message::<Numbered>(move |r| g.borrow_mut().push(r.expect("valid JSON")))
        .build()
        .unwrap();
    assert!(
        wait_for(5_000, || got.borrow().len() == 5).await,
        "{:?}",
        got.borrow()
    );
    let events = got.borrow();
    let ns: Vec<u32> = events.iter().map(|e| e.data.n).collect();
    assert_eq!(ns, [1, 2, 3, 4, 5]);
    assert_eq!(events[4].last_event_id(), "5");
    assert_eq!(events[0].event_type(), "message");
    assert_eq!(events[0].origin(), common::server());
    assert_eq!(source.last_event_id(), "5");
}

#[wasm_bindgen_test]
async fn named_events_reach_their_own_typed_listener_only() {
    let ticks = log();
    let news = log();
    let messages = log();
    let any = log();
    let (t, n, m, a) = (ticks.clone(), news.clone(), messages.clone(), any.clone());
    let _source = SseClient::builder(url("/sse/named", &common::key("named")))
        .on::<Quote>("tick", move |r| t.borrow_mut().push(r.unwrap().data))
        .on_text("news", move |e| n.borrow_mut().push(e.data))
        .on_message::<Numbered>(move |r| m.borrow_mut().push(r.unwrap().data))
        .on_text("done", |_| {})
        .on_any(move |e| a.borrow_mut().push(e.event_type().to_owned()))
        .build()
        .unwrap();
    assert!(
        wait_for(5_000, || any.borrow().len() == 5).await,
        "{:?}",
        any.borrow()
    );
    assert_eq!(
        *ticks.borrow(),
        [
            Quote {
                symbol: "ACME".into(),
                price: 10.5
            },
            Quote {
                symbol: "INIT".into(),
                price: 3.25
            }
        ]
    );
    assert_eq!(*news.borrow(), ["ACME beats estimates"]);
    assert_eq!(*messages.borrow(), [Numbered { n: 3 }]);
    // `other` has no listener: it reaches nobody, not even the catch-all.
    assert_eq!(*any.borrow(), ["tick", "news", "message", "tick", "done"]);
}

#[wasm_bindgen_test]
async fn malformed_json_is_reported_with_its_raw_text_and_the_stream_goes_on() {
    let results = log();
    let errors = log();
    let (r, e) = (results.clone(), errors.clone());
    let source = SseClient::builder(url("/sse/malformed", &common::key("malformed")))
        .on_message::<Numbered>(move |res| r.borrow_mut().push(res.map(|e| e.data.n)))
        .on_error(move |err| e.borrow_mut().push(err.clone()))
        .build()
        .unwrap();
    assert!(wait_for(5_000, || results.borrow().len() == 3).await);
    let results = results.borrow();
    assert_eq!(results[0], Ok(1));
    let bad = results[1].as_ref().unwrap_err();
    assert_eq!(bad.raw(), r#"{"n": oops"#);
    assert_eq!(bad.event_type(), "message");
    assert!(!bad.message().is_empty());
    assert_eq!(results[2], Ok(3));
    assert_eq!(*errors.borrow(), [StreamError::Decode(bad.clone())]);
    assert_eq!(source.state(), typed_sse::State::Open);
}

#[wasm_bindgen_test]
async fn a_one_megabyte_event_arrives_whole() {
    #[derive(Deserialize)]
    struct Big {
        size: usize,
        fill: String,
    }
    let got = log();
    let g = got.clone();
    let _source = SseClient::builder(url("/sse/big?bytes=1000000", &common::key("big")))
        .on_message::<Big>(move |r| g.borrow_mut().push(r.unwrap().data))
        .build()
        .unwrap();
    assert!(wait_for(10_000, || got.borrow().len() == 1).await);
    let big = &got.borrow()[0];
    assert_eq!(big.size, 1_000_000);
    assert_eq!(
        big.fill.len(),
        1_000_000 - r#"{"size":1000000,"fill":""}"#.len()
    );
    assert!(big.fill.starts_with("abcdefghijklmnopqrstuvwxyzabc"));
}

#[wasm_bindgen_test]
async fn non_ascii_and_multi_line_data_survive() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Person {
        name: String,
        city: String,
        note: String,
    }
    let texts = log();
    let people = log();
    let (t, p) = (texts.clone(), people.clone());
    let _source = SseClient::builder(url("/sse/unicode", &common::key("unicode")))
        .on_text("text", move |e| t.borrow_mut().push(e.data))
        .on::<Person>("json", move |r| p.borrow_mut().push(r.unwrap().data))
        .build()
        .unwrap();
    assert!(wait_for(5_000, || people.borrow().len() == 1).await);
    assert_eq!(
        *texts.borrow(),
        ["héllo wörld, 日本語, emoji 🎉\nsecond line\n\nafter a blank line"]
    );
    assert_eq!(
        people.borrow()[0],
        Person {
            name: "Zoë".into(),
            city: "Zürich".into(),
            note: "✓ multi\nline".into()
        }
    );
}

#[wasm_bindgen_test]
async fn a_custom_decoder_is_used_and_its_failures_reported() {
    struct Digits;
    impl Decoder for Digits {
        type Output = u64;
        fn decode(text: &str) -> Result<u64, String> {
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            digits.parse().map_err(|_| format!("no digits in {text:?}"))
        }
    }
    let got = log();
    let g = got.clone();
    let _source = SseClient::builder(url("/sse/named", &common::key("decoder")))
        .on_with::<Digits>("news", move |r| g.borrow_mut().push(r.map(|e| e.data)))
        .on_with::<Digits>("tick", |_| {})
        .build()
        .unwrap();
    assert!(wait_for(5_000, || got.borrow().len() == 1).await);
    let err = got.borrow()[0].clone().unwrap_err();
    assert_eq!(err.message(), "no digits in \"ACME beats estimates\"");
}

#[wasm_bindgen_test]
async fn listeners_added_while_open_receive_new_types() {
    let key = common::key("late");
    let got = log();
    let source = SseClient::new(&url("/sse/messages?n=3&interval_ms=300", &key)).unwrap();
    assert!(wait_for(5_000, || source.state() == typed_sse::State::Open).await);
    let g = got.clone();
    let subscription =
        source.on::<Numbered>("message", move |r| g.borrow_mut().push(r.unwrap().data.n));
    assert!(
        wait_for(5_000, || got.borrow().len() == 3).await,
        "{:?}",
        got.borrow()
    );
    assert_eq!(*got.borrow(), [1, 2, 3]);
    drop(subscription);
}
