//! The scenarios of the `fetch` transport's tests, against the real server on a loopback port:
//! what `/stats` records of a request, `POST` bodies and their limit, bearer tokens, `retry:`,
//! comments, JSON error bodies, the endless line, and the streamed completion with its cut.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{get, request, serve, stats, Client, Streaming};
use typed_sse_server::completions;

/// One event of a stream body, as the tests read it.
#[derive(Debug, Default, PartialEq)]
struct Ev {
    id: Option<String>,
    event: Option<String>,
    data: String,
    retry: Option<String>,
}

/// The events of an SSE `text` (comment lines skipped; a final, unterminated block dropped).
fn events(text: &str) -> Vec<Ev> {
    let mut blocks: Vec<&str> = text.split("\n\n").collect();
    blocks.pop();
    blocks
        .into_iter()
        .filter_map(|block| {
            let mut ev = Ev::default();
            let mut data = Vec::new();
            for line in block.lines() {
                let (field, value) = line.split_once(": ").unwrap_or((line, ""));
                match field {
                    "id" => ev.id = Some(value.to_owned()),
                    "event" => ev.event = Some(value.to_owned()),
                    "data" => data.push(value),
                    "retry" => ev.retry = Some(value.to_owned()),
                    _ => {}
                }
            }
            ev.data = data.join("\n");
            (ev.id.is_some() || ev.event.is_some() || !data.is_empty() || ev.retry.is_some())
                .then_some(ev)
        })
        .collect()
}

/// The ids of `text`'s events, as numbers.
fn ids(text: &str) -> Vec<u64> {
    events(text)
        .iter()
        .filter_map(|e| e.id.as_deref()?.parse().ok())
        .collect()
}

/// A fresh token for `key` from `POST /token`.
async fn token(addr: std::net::SocketAddr, key: &str) -> String {
    let r = request(
        addr,
        &format!("POST /token?key={key} HTTP/1.1\nX-Typed-SSE: 1"),
        b"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    body["token"].as_str().unwrap().to_owned()
}

fn json_body(r: &support::Response) -> Value {
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json"),
        "{:?}",
        r.headers
    );
    serde_json::from_slice(&r.body).unwrap()
}

/// Waits until `/stats?key=` shows `check` true (a few seconds at most).
async fn stats_until(
    addr: std::net::SocketAddr,
    key: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let s = stats(addr, key).await;
        if check(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "stats never matched: {s}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn stats_record_the_method_the_headers_that_matter_and_the_body_size() {
    let (addr, _) = serve().await;
    let secret = "abcdefghijklmnopqrstuvwxyz0123456789";
    let body = "hello world ".repeat(100);
    let r = request(
        addr,
        &format!(
            "POST /sse/messages?key=fs-stats&n=2&end=1 HTTP/1.1\n\
             Authorization: Bearer {secret}\nAccept: text/event-stream\n\
             Cache-Control: no-cache\nContent-Type: text/plain;charset=UTF-8\n\
             Origin: http://127.0.0.1:9"
        ),
        body.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(ids(&r.text()), [1, 2]);
    let long_accept = "a".repeat(5_000);
    let r = request(
        addr,
        &format!("GET /sse/messages?key=fs-stats&n=1&end=1 HTTP/1.1\nAccept: {long_accept}"),
        b"",
    )
    .await;
    assert_eq!(r.status, 200);

    let s = stats_until(addr, "fs-stats", |s| {
        s["connections"][1]["closed_ms"].is_u64()
    })
    .await;
    let post = &s["connections"][0];
    assert_eq!(post["method"], "POST");
    let auth = post["authorization"].as_str().unwrap();
    assert_eq!(auth, "Bearer abcdefghijklm…");
    assert!(auth.len() <= 64 && !auth.contains("nopq"), "{auth}");
    assert_eq!(post["accept"], "text/event-stream");
    assert_eq!(post["cache_control"], "no-cache");
    assert_eq!(post["content_type"], "text/plain;charset=UTF-8");
    assert_eq!(post["body_bytes"], 1_200);
    assert_eq!(post["events_sent"], 2);
    // The fields from before are all still there.
    for field in [
        "uri",
        "opened_ms",
        "closed_ms",
        "last_event_id",
        "resumed_via",
        "status",
        "probe",
        "events_sent",
    ] {
        assert!(post.get(field).is_some(), "{field} is gone: {post}");
    }
    let plain = &s["connections"][1];
    assert_eq!(plain["method"], "GET");
    assert!(plain["authorization"].is_null());
    assert!(plain["content_type"].is_null());
    assert!(plain["cache_control"].is_null());
    assert_eq!(plain["body_bytes"], 0);
    let accept = plain["accept"].as_str().unwrap();
    assert_eq!(accept.len(), 256, "cut to its cap");
    assert!(accept.ends_with("…[truncated]"));
}

#[tokio::test]
async fn stream_scenarios_take_a_post_with_any_body_but_controls_still_need_proof() {
    let (addr, _) = serve().await;
    let origin = format!("http://localhost:{}", addr.port());
    let simple =
        |path: &str| format!("POST {path} HTTP/1.1\nOrigin: {origin}\nContent-Type: text/plain");
    for (path, status, body) in [
        (
            "/sse/messages?n=2&end=1",
            200,
            "id: 1\ndata: {\"n\":1}\n\nid: 2\ndata: {\"n\":2}\n\n",
        ),
        (
            "/sse/numbered?total=5&cut=1",
            200,
            "id: 1\ndata: {\"n\":1}\n\n",
        ),
        ("/sse/retry?ms=5&n=0", 200, "retry: 5\n\n"),
        ("/sse/endless?bytes=3", 200, "data: xxx"),
        ("/sse/status?code=503", 503, "scenario status 503\n"),
    ] {
        let r = request(addr, &simple(path), b"a plain string").await;
        assert_eq!(r.status, status, "{path}: {}", r.text());
        assert_eq!(r.text(), body, "{path}");
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some(origin.as_str())
        );
    }
    // Controls and tokens change state: a simple POST is not enough.
    for path in ["/control/cut?key=k", "/token?key=k", "/control/drop"] {
        let r = request(addr, &simple(path), b"x").await;
        assert_eq!(r.status, 403, "{path}: {}", r.text());
    }
    let r = request(
        addr,
        "POST /token?key=k HTTP/1.1\nContent-Type: application/json",
        b"{}",
    )
    .await;
    assert_eq!(r.status, 200, "a JSON POST is proof enough");
    assert!(json_body(&r)["token"].as_str().unwrap().starts_with("tok-"));
    // A GET (any site's `<img>`) mints nothing.
    let r = get(addr, "/token?key=k").await;
    assert_eq!(r.status, 405);
    // The Host and Origin checks still hold for the streams.
    let r = request(
        addr,
        "POST /sse/messages?n=1&end=1 HTTP/1.1\nOrigin: http://evil.example",
        b"x",
    )
    .await;
    assert_eq!(r.status, 403);
    let r = request(
        addr,
        "POST /v1/completions HTTP/1.1\nHost: evil.example",
        b"{}",
    )
    .await;
    assert_eq!(r.status, 421);
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_with_413_and_recorded() {
    let (addr, _) = serve().await;
    let limit = typed_sse_server::limits::MAX_BODY_BYTES as usize;
    let r = request(
        addr,
        "POST /sse/messages?key=fs-413&n=1&end=1 HTTP/1.1",
        &vec![b'b'; limit],
    )
    .await;
    assert_eq!(r.status, 200, "exactly the limit is fine");
    // Declared too large: refused before a byte of it is read.
    let r = request(
        addr,
        "POST /sse/messages?key=fs-413&n=1&end=1 HTTP/1.1\nContent-Length: 1000000",
        b"",
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.text(), "a request body may be at most 65536 bytes\n");
    // Chunked, so only counting can tell.
    let mut raw = b"POST /sse/numbered?key=fs-413 HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                    Transfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for _ in 0..7 {
        raw.extend_from_slice(format!("{:x}\r\n", 10_000).as_bytes());
        raw.extend_from_slice(&[b'c'; 10_000]);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let r = Client::connect(addr).await.send_exact(&raw).await;
    assert_eq!(r.status, 413, "{}", r.text());

    let s = stats(addr, "fs-413").await;
    let c = s["connections"].as_array().unwrap();
    let statuses: Vec<_> = c.iter().map(|c| c["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [200, 413, 413]);
    assert_eq!(c[0]["body_bytes"], limit as u64);
    assert_eq!(c[1]["body_bytes"], 1_000_000);
    let counted = c[2]["body_bytes"].as_u64().unwrap();
    assert!(counted > limit as u64 && counted <= 70_000, "{counted}");
    // The server is fine afterwards.
    assert_eq!(get(addr, "/sse/messages?n=1&end=1").await.status, 200);
}

#[tokio::test]
async fn the_last_event_id_header_resumes_and_is_recorded_as_the_header() {
    let (addr, _) = serve().await;
    let r = request(
        addr,
        "GET /sse/numbered?key=fs-resume&total=6&cut=2 HTTP/1.1\nLast-Event-ID: 2",
        b"",
    )
    .await;
    assert_eq!(ids(&r.text()), [3, 4]);
    let r = request(
        addr,
        "POST /sse/messages?key=fs-resume&n=4&end=1 HTTP/1.1\nLast-Event-ID: 3",
        b"{}",
    )
    .await;
    assert_eq!(ids(&r.text()), [4]);
    // The header wins over the query parameter.
    let r = request(
        addr,
        "GET /sse/messages?key=fs-resume&n=4&end=1&lastEventId=1 HTTP/1.1\nLast-Event-ID: 2",
        b"",
    )
    .await;
    assert_eq!(ids(&r.text()), [3, 4]);
    let r = get(addr, "/sse/messages?key=fs-resume&n=4&end=1&lastEventId=3").await;
    assert_eq!(ids(&r.text()), [4]);

    let s = stats(addr, "fs-resume").await;
    let c = s["connections"].as_array().unwrap();
    let via: Vec<_> = c
        .iter()
        .map(|c| c["resumed_via"].as_str().unwrap())
        .collect();
    assert_eq!(via, ["header", "header", "header", "query"]);
    let last: Vec<_> = c
        .iter()
        .map(|c| c["last_event_id"].as_str().unwrap())
        .collect();
    assert_eq!(last, ["2", "3", "2", "3"]);
    assert_eq!(c[1]["method"], "POST");
}

#[tokio::test]
async fn a_bearer_stream_takes_each_token_for_one_connection_only() {
    let (addr, _) = serve().await;
    let path = "/sse/bearer?key=fs-bearer&total=5&cut=2";
    let with = |token: &str, last: Option<u64>| {
        let mut head = format!("GET {path} HTTP/1.1\nAuthorization: Bearer {token}");
        if let Some(last) = last {
            head.push_str(&format!("\nLast-Event-ID: {last}"));
        }
        head
    };

    let r = get(addr, path).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some(r#"Bearer realm="typed-sse", error="invalid_token""#)
    );
    let body = json_body(&r);
    assert_eq!(body["error"], "token expired");
    assert_eq!(body["reason"], "missing");

    let first = token(addr, "fs-bearer").await;
    let r = request(addr, &with(&first, None), b"").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(ids(&r.text()), [1, 2], "cut after two, and the stream ends");
    let r = request(addr, &with(&first, Some(2)), b"").await;
    assert_eq!(r.status, 401, "a spent token");
    assert_eq!(json_body(&r)["reason"], "used");

    let second = token(addr, "fs-bearer").await;
    assert_ne!(first, second);
    let r = request(addr, &with(&second, Some(2)), b"").await;
    assert_eq!(ids(&r.text()), [3, 4]);
    let third = token(addr, "fs-bearer").await;
    // The last message, then the stream holds (nothing is left).
    let mut last = Streaming::open(addr, &with(&third, Some(4)), b"").await;
    assert_eq!(last.status, 200);
    assert_eq!(ids(&last.read_until("\n\n").await), [5]);
    drop(last);

    let elsewhere = token(addr, "other-key").await;
    let r = request(addr, &with(&elsewhere, None), b"").await;
    assert_eq!(json_body(&r)["reason"], "unknown");
    let r = request(addr, &with("tok-1-0000000000000000", None), b"").await;
    assert_eq!(json_body(&r)["reason"], "unknown");

    let s = stats_until(addr, "fs-bearer", |s| {
        s["connections"].as_array().unwrap().len() == 7
    })
    .await;
    let c = s["connections"].as_array().unwrap();
    let statuses: Vec<_> = c.iter().map(|c| c["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [401, 200, 401, 200, 200, 401, 401]);
    let mut prefixes: Vec<_> = c
        .iter()
        .filter(|c| c["status"] == 200)
        .map(|c| c["authorization"].as_str().unwrap())
        .collect();
    assert!(prefixes.iter().all(|p| p.starts_with("Bearer tok-")));
    prefixes.dedup();
    assert_eq!(
        prefixes.len(),
        3,
        "every accepted connection carried a fresh token"
    );
    assert!(c[0]["authorization"].is_null());

    // With reuse=1 a token opens any number of connections within its life.
    let reused = token(addr, "fs-reuse").await;
    for _ in 0..3 {
        let r = request(
            addr,
            &format!(
                "GET /sse/bearer?key=fs-reuse&reuse=1&total=5&cut=1 HTTP/1.1\n\
                 Authorization: Bearer {reused}"
            ),
            b"",
        )
        .await;
        assert_eq!(ids(&r.text()), [1]);
    }
    let s = stats(addr, "fs-reuse").await;
    let statuses: Vec<_> = s["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 200, 200]);
}

#[tokio::test]
async fn a_token_expires_valid_ms_after_it_was_issued() {
    let (addr, _) = serve().await;
    let old = token(addr, "fs-expiry").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let with = |valid_ms: u64| {
        format!(
            "POST /sse/bearer?key=fs-expiry&valid_ms={valid_ms}&total=5&cut=1 HTTP/1.1\n\
             Authorization: Bearer {old}"
        )
    };
    let r = request(addr, &with(300), b"").await;
    assert_eq!(r.status, 401);
    let body = json_body(&r);
    assert_eq!(body["error"], "token expired");
    assert_eq!(body["reason"], "expired");
    // Its life is judged where it is used, and the refusal did not spend it.
    let r = request(addr, &with(60_000), b"").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(ids(&r.text()), [1]);
    let r = request(addr, &with(60_000), b"").await;
    assert_eq!(json_body(&r)["reason"], "used");
    // The default life is 2 s.
    let default = format!(
        "GET /sse/bearer?key=fs-expiry&total=5&cut=1 HTTP/1.1\nAuthorization: Bearer {}",
        token(addr, "fs-expiry").await
    );
    assert_eq!(request(addr, &default, b"").await.status, 200);
    let late = token(addr, "fs-expiry").await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let r = request(
        addr,
        &default.replace(default.rsplit(' ').next().unwrap(), &late),
        b"",
    )
    .await;
    assert_eq!(json_body(&r)["reason"], "expired");
}

#[tokio::test]
async fn retry_comes_first_then_n_events_then_the_stream_ends() {
    let (addr, _) = serve().await;
    let r = get(addr, "/sse/retry?key=fs-retry&ms=1500&n=2").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert_eq!(
        r.text(),
        "retry: 1500\n\nid: 1\ndata: {\"n\":1}\n\nid: 2\ndata: {\"n\":2}\n\n"
    );
    let r = request(
        addr,
        "GET /sse/retry?key=fs-retry&ms=1500&n=2 HTTP/1.1\nLast-Event-ID: 2",
        b"",
    )
    .await;
    assert_eq!(
        r.text(),
        "retry: 1500\n\nid: 3\ndata: {\"n\":3}\n\nid: 4\ndata: {\"n\":4}\n\n"
    );
    let r = get(addr, "/sse/retry?ms=4294967295&n=0").await;
    assert_eq!(r.text(), "retry: 4294967295\n\n");
    let r = get(addr, "/sse/retry?ms=0&n=1").await;
    assert_eq!(r.text(), "retry: 0\n\nid: 1\ndata: {\"n\":1}\n\n");
    let r = get(addr, "/sse/retry").await;
    assert!(
        r.text().starts_with("retry: 1000\n\nid: 1\n"),
        "the defaults"
    );

    let s = stats(addr, "fs-retry").await;
    let c = s["connections"].as_array().unwrap();
    assert_eq!(c[0]["events_sent"], 2, "the retry line is not an event");
    for c in c {
        let (opened, closed) = (c["opened_ms"].as_u64(), c["closed_ms"].as_u64());
        assert!(closed.unwrap() >= opened.unwrap(), "{c}");
    }
}

#[tokio::test]
async fn comments_follow_one_ready_event_every_every_ms_until_the_client_goes() {
    let (addr, _) = serve().await;
    let started = Instant::now();
    let mut stream = Streaming::open(
        addr,
        "GET /sse/comments?key=fs-comments&every_ms=50 HTTP/1.1",
        b"",
    )
    .await;
    assert_eq!(stream.status, 200);
    let text = stream.read_until_count(": keep-alive\n\n", 4).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(190),
        "4 comments 50 ms apart came in {elapsed:?}"
    );
    let rest = text
        .strip_prefix("event: ready\ndata: {}\n\n")
        .unwrap_or_else(|| panic!("{text:?}"));
    assert!(
        rest.split_terminator("\n\n").all(|c| c == ": keep-alive"),
        "only comments after ready: {rest:?}"
    );
    let s = stats(addr, "fs-comments").await;
    assert_eq!(s["connections"][0]["events_sent"], 1);
    assert!(s["connections"][0]["closed_ms"].is_null(), "still open");
    drop(stream);
    stats_until(addr, "fs-comments", |s| {
        s["connections"][0]["closed_ms"].is_u64()
    })
    .await;
}

#[tokio::test]
async fn status_answers_a_json_error_body_when_asked() {
    let (addr, _) = serve().await;
    let r = get(addr, "/sse/status?code=429&body=json&retry_after=3").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("3"));
    assert_eq!(
        json_body(&r),
        json!({ "error": { "type": "rate_limit", "message": "slow down" } })
    );
    let r = get(addr, "/sse/status?code=400&body=json").await;
    assert_eq!(r.status, 400);
    assert_eq!(json_body(&r)["error"]["type"], "invalid_request");
    let r = get(addr, "/sse/status?code=429").await;
    assert_eq!(r.text(), "scenario status 429\n", "plain text by default");
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    assert!(r.header("retry-after").is_none());
    let r = get(addr, "/sse/flaky?key=fs-flaky&fail=1&code=503&body=json").await;
    assert_eq!(r.status, 503);
    assert_eq!(json_body(&r)["error"]["type"], "overloaded");
}

#[tokio::test]
async fn the_endless_line_never_completes_an_event() {
    let (addr, _) = serve().await;
    let r = get(addr, "/sse/endless?key=fs-endless&bytes=100000").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert_eq!(r.body.len(), 100_006);
    assert!(r.body.starts_with(b"data: "));
    assert!(r.body[6..].iter().all(|b| *b == b'x'));

    // The default: 20 MB, read as it comes.
    let mut stream = Streaming::open(addr, "GET /sse/endless?key=fs-endless HTTP/1.1", b"").await;
    let text = stream.finish().await.unwrap();
    assert_eq!(text.len(), 6 + 20_000_000);
    assert!(text[6..].bytes().all(|b| b == b'x'), "no line end anywhere");

    let s = stats_until(addr, "fs-endless", |s| {
        s["connections"][1]["closed_ms"].is_u64()
    })
    .await;
    assert_eq!(s["connections"][1]["events_sent"], 0);
}

/// `POST /v1/completions` with a fresh token for `key`: the head and body to send.
async fn completion_request(
    addr: std::net::SocketAddr,
    key: &str,
    query: &str,
    body: &Value,
    extra: &str,
) -> (String, Vec<u8>) {
    let token = token(addr, key).await;
    let head = format!(
        "POST /v1/completions?key={key}{query} HTTP/1.1\nAuthorization: Bearer {token}\n\
         Content-Type: application/json{extra}"
    );
    (head, body.to_string().into_bytes())
}

/// Checks a completion's events: tokens with consecutive ids from `from`, each the text the
/// prompt gives, then `done` with the whole answer.
fn check_completion(text: &str, prompt: &str, from: u64, n: u64) {
    let evs = events(text);
    assert_eq!(evs.len() as u64, n - from + 1, "{text}");
    for (ev, i) in evs.iter().zip(from..n) {
        assert_eq!(ev.event.as_deref(), Some("token"));
        assert_eq!(ev.id, Some(i.to_string()));
        let data: Value = serde_json::from_str(&ev.data).unwrap();
        assert_eq!(
            data,
            json!({ "index": i, "text": completions::token(prompt, i) })
        );
    }
    let done = evs.last().unwrap();
    assert_eq!(done.event.as_deref(), Some("done"));
    assert_eq!(done.id, Some(n.to_string()));
    let data: Value = serde_json::from_str(&done.data).unwrap();
    assert_eq!(
        data,
        json!({ "tokens": n, "text": completions::answer(prompt, n) })
    );
}

#[tokio::test]
async fn a_completion_is_a_function_of_the_prompt_and_ends_with_done() {
    let (addr, _) = serve().await;
    let prompt = "Tell me about streams";
    let body = json!({ "prompt": prompt, "max_tokens": 12 });
    let (head, bytes) = completion_request(addr, "fs-c", "&interval_ms=0", &body, "").await;
    let r = request(addr, &head, &bytes).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    check_completion(&r.text(), prompt, 0, 12);
    // Again, with a plain-text body (no preflight, no proof header): the same bytes.
    let (head, bytes) = completion_request(addr, "fs-c", "&interval_ms=0", &body, "").await;
    let head = head.replace("application/json", "text/plain;charset=UTF-8");
    let again = request(addr, &head, &bytes).await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.text(), r.text());
    // Another prompt, another answer; a full cycle of the corpus carries the markup.
    let other = json!({ "prompt": "Something else", "max_tokens": 48 });
    let (head, bytes) = completion_request(addr, "fs-c", "&interval_ms=0", &other, "").await;
    let text = request(addr, &head, &bytes).await.text();
    check_completion(&text, "Something else", 0, 48);
    assert!(text.contains(r#""text":" <b>bold</b>""#) || text.contains(r#""text":"<b>bold</b>""#));
    assert!(text.contains("&amp;"));
    assert_ne!(
        completions::answer(prompt, 12),
        completions::answer("Something else", 12)
    );
    // Pacing: 5 tokens 40 ms apart take at least 200 ms.
    let started = Instant::now();
    let five = json!({ "prompt": prompt, "max_tokens": 5 });
    let (head, bytes) = completion_request(addr, "fs-c", "&interval_ms=40", &five, "").await;
    check_completion(&request(addr, &head, &bytes).await.text(), prompt, 0, 5);
    assert!(started.elapsed() >= Duration::from_millis(200));

    let s = stats(addr, "fs-c").await;
    let first = &s["connections"][0];
    assert_eq!(first["method"], "POST");
    assert_eq!(first["body_bytes"], bytes_len(&body));
    assert_eq!(first["content_type"], "application/json");
    assert_eq!(first["events_sent"], 13);
    assert_eq!(
        s["connections"][1]["content_type"],
        "text/plain;charset=UTF-8"
    );
}

fn bytes_len(body: &Value) -> u64 {
    body.to_string().len() as u64
}

#[tokio::test]
async fn a_completion_resumes_after_the_last_event_id_header() {
    let (addr, _) = serve().await;
    let prompt = "resume me";
    let body = json!({ "prompt": prompt, "max_tokens": 12 });
    let q = "&interval_ms=0";
    let (head, bytes) = completion_request(addr, "fs-cr", q, &body, "\nLast-Event-ID: 8").await;
    check_completion(&request(addr, &head, &bytes).await.text(), prompt, 9, 12);
    let (head, bytes) = completion_request(addr, "fs-cr", q, &body, "\nLast-Event-ID: 11").await;
    check_completion(&request(addr, &head, &bytes).await.text(), prompt, 12, 12);
    let (head, bytes) = completion_request(addr, "fs-cr", q, &body, "\nLast-Event-ID: 12").await;
    let r = request(addr, &head, &bytes).await;
    assert_eq!(r.status, 204, "nothing after done");
    let (head, bytes) = completion_request(addr, "fs-cr", q, &body, "\nLast-Event-ID: x").await;
    check_completion(&request(addr, &head, &bytes).await.text(), prompt, 0, 12);

    let s = stats(addr, "fs-cr").await;
    let c = s["connections"].as_array().unwrap();
    let via: Vec<_> = c
        .iter()
        .map(|c| c["resumed_via"].as_str().unwrap())
        .collect();
    assert_eq!(via, ["header"; 4]);
    let statuses: Vec<_> = c.iter().map(|c| c["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [200, 200, 204, 200]);
    assert_eq!(c[0]["events_sent"], 4, "3 tokens and done");
}

#[tokio::test]
async fn a_completion_refuses_what_it_cannot_serve() {
    let (addr, _) = serve().await;
    let good = json!({ "prompt": "p", "max_tokens": 2 }).to_string();
    let r = request(
        addr,
        "POST /v1/completions?key=fs-cx HTTP/1.1",
        good.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(json_body(&r)["reason"], "missing");

    let token = token(addr, "fs-cx").await;
    let post = |query: &str| {
        format!("POST /v1/completions?key=fs-cx{query} HTTP/1.1\nAuthorization: Bearer {token}")
    };
    for (body, message) in [
        ("not json", "the body must be JSON"),
        (r#"{"max_tokens":2}"#, "`prompt` must be a string"),
        (
            r#"{"prompt":"p","max_tokens":4097}"#,
            "`max_tokens` must be an integer from 1 to 4096",
        ),
        (
            r#"{"prompt":"p","max_tokens":0}"#,
            "`max_tokens` must be an integer from 1 to 4096",
        ),
    ] {
        let r = request(addr, &post(""), body.as_bytes()).await;
        assert_eq!(r.status, 400, "{body}");
        let error = &json_body(&r)["error"];
        assert_eq!(error["type"], "invalid_request");
        assert!(
            error["message"].as_str().unwrap().starts_with(message),
            "{error}"
        );
    }
    for (query, message) in [
        (
            "&interval_ms=60001",
            "`interval_ms` must be an integer from 0 to 60000",
        ),
        (
            "&valid_ms=0",
            "`valid_ms` must be an integer from 1 to 600000",
        ),
        ("&reuse=2", "`reuse` must be an integer from 0 to 1"),
    ] {
        let r = request(addr, &post(query), good.as_bytes()).await;
        assert_eq!(r.status, 400, "{query}");
        assert_eq!(json_body(&r)["error"]["message"], message);
    }
    let r = request(addr, &post(""), &vec![b' '; 70_000]).await;
    assert_eq!(r.status, 413);
    // None of that spent the token; now it works, once.
    let r = request(addr, &post("&interval_ms=0"), good.as_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    check_completion(&r.text(), "p", 0, 2);
    let r = request(addr, &post("&interval_ms=0"), good.as_bytes()).await;
    assert_eq!(r.status, 401);
    assert_eq!(json_body(&r)["reason"], "used");
    assert_eq!(get(addr, "/v1/completions").await.status, 405);
}

#[tokio::test]
async fn a_cut_ends_live_completions_and_a_resume_completes_the_answer() {
    let (addr, _) = serve().await;
    let prompt = "cut me off";
    let n = 20;
    let body = json!({ "prompt": prompt, "max_tokens": n });
    // 100 ms a token: the cut has well over a second to arrive before the answer would end.
    let (head, bytes) = completion_request(addr, "fs-cut", "&interval_ms=100", &body, "").await;
    let mut stream = Streaming::open(addr, &head, &bytes).await;
    assert_eq!(stream.status, 200);
    stream.read_until("id: 3\n").await;

    let cut = |query: &'static str, proof: &'static str| async move {
        request(
            addr,
            &format!("POST /control/cut?key=fs-cut{query} HTTP/1.1{proof}"),
            b"",
        )
        .await
    };
    let r = cut("", "").await;
    assert_eq!(r.status, 403, "a control needs proof");
    stream.read_until("id: 4\n").await;
    let r = cut("", "\nX-Typed-SSE: 1").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json_body(&r), json!({ "cut": 1 }));
    let first = stream.finish().await.expect("a clean end");
    assert!(
        !first.contains("event: done"),
        "cut before the end: {first}"
    );
    let got = ids(&first);
    let last = *got.last().unwrap();
    assert!(last >= 4 && last < n - 1, "{got:?}");
    assert_eq!(got, (0..=last).collect::<Vec<_>>());

    // Resume with a fresh token: only the later tokens, then done.
    let extra = format!("\nLast-Event-ID: {last}");
    let (head, bytes) = completion_request(addr, "fs-cut", "&interval_ms=0", &body, &extra).await;
    let second = request(addr, &head, &bytes).await.text();
    check_completion(&second, prompt, last + 1, n);
    let texts: String = events(&first)
        .iter()
        .chain(events(&second).iter())
        .filter(|e| e.event.as_deref() == Some("token"))
        .map(|e| {
            let data: Value = serde_json::from_str(&e.data).unwrap();
            data["text"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        texts,
        completions::answer(prompt, n),
        "none missing or repeated"
    );

    // Nothing live: nothing to cut.
    let r = cut("", "\nX-Typed-SSE: 1").await;
    assert_eq!(json_body(&r), json!({ "cut": 0 }));

    // abort=1 breaks the connection instead.
    let (head, bytes) = completion_request(addr, "fs-cut", "&interval_ms=100", &body, "").await;
    let mut stream = Streaming::open(addr, &head, &bytes).await;
    stream.read_until("id: 1\n").await;
    let r = cut("&abort=1", "\nX-Typed-SSE: 1").await;
    assert_eq!(json_body(&r), json!({ "cut": 1 }));
    let broken = stream.finish().await;
    assert!(broken.is_err(), "the body ended cleanly: {broken:?}");

    let s = stats_until(addr, "fs-cut", |s| {
        s["connections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["closed_ms"].is_u64())
    })
    .await;
    assert_eq!(s["connections"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn every_new_parameter_out_of_range_is_a_clear_400() {
    let (addr, _) = serve().await;
    for (path, name) in [
        ("/sse/bearer?valid_ms=0", "`valid_ms`"),
        ("/sse/bearer?valid_ms=600001", "`valid_ms`"),
        ("/sse/bearer?reuse=2", "`reuse`"),
        ("/sse/bearer?total=10000000000", "`total`"),
        ("/sse/bearer?cut=0", "`cut`"),
        ("/sse/bearer?interval_ms=60001", "`interval_ms`"),
        ("/sse/retry?ms=4294967296", "`ms`"),
        ("/sse/retry?n=10000000000", "`n`"),
        ("/sse/retry?interval_ms=60001", "`interval_ms`"),
        ("/sse/comments?every_ms=9", "`every_ms`"),
        ("/sse/comments?every_ms=60001", "`every_ms`"),
        ("/sse/endless?bytes=1000000001", "`bytes`"),
        ("/sse/status?body=xml", "`body`"),
        ("/sse/flaky?body=html", "`body`"),
    ] {
        for method in ["GET", "POST"] {
            let r = request(addr, &format!("{method} {path} HTTP/1.1"), b"").await;
            assert_eq!(r.status, 400, "{method} {path}: {}", r.text());
            assert!(
                r.text().starts_with(&format!("{name} must be ")),
                "{path}: {}",
                r.text()
            );
        }
    }
    assert_eq!(
        get(addr, "/sse/status?body=xml").await.text(),
        "`body` must be one of `text`, `json`\n"
    );
    let r = request(
        addr,
        "POST /control/cut?abort=2 HTTP/1.1\nX-Typed-SSE: 1",
        b"",
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text().starts_with("`abort` must be "));
    let long_key = "k".repeat(129);
    for (method, path) in [
        ("POST", format!("/token?key={long_key}")),
        ("GET", format!("/sse/bearer?key={long_key}")),
    ] {
        let r = request(
            addr,
            &format!("{method} {path} HTTP/1.1\nX-Typed-SSE: 1"),
            b"",
        )
        .await;
        assert_eq!(r.status, 400, "{path}");
        assert!(r.text().starts_with("`key` must be at most"));
    }
}

#[tokio::test]
async fn loopback_pages_may_send_the_fetch_headers_with_get_and_post() {
    let (addr, _) = serve().await;
    let preflight = |path: &str, origin: &str, method: &str| {
        format!(
            "OPTIONS {path} HTTP/1.1\nOrigin: {origin}\nAccess-Control-Request-Method: {method}\n\
             Access-Control-Request-Headers: authorization,content-type,last-event-id,x-typed-sse"
        )
    };
    let origin = "http://localhost:5173";
    for (path, method) in [
        ("/v1/completions", "POST"),
        ("/sse/bearer", "GET"),
        ("/sse/messages", "POST"),
        ("/token", "POST"),
    ] {
        let r = request(addr, &preflight(path, origin, method), b"").await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("access-control-allow-origin"), Some(origin));
        assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
        let headers = r.header("access-control-allow-headers").unwrap().to_owned();
        for h in [
            "authorization",
            "content-type",
            "last-event-id",
            "x-typed-sse",
        ] {
            assert!(headers.contains(h), "{path}: {headers}");
        }
        let methods = r.header("access-control-allow-methods").unwrap();
        assert!(
            methods.contains("GET") && methods.contains("POST"),
            "{methods}"
        );
    }
    let evil = request(
        addr,
        &preflight("/v1/completions", "http://evil.example", "POST"),
        b"",
    )
    .await;
    assert!(evil.header("access-control-allow-origin").is_none());
    // A refused token's reason is readable from such a page.
    let r = request(
        addr,
        &format!("GET /sse/bearer HTTP/1.1\nOrigin: {origin}"),
        b"",
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("access-control-allow-origin"), Some(origin));
    assert!(r
        .header("access-control-expose-headers")
        .unwrap()
        .contains("www-authenticate"));
}
