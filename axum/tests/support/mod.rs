//! Helpers of the integration tests: a real redis-server of the test's own, the real router
//! on a real loopback port, and a minimal HTTP/1.1 client over raw TCP that reads an SSE
//! response frame by frame (so the tests see the exact bytes on the wire).

#![allow(dead_code)] // each test binary uses its own subset

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use typed_sse_axum::{EventStore, LastEventId, ResumableSse};

/// How long any one read may take before the test fails rather than hangs.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A redis-server on a free 127.0.0.1 port, with its own directory and no persistence;
/// killed (and its directory removed) on drop.
pub struct RedisServer {
    child: Child,
    dir: PathBuf,
    pub port: u16,
}

impl RedisServer {
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(format!(
            "typed-sse-axum-redis-{}-{port}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("the redis directory");
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(&dir)
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}): these tests need a real Redis; \
                     install it with `bash scripts/setup.sh` (Debian's redis-server package)"
                )
            });
        let server = Self { child, dir, port };
        let deadline = Instant::now() + TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn events<S: EventStore>(State(sse): State<ResumableSse<S>>, last: LastEventId) -> Response {
    sse.respond(last).await
}

/// `POST /publish?event=<name>` with the data as body; answers the new id.
async fn publish<S: EventStore>(
    State(sse): State<ResumableSse<S>>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    body: String,
) -> Result<String, (axum::http::StatusCode, String)> {
    let event = query
        .as_deref()
        .and_then(|q| q.strip_prefix("event="))
        .unwrap_or("");
    sse.store()
        .append(event, &body)
        .await
        .map_err(|e| (axum::http::StatusCode::BAD_REQUEST, e.to_string()))
}

/// The router the tests drive: `GET /events` (the layer) and `POST /publish`.
pub fn app<S: EventStore>(sse: ResumableSse<S>) -> Router {
    Router::new()
        .route("/events", get(events::<S>))
        .route("/publish", post(publish::<S>))
        .with_state(sse)
}

/// Serves `router` on 127.0.0.1 (a free port).
pub async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// Sends one request on a fresh connection and reads the head.
async fn request(
    addr: SocketAddr,
    head: &str,
    body: &[u8],
) -> (
    u16,
    Vec<(String, String)>,
    BufReader<OwnedReadHalf>,
    OwnedWriteHalf,
) {
    let (read, mut write) = TcpStream::connect(addr).await.unwrap().into_split();
    let request = format!(
        "{head}\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    write.write_all(request.as_bytes()).await.unwrap();
    write.write_all(body).await.unwrap();
    let mut reader = BufReader::new(read);
    let mut line = String::new();
    tokio::time::timeout(TIMEOUT, reader.read_line(&mut line))
        .await
        .expect("no status line")
        .unwrap();
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await.unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((name, value)) = l.split_once(':') {
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    (status, headers, reader, write)
}

/// Reads one chunk of a chunked body; `None` at its end.
async fn read_chunk(reader: &mut BufReader<OwnedReadHalf>) -> Option<Vec<u8>> {
    let mut line = String::new();
    reader.read_line(&mut line).await.ok()?;
    let size = usize::from_str_radix(line.trim(), 16).ok()?;
    let mut chunk = vec![0; size + 2];
    reader.read_exact(&mut chunk).await.ok()?;
    chunk.truncate(size);
    (size > 0).then_some(chunk)
}

/// `POST /publish?event=<event>` with `data`; returns the status and the body.
pub async fn publish_http(addr: SocketAddr, event: &str, data: &str) -> (u16, String) {
    let (status, headers, mut reader, _write) = request(
        addr,
        &format!("POST /publish?event={event} HTTP/1.1"),
        data.as_bytes(),
    )
    .await;
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// An SSE response being read.
pub struct SseClient {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    reader: BufReader<OwnedReadHalf>,
    _write: OwnedWriteHalf,
    buffer: String,
    /// Every byte of the body read so far.
    pub raw: String,
}

impl SseClient {
    /// `GET <path>` with `extra` header lines (each ending in `\r\n`).
    pub async fn open(addr: SocketAddr, path: &str, extra: &str) -> Self {
        let mut head = format!("GET {path} HTTP/1.1\r\nAccept: text/event-stream");
        let extra = extra.trim_end_matches("\r\n");
        if !extra.is_empty() {
            head.push_str("\r\n");
            head.push_str(extra);
        }
        let (status, headers, reader, write) = request(addr, &head, b"").await;
        Self {
            status,
            headers,
            reader,
            _write: write,
            buffer: String::new(),
            raw: String::new(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The next frame (up to and including its blank line), as sent.
    pub async fn frame(&mut self) -> String {
        self.try_frame(TIMEOUT).await.expect("no frame in time")
    }

    /// The next frame within `wait`; `None` if none came.
    pub async fn try_frame(&mut self, wait: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                return Some(frame);
            }
            let chunk = tokio::time::timeout_at(deadline, read_chunk(&mut self.reader))
                .await
                .ok()??;
            let text = String::from_utf8(chunk).expect("UTF-8 body");
            self.raw.push_str(&text);
            self.buffer.push_str(&text);
        }
    }

    /// The next frame that is an event (comments skipped), as (id, event, data).
    pub async fn event(&mut self) -> Event {
        loop {
            let frame = self.frame().await;
            if let Some(event) = Event::parse(&frame) {
                return event;
            }
        }
    }
}

/// One event's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

impl Event {
    /// `None` for a frame of comments and `retry:` only.
    pub fn parse(frame: &str) -> Option<Self> {
        let mut event = Event {
            id: None,
            event: None,
            data: String::new(),
        };
        let mut any = false;
        let mut data = Vec::new();
        for line in frame.lines() {
            let (name, value) = line.split_once(": ").unwrap_or((line, ""));
            match name {
                "id" => event.id = Some(value.to_owned()),
                "event" => event.event = Some(value.to_owned()),
                "data" => data.push(value),
                _ => continue,
            }
            any = true;
        }
        event.data = data.join("\n");
        any.then_some(event)
    }
}
