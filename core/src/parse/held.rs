//! What the parser allocates for one big event, counted by a global allocator of the host test
//! binary (per thread, so that tests running in parallel do not mix their figures).
//!
//! The npm package's allocator (lol_alloc's free list) moves a growing buffer and cannot reuse
//! the blocks a doubling buffer leaves behind (each is smaller than the next request), so wasm
//! memory grows by about every byte ever requested for a growing buffer. Two figures stand for
//! it here: the bytes requested in all while the event is read and delivered (what a moving
//! allocator that reuses nothing would take), and the peak of the bytes held at once (a realloc
//! counted as the new block taken before the old one is given back, as a moving allocator does).
//! An event of S bytes gathered in fixed pieces and joined once requests 2 S and holds at most
//! 2 S; grown by doubling it requested up to 4 S (S just over a power of two).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use super::gather::PIECE;
use super::*;

/// The host test binary's allocator: the system's, counted.
struct Counting;

#[global_allocator]
static COUNTING: Counting = Counting;

/// One thread's figures, in bytes.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    held: usize,
    peak: usize,
    requested: usize,
}

thread_local! {
    static COUNTS: Cell<Counts> = const {
        Cell::new(Counts { held: 0, peak: 0, requested: 0 })
    };
}

/// Counts `taken` bytes taken, then `given` given back.
fn count(taken: usize, given: usize) {
    // `try_with`: the thread's counters may be gone while the thread ends.
    let _ = COUNTS.try_with(|counts| {
        let mut c = counts.get();
        c.held = c.held.wrapping_add(taken);
        c.peak = c.peak.max(c.held);
        c.requested = c.requested.wrapping_add(taken);
        c.held = c.held.wrapping_sub(given);
        counts.set(c);
    });
}

// SAFETY: every call goes to the system allocator unchanged; only the counting is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count(layout.size(), 0);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        count(0, layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(new_size, layout.size());
        }
        new
    }
}

/// Feeds `stream` in `chunk`-byte chunks to a fresh parser with `cap`, the items handed to a
/// sink that only looks at them; returns the figures of the feeding, from a held count of 0,
/// and the data lengths of the events.
fn measure(stream: &[u8], chunk: usize, cap: usize) -> (Counts, Vec<usize>) {
    let mut parser = Parser::new(cap);
    let mut events = Vec::new();
    let start = COUNTS.with(|c| {
        let start = c.get();
        c.set(Counts {
            held: 0,
            peak: 0,
            requested: 0,
        });
        start
    });
    for piece in stream.chunks(chunk) {
        parser
            .feed(piece, &mut |item| {
                if let Item::Event { data, .. } = item {
                    events.push(data.len());
                }
            })
            .unwrap();
    }
    let counts = COUNTS.with(|c| {
        let counts = c.get();
        c.set(start);
        counts
    });
    drop(parser);
    (counts, events)
}

/// Over 8 MiB, just past a power of two: the size doubling served worst.
const S: usize = 8 * 1024 * 1024 + 100_000;

/// Room for what is not the event: the first piece grown by doubling (128 KiB in all), the list
/// of pieces, the items' vector.
const SLACK: usize = 4 * PIECE;

#[test]
fn one_big_data_line_costs_twice_its_size_at_most() {
    let stream = [b"data: ".as_slice(), &vec![b'x'; S], b"\n\n"].concat();
    // Chunks of 1,000 bytes and of 64 KiB (what the fetch transport copies at a time).
    for chunk in [1_000, PIECE] {
        let (counts, events) = measure(&stream, chunk, DEFAULT_MAX_EVENT_BYTES);
        assert_eq!(events, [S]);
        assert!(
            counts.requested <= 2 * S + SLACK,
            "{chunk}-byte chunks: {} bytes requested for an event of {S} (at most 2 S + {SLACK})",
            counts.requested
        );
        assert!(
            counts.peak <= 2 * S + SLACK,
            "{chunk}: peak {}",
            counts.peak
        );
    }
}

#[test]
fn data_over_many_lines_costs_twice_its_size_at_most() {
    // Lines of 100 bytes, each within its chunk: the data buffer grows a line at a time.
    let line = [b"data: ".as_slice(), &[b'y'; 99], b"\n"].concat();
    let stream = [line.repeat(S / 100).as_slice(), b"\n"].concat();
    let (counts, events) = measure(&stream, PIECE, DEFAULT_MAX_EVENT_BYTES);
    assert_eq!(events, [S / 100 * 100 - 1]);
    assert!(
        counts.requested <= 2 * S + SLACK,
        "{} bytes requested for {S} bytes of data",
        counts.requested
    );
    assert!(counts.peak <= 2 * S + SLACK, "peak {}", counts.peak);
}

#[test]
fn an_endless_line_holds_the_cap_and_a_piece_at_most() {
    let cap = S;
    let mut parser = Parser::new(cap);
    let start = COUNTS.with(|c| {
        let start = c.get();
        c.set(Counts::default());
        start
    });
    let piece = vec![b'z'; 1_000];
    let mut passed = parser.feed(b"data: ", &mut |_| ());
    while passed.is_ok() {
        passed = parser.feed(&piece, &mut |_| ());
    }
    let counts = COUNTS.with(|c| c.replace(start));
    assert_eq!(passed, Err(TooLarge { limit: cap }));
    assert!(
        counts.requested <= cap + SLACK,
        "{} bytes requested for a cap of {cap}",
        counts.requested
    );
}

#[test]
fn three_big_fields_cost_twice_their_size_at_most() {
    // A type, an id and data of S each, under a cap that holds them.
    let big = vec![b'w'; S];
    let stream = [
        b"event: ".as_slice(),
        &big,
        b"\nid: ",
        &big,
        b"\ndata: ",
        &big,
        b"\n\n",
    ]
    .concat();
    let (counts, events) = measure(&stream, PIECE, 4 * S);
    assert_eq!(events, [S]);
    // Each field's pieces and its joined copy: the pieces of one are free for the next.
    assert!(
        counts.peak <= 4 * S + SLACK,
        "peak {} for three fields of {S}",
        counts.peak
    );
}
