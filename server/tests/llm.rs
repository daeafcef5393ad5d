//! The OpenAI and Anthropic wire formats of `/v1/chat/completions` and `/v1/messages`, over real
//! HTTP on a loopback port: the bytes of a whole answer against the documented streams, the
//! provider error bodies with `Retry-After`, the cuts, and what `/stats` records.

mod support;

use serde_json::{json, Value};
use support::{get, request, serve, stats, Streaming};
use typed_sse_server::completions;

/// `POST path` with a JSON `body` (and `extra` header lines): the head and the body's bytes.
fn post(path: &str, body: &Value, extra: &str) -> (String, Vec<u8>) {
    (
        format!("POST {path} HTTP/1.1\nContent-Type: application/json{extra}"),
        body.to_string().into_bytes(),
    )
}

/// Token `i` of the answer to `prompt`, as a JSON string literal.
fn token_json(prompt: &str, i: u64) -> String {
    serde_json::to_string(&completions::token(prompt, i)).unwrap()
}

/// The `data:` values of an SSE body, in order.
fn data_lines(body: &str) -> Vec<&str> {
    body.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect()
}

/// The text of an OpenAI stream's content deltas, joined.
fn openai_text(body: &str) -> String {
    data_lines(body)
        .into_iter()
        .filter(|d| *d != "[DONE]")
        .filter_map(|d| {
            let v: Value = serde_json::from_str(d).unwrap();
            v["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

/// The text of an Anthropic stream's `text_delta`s, joined.
fn anthropic_text(body: &str) -> String {
    data_lines(body)
        .into_iter()
        .filter_map(|d| {
            let v: Value = serde_json::from_str(d).unwrap();
            (v["type"] == "content_block_delta")
                .then(|| v["delta"]["text"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_openai_stream_is_the_documented_chunks_then_done_then_the_end() {
    let (addr, _) = serve().await;
    let prompt = "hi";
    let body = json!({
        "model": "gpt-4o-mini",
        "messages": [{ "role": "user", "content": prompt }],
        "stream": true,
        "max_tokens": 3,
    });
    let (head, bytes) = post("/v1/chat/completions?key=llm-oa&interval_ms=0", &body, "");
    let r = request(addr, &head, &bytes).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    let text = r.text();
    // `created` is the clock's; everything else is fixed.
    let first: Value = serde_json::from_str(data_lines(&text)[0]).unwrap();
    let created = first["created"].as_u64().unwrap();
    let chunk = |delta: &str, finish: &str| {
        format!(
            "data: {{\"id\":\"chatcmpl-typedsse1\",\"object\":\"chat.completion.chunk\",\
             \"created\":{created},\"model\":\"typed-sse-test\",\
             \"system_fingerprint\":\"fp_typed_sse\",\"choices\":[{{\"index\":0,\
             \"delta\":{delta},\"logprobs\":null,\"finish_reason\":{finish}}}]}}\n\n"
        )
    };
    let mut expected = chunk(r#"{"role":"assistant","content":""}"#, "null");
    for i in 0..3 {
        expected += &chunk(
            &format!("{{\"content\":{}}}", token_json(prompt, i)),
            "null",
        );
    }
    expected += &chunk("{}", "\"stop\"");
    expected += "data: [DONE]\n\n";
    assert_eq!(text, expected);

    let s = stats(addr, "llm-oa").await;
    let connections = s["connections"].as_array().unwrap();
    assert_eq!(connections.len(), 1);
    assert_eq!(connections[0]["method"], "POST");
    assert_eq!(connections[0]["status"], 200);
    assert_eq!(connections[0]["events_sent"], 6);
}

#[tokio::test]
async fn the_anthropic_stream_is_the_documented_events_byte_for_byte() {
    let (addr, _) = serve().await;
    let prompt = "say hello";
    let body = json!({
        "model": "claude-opus-4-6",
        "max_tokens": 2,
        "stream": true,
        "messages": [{ "role": "user", "content": prompt }],
    });
    let (head, bytes) = post("/v1/messages?key=llm-an&interval_ms=0", &body, "");
    let r = request(addr, &head, &bytes).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    // The documented example, with this answer's id, model, tokens and counts.
    let expected = format!(
        "event: message_start\n\
         data: {{\"type\": \"message_start\", \"message\": {{\"id\": \"msg_typedsse1\", \"type\": \"message\", \"role\": \"assistant\", \"content\": [], \"model\": \"typed-sse-test\", \"stop_reason\": null, \"stop_sequence\": null, \"usage\": {{\"input_tokens\": 2, \"output_tokens\": 1}}}}}}\n\
         \n\
         event: content_block_start\n\
         data: {{\"type\": \"content_block_start\", \"index\": 0, \"content_block\": {{\"type\": \"text\", \"text\": \"\"}}}}\n\
         \n\
         event: ping\n\
         data: {{\"type\": \"ping\"}}\n\
         \n\
         event: content_block_delta\n\
         data: {{\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {{\"type\": \"text_delta\", \"text\": {t0}}}}}\n\
         \n\
         event: content_block_delta\n\
         data: {{\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {{\"type\": \"text_delta\", \"text\": {t1}}}}}\n\
         \n\
         event: content_block_stop\n\
         data: {{\"type\": \"content_block_stop\", \"index\": 0}}\n\
         \n\
         event: message_delta\n\
         data: {{\"type\": \"message_delta\", \"delta\": {{\"stop_reason\": \"end_turn\", \"stop_sequence\":null}}, \"usage\": {{\"output_tokens\": 2}}}}\n\
         \n\
         event: message_stop\n\
         data: {{\"type\": \"message_stop\"}}\n\
         \n",
        t0 = token_json(prompt, 0),
        t1 = token_json(prompt, 1),
    );
    assert_eq!(r.text(), expected);
    let s = stats(addr, "llm-an").await;
    assert_eq!(s["connections"][0]["events_sent"], 8);
}

#[tokio::test]
async fn every_token_survives_json_escaping_in_both_formats() {
    let (addr, _) = serve().await;
    // A whole cycle of the corpus: quotes, markup, a newline, non-ASCII.
    let n = completions::CORPUS.len() as u64;
    let prompt = "all of it";
    for (path, text_of) in [
        ("/v1/chat/completions", openai_text as fn(&str) -> String),
        ("/v1/messages", anthropic_text),
    ] {
        let body = json!({ "messages": [{ "role": "user", "content": prompt }], "max_tokens": n });
        let (head, bytes) = post(&format!("{path}?key=llm-esc&interval_ms=0"), &body, "");
        let r = request(addr, &head, &bytes).await;
        assert_eq!(r.status, 200);
        assert_eq!(text_of(&r.text()), completions::answer(prompt, n), "{path}");
    }
}

#[tokio::test]
async fn neither_format_sends_ids_retry_or_comments() {
    let (addr, _) = serve().await;
    let body = json!({ "prompt": "x", "max_tokens": 5 });
    for path in ["/v1/chat/completions", "/v1/messages"] {
        let (head, bytes) = post(&format!("{path}?key=llm-noid&interval_ms=0"), &body, "");
        let text = request(addr, &head, &bytes).await.text();
        for line in text.lines().filter(|l| !l.is_empty()) {
            assert!(
                line.starts_with("data: ") || line.starts_with("event: "),
                "{path}: {line:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_429_has_retry_after_and_the_providers_error_body_then_the_answer_streams() {
    let (addr, _) = serve().await;
    let body = json!({ "prompt": "p", "max_tokens": 2 });
    let cases = [
        (
            "/v1/chat/completions",
            "llm-429-oa",
            r#"{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
            "data: [DONE]\n\n",
        ),
        (
            "/v1/messages",
            "llm-429-an",
            r#"{"type":"error","error":{"type":"rate_limit_error","message":"Your account has hit a rate limit."},"request_id":"req_typedsse1"}"#,
            "event: message_stop\ndata: {\"type\": \"message_stop\"}\n\n",
        ),
    ];
    for (path, key, error, end) in cases {
        let (head, bytes) = post(
            &format!("{path}?key={key}&interval_ms=0&fail=1&retry_after=2"),
            &body,
            "",
        );
        let refused = request(addr, &head, &bytes).await;
        assert_eq!(refused.status, 429, "{path}");
        assert_eq!(refused.header("retry-after"), Some("2"));
        assert_eq!(refused.header("content-type"), Some("application/json"));
        assert_eq!(refused.text(), error);
        let answered = request(addr, &head, &bytes).await;
        assert_eq!(answered.status, 200);
        assert!(answered.text().ends_with(end), "{}", answered.text());
        let s = stats(addr, key).await;
        let statuses: Vec<_> = s["connections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["method"].clone(), c["status"].clone()))
            .collect();
        assert_eq!(
            statuses,
            [(json!("POST"), json!(429)), (json!("POST"), json!(200))]
        );
    }
    // Another status, and Retry-After 1 when none is asked for.
    let (head, bytes) = post("/v1/messages?key=llm-529&fail=1&code=529", &body, "");
    let r = request(addr, &head, &bytes).await;
    assert_eq!(r.status, 529);
    assert_eq!(r.header("retry-after"), Some("1"));
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["error"]["type"], "overloaded_error");
}

#[tokio::test]
async fn cut_after_ends_the_answer_cleanly_or_breaks_the_connection() {
    let (addr, _) = serve().await;
    let prompt = "cut";
    let body = json!({ "prompt": prompt, "max_tokens": 10 });
    for (path, text_of, end) in [
        (
            "/v1/chat/completions",
            openai_text as fn(&str) -> String,
            "[DONE]",
        ),
        ("/v1/messages", anthropic_text, "message_stop"),
    ] {
        let (head, bytes) = post(
            &format!("{path}?key=llm-cut&interval_ms=0&cut_after=4"),
            &body,
            "",
        );
        let mut clean = Streaming::open(addr, &head, &bytes).await;
        let text = clean.finish().await.expect("a clean end");
        assert_eq!(text_of(&text), completions::answer(prompt, 4), "{path}");
        assert!(!text.contains(end), "{path}: {text}");
        for stop in ["\"finish_reason\":\"stop\"", "end_turn"] {
            assert!(!text.contains(stop), "{path}: no stop reason: {text}");
        }

        let (head, bytes) = post(
            &format!("{path}?key=llm-cut&interval_ms=0&cut_after=4&abort=1"),
            &body,
            "",
        );
        let mut broken = Streaming::open(addr, &head, &bytes).await;
        assert!(
            broken.finish().await.is_err(),
            "{path}: the connection breaks"
        );
        assert_eq!(text_of(&broken.text()), completions::answer(prompt, 4));
    }
}

#[tokio::test]
async fn control_cut_ends_a_live_answer_mid_way() {
    let (addr, _) = serve().await;
    let body = json!({ "prompt": "slow", "max_tokens": 50 });
    for (path, token_marker, end) in [
        ("/v1/chat/completions", "\"content\":\" ", "[DONE]"),
        ("/v1/messages", "text_delta", "message_stop"),
    ] {
        // 100 ms a token: the cut has seconds to arrive before the answer would end.
        let (head, bytes) = post(&format!("{path}?key=llm-ctl&interval_ms=100"), &body, "");
        let mut stream = Streaming::open(addr, &head, &bytes).await;
        stream.read_until_count(token_marker, 2).await;
        let r = request(
            addr,
            "POST /control/cut?key=llm-ctl HTTP/1.1\nX-Typed-SSE: 1",
            b"",
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(
            serde_json::from_slice::<Value>(&r.body).unwrap(),
            json!({ "cut": 1 })
        );
        let text = stream.finish().await.expect("a clean end");
        assert!(!text.contains(end), "{path}: {text}");
    }
}

#[tokio::test]
async fn bad_requests_are_refused_in_the_providers_shape() {
    let (addr, _) = serve().await;
    let (head, bytes) = post(
        "/v1/chat/completions?key=llm-bad",
        &json!({ "nothing": 1 }),
        "",
    );
    let r = request(addr, &head, &bytes).await;
    assert_eq!(r.status, 400);
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["error"]["type"], "invalid_request_error");
    assert!(v["error"]["message"].as_str().unwrap().contains("messages"));

    let (head, bytes) = post(
        "/v1/messages?key=llm-bad",
        &json!({ "prompt": "p", "max_tokens": 0 }),
        "",
    );
    let r = request(addr, &head, &bytes).await;
    assert_eq!(r.status, 400);
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["type"], "invalid_request_error");

    // The test's own parameters out of range: plain text, as for every scenario.
    for query in [
        "interval_ms=60001",
        "fail=1001",
        "code=200",
        "cut_after=x",
        "abort=2",
    ] {
        let (head, bytes) = post(
            &format!("/v1/messages?{query}"),
            &json!({ "prompt": "p" }),
            "",
        );
        let r = request(addr, &head, &bytes).await;
        assert_eq!(r.status, 400, "{query}");
        assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    }
    // Only POST, as the real APIs.
    assert_eq!(get(addr, "/v1/chat/completions").await.status, 405);
    assert_eq!(get(addr, "/v1/messages").await.status, 405);
}

#[tokio::test]
async fn the_accept_header_sent_is_recorded() {
    let (addr, _) = serve().await;
    let (head, bytes) = post(
        "/v1/messages?key=llm-accept&interval_ms=0",
        &json!({ "prompt": "p", "max_tokens": 1 }),
        "\nAccept: application/json, text/event-stream",
    );
    assert_eq!(request(addr, &head, &bytes).await.status, 200);
    let s = stats(addr, "llm-accept").await;
    assert_eq!(
        s["connections"][0]["accept"],
        "application/json, text/event-stream"
    );
}
