//! Events per second appended and delivered through the resume layer, with each store.
//!
//! ```sh
//! cargo run --profile server -p typed-sse-axum --example throughput
//! ```
//!
//! For each store and each count of subscribers: the real router on a loopback port,
//! subscribers reading the SSE response over TCP, one or eight tasks appending events through
//! the store (as application handlers would). The figure is events / (time from the first
//! append until every subscriber has received the last event). The Redis runs start their own
//! redis-server on a free port (no persistence), as the tests do; set `REDIS_URL` to use
//! another one.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use typed_sse_axum::{EventStore, LastEventId, MemoryStore, RedisStore, ResumableSse, Trim};

const EVENTS: usize = 20_000;

async fn events<S: EventStore>(State(sse): State<ResumableSse<S>>, last: LastEventId) -> Response {
    sse.respond(last).await
}

async fn serve<S: EventStore>(store: S) -> SocketAddr {
    let app = Router::new()
        .route("/events", get(events::<S>))
        .with_state(ResumableSse::new(store));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Opens the stream and returns once the priming comment arrived, with a task that counts
/// `id:` lines until `count` and then finishes.
async fn subscribe(addr: SocketAddr, count: usize) -> tokio::task::JoinHandle<()> {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        .await
        .unwrap();
    let mut head = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    while !head.windows(5).any(|w| w == b": ok\n") {
        let n = socket.read(&mut buf).await.unwrap();
        assert!(n > 0, "the server closed the stream");
        head.extend_from_slice(&buf[..n]);
    }
    tokio::spawn(async move {
        let mut seen = 0;
        // The last bytes of the previous read, so a line split across reads is still found.
        let mut carry = Vec::new();
        while seen < count {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "the server closed the stream");
            carry.extend_from_slice(&buf[..n]);
            seen += carry.windows(5).filter(|w| w == b"\nid: ").count();
            let keep = carry.len().min(4);
            carry.drain(..carry.len() - keep);
        }
    })
}

async fn run<S: EventStore>(name: &str, store: S, subscribers: usize, appenders: usize) {
    let addr = serve(store.clone()).await;
    let mut readers = Vec::new();
    for _ in 0..subscribers {
        readers.push(subscribe(addr, EVENTS).await);
    }
    let payload = format!(r#"{{"n":0,"text":"{}"}}"#, "x".repeat(80));
    let started = Instant::now();
    let tasks: Vec<_> = (0..appenders)
        .map(|i| {
            let (store, payload) = (store.clone(), payload.clone());
            let share = EVENTS / appenders + usize::from(i < EVENTS % appenders);
            tokio::spawn(async move {
                for _ in 0..share {
                    store.append("tick", &payload).await.unwrap();
                }
            })
        })
        .collect();
    for appender in tasks {
        appender.await.unwrap();
    }
    let appended = started.elapsed();
    for reader in readers {
        tokio::time::timeout(Duration::from_secs(120), reader)
            .await
            .expect("delivery timed out")
            .unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "{name:<6} {appenders} appender(s) {subscribers:>2} subscriber(s): {EVENTS} events in {:>7.1} ms (appends {:>7.1} ms): {:>8.0} events/s appended+delivered",
        elapsed.as_secs_f64() * 1e3,
        appended.as_secs_f64() * 1e3,
        EVENTS as f64 / elapsed.as_secs_f64()
    );
}

struct OwnRedis(Child, std::path::PathBuf);

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn start_redis() -> (String, OwnRedis) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("typed-sse-axum-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server (install it with `bash scripts/setup.sh`)");
    let own = OwnRedis(child, dir);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    (format!("redis://127.0.0.1:{port}/"), own)
}

#[tokio::main]
async fn main() {
    let (url, _own) = match std::env::var("REDIS_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let (url, own) = start_redis();
            (url, Some(own))
        }
    };
    for appenders in [1, 8] {
        for subscribers in [1, 10] {
            run("memory", MemoryStore::new(EVENTS), subscribers, appenders).await;
            let key = format!("bench-{}-{appenders}-{subscribers}", std::process::id());
            let store = RedisStore::connect(&url, key)
                .await
                .unwrap()
                .trim(Trim::Approx(EVENTS));
            run("redis", store, subscribers, appenders).await;
        }
    }
}
