//! Streamed LLM answers through the Rust API, in Chromium against the test server's OpenAI-style
//! and Anthropic-style streams (no ids, a terminal marker, then the end): with the default
//! options and only `method` and `body` set (and the Anthropic terminal event named), one POST
//! per answer, the whole text, `Closed(Done)` and no error; an Anthropic answer with nothing
//! named, or a cut one, closes `Ended` without a second POST; typed unions of named events.

#![cfg(target_arch = "wasm32")]

mod common;

use common::{connections, log, sleep, url, wait_for, Log};
use serde::Deserialize;
use typed_sse::{CloseReason, SseClient, State, StreamError};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PROMPT: &str = "Tell me about streams";
const TOKENS: usize = 8;

#[derive(Deserialize, Debug)]
struct Chunk {
    choices: Vec<Choice>,
}

#[derive(Deserialize, Debug)]
struct Choice {
    delta: Delta,
}

#[derive(Deserialize, Debug)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize, Debug, Clone)]
struct BlockDelta {
    delta: TextDelta,
}

#[derive(Deserialize, Debug, Clone)]
struct TextDelta {
    text: String,
}

/// Anthropic's events that matter here; `ping`, `message_start` and the rest are not variants,
/// so they are never listened for.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "snake_case")]
enum Anthropic {
    ContentBlockDelta(BlockDelta),
    MessageStop,
}

fn openai_body() -> serde_json::Value {
    serde_json::json!({ "messages": [{ "role": "user", "content": PROMPT }], "max_tokens": TOKENS })
}

fn anthropic_body() -> serde_json::Value {
    serde_json::json!({
        "model": "m", "max_tokens": TOKENS, "stream": true,
        "messages": [{ "role": "user", "content": PROMPT }]
    })
}

/// The states and errors a source went through.
fn watched(
    builder: typed_sse::SseClientBuilder,
    states: &Log<State>,
    errors: &Log<StreamError>,
) -> SseClient {
    let (s, e) = (states.clone(), errors.clone());
    builder
        .on_state(move |state| s.borrow_mut().push(state.clone()))
        .on_error(move |error| e.borrow_mut().push(error.clone()))
        .build()
        .unwrap()
}

fn closed(states: &Log<State>) -> Option<CloseReason> {
    match states.borrow().last() {
        Some(State::Closed(reason)) => Some(reason.clone()),
        _ => None,
    }
}

async fn posts(key: &str) -> Vec<serde_json::Value> {
    // The server notes a connection's end a moment after the client sees it.
    sleep(100).await;
    connections(key)
        .await
        .into_iter()
        .filter(|c| c["method"] == "POST")
        .collect()
}

/// The OpenAI-style answer's text, read by one source of the test's own.
async fn openai_answer(query: &str, key: &str) -> (String, Log<State>, Log<StreamError>) {
    let text = log::<String>();
    let (states, errors) = (log(), log());
    let t = text.clone();
    let _source = watched(
        SseClient::builder(url(
            &format!("/v1/chat/completions?interval_ms=5{query}"),
            key,
        ))
        .method("POST")
        .json_body(&openai_body())
        .on::<Chunk>("message", move |chunk| {
            let chunk = chunk.unwrap().data;
            if let Some(content) = &chunk.choices[0].delta.content {
                t.borrow_mut().push(content.clone());
            }
        }),
        &states,
        &errors,
    );
    assert!(wait_for(10_000, || closed(&states).is_some()).await);
    let whole = text.borrow().concat();
    (whole, states, errors)
}

#[wasm_bindgen_test]
async fn an_openai_style_answer_is_one_post_closed_done_without_an_error() {
    let key = common::key("rust-llm-openai");
    let (text, states, errors) = openai_answer("", &key).await;
    assert_eq!(closed(&states), Some(CloseReason::Done));
    assert!(errors.borrow().is_empty(), "{:?}", errors.borrow());
    assert_eq!(posts(&key).await.len(), 1, "exactly one POST");
    // The same text as the Anthropic format's (one corpus), and whole.
    let (anthropic, _) = anthropic_answer(&["message_stop"]).await;
    assert_eq!(text, anthropic);
    assert!(!text.is_empty());
}

/// An Anthropic-style answer through one union listener, with `terminal` named.
async fn anthropic_answer(terminal: &[&str]) -> (String, Log<State>) {
    let key = common::key("rust-llm-anthropic");
    let events = log::<Anthropic>();
    let (states, errors) = (log(), log());
    let got = events.clone();
    let _source = watched(
        SseClient::builder(url("/v1/messages?interval_ms=5", &key))
            .method("POST")
            .json_body(&anthropic_body())
            .terminal_events(terminal)
            .on_union::<Anthropic>(move |event| got.borrow_mut().push(event.unwrap().data)),
        &states,
        &errors,
    );
    assert!(wait_for(10_000, || closed(&states).is_some()).await);
    assert!(errors.borrow().is_empty(), "{:?}", errors.borrow());
    assert_eq!(posts(&key).await.len(), 1, "exactly one POST");
    let events = events.borrow();
    let deltas = events
        .iter()
        .filter(|e| matches!(e, Anthropic::ContentBlockDelta(_)))
        .count();
    assert_eq!(deltas, TOKENS);
    assert!(matches!(events.last(), Some(Anthropic::MessageStop)));
    let text = events
        .iter()
        .filter_map(|e| match e {
            Anthropic::ContentBlockDelta(d) => Some(d.delta.text.as_str()),
            Anthropic::MessageStop => None,
        })
        .collect();
    (text, states)
}

#[wasm_bindgen_test]
async fn an_anthropic_style_answer_with_its_terminal_event_named_closes_done() {
    let (_, states) = anthropic_answer(&["message_stop"]).await;
    assert_eq!(closed(&states), Some(CloseReason::Done));
}

#[wasm_bindgen_test]
async fn a_terminal_predicate_over_type_and_data_closes_the_answer_done() {
    let key = common::key("rust-llm-terminal-if");
    let events = log::<Anthropic>();
    let (states, errors) = (log(), log());
    let got = events.clone();
    let _source = watched(
        SseClient::builder(url("/v1/messages?interval_ms=5", &key))
            .method("POST")
            .json_body(&anthropic_body())
            .terminal_if(|event_type, data| {
                event_type == "message_stop" && data.contains(r#""message_stop""#)
            })
            .on_union::<Anthropic>(move |event| got.borrow_mut().push(event.unwrap().data)),
        &states,
        &errors,
    );
    assert!(wait_for(10_000, || closed(&states).is_some()).await);
    assert_eq!(closed(&states), Some(CloseReason::Done));
    assert!(errors.borrow().is_empty(), "{:?}", errors.borrow());
    assert_eq!(posts(&key).await.len(), 1, "exactly one POST");
    assert!(matches!(
        events.borrow().last(),
        Some(Anthropic::MessageStop)
    ));
}

#[wasm_bindgen_test]
async fn an_anthropic_style_answer_with_nothing_named_closes_ended_after_one_post() {
    let (_, states) = anthropic_answer(&[]).await;
    assert_eq!(closed(&states), Some(CloseReason::Ended));
}

#[wasm_bindgen_test]
async fn a_cut_answer_without_ids_closes_ended_without_a_second_post() {
    for abort in [0, 1] {
        let key = common::key("rust-llm-cut");
        let (text, states, errors) =
            openai_answer(&format!("&cut_after=3&abort={abort}"), &key).await;
        assert_eq!(closed(&states), Some(CloseReason::Ended), "abort={abort}");
        assert!(errors.borrow().is_empty(), "{:?}", errors.borrow());
        assert!(!text.is_empty());
        // Longer than the policy's first delay: a second POST would have come by now.
        sleep(1_500).await;
        assert_eq!(posts(&key).await.len(), 1, "not sent again");
    }
}

#[derive(Deserialize, Debug)]
struct ProviderError {
    error: serde_json::Value,
}

#[wasm_bindgen_test]
async fn a_429_is_retried_after_retry_after_and_its_json_body_decodes() {
    let key = common::key("rust-llm-429");
    let (text, states, errors) = openai_answer("&fail=1&retry_after=1", &key).await;
    assert_eq!(closed(&states), Some(CloseReason::Done));
    assert!(!text.is_empty());
    let errors = errors.borrow().clone();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(matches!(errors[0], StreamError::Http { status: 429, .. }));
    let body = errors[0].decode_body::<ProviderError>().unwrap().unwrap();
    assert!(body.error.is_object(), "{body:?}");
    let sent = posts(&key).await;
    assert_eq!(sent.len(), 2);
    let gap = sent[1]["opened_ms"].as_u64().unwrap() - sent[0]["opened_ms"].as_u64().unwrap();
    assert!(gap >= 1_000, "retried {gap} ms later, before Retry-After");
}

#[derive(Deserialize, Debug, Clone, PartialEq)]
struct Quote {
    symbol: String,
}

/// `/sse/named`'s events that matter here: `news`, `message` and `other` are not variants.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Named {
    Tick(Quote),
    Done,
}

#[wasm_bindgen_test]
async fn native_eventsource_a_union_and_a_terminal_event_end_a_get_stream_as_done() {
    let key = common::key("rust-llm-native");
    let events = log::<(Named, String)>();
    let (states, errors) = (log(), log());
    let got = events.clone();
    let _source = watched(
        SseClient::builder(url("/sse/named", &key))
            .terminal_events(&["done"])
            .on_union::<Named>(move |event| {
                let event = event.unwrap();
                let id = event.last_event_id();
                got.borrow_mut().push((event.into_data(), id));
            }),
        &states,
        &errors,
    );
    assert!(wait_for(10_000, || closed(&states).is_some()).await);
    assert_eq!(closed(&states), Some(CloseReason::Done));
    assert!(errors.borrow().is_empty(), "{:?}", errors.borrow());
    let tick = |symbol: &str| {
        Named::Tick(Quote {
            symbol: symbol.into(),
        })
    };
    assert_eq!(
        *events.borrow(),
        [
            (tick("ACME"), "1".to_owned()),
            (tick("INIT"), "4".to_owned()),
            (Named::Done, "6".to_owned())
        ]
    );
    sleep(500).await;
    assert_eq!(connections(&key).await.len(), 1, "not reconnected");
}

#[wasm_bindgen_test]
async fn both_transports_give_the_terminal_event_to_on_any_and_take_its_id() {
    for transport in [typed_sse::Transport::Native, typed_sse::Transport::Fetch] {
        let key = common::key("rust-llm-terminal-any");
        let any = log::<(String, String)>();
        let (states, errors) = (log(), log());
        let got = any.clone();
        // /sse/named: tick 1, news 2, message 3, tick 4, other 5, done 6, then the end.
        let source = watched(
            SseClient::builder(url("/sse/named", &key))
                .transport(transport)
                .terminal_events(&["done"])
                .on_text("tick", |_| {})
                .on_any(move |event| {
                    let id = event.last_event_id();
                    got.borrow_mut().push((event.event_type().to_owned(), id));
                }),
            &states,
            &errors,
        );
        assert!(wait_for(10_000, || closed(&states).is_some()).await);
        assert_eq!(closed(&states), Some(CloseReason::Done), "{transport:?}");
        assert_eq!(
            any.borrow().last(),
            Some(&("done".to_owned(), "6".to_owned())),
            "{transport:?}: {:?}",
            any.borrow()
        );
        assert_eq!(source.last_event_id(), "6", "{transport:?}");
    }
}
