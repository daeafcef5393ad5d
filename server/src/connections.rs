//! Serving connections within limits: how many at once, how long a request head may take to
//! arrive, and how long a kept-alive connection may sit idle.
//!
//! `axum::serve` has none of the three: 1,000 connections that each sent half a request head
//! were all still held 40 s later, and nothing stopped more. [`serve`] accepts as `axum::serve`
//! does (HTTP/1.1, keep-alive) and adds, per [`ConnectionLimits`]:
//!
//! - **a cap** ([`MAX_CONNECTIONS`] by default): a connection beyond it is closed as soon as it
//!   is accepted, after `503 Service Unavailable` with `Retry-After: 1` is written if the socket
//!   takes it at once. Connections already served, streams included, go on;
//! - **a header timeout** ([`HEADER_TIMEOUT_MS`]): once the first byte of a request has arrived,
//!   its whole head must follow within this time, else the connection is closed. Counted from
//!   the first byte, so a client that trickles one byte at a time gains nothing;
//! - **an idle timeout** ([`IDLE_TIMEOUT_MS`]): a connection with no request in progress and no
//!   byte of a new one (a fresh connection, or a kept-alive one after its last response) is
//!   closed after this time.
//!
//! A request in progress is never cut by either timeout: from its complete head until its
//! response's body has been sent (or dropped), which for an event stream is until the client
//! leaves. Its body has its own limit ([`crate::limits::BODY_TIMEOUT_MS`]).
//!
//! The timeouts are kept by one watchdog per connection, which the connection's reads (for the
//! first byte of a head) and its requests (start and end) wake; closing drops the connection.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;

pub use crate::limits::{HEADER_TIMEOUT_MS, IDLE_TIMEOUT_MS, MAX_CONNECTIONS};

/// What [`serve`] allows each connection (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Most connections served at once; more are closed when accepted.
    pub max_connections: usize,
    /// How long a request head may take to arrive, from its first byte.
    pub header_timeout: Duration,
    /// How long a connection may wait with no request in progress nor begun.
    pub idle_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: MAX_CONNECTIONS,
            header_timeout: Duration::from_millis(HEADER_TIMEOUT_MS),
            idle_timeout: Duration::from_millis(IDLE_TIMEOUT_MS),
        }
    }
}

/// What a connection beyond the cap is sent before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\
Content-Type: text/plain; charset=utf-8\r\nContent-Length: 34\r\nConnection: close\r\n\r\n\
too many connections; retry soon\r\n";

/// Serves `router` on `listener` within `limits`, until accepting fails for good (never, in
/// practice: running out of file descriptors is waited out).
pub async fn serve(listener: TcpListener, router: Router, limits: ConnectionLimits) -> io::Error {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // A connection that failed before it was accepted concerns only that client.
            Err(e) if connection_error(&e) => continue,
            // Out of file descriptors (or memory): waiting lets connections end, as axum does.
            Err(e) if matches!(e.raw_os_error(), Some(23 | 24 | 12 | 105)) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(e) => return e,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Best effort: a full send buffer (impossible on a fresh socket) just loses the 503.
            let _ = stream.try_write(BUSY);
            continue;
        };
        let router = router.clone();
        tokio::spawn(async move {
            serve_connection(stream, router, limits).await;
            drop(slot);
        });
    }
}

fn connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

async fn serve_connection(stream: TcpStream, router: Router, limits: ConnectionLimits) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        stream,
        activity: activity.clone(),
    });
    let requests = activity.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let in_flight = InFlight::begin(requests.clone());
        let router = router.clone();
        async move {
            let response = router.oneshot(request.map(Body::new)).await?;
            Ok::<_, Infallible>(response.map(|body| {
                Body::new(Guarded {
                    body,
                    _in_flight: in_flight,
                })
            }))
        }
    });
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    tokio::select! {
        // Its errors are the client's (a reset, a malformed request); nothing to report.
        _ = connection => {}
        // Dropping the connection closes it.
        () = activity.expired(limits) => {}
    }
}

/// What a connection's watchdog needs to know.
#[derive(Debug)]
struct State {
    /// Requests whose head arrived and whose response is not finished.
    in_flight: usize,
    /// When the connection last became free of requests (or was accepted).
    idle_since: Instant,
    /// When the first byte of the next request arrived, if it did.
    head_since: Option<Instant>,
    /// Bytes arrived while a request was in progress: a pipelined request's head (or the
    /// request's own body). Once the connection is free of requests, they start the header
    /// timeout rather than the idle one: a half-sent pipelined head is a request head.
    read_in_flight: bool,
}

#[derive(Debug)]
struct Activity {
    state: Mutex<State>,
    /// Woken at every change of `state` that moves the deadline.
    changed: Notify,
}

impl Activity {
    fn new() -> Self {
        Self {
            state: Mutex::new(State {
                in_flight: 0,
                idle_since: Instant::now(),
                head_since: None,
                read_in_flight: false,
            }),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Bytes arrived: between requests, they begin a request head.
    fn bytes_read(&self) {
        let mut state = self.lock();
        if state.in_flight > 0 {
            state.read_in_flight = true;
        } else if state.head_since.is_none() {
            state.head_since = Some(Instant::now());
            drop(state);
            self.changed.notify_one();
        }
    }

    /// When the connection must be closed, if nothing changes; `None` while a request is in
    /// progress.
    fn deadline(&self, limits: ConnectionLimits) -> Option<Instant> {
        let state = self.lock();
        if state.in_flight > 0 {
            return None;
        }
        Some(match state.head_since {
            Some(at) => at + limits.header_timeout,
            None => state.idle_since + limits.idle_timeout,
        })
    }

    /// Resolves once a deadline passed with nothing in progress.
    async fn expired(&self, limits: ConnectionLimits) {
        loop {
            // `notify_one` keeps a wake-up for a waiter yet to come, so none is lost between
            // reading the deadline and waiting.
            let changed = self.changed.notified();
            match self.deadline(limits) {
                None => changed.await,
                Some(at) if at <= Instant::now() => return,
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = changed => {}
                    }
                }
            }
        }
    }
}

/// One request in progress, from its head until its response is finished (this is dropped).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn begin(activity: Arc<Activity>) -> Self {
        {
            let mut state = activity.lock();
            if state.in_flight == 0 {
                state.read_in_flight = false;
            }
            state.in_flight += 1;
            state.head_since = None;
        }
        activity.changed.notify_one();
        Self(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        {
            let mut state = self.0.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            if state.in_flight == 0 {
                let now = Instant::now();
                state.idle_since = now;
                state.head_since = std::mem::take(&mut state.read_in_flight).then_some(now);
            }
        }
        self.0.changed.notify_one();
    }
}

/// A response body that keeps its request counted as in progress until it is dropped (hyper
/// drops it once sent, or when the client leaves).
struct Guarded {
    body: Body,
    _in_flight: InFlight,
}

impl hyper::body::Body for Guarded {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The connection's socket, telling [`Activity`] when bytes arrive.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.bytes_read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_deadline_follows_requests_and_the_first_byte_of_a_head() {
        let limits = ConnectionLimits {
            max_connections: 1,
            header_timeout: Duration::from_secs(2),
            idle_timeout: Duration::from_secs(30),
        };
        let activity = Arc::new(Activity::new());
        let start = Instant::now();
        assert_eq!(activity.deadline(limits), Some(start + limits.idle_timeout));
        tokio::time::advance(Duration::from_secs(1)).await;
        activity.bytes_read();
        let head = start + Duration::from_secs(3);
        assert_eq!(activity.deadline(limits), Some(head));
        // More bytes of the same head do not push it back.
        tokio::time::advance(Duration::from_secs(1)).await;
        activity.bytes_read();
        assert_eq!(activity.deadline(limits), Some(head));
        let request = InFlight::begin(activity.clone());
        // Bytes of a body (or of a pipelined request) while one is in progress: no deadline
        // meanwhile, and the header timeout once it is done (they may be half a head).
        activity.bytes_read();
        assert_eq!(activity.deadline(limits), None);
        tokio::time::advance(Duration::from_secs(100)).await;
        drop(request);
        assert_eq!(
            activity.deadline(limits),
            Some(Instant::now() + limits.header_timeout)
        );
        // A request during which nothing arrived leaves the connection idle.
        drop(InFlight::begin(activity.clone()));
        assert_eq!(
            activity.deadline(limits),
            Some(Instant::now() + limits.idle_timeout)
        );
        let waited = Instant::now();
        activity.expired(limits).await;
        assert_eq!(Instant::now() - waited, limits.idle_timeout);
    }
}
