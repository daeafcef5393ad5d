//! Requests that must be refused cleanly: minting a token without the proof a state-changing
//! request needs, and paths whose segments no file system takes.

mod support;

use support::{get, request, serve, Client, Streaming};
use typed_sse_server::tokens::MAX_TOKENS;

fn token_of(r: &support::Response) -> String {
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// Any site's `<img src=".../token">` (a `GET`) or plain form (a simple `POST`) used to mint a
/// token, and [`MAX_TOKENS`] of them evicted the token a page had just fetched. Now only a
/// `POST` with the proof mints, and such a flood leaves the page's token good.
#[tokio::test]
async fn a_flood_of_gets_and_simple_posts_mints_nothing_and_evicts_no_token() {
    let (addr, _) = serve().await;
    let r = request(addr, "POST /token?key=page HTTP/1.1\nX-Typed-SSE: 1", b"").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mine = token_of(&r);
    let mut flood = Client::connect(addr).await;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for _ in 0..MAX_TOKENS {
        let r = flood.send("GET /token?key=evil HTTP/1.1", b"").await;
        *statuses.entry(r.status).or_default() += 1;
    }
    // A cross-site form: a simple POST, no custom header, not JSON (the server closes such a
    // connection without reading the body, so one each).
    for _ in 0..100 {
        let head = "POST /token?key=evil HTTP/1.1\nContent-Type: text/plain";
        *statuses
            .entry(request(addr, head, b"x").await.status)
            .or_default() += 1;
    }
    let head =
        format!("GET /sse/bearer?key=page&valid_ms=600000 HTTP/1.1\nAuthorization: Bearer {mine}");
    let mut stream = Streaming::open(addr, &head, b"").await;
    assert_eq!(stream.status, 200, "the page's token was evicted");
    stream.read_until("data:").await;
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        [(403, 100), (405, MAX_TOKENS)]
    );
    for head in [
        "GET /token?key=k HTTP/1.1",
        "HEAD /token?key=k HTTP/1.1",
        "GET /token?key=k HTTP/1.1\nX-Typed-SSE: 1",
    ] {
        let r = request(addr, head, b"").await;
        assert_eq!(r.status, 405, "{head}");
        assert_eq!(r.header("allow"), Some("POST"), "{head}");
    }
    // With the proof, by the header or a JSON body, a POST mints.
    for (head, body) in [
        ("POST /token?key=k HTTP/1.1\nX-Typed-SSE: 1", &b""[..]),
        (
            "POST /token?key=k HTTP/1.1\nContent-Type: application/json",
            b"{}",
        ),
    ] {
        let r = request(addr, head, body).await;
        assert_eq!(r.status, 200, "{head}");
        assert!(token_of(&r).starts_with("tok-"));
    }
}

/// A path segment longer than a file name may be (255 bytes on Linux) was answered `500`: the
/// static files asked the file system, which refused the name. No such file can exist: `404`.
#[tokio::test]
async fn a_path_segment_longer_than_a_file_name_is_404() {
    let (addr, _) = serve().await;
    let long = "a".repeat(256);
    for path in [
        format!("/{long}"),
        format!("/{long}/x.js"),
        format!("/pkg/{long}"),
        format!("/x/{long}.html"),
        format!("/{}", "%61".repeat(256)),
        format!("/{}", "%C3%A9".repeat(128)),
        // No segment too long, but the whole longer than a path may be.
        "/abcdefghij".repeat(500),
    ] {
        let r = get(addr, &path).await;
        assert_eq!(r.status, 404, "{:.40}: {}", path, r.text());
    }
    // At the limit the name is merely absent: 404 as before.
    let r = get(addr, &format!("/{}", "a".repeat(255))).await;
    assert_eq!(r.status, 404);
    let r = get(addr, "/").await;
    assert_eq!(r.status, 200, "the demo page is still served");
}
