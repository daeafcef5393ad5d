//! A shared event enum through the layer: `EventStore::publish` and `typed_event`, with the
//! bytes on the wire read by a raw client from the real router on a loopback port.

mod support;

use serde::{Deserialize, Serialize};
use support::{app, serve, SseClient};
use typed_sse_axum::{typed_event, EventStore, MemoryStore, ResumableSse, StoreError, TypedEvent};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Said {
    user: String,
    text: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Chat {
    Message(Said),
    Moved { x: i32, y: i32 },
    Ping,
}

#[tokio::test]
async fn each_variant_is_published_as_its_name_and_payload_with_the_store_id() {
    let store = MemoryStore::with_epoch(100, 3);
    let addr = serve(app(ResumableSse::new(store.clone()))).await;
    let mut client = SseClient::open(addr, "/events", "").await;
    assert_eq!(client.frame().await, ": ok\n\n");

    let values = [
        Chat::Message(Said {
            user: "ada".into(),
            text: "two\nlines".into(),
        }),
        Chat::Moved { x: -1, y: 2 },
        Chat::Ping,
    ];
    for value in &values {
        store.publish(value).await.unwrap();
    }
    assert_eq!(
        client.frame().await,
        "id: 3-1\nevent: message\ndata: {\"user\":\"ada\",\"text\":\"two\\nlines\"}\n\n"
    );
    assert_eq!(
        client.frame().await,
        "id: 3-2\nevent: moved\ndata: {\"x\":-1,\"y\":2}\n\n"
    );
    assert_eq!(client.frame().await, "id: 3-3\nevent: ping\ndata: null\n\n");

    // What the client decodes from those fields is the value published.
    for (event, value) in store
        .replay_after(None, 10)
        .await
        .unwrap()
        .iter()
        .zip(&values)
    {
        assert_eq!(
            Chat::from_sse(&event.event, &event.data).unwrap().as_ref(),
            Some(value)
        );
    }
}

#[tokio::test]
async fn a_type_that_is_not_an_event_enum_is_an_error_not_an_event() {
    let store = MemoryStore::new(10);
    let said = Said {
        user: "a".into(),
        text: "b".into(),
    };
    match store.publish(&said).await {
        Err(StoreError::Encode(e)) => assert!(e.to_string().contains("Said"), "{e}"),
        other => panic!("published: {other:?}"),
    }
    assert_eq!(store.last_id().await.unwrap(), None, "nothing appended");
}

#[test]
fn typed_event_refuses_reserved_and_broken_names_instead_of_panicking() {
    #[derive(Serialize, Deserialize)]
    #[serde(tag = "type", content = "data")]
    enum Hostile {
        #[serde(rename = "typed-sse.gap")]
        Gap(u8),
        #[serde(rename = "a\nb")]
        Broken,
        Fine,
    }
    assert!(matches!(
        typed_event(&Hostile::Gap(1), None),
        Err(StoreError::InvalidEventName(_))
    ));
    assert!(matches!(
        typed_event(&Hostile::Broken, Some("1")),
        Err(StoreError::InvalidEventName(_))
    ));
    assert!(typed_event(&Hostile::Fine, Some("1")).is_ok());
    // A hostile id cannot end the field early either.
    assert!(typed_event(&Hostile::Fine, Some("1\nevent: x")).is_ok());
}
