//! Bad input gives a typed error: an invalid URL at once, and the reason a connection failed.

#![cfg(target_arch = "wasm32")]

mod common;

use common::{log, url, wait_for};
use typed_sse::{
    CloseReason, ConfigError, ReconnectPolicy, SseClient, State, StreamError, Transport,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn an_invalid_url_is_an_error_not_a_panic() {
    for bad in [
        "http://[not-a-host",
        "http://example.com:port/events",
        "https://:99999/x",
    ] {
        match SseClient::new(bad) {
            Err(ConfigError::InvalidUrl { url, message }) => {
                assert_eq!(url, bad);
                assert!(!message.is_empty());
            }
            other => panic!("{bad}: expected InvalidUrl, got {other:?}"),
        }
    }
}

/// Connects to `path` and returns the final state and every error, once closed.
async fn closed_with(path: &str, policy: ReconnectPolicy) -> (State, Vec<StreamError>) {
    closed_over(Transport::Native, path, policy).await
}

/// The same over `transport`.
async fn closed_over(
    transport: Transport,
    path: &str,
    policy: ReconnectPolicy,
) -> (State, Vec<StreamError>) {
    let errors = log();
    let e = errors.clone();
    let source = SseClient::builder(url(path, &common::key("errors")))
        .transport(transport)
        .reconnect(policy)
        .on_error(move |err| e.borrow_mut().push(err.clone()))
        .build()
        .unwrap();
    assert!(
        wait_for(8_000, || source.state().is_closed()).await,
        "{path} did not close: {:?}",
        source.state()
    );
    let errors = errors.borrow().clone();
    (source.state(), errors)
}

#[wasm_bindgen_test]
async fn a_404_is_reported_as_http_and_stops() {
    let (state, errors) = closed_with("/sse/status?code=404", ReconnectPolicy::default()).await;
    assert_eq!(
        state,
        State::Closed(CloseReason::Failed(StreamError::Http {
            status: 404,
            body: String::new(),
        }))
    );
    assert_eq!(
        errors,
        [StreamError::Http {
            status: 404,
            body: String::new(),
        }]
    );
}

#[wasm_bindgen_test]
async fn a_wrong_content_type_is_reported_and_stops() {
    let (state, errors) = closed_with("/sse/content-type", ReconnectPolicy::default()).await;
    let expected = StreamError::ContentType {
        content_type: "text/plain".into(),
    };
    assert_eq!(state, State::Closed(CloseReason::Failed(expected.clone())));
    assert_eq!(errors, [expected]);
}

#[wasm_bindgen_test]
async fn a_wrong_content_type_over_fetch_is_reported_and_stops() {
    // fetch.js reads no body it refuses: the refusal must reach the machine, not an "opened".
    let (state, errors) = closed_over(
        Transport::Fetch,
        "/sse/content-type",
        ReconnectPolicy::default(),
    )
    .await;
    let expected = StreamError::ContentType {
        content_type: "text/plain".into(),
    };
    assert_eq!(state, State::Closed(CloseReason::Failed(expected.clone())));
    assert_eq!(errors, [expected]);
}

#[wasm_bindgen_test]
async fn no_content_stops_for_good() {
    let (state, errors) = closed_with("/sse/status?code=204", ReconnectPolicy::default()).await;
    assert_eq!(
        state,
        State::Closed(CloseReason::Failed(StreamError::NoContent))
    );
    assert_eq!(errors, [StreamError::NoContent]);
}

#[wasm_bindgen_test]
async fn unauthorized_without_a_refresher_stops() {
    let (state, errors) = closed_with("/sse/auth?token=bad", ReconnectPolicy::default()).await;
    assert_eq!(
        state,
        State::Closed(CloseReason::Failed(StreamError::Unauthorized {
            status: 401,
            body: String::new(),
        }))
    );
    assert_eq!(
        errors.last(),
        Some(&StreamError::Unauthorized {
            status: 401,
            body: String::new(),
        })
    );
}

#[wasm_bindgen_test]
async fn a_server_error_under_a_never_policy_gives_up_at_once() {
    let (state, errors) = closed_with("/sse/status?code=503", ReconnectPolicy::never()).await;
    let gave_up = StreamError::GaveUp {
        attempts: 0,
        last: Box::new(StreamError::Http {
            status: 503,
            body: String::new(),
        }),
    };
    assert_eq!(state, State::Closed(CloseReason::Failed(gave_up.clone())));
    assert_eq!(
        errors,
        [
            StreamError::Http {
                status: 503,
                body: String::new(),
            },
            gave_up
        ]
    );
}
