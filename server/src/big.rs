//! The payload of `/sse/big`: one event of up to 16 MB, generated in chunks as the client reads,
//! with at most [`MAX_BIG_RESPONSES`] in flight.
//!
//! Built whole, each response held its full size until the client read it: 40 clients that never
//! read kept ~600 MB. In chunks, a response holds one chunk plus what hyper buffers before it
//! stops polling the body (~400 KB), so all of them together hold at most
//! `MAX_BIG_RESPONSES * (BIG_CHUNK + 400 KB)`, ~4 MB. A client that never reads keeps its slot
//! until it disconnects; further requests get `503` with `Retry-After` meanwhile.

use std::sync::Arc;

use axum::body::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Most `/sse/big` responses in flight at once.
pub const MAX_BIG_RESPONSES: usize = 8;

/// Bytes of the event generated at a time.
pub const BIG_CHUNK: usize = 64 * 1024;

/// `Retry-After` (seconds) of the `503` sent when every slot is taken.
pub const BIG_RETRY_AFTER_S: u64 = 1;

/// The slots of `/sse/big` responses in flight.
#[derive(Clone, Debug)]
pub struct BigSlots(Arc<Semaphore>);

impl Default for BigSlots {
    fn default() -> Self {
        Self(Arc::new(Semaphore::new(MAX_BIG_RESPONSES)))
    }
}

impl BigSlots {
    /// A slot, held until the permit drops (with the response body); `None` when all are taken.
    pub fn try_take(&self) -> Option<OwnedSemaphorePermit> {
        self.0.clone().try_acquire_owned().ok()
    }
}

/// `{"size":N,"fill":"abc..."}`, exactly `bytes` long (at least the fixed part), in pieces of at
/// most [`BIG_CHUNK`] bytes, each made only when asked for.
pub fn sized_json_chunks(bytes: usize) -> impl Iterator<Item = Bytes> + Send + 'static {
    json_chunks(bytes, true)
}

/// [`sized_json_chunks`], or without its closing `"}` (so not JSON) when `closed` is false.
pub fn json_chunks(bytes: usize, closed: bool) -> impl Iterator<Item = Bytes> + Send + 'static {
    let head = format!(r#"{{"size":{bytes},"fill":""#);
    let fill = bytes.saturating_sub(head.len() + 2);
    std::iter::once(Bytes::from(head))
        .chain(
            (0..fill)
                .step_by(BIG_CHUNK)
                .map(move |start| fill_chunk(start, BIG_CHUNK.min(fill - start))),
        )
        .chain(closed.then(|| Bytes::from_static(b"\"}")))
}

/// `bytes` bytes that are not UTF-8 (each 0xE9, a lead byte with no continuation: one U+FFFD
/// apiece when decoded, three times their size as text), in pieces of at most [`BIG_CHUNK`].
pub fn invalid_chunks(bytes: usize) -> impl Iterator<Item = Bytes> + Send + 'static {
    (0..bytes)
        .step_by(BIG_CHUNK)
        .map(move |start| Bytes::from(vec![0xE9; BIG_CHUNK.min(bytes - start)]))
}

/// `len` bytes of the fill `abc...xyzabc...`, from position `start`.
fn fill_chunk(start: usize, len: usize) -> Bytes {
    (start..start + len)
        .map(|i| b'a' + (i % 26) as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// [`sized_json_chunks`] in one string.
pub fn sized_json(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes);
    for chunk in sized_json_chunks(bytes) {
        // Every chunk is ASCII.
        s.push_str(std::str::from_utf8(&chunk).unwrap_or_default());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chunks_make_the_exact_size_and_a_continuous_fill() {
        // Below the fixed part's length the fill is just empty.
        assert_eq!(sized_json(10), r#"{"size":10,"fill":""}"#);
        for bytes in [64, BIG_CHUNK, BIG_CHUNK + 1, 3 * BIG_CHUNK + 7] {
            let json = sized_json(bytes);
            assert_eq!(json.len(), bytes);
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            let fill = value["fill"].as_str().unwrap();
            assert!(fill
                .bytes()
                .enumerate()
                .all(|(i, b)| b == b'a' + (i % 26) as u8));
        }
        assert!(sized_json_chunks(16_000_000).all(|c| c.len() <= BIG_CHUNK));
    }

    #[test]
    fn invalid_chunks_are_the_exact_size_and_not_utf8() {
        for bytes in [0, 1, BIG_CHUNK, 3 * BIG_CHUNK + 7] {
            let all: Vec<u8> = invalid_chunks(bytes).flatten().collect();
            assert_eq!(all.len(), bytes);
            assert!(all.iter().all(|&b| b == 0xE9));
            assert!(invalid_chunks(bytes).all(|c| c.len() <= BIG_CHUNK));
        }
    }

    #[test]
    fn slots_are_given_back_when_dropped() {
        let slots = BigSlots::default();
        let taken: Vec<_> = (0..MAX_BIG_RESPONSES)
            .map_while(|_| slots.try_take())
            .collect();
        assert_eq!(taken.len(), MAX_BIG_RESPONSES);
        assert!(slots.try_take().is_none());
        drop(taken);
        assert!(slots.try_take().is_some());
    }
}
