//! `SseClientBuilder::shared` through the Rust API, in Chromium against the test server: two sources of
//! one URL in one page share one connection (one holds, one follows), both get every event, and
//! closing the holder hands the stream to the other, which resumes from the last id relayed.

#![cfg(target_arch = "wasm32")]

mod common;

use common::{connections, log, url, wait_for};
use typed_sse::{Role, SseClient};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(serde::Deserialize, Debug)]
struct Numbered {
    n: u32,
}

fn numbers(url: &str, got: &common::Log<u32>) -> SseClient {
    let g = got.clone();
    SseClient::builder(url)
        .shared(true)
        .on_message::<Numbered>(move |r| {
            if let Ok(e) = r {
                g.borrow_mut().push(e.data.n);
            }
        })
        .build()
        .unwrap()
}

#[wasm_bindgen_test]
async fn two_sources_share_one_connection_and_the_follower_takes_over() {
    let key = common::key("rust-shared");
    let url = url("/sse/numbered?total=200&interval_ms=10&delay_ms=500", &key);
    let (a_got, b_got) = (log(), log());
    let a = numbers(&url, &a_got);
    let b = numbers(&url, &b_got);
    assert!(wait_for(5_000, || a_got.borrow().len() >= 50).await);
    let roles = [a.role(), b.role()];
    assert!(
        roles.contains(&Role::Holder) && roles.contains(&Role::Follower),
        "{roles:?}"
    );
    let (holder, follower, follower_got) = if a.role() == Role::Holder {
        (a, b, b_got)
    } else {
        (b, a, a_got)
    };
    holder.close();
    assert!(wait_for(10_000, || follower_got.borrow().len() >= 200).await);
    assert_eq!(*follower_got.borrow(), (1..=200).collect::<Vec<u32>>());
    assert_eq!(follower.role(), Role::Holder);
    let conns = connections(&key).await;
    assert_eq!(conns.len(), 2, "one connection, then the take-over");
    let resumed: u32 = conns[1]["last_event_id"].as_str().unwrap().parse().unwrap();
    assert!(resumed >= 50, "resumed from the last id relayed: {resumed}");
    follower.close();
}
