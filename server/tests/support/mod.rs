//! Helpers of the integration tests: the real router on a real loopback port, and a minimal
//! HTTP/1.1 client over raw TCP, so that tests can send what a browser would refuse to (bad
//! `Host`, foreign `Origin`, huge headers) and hold connections without reading them.

#![allow(dead_code)] // each test binary uses its own subset

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use typed_sse_server::{app_with_stats, stats::Stats, Config, ConnectionLimits};

/// How long any one exchange may take before the test fails rather than hangs.
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts the whole server on 127.0.0.1 (any free port), with `config`, as `main` serves it.
pub async fn serve_with(config: Config) -> (SocketAddr, Stats) {
    serve_limited(config, ConnectionLimits::default()).await
}

/// Starts the whole server with `config` and the connection limits `limits`.
pub async fn serve_limited(config: Config, limits: ConnectionLimits) -> (SocketAddr, Stats) {
    let stats = Stats::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app_with_stats(config, stats.clone());
    tokio::spawn(async move {
        panic!(
            "{}",
            typed_sse_server::serve(listener, router, limits).await
        )
    });
    (addr, stats)
}

/// How long after now `stream` is closed by the server (end of stream or an error), reading
/// and dropping whatever it sends meanwhile; `None` if it is still open after `limit`.
pub async fn closed_within<R: AsyncReadExt + Unpin>(
    stream: &mut R,
    limit: Duration,
) -> Option<Duration> {
    let start = tokio::time::Instant::now();
    let mut buf = [0; 4096];
    tokio::time::timeout(limit, async {
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

/// Starts the whole server with the default folders.
pub async fn serve() -> (SocketAddr, Stats) {
    serve_with(Config::default()).await
}

/// A response: status, headers (names lower-case) and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One keep-alive connection that sends requests one after another.
pub struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Self {
        let (read, writer) = TcpStream::connect(addr).await.unwrap().into_split();
        Self {
            reader: BufReader::new(read),
            writer,
        }
    }

    /// Sends `head` (a request line and headers, without the blank line; `Host: 127.0.0.1` is
    /// added unless `head` has a `Host`) and `body`, and reads the whole response, which must
    /// end (a `Content-Length`, chunked encoding that ends, or no body).
    pub async fn send(&mut self, head: &str, body: &[u8]) -> Response {
        let request = request_head(head, body);
        let exchange = async {
            self.writer.write_all(request.as_bytes()).await.unwrap();
            self.writer.write_all(body).await.unwrap();
            self.read_response(head.starts_with("HEAD ")).await
        };
        tokio::time::timeout(EXCHANGE_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| panic!("no complete answer to {:.200}", head))
    }

    /// How long after now the server closes this connection ([`closed_within`]).
    pub async fn closed_within(&mut self, limit: Duration) -> Option<Duration> {
        closed_within(&mut self.reader, limit).await
    }

    /// Sends `request` exactly as given and reads the response.
    pub async fn send_exact(&mut self, request: &[u8]) -> Response {
        let exchange = async {
            self.writer.write_all(request).await.unwrap();
            self.read_response(false).await
        };
        tokio::time::timeout(EXCHANGE_TIMEOUT, exchange)
            .await
            .expect("no complete answer")
    }

    async fn read_response(&mut self, head_only: bool) -> Response {
        let mut line = String::new();
        let (status, headers) = read_head(&mut self.reader).await;
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
        };
        if head_only || status == 204 || status == 304 {
            return response;
        }
        if response.header("transfer-encoding") == Some("chunked") {
            loop {
                line.clear();
                self.reader.read_line(&mut line).await.unwrap();
                let size = usize::from_str_radix(line.trim(), 16).unwrap();
                let mut chunk = vec![0; size + 2];
                self.reader.read_exact(&mut chunk).await.unwrap();
                if size == 0 {
                    break;
                }
                response.body.extend_from_slice(&chunk[..size]);
            }
        } else if let Some(len) = response.header("content-length") {
            let mut body = vec![0; len.parse().unwrap()];
            self.reader.read_exact(&mut body).await.unwrap();
            response.body = body;
        }
        response
    }
}

/// The `head` of a request as sent: CRLF line ends, `Host: 127.0.0.1` unless `head` has a
/// `Host`, and `Content-Length` for a non-empty body.
fn request_head(head: &str, body: &[u8]) -> String {
    let mut request = head.trim_end().replace('\n', "\r\n").replace("\r\r", "\r");
    if !head.to_ascii_lowercase().contains("\nhost:") {
        request.push_str("\r\nHost: 127.0.0.1");
    }
    if !body.is_empty() {
        request.push_str(&format!("\r\nContent-Length: {}", body.len()));
    }
    request.push_str("\r\n\r\n");
    request
}

/// Reads a status line and headers (names lower-case).
async fn read_head(reader: &mut BufReader<OwnedReadHalf>) -> (u16, Vec<(String, String)>) {
    let mut line = String::new();
    reader.read_line(&mut line).await.unwrap();
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a status line: {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await.unwrap();
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    (status, headers)
}

/// A response read as it arrives, for streams that do not end by themselves: its head at once,
/// its body piece by piece.
pub struct Streaming {
    reader: BufReader<OwnedReadHalf>,
    _writer: OwnedWriteHalf,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body read so far (chunked encoding removed).
    pub body: Vec<u8>,
    /// Bytes of a `Content-Length` body still to come; `None` for a chunked one.
    left: Option<u64>,
    ended: bool,
}

impl Streaming {
    /// Sends `head` and `body` (as [`Client::send`] does) and reads the response's head.
    pub async fn open(addr: SocketAddr, head: &str, body: &[u8]) -> Self {
        let (read, mut writer) = TcpStream::connect(addr).await.unwrap().into_split();
        let mut reader = BufReader::new(read);
        let exchange = async {
            writer
                .write_all(request_head(head, body).as_bytes())
                .await
                .unwrap();
            writer.write_all(body).await.unwrap();
            read_head(&mut reader).await
        };
        let (status, headers) = tokio::time::timeout(EXCHANGE_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| panic!("no answer to {:.200}", head));
        let chunked = headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v == "chunked");
        let left = if chunked {
            None
        } else {
            Some(
                headers
                    .iter()
                    .find(|(n, _)| n == "content-length")
                    .map_or(0, |(_, v)| v.parse().unwrap()),
            )
        };
        Self {
            reader,
            _writer: writer,
            status,
            headers,
            body: Vec::new(),
            ended: left == Some(0) || status == 204 || status == 304,
            left,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Reads the next piece of the body into `body`: `Ok(false)` once the body has ended
    /// properly, `Err` if the connection closed before that.
    async fn read_piece(&mut self) -> Result<bool, String> {
        if self.ended {
            return Ok(false);
        }
        let broken = |e: std::io::Error| format!("broken after {} bytes: {e}", self.body.len());
        if let Some(left) = self.left {
            let mut buf = vec![0; left.min(64 * 1024) as usize];
            let n = self.reader.read(&mut buf).await.map_err(broken)?;
            if n == 0 {
                return Err(format!("closed with {left} bytes to come"));
            }
            self.body.extend_from_slice(&buf[..n]);
            self.left = Some(left - n as u64);
            self.ended = left == n as u64;
            return Ok(true);
        }
        let mut line = String::new();
        let n = self.reader.read_line(&mut line).await.map_err(broken)?;
        let size = usize::from_str_radix(line.trim(), 16)
            .map_err(|_| format!("not a chunk size ({n} bytes read): {line:?}"))?;
        let mut chunk = vec![0; size + 2];
        self.reader.read_exact(&mut chunk).await.map_err(broken)?;
        if size == 0 {
            self.ended = true;
            return Ok(false);
        }
        self.body.extend_from_slice(&chunk[..size]);
        Ok(true)
    }

    /// Reads until the body holds `needle` `times` times, and returns it so far; panics if the
    /// body ends, breaks, or takes longer than [`EXCHANGE_TIMEOUT`] first.
    pub async fn read_until_count(&mut self, needle: &str, times: usize) -> String {
        let reading = async {
            while self.text().matches(needle).count() < times {
                match self.read_piece().await {
                    Ok(true) => {}
                    Ok(false) => return Err("the body ended".to_owned()),
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        };
        match tokio::time::timeout(EXCHANGE_TIMEOUT, reading).await {
            Ok(Ok(())) => self.text(),
            Ok(Err(e)) => panic!("{e} before `{needle}` x{times}; got {:?}", self.text()),
            Err(_) => panic!("`{needle}` x{times} never came; got {:?}", self.text()),
        }
    }

    /// [`Streaming::read_until_count`] for one `needle`.
    pub async fn read_until(&mut self, needle: &str) -> String {
        self.read_until_count(needle, 1).await
    }

    /// Reads the rest of the body: `Ok` with all of it if it ended properly, `Err` if the
    /// connection broke first; panics after [`EXCHANGE_TIMEOUT`].
    pub async fn finish(&mut self) -> Result<String, String> {
        let reading = async {
            while self.read_piece().await? {}
            Ok::<_, String>(())
        };
        tokio::time::timeout(EXCHANGE_TIMEOUT, reading)
            .await
            .unwrap_or_else(|_| panic!("the body never ended; got {:.300?}", self.text()))?;
        Ok(self.text())
    }
}

/// One request on a connection of its own.
pub async fn request(addr: SocketAddr, head: &str, body: &[u8]) -> Response {
    Client::connect(addr).await.send(head, body).await
}

/// `GET path` on a connection of its own.
pub async fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, &format!("GET {path} HTTP/1.1"), b"").await
}

/// `/stats?key=KEY` as JSON.
pub async fn stats(addr: SocketAddr, key: &str) -> serde_json::Value {
    let response = get(addr, &format!("/stats?key={key}")).await;
    assert_eq!(response.status, 200, "{}", response.text());
    serde_json::from_slice(&response.body).unwrap()
}

/// The process's resident memory, in bytes (`VmRSS` of `/proc/self/status`).
pub fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status");
    kb * 1024
}
