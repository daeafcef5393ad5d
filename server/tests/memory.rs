//! Hostile inputs measured by this process's resident memory: the server runs in this test's
//! process, so `/proc/self/status` is the server's. In a test binary of their own, and one at a
//! time, so that no other test's allocations blur the measurement.

mod support;

use std::time::{Duration, Instant};

use support::{get, rss_bytes, serve, Client};
use tokio::io::AsyncWriteExt;
use typed_sse_server::big::MAX_BIG_RESPONSES;

/// Held by each test while it measures.
static MEASURING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Clients that ask for the largest event and never read it.
const CLIENTS: usize = 40;

/// What they may add to the process. Before the fix, each held its whole 16 MB event (~640 MB
/// for 40); now the responses in flight hold about `MAX_BIG_RESPONSES * 0.5 MB`, ~4 MB.
const BIG_RSS_BOUND: u64 = 64 << 20;

/// What 2,000 URIs of 60 KB and 500 `Last-Event-ID`s of 300 KB may add. Before the fix they
/// were all kept (~120 MB and ~150 MB of text, +240 and +510 MB of RSS with a release build);
/// now ~4 MB of cut texts are.
const STATS_RSS_BOUND: u64 = 64 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_clients_that_never_read_16_mb_events_keep_the_server_small() {
    let _one_at_a_time = MEASURING.lock().await;
    let (addr, stats) = serve().await;
    // Warm up: one whole 16 MB response read to the end, so that the allocator's pools and the
    // runtime's threads exist before the measurement.
    let whole = get(addr, "/sse/big?bytes=16000000&key=warm-up").await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body.len(), 16_000_000 + "id: 1\ndata: \n\n".len());
    drop(whole);
    let before = rss_bytes();

    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        c.write_all(b"GET /sse/big?bytes=16000000&key=hog HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .await
            .unwrap();
        clients.push(c);
    }
    // Every request answered (and recorded); then give the admitted ones time to fill every
    // buffer they can, sampling the peak.
    let deadline = Instant::now() + Duration::from_secs(20);
    while stats.get("hog").len() < CLIENTS {
        assert!(
            Instant::now() < deadline,
            "only {} answered",
            stats.get("hog").len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut peak = rss_bytes();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        peak = peak.max(rss_bytes());
    }
    let grown = peak.saturating_sub(before);
    eprintln!(
        "RSS before {} KB, peak with {CLIENTS} stalled clients {} KB (+{} KB)",
        before >> 10,
        peak >> 10,
        grown >> 10
    );
    assert!(
        grown < BIG_RSS_BOUND,
        "{CLIENTS} stalled clients grew the process by {} MB",
        grown >> 20
    );

    let records = stats.get("hog");
    let served = records.iter().filter(|c| c.status == 200).count();
    let busy = records.iter().filter(|c| c.status == 503).count();
    assert_eq!(
        (served, busy),
        (MAX_BIG_RESPONSES, CLIENTS - MAX_BIG_RESPONSES)
    );
    let refused = get(addr, "/sse/big?bytes=10&key=late").await;
    assert_eq!(refused.status, 503);
    assert_eq!(refused.header("retry-after"), Some("1"));

    // Gone clients give their slots back.
    drop(clients);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = get(addr, "/sse/big?bytes=100&key=after").await;
        if r.status == 200 {
            assert!(r.text().ends_with("\"}\n\n"));
            break;
        }
        assert!(Instant::now() < deadline, "the slots never came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_uris_and_last_event_ids_do_not_stay_in_memory() {
    let _one_at_a_time = MEASURING.lock().await;
    let (addr, stats) = serve().await;
    // Warm up with the same kind of requests, so that hyper's buffers have grown already.
    let pad = "p".repeat(60_000);
    let id = "i".repeat(300_000);
    let mut client = Client::connect(addr).await;
    for key in ["warm-up-a", "warm-up-b"] {
        let r = client
            .send(
                &format!(
                    "GET /sse/status?code=204&key={key}&pad={pad} HTTP/1.1\nLast-Event-ID: {id}"
                ),
                b"",
            )
            .await;
        assert_eq!(r.status, 204);
    }
    let before = rss_bytes();
    let mut peak = before;
    let started = Instant::now();
    for i in 0..2_000 {
        let r = client
            .send(
                &format!("GET /sse/status?code=204&key=uris&pad={pad} HTTP/1.1"),
                b"",
            )
            .await;
        assert_eq!(r.status, 204);
        if i % 100 == 0 {
            peak = peak.max(rss_bytes());
        }
    }
    for i in 0..500 {
        let r = client
            .send(
                &format!("GET /sse/status?code=204&key=ids HTTP/1.1\nLast-Event-ID: {id}"),
                b"",
            )
            .await;
        assert_eq!(r.status, 204);
        if i % 50 == 0 {
            peak = peak.max(rss_bytes());
        }
    }
    assert!(started.elapsed() < Duration::from_secs(120));
    let answer = get(addr, "/stats?key=ids").await;
    assert_eq!(answer.status, 200);
    peak = peak.max(rss_bytes());
    let grown = peak.saturating_sub(before);
    eprintln!(
        "RSS before {} KB, peak {} KB (+{} KB); stats keep {} bytes",
        before >> 10,
        peak >> 10,
        grown >> 10,
        stats.stored_bytes()
    );
    assert!(
        grown < STATS_RSS_BOUND,
        "huge URIs and ids grew the process by {} MB",
        grown >> 20
    );
}
