//! The fetch transport through the Rust API, in Chromium against the test server: typed events
//! decoded straight from the parsed bytes, a POST with headers computed per connection, resume
//! through the `Last-Event-ID` header, comments, and the size cap.

#![cfg(target_arch = "wasm32")]

mod common;

use common::{connections, log, sleep, url, wait_for};
use typed_sse::{ConfigError, ReconnectPolicy, Resume, SseClient, State, StreamError, Transport};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(serde::Deserialize, Debug)]
struct Numbered {
    n: u32,
}

#[derive(serde::Deserialize, Debug)]
struct Token {
    index: u32,
    text: String,
}

#[derive(serde::Deserialize, Debug)]
struct Done {
    tokens: u32,
    text: String,
}

#[wasm_bindgen_test]
async fn typed_events_are_decoded_from_the_parsed_bytes() {
    let key = common::key("rust-fetch");
    let got = log();
    let g = got.clone();
    let source = SseClient::builder(url("/sse/messages?n=3", &key))
        .transport(Transport::Fetch)
        .on_message::<Numbered>(move |r| {
            let e = r.unwrap();
            let meta = (e.last_event_id(), e.origin(), e.native().is_none());
            g.borrow_mut().push((e.data.n, meta));
        })
        .build()
        .unwrap();
    assert!(wait_for(5_000, || got.borrow().len() == 3).await);
    let origin = common::server().to_owned();
    assert_eq!(
        *got.borrow(),
        [1, 2, 3].map(|n| (n, (n.to_string(), origin.clone(), true)))
    );
    assert_eq!(source.state(), State::Open);
    assert_eq!(source.last_event_id(), "3");
}

#[wasm_bindgen_test]
async fn a_post_with_a_fresh_token_per_connection_completes_across_a_cut() {
    let key = common::key("rust-completion");
    let server = common::server();
    let token_url = format!("{server}/token?key={key}");
    let tokens = log::<Token>();
    let done = log::<Done>();
    let (t, d) = (tokens.clone(), done.clone());
    let _source = SseClient::builder(url("/v1/completions?interval_ms=20", &key))
        .transport(Transport::Fetch)
        .method("POST")
        .json_body(&serde_json::json!({ "prompt": "stream me", "max_tokens": 30 }))
        .headers_with(move || {
            let token_url = token_url.clone();
            async move {
                vec![(
                    "Authorization".into(),
                    format!("Bearer {}", fetch_token(&token_url).await),
                )]
            }
        })
        .reconnect(ReconnectPolicy::default().initial_delay_ms(10).jitter(0.0))
        // This server resumes a cut answer from Last-Event-ID; `done` is its last event.
        .resume(Resume::Repeat)
        .terminal_events(&["done"])
        .on::<Token>("token", move |r| t.borrow_mut().push(r.unwrap().data))
        .on::<Done>("done", move |r| d.borrow_mut().push(r.unwrap().data))
        .build()
        .unwrap();
    assert!(wait_for(5_000, || tokens.borrow().len() >= 5).await);
    // Cut the stream mid-answer: the client resumes with a new token and the header.
    let cut = format!("{server}/control/cut?key={key}");
    common::post(&cut).await;
    assert!(wait_for(10_000, || done.borrow().len() == 1).await);
    let indexes: Vec<u32> = tokens.borrow().iter().map(|t| t.index).collect();
    assert_eq!(
        indexes,
        (0..30).collect::<Vec<_>>(),
        "no token missing or repeated"
    );
    let text: String = tokens.borrow().iter().map(|t| t.text.as_str()).collect();
    assert_eq!(text, done.borrow()[0].text);
    assert_eq!(done.borrow()[0].tokens, 30);
    let conns = connections(&key).await;
    assert!(conns.len() >= 2, "{conns:?}");
    assert_eq!(conns[1]["resumed_via"], "header");
    assert_ne!(conns[0]["authorization"], conns[1]["authorization"]);
    assert!(conns.iter().all(|c| c["method"] == "POST"));
}

/// With fixed headers and a headers function both set (in either order), the function's are
/// sent: the fixed ones must not silently replace the one that renews the token.
#[wasm_bindgen_test]
async fn a_headers_function_wins_over_fixed_headers_in_either_order() {
    for function_first in [true, false] {
        let key = common::key("rust-headers-both");
        let token_url = format!("{}/token?key={key}", common::server());
        let got = log::<u32>();
        let g = got.clone();
        let mut builder =
            SseClient::builder(url("/sse/bearer?total=2", &key)).transport(Transport::Fetch);
        let function = move || {
            let token_url = token_url.clone();
            async move {
                let token = fetch_token(&token_url).await;
                vec![("Authorization".into(), format!("Bearer {token}"))]
            }
        };
        let stale = ("Authorization", "Bearer stale");
        builder = if function_first {
            builder.headers_with(function).header(stale.0, stale.1)
        } else {
            builder.header(stale.0, stale.1).headers_with(function)
        };
        let _source = builder
            .on_message::<Numbered>(move |r| g.borrow_mut().push(r.unwrap().data.n))
            .build()
            .unwrap();
        assert!(
            wait_for(5_000, || got.borrow().len() == 2).await,
            "function first: {function_first}"
        );
        let conns = connections(&key).await;
        let authorization = conns[0]["authorization"].as_str().unwrap_or_default();
        assert!(authorization.starts_with("Bearer tok-"), "{conns:?}");
    }
}

async fn fetch_token(url: &str) -> String {
    let body = common::post(url).await;
    let value: serde_json::Value = serde_json::from_str(&body).unwrap();
    value["token"].as_str().unwrap().to_owned()
}

#[wasm_bindgen_test]
async fn comments_reach_on_comment() {
    let key = common::key("rust-comments");
    let comments = log::<String>();
    let c = comments.clone();
    let _source = SseClient::builder(url("/sse/comments?every_ms=50", &key))
        .transport(Transport::Fetch)
        .on_comment(move |text| c.borrow_mut().push(text.to_owned()))
        .build()
        .unwrap();
    assert!(wait_for(5_000, || comments.borrow().len() >= 3).await);
    assert!(comments.borrow().iter().all(|t| t == " keep-alive"));
}

#[wasm_bindgen_test]
async fn an_event_past_max_event_bytes_is_too_large_and_retried() {
    let key = common::key("rust-too-large");
    let errors = log();
    let e = errors.clone();
    let source = SseClient::builder(url("/sse/endless?bytes=2000000", &key))
        .transport(Transport::Fetch)
        .max_event_bytes(64 * 1024)
        .reconnect(ReconnectPolicy::default().initial_delay_ms(5_000))
        .on_error(move |er| e.borrow_mut().push(er.clone()))
        .build()
        .unwrap();
    assert!(wait_for(5_000, || !errors.borrow().is_empty()).await);
    assert_eq!(
        errors.borrow()[0],
        StreamError::TooLarge { limit: 64 * 1024 }
    );
    assert!(matches!(source.state(), State::Reconnecting { .. }));
    sleep(100).await;
    let conns = connections(&key).await;
    assert_eq!(conns.len(), 1);
}

/// An id with a control character (which the format allows) is delivered with the event, but
/// the resume point stays at the last id a `Last-Event-ID` header can carry: the reconnect
/// leaves the browser (a cross-origin request with such a header failed, and was retried for
/// good) and resumes from there.
#[wasm_bindgen_test]
async fn an_id_no_header_can_carry_does_not_stop_resuming() {
    for (odd, encoded) in [
        ("x\u{1}y", "x%01y"),
        ("z\u{7f}", "z%7F"),
        (" a ", "%20a%20"),
    ] {
        let key = common::key("fetch-odd-id");
        let ids = log();
        let i = ids.clone();
        let source = SseClient::builder(url(&format!("/sse/odd-id?id={encoded}"), &key))
            .transport(Transport::Fetch)
            .reconnect(
                ReconnectPolicy::default()
                    .initial_delay_ms(50)
                    .max_reconnects(3),
            )
            .on_text("message", move |e| {
                if e.data == "odd" {
                    i.borrow_mut().push(e.last_event_id());
                }
            })
            .build()
            .unwrap();
        let mut conns = Vec::new();
        for _ in 0..50 {
            conns = connections(&key).await;
            if conns.len() >= 2 {
                break;
            }
            sleep(100).await;
        }
        assert_eq!(
            ids.borrow().as_slice(),
            [odd.to_owned()],
            "the event has its id"
        );
        assert_eq!(conns.len(), 2, "{odd:?}: {conns:?}");
        assert_eq!(conns[1]["last_event_id"], "1", "{odd:?}");
        assert_eq!(conns[1]["resumed_via"], "header");
        assert!(wait_for(2_000, || source.state() == State::Open).await);
        assert_eq!(source.last_event_id(), "1");
        source.close();
    }
}

/// At the highest cap accepted, an endless line still ends as `too_large`: the buffers grow
/// fallibly and the cap is one wasm memory can hold, so the module never traps.
#[wasm_bindgen_test]
async fn an_endless_line_at_the_highest_cap_is_too_large_not_a_trap() {
    let key = common::key("rust-too-large-max");
    let limit = typed_sse::MAX_EVENT_BYTES_LIMIT;
    let errors = log();
    let e = errors.clone();
    let _source = SseClient::builder(url("/sse/endless?bytes=300000000", &key))
        .transport(Transport::Fetch)
        .max_event_bytes(limit)
        .reconnect(ReconnectPolicy::never())
        .on_error(move |er| e.borrow_mut().push(er.clone()))
        .build()
        .unwrap();
    assert!(wait_for(60_000, || !errors.borrow().is_empty()).await);
    assert_eq!(errors.borrow()[0], StreamError::TooLarge { limit });
}

#[wasm_bindgen_test]
fn fetch_only_settings_need_the_fetch_transport() {
    let built = SseClient::builder("/sse/messages")
        .transport(Transport::Native)
        .method("POST")
        .build();
    assert!(matches!(built, Err(ConfigError::InvalidOption { field, .. }) if field == "method"));
}

#[wasm_bindgen_test]
fn requests_fetch_would_refuse_are_refused_by_build() {
    let refused =
        |builder: typed_sse::SseClientBuilder| match builder.transport(Transport::Fetch).build() {
            Err(ConfigError::InvalidOption { field, .. }) => field,
            other => panic!("expected InvalidOption, got {other:?}"),
        };
    let base = || SseClient::builder("/sse/messages");
    assert_eq!(refused(base().max_event_bytes(0)), "max_event_bytes");
    // More than the parser's buffers can hold in wasm memory: refused, never a trap later.
    assert_eq!(
        refused(base().max_event_bytes(u32::MAX as usize)),
        "max_event_bytes"
    );
    assert_eq!(
        refused(base().max_event_bytes(typed_sse::MAX_EVENT_BYTES_LIMIT + 1)),
        "max_event_bytes"
    );
    assert_eq!(refused(base().body("prompt=hi")), "body");
    assert_eq!(refused(base().method("CONNECT")), "method");
    assert_eq!(refused(base().header("X-A", "a\nb")), "header");
    // An id the Last-Event-ID header cannot carry would fail every connection.
    assert_eq!(refused(base().last_event_id("a\u{1}")), "last_event_id");
    assert_eq!(refused(base().last_event_id(" a")), "last_event_id");
}
