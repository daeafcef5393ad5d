//! Measures the server's resident memory (VmRSS) under the hostile inputs of issue #13, each
//! against a fresh server process, and whether the process survives.
//!
//! ```text
//! cargo build --profile server -p typed-sse-server --example hostile_rss
//! target/server/examples/hostile_rss target/server/typed-sse-server
//! ```
//!
//! Loopback only; every loop is bounded in count, every socket operation in time, and each
//! server process started here is killed (by its handle) when its case is done.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest any socket read or write may block.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(binary: &str) -> Self {
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let port_file =
            std::env::temp_dir().join(format!("hostile-rss-{}-{n}", std::process::id()));
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
                .and_then(|p| p.trim().parse::<u16>().ok())
            {
                break port;
            }
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(20));
        };
        let _ = std::fs::remove_file(&port_file);
        let server = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        // Settle: the first requests allocate the runtime's buffers.
        for _ in 0..3 {
            let _ = server.client().send("GET /stats?key=ping HTTP/1.1", "");
        }
        std::thread::sleep(Duration::from_millis(300));
        server
    }

    fn rss_kb(&self) -> Option<u64> {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    }

    /// Whether the process is still running and answers.
    fn alive(&mut self) -> bool {
        std::thread::sleep(Duration::from_millis(300));
        matches!(self.child.try_wait(), Ok(None))
            && self
                .client()
                .send("GET /stats?key=ping HTTP/1.1", "")
                .is_some_and(|r| r.status == 200)
    }

    fn client(&self) -> Client {
        Client::connect(self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    body_len: usize,
}

/// A blocking HTTP/1.1 client on one keep-alive connection.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect");
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        Self {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    /// Sends `head`, the `extra` header lines and (unless they have one) `Host: 127.0.0.1`,
    /// and reads a response
    /// that ends; `None` if the connection fails or closes first.
    fn send(&mut self, head: &str, extra: &str) -> Option<Response> {
        let host = if extra.contains("Host:") {
            ""
        } else {
            "Host: 127.0.0.1\r\n"
        };
        let request = format!("{head}\r\n{host}{extra}\r\n");
        self.writer.write_all(request.as_bytes()).ok()?;
        self.read_response()
    }

    fn read_response(&mut self) -> Option<Response> {
        let mut line = String::new();
        self.reader.read_line(&mut line).ok()?;
        let status = line.split(' ').nth(1)?.parse().ok()?;
        let mut length = None;
        let mut chunked = false;
        loop {
            line.clear();
            self.reader.read_line(&mut line).ok()?;
            let Some((name, value)) = line.trim_end().split_once(':') else {
                break;
            };
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().ok(),
                "transfer-encoding" => chunked = value.trim() == "chunked",
                _ => {}
            }
        }
        let mut body_len = 0;
        if status == 101 || status == 204 || status == 304 {
        } else if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line).ok()?;
                let size = usize::from_str_radix(line.trim(), 16).ok()?;
                std::io::copy(
                    &mut (&mut self.reader).take(size as u64 + 2),
                    &mut std::io::sink(),
                )
                .ok()?;
                body_len += size;
                if size == 0 {
                    break;
                }
            }
        } else if let Some(length) = length {
            body_len = std::io::copy(&mut (&mut self.reader).take(length), &mut std::io::sink())
                .ok()? as usize;
        }
        Some(Response { status, body_len })
    }
}

/// One measured case: RSS before, at the peak while it runs, and once it is over.
struct Row {
    input: &'static str,
    before_kb: u64,
    peak_kb: Option<u64>,
    after_kb: Option<u64>,
    outcome: String,
}

fn print(row: &Row) {
    let mb =
        |kb: Option<u64>| kb.map_or("—".to_owned(), |kb| format!("{:.1}", kb as f64 / 1024.0));
    println!(
        "| {} | {} | {} | {} | {} |",
        row.input,
        mb(Some(row.before_kb)),
        mb(row.peak_kb),
        mb(row.after_kb),
        row.outcome
    );
}

/// One request (`input` is its request line; `extra`, more header lines).
fn single(binary: &str, input: &'static str, extra: &str) -> Row {
    let mut server = Server::start(binary);
    let before_kb = server.rss_kb().unwrap_or(0);
    let answer = server.client().send(
        &format!("{input} HTTP/1.1"),
        &format!("Connection: close\r\n{extra}"),
    );
    let alive = server.alive();
    Row {
        input,
        before_kb,
        peak_kb: None,
        after_kb: alive.then(|| server.rss_kb()).flatten(),
        outcome: match (answer, alive) {
            (Some(r), true) => format!("answered {}, server alive", r.status),
            (Some(r), false) => format!("answered {}, then the process died", r.status),
            (None, _) => format!(
                "no answer; process {}",
                if alive { "alive" } else { "died" }
            ),
        },
    }
}

/// `count` requests on one keep-alive connection, then what `/stats?key=stats_key` weighs.
fn flood(
    binary: &str,
    input: &'static str,
    count: usize,
    request: impl Fn(usize) -> (String, String),
    stats_key: &str,
) -> Row {
    let mut server = Server::start(binary);
    let before_kb = server.rss_kb().unwrap_or(0);
    let mut client = server.client();
    let mut peak = before_kb;
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..count {
        let (head, extra) = request(i);
        let Some(r) = client.send(&head, &extra) else {
            break;
        };
        *statuses.entry(r.status).or_insert(0) += 1;
        if i % 100 == 0 {
            peak = peak.max(server.rss_kb().unwrap_or(0));
        }
    }
    drop(client);
    let stats = server
        .client()
        .send(&format!("GET /stats?key={stats_key} HTTP/1.1"), "");
    let after_kb = server.rss_kb();
    let alive = server.alive();
    Row {
        input,
        before_kb,
        peak_kb: Some(peak.max(after_kb.unwrap_or(0))),
        after_kb,
        outcome: format!(
            "statuses {statuses:?}; /stats?key={stats_key} answer {} bytes; {}",
            stats.map_or(0, |r| r.body_len),
            if alive { "alive" } else { "died" }
        ),
    }
}

/// `clients` connections asking for 16 MB events and never reading.
fn stalled_big(binary: &str, clients: usize) -> Row {
    let mut server = Server::start(binary);
    let before_kb = server.rss_kb().unwrap_or(0);
    let mut held = Vec::new();
    for i in 0..clients {
        let mut c = Client::connect(server.addr);
        let request =
            format!("GET /sse/big?bytes=16000000&key=hog-{i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        c.writer.write_all(request.as_bytes()).unwrap();
        held.push(c);
    }
    let mut peak = before_kb;
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        peak = peak.max(server.rss_kb().unwrap_or(0));
    }
    let statuses = held
        .iter_mut()
        .map(|c| {
            let mut line = String::new();
            let _ = c.reader.read_line(&mut line);
            line.split(' ').nth(1).unwrap_or("?").to_owned()
        })
        .fold(std::collections::BTreeMap::new(), |mut m, s| {
            *m.entry(s).or_insert(0) += 1;
            m
        });
    drop(held);
    std::thread::sleep(Duration::from_secs(2));
    let after_kb = server.rss_kb();
    let alive = server.alive();
    Row {
        input: "40 clients GET /sse/big?bytes=16000000, never reading (after: 2 s after they left)",
        before_kb,
        peak_kb: Some(peak),
        after_kb,
        outcome: format!(
            "statuses {statuses:?}; {}",
            if alive { "alive" } else { "died" }
        ),
    }
}

fn main() {
    let binary = std::env::args()
        .nth(1)
        .expect("usage: hostile_rss PATH/TO/typed-sse-server");
    println!("| Hostile input | RSS before (MB) | peak (MB) | after (MB) | outcome |");
    println!("|---|---|---|---|---|");
    for input in [
        "GET /sse/messages?n=18446744073709551615",
        "GET /sse/numbered?total=10000000000",
        "GET /sse/flaky?fail=0&n=10000000000",
        "GET /sse/status?code=101",
    ] {
        print(&single(&binary, input, ""));
    }
    print(&single(
        &binary,
        "POST /control/drop",
        "Origin: http://evil.example\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n",
    ));
    print(&single(
        &binary,
        "GET /stats?key=rebound",
        "Host: evil.example\r\n",
    ));
    print(&flood(
        &binary,
        "20,000 keys (GET /sse/status?code=204&key=flood-N)",
        20_000,
        |i| {
            (
                format!("GET /sse/status?code=204&key=flood-{i} HTTP/1.1"),
                String::new(),
            )
        },
        "flood-19999",
    ));
    let pad = "p".repeat(60_000);
    print(&flood(
        &binary,
        "2,000 URIs of 60 KB on one key",
        2_000,
        |_| {
            (
                format!("GET /sse/status?code=204&key=uris&pad={pad} HTTP/1.1"),
                String::new(),
            )
        },
        "uris",
    ));
    let id = "i".repeat(300_000);
    print(&flood(
        &binary,
        "500 Last-Event-IDs of 300 KB on one key",
        500,
        |_| {
            (
                "GET /sse/status?code=204&key=ids HTTP/1.1".to_owned(),
                format!("Last-Event-ID: {id}\r\n"),
            )
        },
        "ids",
    ));
    print(&stalled_big(&binary, 40));
}
