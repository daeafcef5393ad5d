//! The layer over `MemoryStore`, through the real router on a loopback port.

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use support::{app, publish_http, serve, Event, SseClient};
use typed_sse_axum::{
    EventStore, Followed, MemoryStore, Position, ResumableSse, ResumeConfig, StoreError,
};

fn event(id: &str, name: &str, data: &str) -> Event {
    Event {
        id: Some(id.into()),
        event: Some(name.into()),
        data: data.into(),
    }
}

#[tokio::test]
async fn priming_comment_then_each_event_with_the_store_id() {
    let store = MemoryStore::with_epoch(100, 7);
    let addr = serve(app(
        ResumableSse::new(store).retry(Duration::from_millis(1500))
    ))
    .await;
    let mut client = SseClient::open(addr, "/events", "").await;
    assert_eq!(client.status, 200);
    assert_eq!(client.header("content-type"), Some("text/event-stream"));
    // Sent before any event exists: the priming comment is what gets the headers out.
    assert_eq!(client.frame().await, ": ok\nretry: 1500\n\n");

    assert_eq!(
        publish_http(addr, "tick", r#"{"n":1}"#).await,
        (200, "7-1".into())
    );
    assert_eq!(
        client.frame().await,
        "id: 7-1\nevent: tick\ndata: {\"n\":1}\n\n"
    );
    assert_eq!(
        publish_http(addr, "", "two\nlines").await,
        (200, "7-2".into())
    );
    assert_eq!(client.frame().await, "id: 7-2\ndata: two\ndata: lines\n\n");
}

#[tokio::test]
async fn replays_after_the_header_or_the_query_parameter_then_follows() {
    let store = MemoryStore::with_epoch(100, 7);
    for n in 1..=5 {
        store.append("n", &n.to_string()).await.unwrap();
    }
    let addr = serve(app(ResumableSse::new(store.clone()))).await;

    let mut by_header = SseClient::open(addr, "/events", "Last-Event-ID: 7-2\r\n").await;
    let mut by_query = SseClient::open(addr, "/events?lastEventId=7-4", "").await;
    for n in 3..=5 {
        assert_eq!(
            by_header.event().await,
            event(&format!("7-{n}"), "n", &n.to_string())
        );
    }
    assert_eq!(by_query.event().await, event("7-5", "n", "5"));

    publish_http(addr, "n", "6").await;
    assert_eq!(by_header.event().await, event("7-6", "n", "6"));
    assert_eq!(by_query.event().await, event("7-6", "n", "6"));

    // A fresh client starts from now.
    let mut fresh = SseClient::open(addr, "/events", "").await;
    fresh.frame().await; // priming
    publish_http(addr, "n", "7").await;
    assert_eq!(fresh.event().await, event("7-7", "n", "7"));
}

#[tokio::test]
async fn the_bound_drops_the_oldest_and_a_trimmed_id_gets_the_gap_event() {
    let store = MemoryStore::with_epoch(3, 7);
    for n in 1..=6 {
        store.append("n", &n.to_string()).await.unwrap();
    }
    assert_eq!(store.len(), 3);
    assert_eq!(store.first_id().await.unwrap().as_deref(), Some("7-4"));
    assert_eq!(store.position("7-1").await.unwrap(), Position::Trimmed);
    assert_eq!(store.position("7-3").await.unwrap(), Position::Held);
    let addr = serve(app(ResumableSse::new(store.clone()))).await;

    let mut trimmed = SseClient::open(addr, "/events", "Last-Event-ID: 7-1\r\n").await;
    assert_eq!(trimmed.frame().await, ": ok\n\n");
    assert_eq!(
        trimmed.frame().await,
        "event: typed-sse.gap\ndata: {\"last_event_id\":\"7-1\",\"first_available\":\"7-4\"}\n\n"
    );
    for n in 4..=6 {
        assert_eq!(
            trimmed.event().await,
            event(&format!("7-{n}"), "n", &n.to_string())
        );
    }

    // The last trimmed id itself loses nothing: no gap.
    let mut edge = SseClient::open(addr, "/events", "Last-Event-ID: 7-3\r\n").await;
    assert_eq!(edge.event().await, event("7-4", "n", "4"));
}

#[tokio::test]
async fn an_unknown_id_gets_the_gap_event() {
    let store = MemoryStore::with_epoch(10, 7);
    store.append("n", "1").await.unwrap();
    let addr = serve(app(ResumableSse::new(store))).await;
    // Another process's epoch, an id from the future, not an id at all.
    for id in ["8-1", "7-2", "junk", "7-01x", "7-01", "+7-1"] {
        let mut client =
            SseClient::open(addr, "/events", &format!("Last-Event-ID: {id}\r\n")).await;
        let gap = client.event().await;
        assert_eq!(gap.event.as_deref(), Some("typed-sse.gap"), "{id}");
        assert_eq!(gap.id, None);
        assert_eq!(
            gap.data,
            format!("{{\"last_event_id\":\"{id}\",\"first_available\":\"7-1\"}}")
        );
        assert_eq!(client.event().await, event("7-1", "n", "1"));
    }
    // An empty store: first_available is null.
    let addr = serve(app(ResumableSse::new(MemoryStore::with_epoch(10, 7)))).await;
    let mut client = SseClient::open(addr, "/events", "Last-Event-ID: 7-1\r\n").await;
    assert_eq!(
        client.event().await.data,
        r#"{"last_event_id":"7-1","first_available":null}"#
    );
}

#[tokio::test]
async fn a_follower_overtaken_by_the_bound_is_told_of_the_gap() {
    let store = MemoryStore::with_epoch(3, 7);
    store.append("n", "1").await.unwrap();
    let mut follow = store.follow(Some("7-1".into())).await.unwrap();
    for n in 2..=10 {
        store.append("n", &n.to_string()).await.unwrap();
    }
    assert_eq!(
        follow.next().await.unwrap().unwrap(),
        Followed::Gap {
            after: "7-1".into(),
            first_available: Some("7-8".into())
        }
    );
    for n in 8..=10 {
        match follow.next().await.unwrap().unwrap() {
            Followed::Event(e) => assert_eq!(e.id, format!("7-{n}")),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn keep_alive_comments_on_the_interval() {
    let sse = ResumableSse::new(MemoryStore::new(10)).keep_alive(Duration::from_millis(100));
    let addr = serve(app(sse)).await;
    let mut client = SseClient::open(addr, "/events", "").await;
    assert_eq!(client.frame().await, ": ok\n\n");
    let started = std::time::Instant::now();
    assert_eq!(client.frame().await, ": keep-alive\n\n");
    assert_eq!(client.frame().await, ": keep-alive\n\n");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn malformed_resume_points_are_400_and_reserved_names_refused() {
    let addr = serve(app(ResumableSse::new(MemoryStore::new(10)))).await;
    let long = "1".repeat(257);
    let client = SseClient::open(addr, "/events", &format!("Last-Event-ID: {long}\r\n")).await;
    assert_eq!(client.status, 400);
    let client = SseClient::open(addr, "/events?lastEventId=a%0Ab", "").await;
    assert_eq!(client.status, 400);
    let client = SseClient::open(addr, "/events?lastEventId=1&lastEventId=2", "").await;
    assert_eq!(client.status, 400);

    let (status, body) = publish_http(addr, "typed-sse.gap", "{}").await;
    assert_eq!(status, 400, "{body}");
    assert!(matches!(
        MemoryStore::new(1).append("a\nb", "").await,
        Err(StoreError::InvalidEventName(_))
    ));
}

#[tokio::test]
async fn the_query_parameter_is_configured_by_an_extension() {
    let store = MemoryStore::with_epoch(10, 7);
    for n in 1..=3 {
        store.append("n", &n.to_string()).await.unwrap();
    }
    let router = app(ResumableSse::new(store)).layer(axum::Extension(ResumeConfig::nchan()));
    let addr = serve(router).await;
    let mut nchan = SseClient::open(addr, "/events?last_event_id=7-2", "").await;
    assert_eq!(nchan.event().await, event("7-3", "n", "3"));
    // The default name is not read any more: a fresh start, from now.
    let mut other = SseClient::open(addr, "/events?lastEventId=7-1", "").await;
    assert_eq!(other.frame().await, ": ok\n\n");
    assert_eq!(other.try_frame(Duration::from_millis(200)).await, None);
}
