//! Hostile requests against the real server on a loopback port: each used to kill the process,
//! grow it without bound, or be accepted from another site.

mod support;

use std::time::{Duration, Instant};

use support::{get, request, serve, serve_with, stats, Client};
use typed_sse_server::limits::{MAX_EVENTS, MAX_KEY_LEN};
use typed_sse_server::stats::{
    MAX_KEYS, MAX_RECORDS_PER_KEY, MAX_STORED_BYTES, MAX_TEXT_BYTES, TRUNCATED,
};
use typed_sse_server::Config;

/// Each of these aborted the process (or, for `code=101`, answered a real 101); each must now
/// be a `400` naming the parameter and its range, and the server must answer the next request.
#[tokio::test]
async fn requests_that_used_to_kill_the_server_get_400_and_it_keeps_answering() {
    let (addr, _) = serve().await;
    let cases = [
        ("/sse/messages?n=18446744073709551615", "`n`"),
        ("/sse/numbered?total=10000000000", "`total`"),
        ("/sse/flaky?fail=0&n=10000000000", "`n`"),
        ("/sse/flaky?n=10000000000", "`n`"),
        ("/sse/bench?n=10000000000", "`n`"),
        ("/sse/rate?n=10000000000", "`n`"),
        ("/sse/numbered?cut=0", "`cut`"),
        ("/sse/big?bytes=16000001", "`bytes`"),
        ("/sse/status?code=101", "`code`"),
        ("/sse/status?code=600", "`code`"),
        ("/sse/flaky?code=99", "`code`"),
        ("/sse/status?retry_after=4294967296", "`retry_after`"),
        ("/sse/messages?interval_ms=60001", "`interval_ms`"),
        ("/sse/hold?keepalive_ms=0", "`keepalive_ms`"),
        ("/sse/heartbeat?every_ms=0", "`every_ms`"),
        ("/sse/rate?per_sec=0", "`per_sec`"),
        ("/sse/flaky?fail=1001", "`fail`"),
        ("/sse/messages?n=five", "`n`"),
    ];
    for (path, name) in cases {
        let response = get(addr, path).await;
        assert_eq!(response.status, 400, "{path}: {}", response.text());
        let text = response.text();
        assert!(
            text.starts_with(&format!("{name} must be ")),
            "{path}: {text}"
        );
        assert!(response
            .header("content-type")
            .unwrap()
            .starts_with("text/plain"));
        assert_eq!(
            get(addr, "/stats?key=ping").await.status,
            200,
            "after {path}"
        );
    }
    let n = get(addr, "/sse/messages?n=18446744073709551615")
        .await
        .text();
    assert_eq!(
        n,
        format!("`n` must be an integer from 0 to {MAX_EVENTS}\n")
    );

    let long_key = "k".repeat(MAX_KEY_LEN + 1);
    let response = get(addr, &format!("/sse/hold?key={long_key}")).await;
    assert_eq!(response.status, 400);
    assert!(response.text().starts_with("`key` must be at most"));

    let fail = request(
        addr,
        "POST /control/fail?seconds=121 HTTP/1.1\nX-Typed-SSE: 1",
        b"",
    )
    .await;
    assert_eq!(fail.status, 400, "{}", fail.text());
    assert!(fail
        .text()
        .contains("`seconds` must be an integer from 0 to 120"));
}

/// Limits that were fine stay fine: the largest values the browser tests and benchmarks use.
#[tokio::test]
async fn values_within_the_limits_are_still_served() {
    let (addr, _) = serve().await;
    let r = get(
        addr,
        "/sse/messages?n=3&end=1&interval_ms=0&keepalive_ms=10",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text().matches("\n\n").count(), 3);
    let r = get(
        addr,
        "/sse/status?code=599&retry_after=Wed,%2021%20Oct%202015%2007:28:00%20GMT",
    )
    .await;
    assert_eq!(r.status, 599);
    assert_eq!(
        r.header("retry-after"),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    let r = get(addr, "/sse/status?code=200").await;
    assert_eq!(r.status, 200);
    // bench/measure.mjs asks for a hundred million events, one per connection.
    let r = get(addr, "/sse/numbered?total=100000000&cut=1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "id: 1\ndata: {\"n\":1}\n\n");
}

/// `id + 1` overflowed on a resume point of `u64::MAX`: now there is simply nothing after it.
#[tokio::test]
async fn a_resume_point_at_the_largest_id_sends_nothing_instead_of_overflowing() {
    let (addr, _) = serve().await;
    let max = u64::MAX;
    let r = request(
        addr,
        &format!("GET /sse/messages?n=3&end=1 HTTP/1.1\nLast-Event-ID: {max}"),
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "");
    let r = get(addr, &format!("/sse/bench?n=3&lastEventId={max}")).await;
    assert_eq!(r.status, 204);
    let r = get(addr, "/sse/numbered?total=7&cut=2&lastEventId=1").await;
    assert_eq!(
        r.text(),
        "id: 2\ndata: {\"n\":2}\n\nid: 3\ndata: {\"n\":3}\n\n"
    );
}

/// 20,000 keys took +8 MB and stayed: now the least recently used keys are forgotten.
#[tokio::test]
async fn twenty_thousand_keys_keep_the_stats_within_their_key_cap() {
    let (addr, stats_log) = serve().await;
    let mut client = Client::connect(addr).await;
    let started = Instant::now();
    for i in 0..20_000 {
        let r = client
            .send(
                &format!("GET /sse/status?code=204&key=flood-{i} HTTP/1.1"),
                b"",
            )
            .await;
        assert_eq!(r.status, 204);
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "too slow at {i}"
        );
    }
    assert_eq!(stats_log.key_count(), MAX_KEYS);
    assert!(stats_log.stored_bytes() <= MAX_STORED_BYTES);
    let newest = stats(addr, "flood-19999").await;
    assert_eq!(newest["connections"].as_array().unwrap().len(), 1);
    assert_eq!(newest["connections"][0]["status"], 204);
    let oldest = stats(addr, "flood-0").await;
    assert!(oldest["connections"].as_array().unwrap().is_empty());
    let first_kept = 20_000 - MAX_KEYS;
    assert_eq!(
        stats(addr, &format!("flood-{first_kept}")).await["connections"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// 2,000 URIs of 60 KB took +237 MB, 500 `Last-Event-ID`s of 300 KB +150 MB, and one `/stats`
/// answer was 240 MB: now texts are cut, a key keeps its newest records, and so the answer is
/// bounded.
#[tokio::test]
async fn oversized_uris_and_last_event_ids_are_cut_and_a_key_keeps_its_cap() {
    let (addr, stats_log) = serve().await;
    let pad = "p".repeat(60_000);
    let id = "i".repeat(300_000);
    let mut client = Client::connect(addr).await;
    let extra = 50;
    for i in 0..MAX_RECORDS_PER_KEY + extra {
        // Every tenth request also carries a 300 KB Last-Event-ID.
        let header = if i % 10 == 0 {
            format!("\nLast-Event-ID: {id}")
        } else {
            String::new()
        };
        let r = client
            .send(
                &format!("GET /sse/status?code=204&key=huge&pad={pad} HTTP/1.1{header}"),
                b"",
            )
            .await;
        assert_eq!(r.status, 204);
    }
    let r = support::get(addr, "/stats?key=huge").await;
    // Each record: two texts of at most MAX_TEXT_BYTES (the padding needs no JSON escaping)
    // and ~200 bytes of other fields.
    let bound = MAX_RECORDS_PER_KEY * (2 * MAX_TEXT_BYTES + 256);
    assert!(r.body.len() <= bound, "{} > {bound}", r.body.len());
    let json: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let connections = json["connections"].as_array().unwrap();
    assert_eq!(connections.len(), MAX_RECORDS_PER_KEY);
    assert_eq!(json["dropped"], extra as u64);
    let mut ids = 0;
    for c in connections {
        let uri = c["uri"].as_str().unwrap();
        assert!(
            uri.len() <= MAX_TEXT_BYTES && uri.ends_with(TRUNCATED),
            "{}",
            uri.len()
        );
        assert!(uri.starts_with("/sse/status?code=204&key=huge&pad=ppp"));
        if let Some(id) = c["last_event_id"].as_str() {
            assert!(
                id.len() <= MAX_TEXT_BYTES && id.ends_with(TRUNCATED),
                "{}",
                id.len()
            );
            ids += 1;
        }
    }
    assert_eq!(ids, MAX_RECORDS_PER_KEY / 10);
    assert!(stats_log.stored_bytes() <= MAX_STORED_BYTES);
}

/// A page on another site must not drop the demo's streams; the demo page itself may.
#[tokio::test]
async fn a_cross_site_post_is_refused_and_a_local_one_works() {
    let (addr, _) = serve().await;
    // A demo stream to watch.
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(
        &mut stream,
        b"GET /events?key=victim HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    )
    .await
    .unwrap();
    let closed = |addr| async move {
        let s = stats(addr, "victim").await;
        !s["connections"][0]["closed_ms"].is_null()
    };
    for _ in 0..100 {
        if stats(addr, "victim").await["connections"][0].is_object() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!closed(addr).await);

    // Even with the header (a browser would not send it cross-site without a preflight, which
    // fails): the Origin alone is enough to refuse.
    let evil = request(
        addr,
        "POST /control/drop HTTP/1.1\nOrigin: http://evil.example\nX-Typed-SSE: 1",
        b"",
    )
    .await;
    assert_eq!(evil.status, 403, "{}", evil.text());
    assert!(evil.header("access-control-allow-origin").is_none());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !closed(addr).await,
        "the cross-site POST dropped the stream"
    );

    let origin = format!("http://127.0.0.1:{}", addr.port());
    let local = request(
        addr,
        &format!("POST /control/drop HTTP/1.1\nOrigin: {origin}\nX-Typed-SSE: 1"),
        b"",
    )
    .await;
    assert_eq!(local.status, 204, "{}", local.text());
    let mut dropped = false;
    for _ in 0..100 {
        if closed(addr).await {
            dropped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(dropped, "the local POST did not drop the stream");
}

/// The forms a plain HTML form (or `fetch` in `no-cors` mode) can send need no preflight: they
/// must not be enough.
#[tokio::test]
async fn a_simple_post_without_the_custom_header_is_refused() {
    let (addr, _) = serve().await;
    let origin = format!("http://localhost:{}", addr.port());
    for head in [
        format!("POST /control/drop HTTP/1.1\nOrigin: {origin}\nContent-Type: text/plain"),
        "POST /control/drop HTTP/1.1\nContent-Type: application/x-www-form-urlencoded".into(),
        "POST /control/fail?seconds=1 HTTP/1.1".into(),
        "POST /control/drop HTTP/1.1\nX-Typed-SSE: 0".into(),
        format!("POST /chat HTTP/1.1\nOrigin: {origin}\nContent-Type: text/plain"),
    ] {
        let r = request(addr, &head, br#"{"name":"a","text":"b"}"#).await;
        assert_eq!(r.status, 403, "{head}: {}", r.text());
        assert!(r.text().contains("X-Typed-SSE: 1"), "{}", r.text());
    }
    let chat = request(
        addr,
        &format!("POST /chat HTTP/1.1\nOrigin: {origin}\nContent-Type: application/json"),
        br#"{"name":"a","text":"b"}"#,
    )
    .await;
    assert_eq!(chat.status, 200, "{}", chat.text());
    assert_eq!(
        chat.header("access-control-allow-origin"),
        Some(origin.as_str())
    );
    let fail = request(
        addr,
        "POST /control/fail?seconds=0 HTTP/1.1\nX-Typed-SSE: 1",
        b"",
    )
    .await;
    assert_eq!(fail.status, 204, "{}", fail.text());
}

/// A loopback page on another port may send the header: the preflight allows it.
#[tokio::test]
async fn a_preflight_allows_the_custom_header_for_loopback_pages_only() {
    let (addr, _) = serve().await;
    let preflight = |origin: &str| {
        format!(
            "OPTIONS /control/drop HTTP/1.1\nOrigin: {origin}\n\
             Access-Control-Request-Method: POST\nAccess-Control-Request-Headers: x-typed-sse"
        )
    };
    let ok = request(addr, &preflight("http://localhost:5173"), b"").await;
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    assert!(ok
        .header("access-control-allow-headers")
        .unwrap()
        .contains("x-typed-sse"));
    let evil = request(addr, &preflight("http://evil.example"), b"").await;
    assert!(evil.header("access-control-allow-origin").is_none());
}

/// DNS rebinding: a page on `evil.example`, whose name now points at 127.0.0.1, sends its own
/// name in `Host`.
#[tokio::test]
async fn a_request_for_another_host_is_refused() {
    let (addr, _) = serve().await;
    let port = addr.port();
    for host in [
        format!("evil.example:{port}"),
        "127.0.0.1.evil.example".into(),
        "127.0.0.2".into(),
    ] {
        let r = request(
            addr,
            &format!("GET /stats?key=k HTTP/1.1\nHost: {host}"),
            b"",
        )
        .await;
        assert_eq!(r.status, 421, "{host}: {}", r.text());
        assert!(r.text().contains("127.0.0.1, localhost or [::1]"));
    }
    let r = request(
        addr,
        "GET http://evil.example/stats?key=k HTTP/1.1\nHost: 127.0.0.1",
        b"",
    )
    .await;
    assert_eq!(r.status, 421, "the authority in the request line counts");
    let r = Client::connect(addr)
        .await
        .send_exact(b"GET /stats?key=k HTTP/1.0\r\n\r\n")
        .await;
    assert_eq!(r.status, 400, "no Host at all");
    for host in [
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "127.0.0.1".into(),
    ] {
        let r = request(
            addr,
            &format!("GET /stats?key=k HTTP/1.1\nHost: {host}"),
            b"",
        )
        .await;
        assert_eq!(r.status, 200, "{host}");
    }
}

/// A unique empty directory under the system's temporary one.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "typed-sse-server-{name}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn symbolic_links_out_of_a_served_folder_are_refused() {
    use std::os::unix::fs::symlink;
    let root = temp_dir("www");
    let outside = temp_dir("outside");
    std::fs::write(root.join("page.html"), "inside").unwrap();
    std::fs::write(outside.join("secret.txt"), "secret").unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    symlink(outside.join("secret.txt"), root.join("secret.txt")).unwrap();
    symlink(&outside, root.join("out")).unwrap();
    symlink(outside.join("secret.txt"), root.join("sub/index.html")).unwrap();
    symlink(root.join("page.html"), root.join("alias.html")).unwrap();

    let config = Config {
        www_dir: root.clone(),
        pkg_dir: root.join("sub"),
        extra_dirs: Vec::new(),
        store: Default::default(),
    };
    let (addr, _) = serve_with(config).await;
    assert_eq!(get(addr, "/page.html").await.text(), "inside");
    assert_eq!(
        get(addr, "/alias.html").await.text(),
        "inside",
        "a link inside is fine"
    );
    for path in [
        "/secret.txt",
        "/out/secret.txt",
        "/out%2Fsecret.txt",
        "/sub/",
        "/pkg/",
    ] {
        let r = get(addr, path).await;
        assert_eq!(r.status, 403, "{path}: {}", r.text());
        assert!(!r.text().contains("secret"), "{path}");
    }
    assert_eq!(get(addr, "/missing.txt").await.status, 404);
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::remove_dir_all(&outside).unwrap();
}

/// `--serve` with a name the router cannot take panicked at start; now it is an error message
/// and a non-zero exit, before the server listens.
#[test]
fn a_bad_serve_value_exits_with_an_error_instead_of_panicking() {
    let dir = env!("CARGO_MANIFEST_DIR");
    for spec in [
        format!("={dir}"),
        format!("pkg={dir}"),
        format!("{{x}}={dir}"),
        "x=/no/such/dir".to_owned(),
        "nothing".to_owned(),
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_typed-sse-server"))
            .args(["--port", "0", "--serve", &spec])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                child.wait().unwrap();
                panic!("--serve {spec}: the server started instead of refusing");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(2), "--serve {spec}: {stderr}");
        assert!(stderr.contains("--serve"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
