//! States, closing, dropping: the handle owns the connection and ends it cleanly, even from
//! inside its own callbacks, and the server sees the connection end.

#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{connections, log, sleep, url, wait_for};
use typed_sse::{CloseReason, SseClient, State};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(serde::Deserialize, Debug)]
struct Numbered {
    n: u32,
}

/// Waits until the server has recorded the end of every connection of `key`.
async fn server_saw_all_closed(key: &str) -> bool {
    for _ in 0..100 {
        let conns = connections(key).await;
        if !conns.is_empty() && conns.iter().all(|c| !c["closed_ms"].is_null()) {
            return true;
        }
        sleep(50).await;
    }
    false
}

#[wasm_bindgen_test]
async fn states_go_connecting_open_closed() {
    let states = log();
    let s = states.clone();
    let source = SseClient::builder(url("/sse/hold", &common::key("states")))
        .on_state(move |st| s.borrow_mut().push(st.clone()))
        .build()
        .unwrap();
    assert_eq!(source.state(), State::Connecting);
    assert!(wait_for(5_000, || source.state() == State::Open).await);
    source.close();
    source.close(); // idempotent
    assert_eq!(
        *states.borrow(),
        [
            State::Connecting,
            State::Open,
            State::Closed(CloseReason::Requested)
        ]
    );
}

#[wasm_bindgen_test]
async fn close_stops_delivery_and_the_server_sees_the_connection_end() {
    let key = common::key("close");
    let got = log();
    let g = got.clone();
    let source = SseClient::builder(url("/sse/messages?n=100&interval_ms=50", &key))
        .on_message::<Numbered>(move |r| g.borrow_mut().push(r.unwrap().data.n))
        .build()
        .unwrap();
    assert!(wait_for(5_000, || got.borrow().len() >= 3).await);
    source.close();
    let seen = got.borrow().len();
    sleep(400).await;
    assert_eq!(got.borrow().len(), seen, "an event arrived after close()");
    assert!(
        server_saw_all_closed(&key).await,
        "the server still holds the connection"
    );
    assert_eq!(connections(&key).await.len(), 1);
}

#[wasm_bindgen_test]
async fn dropping_the_handle_closes_the_connection() {
    let key = common::key("drop");
    let source = SseClient::new(&url("/sse/hold", &key)).unwrap();
    assert!(wait_for(5_000, || source.state() == State::Open).await);
    drop(source);
    assert!(server_saw_all_closed(&key).await);
}

#[wasm_bindgen_test]
async fn closing_from_inside_a_callback_is_safe() {
    let key = common::key("close-inside");
    let got = log();
    let slot: Rc<RefCell<Option<SseClient>>> = Rc::default();
    let (g, s) = (got.clone(), slot.clone());
    let source = SseClient::builder(url("/sse/messages?n=10", &key))
        .on_message::<Numbered>(move |r| {
            let n = r.unwrap().data.n;
            g.borrow_mut().push(n);
            if n == 2 {
                if let Some(source) = s.borrow().as_ref() {
                    source.close();
                }
            }
        })
        .build()
        .unwrap();
    *slot.borrow_mut() = Some(source);
    assert!(wait_for(5_000, || got.borrow().len() >= 2).await);
    sleep(300).await;
    assert_eq!(*got.borrow(), [1, 2]);
    let state = slot.borrow().as_ref().map(SseClient::state);
    assert_eq!(state, Some(State::Closed(CloseReason::Requested)));
    assert!(server_saw_all_closed(&key).await);
}

#[wasm_bindgen_test]
async fn dropping_the_handle_from_inside_a_callback_is_safe() {
    let key = common::key("drop-inside");
    let got = log();
    let slot: Rc<RefCell<Option<SseClient>>> = Rc::default();
    let (g, s) = (got.clone(), slot.clone());
    let source = SseClient::builder(url("/sse/messages?n=10", &key))
        .on_message::<Numbered>(move |r| {
            g.borrow_mut().push(r.unwrap().data.n);
            // Drops the source (and so this very closure) while it runs.
            let taken = s.borrow_mut().take();
            drop(taken);
        })
        .build()
        .unwrap();
    *slot.borrow_mut() = Some(source);
    assert!(wait_for(5_000, || !got.borrow().is_empty()).await);
    sleep(300).await;
    assert_eq!(*got.borrow(), [1]);
    assert!(slot.borrow().is_none());
    assert!(server_saw_all_closed(&key).await);
}

#[wasm_bindgen_test]
async fn a_dropped_subscription_stops_its_listener_only() {
    let key = common::key("unsubscribe");
    let (first, second) = (log(), log());
    let source = SseClient::new(&url("/sse/messages?n=6&interval_ms=100", &key)).unwrap();
    let f = first.clone();
    let sub = source.on::<Numbered>("message", move |r| f.borrow_mut().push(r.unwrap().data.n));
    let s = second.clone();
    let _keep = source.on::<Numbered>("message", move |r| s.borrow_mut().push(r.unwrap().data.n));
    assert!(wait_for(5_000, || first.borrow().len() == 2).await);
    drop(sub);
    assert!(wait_for(5_000, || second.borrow().len() == 6).await);
    assert_eq!(*first.borrow(), [1, 2]);
    assert_eq!(*second.borrow(), [1, 2, 3, 4, 5, 6]);
}

#[wasm_bindgen_test]
async fn a_signal_closes_as_aborted_and_one_aborted_already_never_connects() {
    // Aborted before build: closed at once, and the server never sees a request.
    let key = common::key("signal-early");
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let source = SseClient::builder(url("/sse/hold", &key))
        .signal(&controller.signal())
        .build()
        .unwrap();
    assert_eq!(source.state(), State::Closed(CloseReason::Aborted));
    sleep(300).await;
    assert!(connections(&key).await.is_empty(), "no request was made");

    // Aborted while open: closed as aborted, and the connection ends.
    let key = common::key("signal-late");
    let controller = web_sys::AbortController::new().unwrap();
    let states = log();
    let s = states.clone();
    let source = SseClient::builder(url("/sse/hold", &key))
        .signal(&controller.signal())
        .on_state(move |st| s.borrow_mut().push(st.clone()))
        .build()
        .unwrap();
    assert!(wait_for(5_000, || source.state() == State::Open).await);
    controller.abort();
    assert_eq!(source.state(), State::Closed(CloseReason::Aborted));
    assert_eq!(
        states.borrow().last(),
        Some(&State::Closed(CloseReason::Aborted))
    );
    assert!(server_saw_all_closed(&key).await);
}

#[wasm_bindgen_test]
fn a_last_event_id_with_a_line_break_is_an_invalid_option() {
    let built = SseClient::builder("/sse/hold")
        .last_event_id("1\n2")
        .build();
    match built {
        Err(typed_sse::ConfigError::InvalidOption { field, .. }) => {
            assert_eq!(field, "last_event_id")
        }
        other => panic!("expected InvalidOption, got {other:?}"),
    }
}
