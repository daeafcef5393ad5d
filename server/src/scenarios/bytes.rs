//! Scenarios written byte by byte rather than as events: big events, endless lines, big
//! fields, tiny events, odd ids.

use std::convert::Infallible;

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};

use crate::big;
use crate::limits::{self, BadParam, MAX_EVENTS};
use crate::resume;
use crate::scenario::{event_stream, plain_status, Scenario};
use crate::stats::ConnectionGuard;

/// `count` events (default 1, at most 100) with ids 1, 2, ..., whose JSON data is `bytes` long
/// (default 1 MB, at most 16 MB): `{"size":N,"fill":"abc..."}`, then the stream ends. With
/// `malformed=1` the JSON lacks its closing `"}`, for the decode-error memory tests; with
/// `invalid=1` the data is `bytes` bytes that are not UTF-8 (0xE9), for the memory of an event
/// that grows threefold when decoded. A client resuming after it gets 204: there is nothing more. At most [`big::MAX_BIG_RESPONSES`] at
/// once, else 503.
pub(crate) async fn big(s: Scenario) -> Result<Response, BadParam> {
    let bytes = s.num("bytes", 1_000_000, 0..=limits::MAX_BIG_BYTES)?;
    let count = s.num("count", 1, 1..=limits::MAX_BIG_COUNT)?;
    let malformed = s.num("malformed", 0, 0..=1)? == 1;
    let invalid = s.num("invalid", 0, 0..=1)? == 1;
    if resume::last_event_id(&s.headers, &s.params).0.is_some() {
        let _r = s.open(204);
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let Some(slot) = s.shared.big.try_take() else {
        let _r = s.open(503);
        let mut busy = plain_status(503, None);
        busy.headers_mut()
            .insert(header::RETRY_AFTER, big::BIG_RETRY_AFTER_S.into());
        return Ok(busy);
    };
    let r = s.open(200);
    // Each event `id: i`, its JSON made piece by piece; `malformed=1` leaves the JSON unclosed,
    // `invalid=1` sends `bytes` bytes that are not UTF-8 instead.
    let pieces = (1..=count).flat_map(move |id| {
        // In range, so it fits in usize.
        let data: Box<dyn Iterator<Item = axum::body::Bytes> + Send> = if invalid {
            Box::new(big::invalid_chunks(bytes as usize))
        } else {
            Box::new(big::json_chunks(bytes as usize, !malformed))
        };
        std::iter::once(axum::body::Bytes::from(format!("id: {id}\ndata: ")))
            .chain(data)
            .chain(std::iter::once(axum::body::Bytes::from_static(b"\n\n")))
    });
    let held = BigResponse {
        guard: r.guard,
        _slot: slot,
    };
    let mut pieces = pieces.peekable();
    // The closure owns `held`, so the slot is given back when the body is dropped.
    let body = stream::iter(std::iter::from_fn(move || {
        let piece = pieces.next()?;
        if pieces.peek().is_none() {
            held.sent();
        }
        Some(Ok::<_, Infallible>(piece))
    }));
    Ok(event_stream(axum::body::Body::from_stream(body)))
}

/// What a `/sse/big` body keeps until it is dropped: its stats record and its slot.
struct BigResponse {
    guard: ConnectionGuard,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl BigResponse {
    // A method, not a field access, so that closures capture the whole struct, slot included.
    fn sent(&self) {
        self.guard.sent();
    }
}

/// What `/sse/endless` writes its line from.
static X_CHUNK: [u8; big::BIG_CHUNK] = [b'x'; big::BIG_CHUNK];

/// `/sse/endless?bytes=N`: `200 text/event-stream`, then `data: ` and `bytes` (default
/// 20000000, 0 to 1000000000) bytes of `x`, with no line end, then the stream ends. Written in
/// 64 KiB pieces of one static buffer, so it costs the server nothing per byte. `events_sent`
/// stays 0: no event is ever complete.
pub(crate) async fn endless(s: Scenario) -> Result<Response, BadParam> {
    let bytes = s.num(
        "bytes",
        limits::DEFAULT_ENDLESS_BYTES,
        0..=limits::MAX_ENDLESS_BYTES,
    )?;
    let r = s.open(200);
    let guard = r.guard;
    let pieces = (0..bytes).step_by(big::BIG_CHUNK).map(move |start| {
        // At most BIG_CHUNK, so it fits in usize.
        let len = (bytes - start).min(big::BIG_CHUNK as u64) as usize;
        Bytes::from_static(&X_CHUNK[..len])
    });
    let pieces = std::iter::once(Bytes::from_static(b"data: ")).chain(pieces);
    // The stream's state owns the guard, so the record closes with the body.
    let body = stream::unfold((pieces, guard), |(mut pieces, guard)| async move {
        let piece = pieces.next()?;
        Some((Ok::<_, Infallible>(piece), (pieces, guard)))
    });
    Ok(event_stream(axum::body::Body::from_stream(body)))
}

/// `/sse/big-fields?bytes=N`: one event whose type, id and data are each `bytes` (default
/// 15000000, at most 100000000) bytes of `x`, then the stream ends: what the client holds for one
/// event with three big fields. Written in 64 KiB pieces of one static buffer.
pub(crate) async fn big_fields(s: Scenario) -> Result<Response, BadParam> {
    let bytes = s.num("bytes", 15_000_000, 0..=100_000_000)?;
    let r = s.open(200);
    let guard = r.guard;
    let field = move |name: &'static [u8]| {
        let pieces = (0..bytes).step_by(big::BIG_CHUNK).map(move |start| {
            // At most BIG_CHUNK, so it fits in usize.
            let len = (bytes - start).min(big::BIG_CHUNK as u64) as usize;
            Bytes::from_static(&X_CHUNK[..len])
        });
        std::iter::once(Bytes::from_static(name)).chain(pieces)
    };
    let pieces = field(b"event: ")
        .chain(field(b"\nid: "))
        .chain(field(b"\ndata: "))
        .chain(std::iter::once(Bytes::from_static(b"\n\n")));
    let body = stream::iter(pieces).map(move |piece| {
        let _record = &guard;
        Ok::<_, Infallible>(piece)
    });
    Ok(event_stream(axum::body::Body::from_stream(body)))
}

/// What `/sse/tiny` writes: 7,282 events `data: x` (9 bytes each) in 64 KiB.
static TINY_CHUNK: [u8; 9 * 7_282] = {
    let mut chunk = [0u8; 9 * 7_282];
    let event = *b"data: x\n\n";
    let mut i = 0;
    while i < chunk.len() {
        chunk[i] = event[i % 9];
        i += 1;
    }
    chunk
};

/// `/sse/tiny?n=N`: `n` (default 3000000, at most 1000000000) events `data: x`, as fast as the
/// client reads, in pieces of about 64 KiB; then the stream ends.
pub(crate) async fn tiny(s: Scenario) -> Result<Response, BadParam> {
    let n = s.num("n", 3_000_000, 0..=MAX_EVENTS)?;
    let r = s.open(200);
    let guard = r.guard;
    let per_chunk = (TINY_CHUNK.len() / 9) as u64;
    let pieces = (0..n).step_by(per_chunk as usize).map(move |start| {
        // At most a chunk's events, so it fits in usize.
        let events = (n - start).min(per_chunk) as usize;
        Bytes::from_static(&TINY_CHUNK[..events * 9])
    });
    let body = stream::iter(pieces).map(move |piece| {
        let _record = &guard;
        Ok::<_, Infallible>(piece)
    });
    Ok(event_stream(axum::body::Body::from_stream(body)))
}

/// `/sse/odd-id?id=ID`: event `first` with id `1`, then event `odd` with id `ID` exactly as
/// given (written raw after `id: `, whose one space the format strips, so spaces around `ID`
/// and control characters in it arrive as they are; at most 256 bytes, no CR, LF or NUL), then
/// the stream ends.
/// A connection that resumes (with any id, header or query) gets one `resumed` event and holds:
/// the stats say what it resumed from.
pub(crate) async fn odd_id(s: Scenario) -> Result<Response, BadParam> {
    let id = s.params.get("id").cloned().unwrap_or_default();
    if id.len() > 256 || id.contains(['\r', '\n', '\0']) {
        return Err(BadParam {
            name: "id",
            accepts: "at most 256 bytes, without CR, LF or NUL".into(),
        });
    }
    let (resumed, _) = resume::last_event_id(&s.headers, &s.params);
    let r = s.open(200);
    let guard = r.guard;
    let (text, end) = match resumed {
        Some(_) => ("data: resumed\n\n".to_owned(), false),
        None => (
            format!("id: 1\ndata: first\n\nid: {id}\ndata: odd\n\n"),
            true,
        ),
    };
    let first = stream::iter([Bytes::from(text)]);
    let rest = if end {
        first.boxed()
    } else {
        first.chain(stream::pending()).boxed()
    };
    // The stream owns the guard, so the record closes with the body.
    let body = rest.map(move |piece| {
        let _record = &guard;
        Ok::<_, Infallible>(piece)
    });
    Ok(event_stream(axum::body::Body::from_stream(body)))
}
