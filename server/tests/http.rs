//! The server's own tests: the bytes of its streams, CORS, resume, stats.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;
use typed_sse_server::{app, big, Config};

fn router() -> Router {
    app(Config::default())
}

async fn get(uri: &str, headers: &[(&str, &str)]) -> axum::response::Response {
    // Every request must name this machine (see `cross_site`).
    let mut req = Request::get(uri).header("host", "127.0.0.1");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    router()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

async fn body_text(response: axum::response::Response) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Reads a stream that never ends until `needle` appears (or panics after a few seconds).
async fn read_until(response: axum::response::Response, needle: &str) -> String {
    let mut body = response.into_body();
    let mut text = String::new();
    tokio::time::timeout(Duration::from_secs(5), async {
        while !text.contains(needle) {
            let frame = body.frame().await.expect("stream ended").unwrap();
            if let Ok(data) = frame.into_data() {
                text.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("`{needle}` never came; got {text:?}"));
    text
}

#[tokio::test]
async fn a_finite_stream_has_ids_data_and_the_event_stream_type() {
    let response = get("/sse/messages?n=3&end=1", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(
        body_text(response).await,
        "id: 1\ndata: {\"n\":1}\n\nid: 2\ndata: {\"n\":2}\n\nid: 3\ndata: {\"n\":3}\n\n"
    );
}

#[tokio::test]
async fn resumes_after_the_header_or_the_query_parameter() {
    let by_header = get("/sse/numbered?total=7&cut=2", &[("last-event-id", "4")]).await;
    assert_eq!(
        body_text(by_header).await,
        "id: 5\ndata: {\"n\":5}\n\nid: 6\ndata: {\"n\":6}\n\n"
    );
    let by_query = get("/sse/numbered?total=7&cut=2&lastEventId=6", &[]).await;
    let text = read_until(by_query, "\"n\":7").await;
    assert!(text.starts_with("id: 7\n"), "{text}");
}

#[tokio::test]
async fn multi_line_and_non_ascii_data_are_split_into_data_lines() {
    let text = read_until(get("/sse/unicode", &[]).await, "Zürich").await;
    assert!(text.contains(
        "event: text\ndata: héllo wörld, 日本語, emoji 🎉\ndata: second line\ndata: \ndata: after a blank line\n\n"
    ), "{text}");
}

#[tokio::test]
async fn named_and_malformed_scenarios_carry_what_the_tests_expect() {
    let named = read_until(get("/sse/named", &[]).await, "event: done").await;
    assert!(named.contains("event: tick\ndata: {\"symbol\":\"ACME\",\"price\":10.5}\n"));
    let malformed = read_until(get("/sse/malformed", &[]).await, "\"n\":3").await;
    assert!(malformed.contains("data: {\"n\": oops\n"));
}

#[tokio::test]
async fn status_and_content_type_scenarios() {
    let r = get("/sse/status?code=503&retry_after=2", &[]).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "2");
    let r = get("/sse/content-type", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/plain");
}

#[tokio::test]
async fn the_big_scenario_sends_one_event_of_the_requested_size_then_ends() {
    let response = get("/sse/big?bytes=100000", &[]).await;
    let text = tokio::time::timeout(Duration::from_secs(5), body_text(response))
        .await
        .expect("the stream ends after its one event");
    assert!(
        text.starts_with("id: 1\ndata: {\"size\":100000,"),
        "{text:.40}"
    );
    assert!(text.ends_with("\"}\n\n"));
    let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
    assert_eq!(data.len(), 100_000);
    assert_eq!(big::sized_json(64).len(), 64);
    // There is nothing after the one event: a client resuming is told to stop.
    let resumed = get("/sse/big?bytes=100000", &[("last-event-id", "1")]).await;
    assert_eq!(resumed.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_big_scenario_sends_several_malformed_events_when_asked() {
    let response = get("/sse/big?bytes=1000&count=3&malformed=1", &[]).await;
    let text = tokio::time::timeout(Duration::from_secs(5), body_text(response))
        .await
        .expect("the stream ends after its events");
    let events: Vec<&str> = text.split_terminator("\n\n").collect();
    assert_eq!(events.len(), 3, "{text:.200}");
    for (i, event) in events.iter().enumerate() {
        let data = event
            .strip_prefix(&format!("id: {}\ndata: ", i + 1))
            .expect("an id, then the data");
        assert_eq!(data.len(), 998, "the closing \"}} is left out");
        assert!(serde_json::from_str::<serde_json::Value>(data).is_err());
    }
    let invalid = get("/sse/big?bytes=100000&invalid=1", &[]).await;
    let body = tokio::time::timeout(Duration::from_secs(5), invalid.into_body().collect())
        .await
        .expect("the stream ends after its event")
        .unwrap()
        .to_bytes();
    let data = body
        .strip_prefix(b"id: 1\ndata: ".as_slice())
        .and_then(|rest| rest.strip_suffix(b"\n\n".as_slice()))
        .expect("one event");
    assert_eq!(data.len(), 100_000);
    assert!(data.iter().all(|&b| b == 0xE9), "not UTF-8");
    let too_many = get("/sse/big?bytes=10&count=101", &[]).await;
    assert_eq!(too_many.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn cors_echoes_loopback_origins_with_credentials_and_exposes_retry_after() {
    let origin = "http://127.0.0.1:41234";
    let r = get("/sse/status?code=503&retry_after=1", &[("origin", origin)]).await;
    let h = r.headers();
    assert_eq!(h["access-control-allow-origin"], origin);
    assert_eq!(h["access-control-allow-credentials"], "true");
    assert!(h["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase()
        .contains("retry-after"));

    let r = get(
        "/sse/messages?n=1&end=1",
        &[("origin", "https://elsewhere.example")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn the_demo_stream_replays_what_a_client_missed_and_signals_an_unknown_id() {
    // One app (one memory store) for every request of this test.
    let app = app(Config::default());
    let send = |req: Request<Body>| app.clone().oneshot(req);
    let mut ids = Vec::new();
    for text in ["one", "two", "three"] {
        let req = Request::post("/chat")
            .header("host", "127.0.0.1")
            .header("content-type", "application/json")
            .header("x-typed-sse", "1")
            .body(Body::from(format!(r#"{{"name":"t","text":"{text}"}}"#)))
            .unwrap();
        let response = send(req).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let json: serde_json::Value = serde_json::from_str(&body_text(response).await).unwrap();
        ids.push(json["id"].as_str().unwrap().to_owned());
    }
    // After the first chat message: the second and the third, with their ids, in order.
    let req = Request::get("/events")
        .header("host", "127.0.0.1")
        .header("last-event-id", &ids[0])
        .body(Body::empty())
        .unwrap();
    let text = read_until(send(req).await.unwrap(), "three").await;
    assert!(text.starts_with(": ok\n"), "{text:?}");
    let two = text
        .find(&format!("id: {}\n", ids[1]))
        .expect("the second message");
    let three = text
        .find(&format!("id: {}\n", ids[2]))
        .expect("the third message");
    assert!(two < three && !text.contains("\"one\""), "{text:?}");
    // An id this store never gave out: the gap event, then what the store holds.
    let req = Request::get("/events?lastEventId=0-1")
        .header("host", "127.0.0.1")
        .body(Body::empty())
        .unwrap();
    let text = read_until(send(req).await.unwrap(), "three").await;
    assert!(
        text.contains("event: typed-sse.gap\ndata: {\"last_event_id\":\"0-1\""),
        "{text:?}"
    );
    assert!(text.find("typed-sse.gap").unwrap() < text.find("\"one\"").unwrap());
}

#[tokio::test]
async fn stats_see_a_client_come_and_go_over_real_http() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router()).await.unwrap() });

    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    client
        .write_all(b"GET /sse/hold?key=tcp&keepalive_ms=50 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nLast-Event-ID: 9\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = client.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).contains("200 OK"));

    let stats = |key: &'static str| async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(
            format!(
                "GET /stats?key={key} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        let json = &out[out.find("\r\n\r\n").unwrap() + 4..];
        serde_json::from_str::<serde_json::Value>(json).unwrap()
    };
    let open = stats("tcp").await;
    assert_eq!(open["connections"][0]["last_event_id"], "9");
    assert_eq!(open["connections"][0]["resumed_via"], "header");
    assert!(open["connections"][0]["closed_ms"].is_null());

    drop(client);
    let mut closed = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if !stats("tcp").await["connections"][0]["closed_ms"].is_null() {
            closed = true;
            break;
        }
    }
    assert!(closed, "the server never noticed the client leave");
}

#[tokio::test]
async fn the_bench_stream_has_the_advertised_sizes_and_stops_a_resumed_client() {
    let small = typed_sse_bench_payloads::bench_data(7, false).len();
    assert!((85..=100).contains(&small), "{small}");
    let large = typed_sse_bench_payloads::bench_data(7, true).len();
    assert!((1_900..=2_200).contains(&large), "{large}");
    let text = body_text(get("/sse/bench?n=1200", &[]).await).await;
    assert_eq!(text.matches("\n\n").count(), 1_200);
    assert!(text.starts_with("id: 1\ndata: {\"id\":1,"));
    assert!(text.ends_with("\"time\":1795390959872}\n\n"));
    let resumed = get("/sse/bench?n=1200", &[("last-event-id", "1200")]).await;
    assert_eq!(resumed.status(), StatusCode::NO_CONTENT);
}
