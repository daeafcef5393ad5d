//! The connection limits (`typed_sse_server::connections`) over real sockets on 127.0.0.1: each
//! test starts the server with short limits, so that it runs in a few seconds.

mod support;

use std::time::Duration;

use futures_util::future::join_all;
use support::{closed_within, serve_limited, Client, Streaming};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use typed_sse_server::{Config, ConnectionLimits};

fn limits(max_connections: usize, header_ms: u64, idle_ms: u64) -> ConnectionLimits {
    ConnectionLimits {
        max_connections,
        header_timeout: Duration::from_millis(header_ms),
        idle_timeout: Duration::from_millis(idle_ms),
    }
}

/// The start of a request whose head never ends.
const HALF_SENT: &[u8] = b"GET /stats?key=x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

/// 1,000 half-sent requests used to be held for good (still all open after 40 s). Now each is
/// closed once the header timeout has passed since its first byte, however it trickles.
#[tokio::test]
async fn half_sent_requests_are_closed_after_the_header_timeout() {
    let header = Duration::from_millis(500);
    let (addr, _) = serve_limited(Config::default(), limits(1_000, 500, 20_000)).await;
    let start = Instant::now();
    let mut held = Vec::new();
    for _ in 0..300 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(HALF_SENT).await.unwrap();
        held.push(s);
    }
    // One more sends a byte every 50 ms: it gains nothing.
    let (mut trickle_read, mut trickle_write) =
        TcpStream::connect(addr).await.unwrap().into_split();
    let trickled = Instant::now();
    let trickling = tokio::spawn(async move {
        for b in HALF_SENT.iter().chain(b"a".repeat(1_000).iter()) {
            if trickle_write.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let trickled_check = Instant::now();
    let limit = Duration::from_secs(5);
    let (closed, trickle_closed) = tokio::join!(
        join_all(held.iter_mut().map(|s| closed_within(s, limit))),
        closed_within(&mut trickle_read, limit + Duration::from_secs(1)),
    );
    trickling.abort();
    let open = closed.iter().filter(|c| c.is_none()).count();
    assert_eq!(
        open, 0,
        "{open} of 300 half-sent requests still open after {limit:?}"
    );
    let last = start.elapsed();
    assert!(
        last < header + Duration::from_millis(1_500),
        "the last closed {last:?} after the first was sent"
    );
    // Its deadline runs from its first byte, however it trickles.
    let trickle_closed = trickle_closed.expect("the trickling request is still open");
    let after_first_byte = trickle_closed + (trickled_check - trickled);
    assert!(
        after_first_byte >= header && after_first_byte < header + Duration::from_millis(1_500),
        "the trickling request was closed {after_first_byte:?} after its first byte"
    );
}

/// A kept-alive connection is closed once idle for the idle timeout, which is not the header
/// timeout: a second request after a pause longer than the header timeout is served. A stream
/// quieter than either timeout is a request in progress and is never cut.
#[tokio::test]
async fn an_idle_connection_is_closed_and_a_quiet_stream_is_not() {
    let (addr, _) = serve_limited(Config::default(), limits(100, 300, 1_200)).await;
    let mut client = Client::connect(addr).await;
    assert_eq!(
        client
            .send("GET /stats?key=idle HTTP/1.1", b"")
            .await
            .status,
        200
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        client
            .send("GET /stats?key=idle HTTP/1.1", b"")
            .await
            .status,
        200
    );
    let idle = client
        .closed_within(Duration::from_secs(5))
        .await
        .expect("an idle kept-alive connection is still open after 5 s");
    assert!(
        // Well past the 300 ms header timeout; a little under 1,200 ms when the response is read
        // late on a busy machine.
        idle >= Duration::from_millis(900) && idle < Duration::from_millis(2_500),
        "closed after {idle:?} idle"
    );
    // A fresh connection that sends nothing: idle too.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let silent = closed_within(&mut silent, Duration::from_secs(5))
        .await
        .expect("a silent connection is still open after 5 s");
    assert!(silent >= Duration::from_millis(1_000), "{silent:?}");
    // Two events 2 s apart: longer than both timeouts without a byte either way.
    let mut stream = Streaming::open(
        addr,
        "GET /sse/messages?n=2&interval_ms=2000&end=1&key=quiet HTTP/1.1",
        b"",
    )
    .await;
    assert_eq!(stream.status, 200);
    let body = stream.finish().await.expect("the quiet stream was cut");
    assert_eq!(body.matches("data:").count(), 2, "{body}");
}

/// The start of a second request sent while the first is still being answered (pipelined):
/// once the first is done, it is a half-sent head, closed after the header timeout rather
/// than the idle one.
#[tokio::test]
async fn a_half_sent_pipelined_head_gets_the_header_timeout() {
    let (addr, _) = serve_limited(Config::default(), limits(100, 500, 20_000)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /sse/messages?n=1&interval_ms=400&end=1&key=pipelined HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    s.write_all(HALF_SENT).await.unwrap();
    let closed = closed_within(&mut s, Duration::from_secs(5))
        .await
        .expect("a half-sent pipelined head is still open after 5 s (the idle timeout is 20 s)");
    // The stream ends after its event (~400 ms), then the 500 ms header timeout.
    assert!(
        closed < Duration::from_millis(3_000),
        "closed after {closed:?}"
    );
}

/// Beyond the cap, a connection is closed as soon as it is accepted, while the connections
/// within it, a live stream among them, go on; a slot freed is taken again.
#[tokio::test]
async fn connections_beyond_the_cap_are_closed_at_once_and_a_stream_goes_on() {
    let cap = 20;
    let (addr, _) = serve_limited(Config::default(), limits(cap, 10_000, 10_000)).await;
    let mut stream = Streaming::open(
        addr,
        "GET /sse/messages?n=1000000&interval_ms=20&key=legit HTTP/1.1",
        b"",
    )
    .await;
    assert_eq!(stream.status, 200);
    stream.read_until("data:").await;
    let mut held = Vec::new();
    for _ in 1..cap {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(HALF_SENT).await.unwrap();
        held.push(s);
    }
    // Let the server accept them all before the ones beyond the cap.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = stream.text().matches("data:").count();
    let mut refused = Vec::new();
    for _ in 0..100 {
        refused.push(TcpStream::connect(addr).await.unwrap());
    }
    let closed = join_all(
        refused
            .iter_mut()
            .map(|s| closed_within(s, Duration::from_secs(2))),
    )
    .await;
    let slowest = closed
        .iter()
        .map(|c| c.expect("a connection beyond the cap is still open after 2 s"))
        .max()
        .unwrap();
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    // One that asked nothing reads why.
    let mut busy = TcpStream::connect(addr).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(2), busy.read_to_string(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
    assert!(answer.contains("\r\nRetry-After: 1\r\n"), "{answer}");
    // The stream went on meanwhile, and goes on; the held connections are still open.
    stream.read_until_count("data:", before + 10).await;
    for s in &mut held {
        assert_eq!(closed_within(s, Duration::from_millis(10)).await, None);
    }
    // A slot freed is taken again.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /stats?key=x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer).await;
        if answer.starts_with("HTTP/1.1 200 ") {
            break;
        }
        assert!(Instant::now() < deadline, "no slot freed: {answer}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The limits' flags take a positive integer; anything else is an error message and exit code 2
/// before the server listens.
#[test]
fn a_bad_limit_flag_exits_with_an_error() {
    for (flag, value) in [
        ("--max-connections", "0"),
        ("--max-connections", "many"),
        ("--header-timeout-ms", "-1"),
        ("--idle-timeout-ms", "3600001"),
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_typed-sse-server"))
            .args(["--port", "0", flag, value])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                child.wait().unwrap();
                panic!("{flag} {value}: the server started instead of refusing");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(
            stderr.contains(&format!("{flag} takes an integer from 1 to")),
            "{stderr}"
        );
    }
}
