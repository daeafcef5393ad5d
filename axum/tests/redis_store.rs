//! The layer over `RedisStore`, through the real router on a loopback port, against a real
//! redis-server each test starts on a free port (never the system's).

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use support::{app, publish_http, serve, Event, RedisServer, SseClient};
use typed_sse_axum::{EventStore, Followed, Position, RedisStore, ResumableSse, Trim};

async fn store(redis: &RedisServer, key: &str) -> RedisStore {
    RedisStore::connect(&redis.url(), key)
        .await
        .expect("connect to the test's redis-server")
}

#[tokio::test]
async fn replays_after_an_id_with_the_stream_ids_then_follows() {
    let redis = RedisServer::start();
    let addr = serve(app(ResumableSse::new(store(&redis, "s").await))).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let (status, id) = publish_http(addr, "n", &n.to_string()).await;
        assert_eq!(status, 200);
        ids.push(id);
    }
    assert!(ids
        .windows(2)
        .all(|w| w[0] < w[1] || w[0].len() < w[1].len()));

    let mut client =
        SseClient::open(addr, "/events", &format!("Last-Event-ID: {}\r\n", ids[1])).await;
    assert_eq!(client.status, 200);
    assert_eq!(client.frame().await, ": ok\n\n");
    for (n, id) in ids.iter().enumerate().skip(2) {
        assert_eq!(
            client.frame().await,
            format!("id: {id}\nevent: n\ndata: {n}\n\n")
        );
    }
    let (_, live) = publish_http(addr, "n", "5").await;
    assert_eq!(client.event().await.id.as_deref(), Some(live.as_str()));

    // The query parameter, Nchan-style name not configured: ignored, so from now.
    let mut by_query = SseClient::open(addr, &format!("/events?lastEventId={}", ids[3]), "").await;
    assert_eq!(by_query.event().await.id, Some(ids[4].clone()));
}

#[tokio::test]
async fn follows_live_across_empty_blocks_without_losing_an_event() {
    let redis = RedisServer::start();
    let store = store(&redis, "s").await.block(Duration::from_millis(50));
    let addr = serve(app(ResumableSse::new(store))).await;
    let mut client = SseClient::open(addr, "/events", "").await;
    client.frame().await; // priming
    for round in 0..3 {
        // Several empty XREAD BLOCKs in between: the follower must re-read from its last id.
        tokio::time::sleep(Duration::from_millis(180)).await;
        let mut ids = Vec::new();
        for n in 0..20 {
            ids.push(publish_http(addr, "n", &format!("{round}.{n}")).await.1);
        }
        for (n, id) in ids.iter().enumerate() {
            let event = client.event().await;
            assert_eq!(event.id.as_ref(), Some(id));
            assert_eq!(event.data, format!("{round}.{n}"));
        }
    }
}

#[tokio::test]
async fn two_instances_on_one_redis_serve_the_same_ids() {
    let redis = RedisServer::start();
    // Two stores, two connections, two routers: as two server processes would.
    let one = serve(app(ResumableSse::new(store(&redis, "shared").await))).await;
    let two = serve(app(ResumableSse::new(store(&redis, "shared").await))).await;
    let mut on_one = SseClient::open(one, "/events", "").await;
    let mut on_two = SseClient::open(two, "/events", "").await;
    on_one.frame().await;
    on_two.frame().await;

    let mut published = Vec::new();
    for n in 0..10 {
        let through = if n % 2 == 0 { one } else { two };
        let (status, id) = publish_http(through, "n", &n.to_string()).await;
        assert_eq!(status, 200);
        published.push(Event {
            id: Some(id),
            event: Some("n".into()),
            data: n.to_string(),
        });
    }
    for expected in &published {
        assert_eq!(&on_one.event().await, expected);
        assert_eq!(&on_two.event().await, expected);
    }

    // An id given out through one instance resumes on the other.
    let resume_at = published[6].id.clone().unwrap();
    let mut moved =
        SseClient::open(two, "/events", &format!("Last-Event-ID: {resume_at}\r\n")).await;
    for expected in &published[7..] {
        assert_eq!(&moved.event().await, expected);
    }
}

#[tokio::test]
async fn a_trimmed_history_gives_the_gap_event() {
    let redis = RedisServer::start();
    let store = store(&redis, "s").await.trim(Trim::Exact(3));
    let mut ids = Vec::new();
    for n in 0..6 {
        ids.push(store.append("n", &n.to_string()).await.unwrap());
    }
    assert_eq!(store.first_id().await.unwrap(), Some(ids[3].clone()));
    assert_eq!(store.position(&ids[0]).await.unwrap(), Position::Trimmed);
    // Redis does not record what the trim removed: the newest trimmed id counts as trimmed.
    assert_eq!(store.position(&ids[2]).await.unwrap(), Position::Trimmed);
    assert_eq!(store.position(&ids[3]).await.unwrap(), Position::Held);
    assert_eq!(store.position(&ids[5]).await.unwrap(), Position::Held);
    let addr = serve(app(ResumableSse::new(store.clone()))).await;

    let mut client =
        SseClient::open(addr, "/events", &format!("Last-Event-ID: {}\r\n", ids[0])).await;
    assert_eq!(client.frame().await, ": ok\n\n");
    assert_eq!(
        client.frame().await,
        format!(
            "event: typed-sse.gap\ndata: {{\"last_event_id\":\"{}\",\"first_available\":\"{}\"}}\n\n",
            ids[0], ids[3]
        )
    );
    for id in &ids[3..] {
        assert_eq!(client.event().await.id.as_ref(), Some(id));
    }

    // The first id held loses nothing: no gap.
    let mut edge =
        SseClient::open(addr, "/events", &format!("Last-Event-ID: {}\r\n", ids[3])).await;
    assert_eq!(edge.event().await.id, Some(ids[4].clone()));

    // Not a stream id, or newer than any the stream gave out: unknown, so a gap too.
    let padded = format!("0{}", ids[4]);
    for unknown in [
        "junk",
        "99999999999999-0",
        "1-2-3",
        "99999999999999999999999-0",
        &padded,
    ] {
        let mut client =
            SseClient::open(addr, "/events", &format!("Last-Event-ID: {unknown}\r\n")).await;
        let gap = client.event().await;
        assert_eq!(gap.event.as_deref(), Some("typed-sse.gap"));
        assert_eq!(
            gap.data,
            format!(
                "{{\"last_event_id\":\"{unknown}\",\"first_available\":\"{}\"}}",
                ids[3]
            )
        );
        assert_eq!(client.event().await.id, Some(ids[3].clone()));
    }

    // Another key, which does not exist: unknown, with nothing available.
    let empty = serve(app(ResumableSse::new(store.stream("absent")))).await;
    let mut client =
        SseClient::open(empty, "/events", &format!("Last-Event-ID: {}\r\n", ids[5])).await;
    assert_eq!(
        client.event().await.data,
        format!(
            "{{\"last_event_id\":\"{}\",\"first_available\":null}}",
            ids[5]
        )
    );
}

#[tokio::test]
async fn a_follower_overtaken_by_the_trim_is_told_of_the_gap() {
    let redis = RedisServer::start();
    let store = store(&redis, "s").await.trim(Trim::Exact(3));
    let first = store.append("n", "0").await.unwrap();
    let mut follow = store.follow(Some(first.clone())).await.unwrap();
    let mut ids = Vec::new();
    for n in 1..10 {
        ids.push(store.append("n", &n.to_string()).await.unwrap());
    }
    assert_eq!(
        follow.next().await.unwrap().unwrap(),
        Followed::Gap {
            after: first,
            first_available: Some(ids[6].clone())
        }
    );
    for id in &ids[6..] {
        match follow.next().await.unwrap().unwrap() {
            Followed::Event(e) => assert_eq!(&e.id, id),
            other => panic!("{other:?}"),
        }
    }
    // Then live, through XREAD BLOCK.
    let live = store.append("n", "10").await.unwrap();
    match tokio::time::timeout(Duration::from_secs(10), follow.next()).await {
        Ok(Some(Ok(Followed::Event(e)))) => assert_eq!(e.id, live),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_approximate_bound_keeps_at_least_maxlen() {
    let redis = RedisServer::start();
    let store = store(&redis, "s").await.trim(Trim::Approx(100));
    let mut last = String::new();
    for n in 0..1000 {
        last = store.append("n", &n.to_string()).await.unwrap();
    }
    let held = store.replay_after(None, 10_000).await.unwrap();
    assert!(held.len() >= 100 && held.len() < 1000, "{}", held.len());
    assert_eq!(held.last().map(|e| e.id.clone()), Some(last));
}

#[tokio::test]
async fn a_fresh_stream_holds_everything_and_a_deletion_is_a_gap() {
    let redis = RedisServer::start();
    let store = store(&redis, "s").await;
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(store.append("n", &n.to_string()).await.unwrap());
    }
    // Nothing removed yet: an id older than the first entry loses nothing.
    assert_eq!(store.position("0-1").await.unwrap(), Position::Held);
    assert_eq!(store.replay_after(Some("0-1"), 10).await.unwrap().len(), 4);

    // XDEL of the third entry (by another program): readers before it have a gap.
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let deleted: i64 = redis::cmd("XDEL")
        .arg("s")
        .arg(&ids[2])
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(store.position(&ids[1]).await.unwrap(), Position::Trimmed);
    assert_eq!(store.position(&ids[2]).await.unwrap(), Position::Held);
    assert_eq!(
        store.replay_after(Some(&ids[1]), 10).await.unwrap().len(),
        1
    );
}
