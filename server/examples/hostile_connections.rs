//! Measures what the server does with token floods, over-long path segments, half-sent requests,
//! idle connections and more connections than its cap, each against a fresh server process.
//!
//! ```text
//! cargo build --profile server -p typed-sse-server --example hostile_connections
//! target/server/examples/hostile_connections target/server/typed-sse-server
//! ```
//!
//! Loopback only; every loop is bounded in count, every wait in time (the longest, 40 s, is how
//! long half-sent and idle connections are watched), and each server process started here is
//! killed (by its handle) when its case is done.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};

/// How long half-sent and idle connections are watched.
const WATCH: Duration = Duration::from_secs(40);

const HALF_SENT: &[u8] = b"GET /stats?key=x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    async fn start(binary: &str) -> Self {
        let port_file = std::env::temp_dir().join(format!(
            "hostile-connections-{}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos()
        ));
        let _ = std::fs::remove_file(&port_file);
        let child = Command::new(binary)
            .args(["--port", "0", "--port-file"])
            .arg(&port_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server");
        let deadline = Instant::now() + Duration::from_secs(10);
        let port = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|p| p.trim().parse().ok())
            {
                break port;
            }
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let _ = std::fs::remove_file(&port_file);
        Self { child, port }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(("127.0.0.1", self.port)).await.unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `head` (CRLF line ends, `Host` added) on `reader`'s connection and reads the response:
/// its status and body (`Content-Length` or chunked).
async fn exchange(stream: &mut BufReader<TcpStream>, head: &str) -> (u16, Vec<u8>) {
    let request = format!("{}\r\nHost: 127.0.0.1\r\n\r\n", head.replace('\n', "\r\n"));
    stream
        .get_mut()
        .write_all(request.as_bytes())
        .await
        .unwrap();
    let mut line = String::new();
    stream.read_line(&mut line).await.unwrap();
    let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    let (mut length, mut chunked) = (0, false);
    loop {
        line.clear();
        stream.read_line(&mut line).await.unwrap();
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap(),
            "transfer-encoding" => chunked = true,
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            stream.read_line(&mut line).await.unwrap();
            let size = usize::from_str_radix(line.trim(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            stream.read_exact(&mut chunk).await.unwrap();
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        stream.read_exact(&mut body).await.unwrap();
    }
    (status, body)
}

/// How long until the server closes `stream` (reading and dropping what it sends); `None` if it
/// is still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0; 4096];
    timeout(limit, async {
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await
    .ok()
    .map(|()| start.elapsed())
}

async fn tokens(server: &Server) {
    let mut page = BufReader::new(server.connect().await);
    let (_, body) = exchange(&mut page, "POST /token?key=page HTTP/1.1\nX-Typed-SSE: 1").await;
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let mine = body["token"].as_str().unwrap().to_owned();
    let mut flood = BufReader::new(server.connect().await);
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let start = Instant::now();
    for _ in 0..10_000 {
        let (status, _) = exchange(&mut flood, "GET /token?key=evil HTTP/1.1").await;
        *statuses.entry(status).or_default() += 1;
    }
    let took = start.elapsed();
    let mut check = server.connect().await;
    let head = format!(
        "GET /sse/bearer?key=page&valid_ms=600000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Authorization: Bearer {mine}\r\n\r\n"
    );
    check.write_all(head.as_bytes()).await.unwrap();
    let mut line = String::new();
    BufReader::new(check).read_line(&mut line).await.unwrap();
    println!(
        "10,000 GET /token on one connection: {statuses:?} in {took:.2?}; \
         the page's token then opens /sse/bearer with: {}",
        line.trim_end()
    );
}

async fn long_segment(server: &Server) {
    let mut c = BufReader::new(server.connect().await);
    let (status, _) = exchange(&mut c, &format!("GET /{} HTTP/1.1", "a".repeat(256))).await;
    println!("GET /<256 bytes>: {status}");
}

async fn half_sent(server: &Server) {
    let start = Instant::now();
    let mut held = Vec::new();
    for _ in 0..1_000 {
        let mut s = server.connect().await;
        s.write_all(HALF_SENT).await.unwrap();
        held.push(s);
    }
    let sent = start.elapsed();
    let closed =
        futures_util::future::join_all(held.iter_mut().map(|s| closed_within(s, WATCH))).await;
    let done: Vec<Duration> = closed.iter().flatten().map(|t| sent + *t).collect();
    println!(
        "1,000 half-sent requests (sent over {sent:.2?}): {} closed within 1 s of the first, {} \
         closed in all (the last {:.2?} after the first was sent), {} still open after {WATCH:?}",
        done.iter().filter(|t| **t < Duration::from_secs(1)).count(),
        done.len(),
        done.iter().max().copied().unwrap_or_default(),
        closed.len() - done.len(),
    );
}

async fn idle(server: &Server) {
    let mut c = BufReader::new(server.connect().await);
    let (status, _) = exchange(&mut c, "GET /stats?key=idle HTTP/1.1").await;
    match closed_within(c.get_mut(), WATCH).await {
        Some(t) => println!("a kept-alive connection after a {status}: closed after {t:.2?} idle"),
        None => println!("a kept-alive connection after a {status}: still open after {WATCH:?}"),
    }
}

async fn cap(server: &Server) {
    let mut stream = server.connect().await;
    stream
        .write_all(
            b"GET /sse/messages?n=1000000&interval_ms=20&key=legit HTTP/1.1\r\n\
              Host: 127.0.0.1\r\n\r\n",
        )
        .await
        .unwrap();
    let events = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = events.clone();
    let reading = tokio::spawn(async move {
        let mut buf = [0; 65536];
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
            let data = buf[..n].windows(5).filter(|w| w == b"data:").count();
            counted.fetch_add(data, std::sync::atomic::Ordering::Relaxed);
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = events.load(std::sync::atomic::Ordering::Relaxed);
    let mut silent = Vec::new();
    for _ in 0..1_000 {
        silent.push(server.connect().await);
    }
    let closed = futures_util::future::join_all(
        silent
            .iter_mut()
            .map(|s| closed_within(s, Duration::from_secs(1))),
    )
    .await;
    let done: Vec<Duration> = closed.iter().flatten().copied().collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = events.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "1,000 silent connections beside a stream: {} closed within 1 s (the slowest after \
         {:.0?}), {} held; the stream got {} events meanwhile",
        done.len(),
        done.iter().max().copied().unwrap_or_default(),
        closed.len() - done.len(),
        after - before,
    );
    reading.abort();
}

#[tokio::main]
async fn main() {
    let binary = std::env::args()
        .nth(1)
        .expect("usage: hostile_connections PATH-TO-typed-sse-server");
    tokens(&Server::start(&binary).await).await;
    long_segment(&Server::start(&binary).await).await;
    let (half, idle_server) = (Server::start(&binary).await, Server::start(&binary).await);
    tokio::join!(half_sent(&half), idle(&idle_server));
    cap(&Server::start(&binary).await).await;
}
