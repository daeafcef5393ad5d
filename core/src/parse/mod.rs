//! The `text/event-stream` format, parsed from bytes exactly as the WHATWG HTML standard's
//! "Parsing an event stream" and "Interpreting an event stream" say, for a transport that reads
//! the response body itself (fetch) instead of leaving it to the browser's `EventSource`.
//!
//! Pure Rust, no browser: [`Parser::feed`] takes the body's chunks as they arrive and reports
//! [`Item`]s to a closure, in order. The stages, one module each:
//!
//! - `lines`: skipping one leading byte order mark and cutting lines at CR, LF or CRLF, with a
//!   line (or a CRLF) that straddles two chunks carried over to the next;
//! - `fields`: what each line means (comment, `event`, `data`, `id`, `retry`), and dispatching
//!   an event at a blank line.
//!
//! Bytes stay bytes until an item is reported. Decoding each piece separately gives exactly what
//! decoding the whole stream would: every place the stream is cut (line ends, the colon, the
//! space after it) is an ASCII byte, which never belongs to a multi-byte sequence, so an invalid
//! or truncated sequence becomes U+FFFD on either side of the cut alike. Data is therefore
//! validated once per event, at dispatch, not once per line; and the common event, whose one
//! `data:` line and blank line lie within one chunk, is delivered from the chunk without a copy
//! and, when ASCII (which the scan for its line end finds out), without a validation pass.
//!
//! Memory is bounded by `max_event_bytes`: everything held for the event being read (its type,
//! the id it sets, its data and the line being read) may not exceed it, and buffers grow
//! fallibly (`try_reserve`), so a cap the memory cannot hold ends the line with [`TooLarge`]
//! rather than a trap. A line that spans chunks, and data over many lines, are gathered in
//! fixed pieces (`gather`), never by doubling a buffer, and joined once when complete; a big
//! `data`, `event` or `id` value then moves out of the line buffer instead of being copied, and
//! every buffer a big event grew is released after it. What a connection holds at most is
//! therefore the event being read (at most the cap, plus one piece; twice a line's size while
//! its pieces are joined) and the last event ID of an earlier event (at most the cap).

mod fields;
mod gather;
mod lines;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod held;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod props;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod speed;
#[cfg(test)]
mod tests;

use gather::Gather;

/// The default cap on what one event holds (type, id, data, the line being read): 16 MiB, far
/// above any real event, low enough that a hostile endless line cannot take the page's memory.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// The largest cap accepted: 256 MiB. The parser holds up to twice the cap (the event being
/// read, its buffers' growth, and an earlier event's id), and the event then travels to the
/// listeners as text: with a higher cap one event could take most of the 4 GiB a wasm32 module
/// can ever address, and a module that runs out of memory traps for good.
pub const MAX_EVENT_BYTES_LIMIT: usize = 256 * 1024 * 1024;

/// Buffers that grew past this for one big event are released after it, so that one huge event
/// does not pin its memory for the life of the connection (as `text.rs` does for its copies).
const KEEP_AT_MOST: usize = 64 * 1024;

/// What the stream said, reported by [`Parser::feed`] in stream order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A dispatched event. `data` is UTF-8 (lossily decoded: invalid sequences are U+FFFD),
    /// borrowed from the chunk or the parser's buffers (a copy is made only to replace invalid
    /// sequences).
    Event {
        /// The `event` field's value, or `message` when there was none (or it was empty).
        event_type: &'a str,
        /// The `data` lines' values joined with LF.
        data: &'a str,
        /// `data` is all ASCII, as the line scan found on the way (true only for one `data` line
        /// read within one chunk; false means "not known"). A consumer that needs the UTF-16
        /// length then has it without a second pass over the bytes.
        ascii: bool,
        /// The last event ID in force at this event (ids persist across events).
        last_event_id: &'a str,
        /// `last_event_id` differs from the one of the parser's previous event (or, for its
        /// first, from the id it was created with). A consumer that keeps its own copy of the
        /// id needs no comparison per event: a long id would make every event cost its length.
        id_changed: bool,
    },
    /// A blank line dispatched no event (no `data` field since the last one), but the last event
    /// ID changed: the new resume point. Reported only when it differs from the id of the
    /// previous dispatch, so the caller's resume point stays exact without redundant reports.
    Id(&'a str),
    /// A comment line's text, everything after the `:` (no space stripped), e.g. a keep-alive:
    /// the caller counts it as a sign of life.
    Comment(&'a str),
    /// A valid `retry` field: the new reconnection time in milliseconds, saturating at
    /// `u64::MAX` for absurdly long digit strings.
    Retry(u64),
}

/// The stream passed the parser's cap on what one event holds (or the memory could not hold
/// it). The connection must be dropped: nothing the server sends next can be trusted to fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge {
    /// The cap that was passed, in bytes.
    pub limit: usize,
}

/// An event stream parser for one connection at a time.
///
/// Buffers are reused from event to event, so in the steady state feeding allocates nothing.
#[derive(Debug)]
pub struct Parser {
    /// The cap on what the event being read holds: `event_type`, `new_id` (when set), `data`
    /// (or `data_in_chunk`) and the line being read.
    max_event_bytes: usize,
    /// Where the stream's start stands with respect to a byte order mark.
    bom: lines::Bom,
    /// The previous chunk ended with a CR: an LF starting this one completes a CRLF, not a line.
    after_cr: bool,
    /// The start of a line whose end has not arrived yet, carried over from previous chunks.
    line: Gather,
    /// The data buffer, as bytes: each `data` value followed by LF.
    data: Gather,
    /// The data buffer when it holds one value that lies in the chunk being fed (the trailing LF
    /// implied). Copied into `data` before `feed` returns.
    data_in_chunk: Option<InChunk>,
    /// The event type buffer.
    event_type: String,
    /// The last event ID as of the latest dispatch: the event source's "last event ID string",
    /// and the last event ID buffer unless an `id` field came since (then `new_id` is).
    id: String,
    /// The value of an `id` field since the latest dispatch, if `has_new_id`. Kept apart so
    /// that the dispatch makes it current with a swap, not a copy.
    new_id: String,
    /// An `id` field came since the latest dispatch: `new_id` is the last event ID buffer.
    has_new_id: bool,
    /// The id changed at a dispatch without data (reported as [`Item::Id`]): the next event
    /// says `id_changed` all the same.
    id_unreported: bool,
    /// Room for lossily decoded text, only used for invalid UTF-8; released after use when big.
    scratch: String,
}

impl Parser {
    /// A parser that fails with [`TooLarge`] once one event's data plus the line being read
    /// exceed `max_event_bytes` (a hostile endless line, or an endless event).
    #[inline]
    pub fn new(max_event_bytes: usize) -> Self {
        Self {
            max_event_bytes,
            bom: lines::Bom::default(),
            after_cr: false,
            line: Gather::default(),
            data: Gather::default(),
            data_in_chunk: None,
            event_type: String::new(),
            id: String::new(),
            new_id: String::new(),
            has_new_id: false,
            id_unreported: false,
            scratch: String::new(),
        }
    }

    /// A parser for a connection that resumes after `last_event_id`: events that set no id
    /// carry it, and it is not reported again as an [`Item::Id`]. Browsers do the same (Blink's
    /// parser starts with the source's last event ID), where the standard's text would start
    /// the buffer empty and lose the resume point at the first event without an id.
    #[inline]
    pub fn with_last_event_id(max_event_bytes: usize, last_event_id: &str) -> Self {
        let mut parser = Self::new(max_event_bytes);
        parser.id.push_str(last_event_id);
        parser
    }

    /// The last event ID as of the latest dispatch (what a reconnection sends to resume). The
    /// fetch transport learns it from the items instead; the tests read it here.
    #[cfg(test)]
    pub(crate) fn last_event_id(&self) -> &str {
        &self.id
    }

    /// Feeds one chunk of the stream; calls `sink` for each item, in order.
    ///
    /// Fails with [`TooLarge`] once the cap is passed; the connection must then be dropped, and
    /// the parser is left in no particular state (`finish` makes it usable).
    pub fn feed(&mut self, chunk: &[u8], sink: &mut impl FnMut(Item<'_>)) -> Result<(), TooLarge> {
        let mut pos = self.skip_bom(chunk)?;
        if pos == chunk.len() {
            return Ok(());
        }
        if std::mem::take(&mut self.after_cr) && chunk.get(pos) == Some(&b'\n') {
            pos += 1;
        }
        // First the end of a line carried over from earlier chunks. Such a line is never blank
        // (it holds at least one byte), so it never dispatches and needs nothing of the chunk.
        if !self.line.is_empty() {
            let Some(line_end) = lines::find_line_end(after(chunk, pos)) else {
                self.carry(after(chunk, pos))?;
                return Ok(());
            };
            let end = pos + line_end.at;
            self.carry(span(chunk, pos, end))?;
            let line = self.line.take(self.max_event_bytes)?;
            self.carried_field(line, chunk, sink)?;
            pos = self.next_line(chunk, end);
        }
        // Then every line that lies entirely within the chunk, read in place.
        while pos < chunk.len() {
            let Some(line_end) = lines::find_line_end(after(chunk, pos)) else {
                self.carry(after(chunk, pos))?;
                break;
            };
            let end = pos + line_end.at;
            if pos == end {
                self.dispatch(chunk, sink)?;
            } else {
                self.check(line_end.at)?;
                self.field(
                    span(chunk, pos, end),
                    Some(pos),
                    line_end.ascii,
                    chunk,
                    sink,
                )?;
            }
            pos = self.next_line(chunk, end);
        }
        // The chunk is the caller's: data still pointing into it moves into the data buffer.
        self.own_data(chunk)
    }

    /// Appends `piece` to the line carried over to the next chunk, within the cap.
    fn carry(&mut self, piece: &[u8]) -> Result<(), TooLarge> {
        self.check(self.line.len().saturating_add(piece.len()))?;
        self.line.extend(piece, self.max_event_bytes)
    }

    /// End of stream: the event being read (not yet terminated by a blank line) is discarded, as
    /// the standard says, with its event type and any id it set.
    ///
    /// The parser is then ready for the stream of a new connection: a byte order mark is skipped
    /// again, and the last event ID buffer starts at the last *dispatched* id, as with
    /// [`with_last_event_id`](Self::with_last_event_id). A new connection may as well start with
    /// a fresh parser; the caller then carries the last event id across. The fetch transport
    /// does exactly that (and drops the parser with its connection), so only the tests call it.
    #[cfg(test)]
    pub(crate) fn finish(&mut self) {
        self.bom = lines::Bom::default();
        self.after_cr = false;
        self.line.recycle();
        self.data.recycle();
        self.data_in_chunk = None;
        recycle_text(&mut self.event_type);
        self.has_new_id = false;
        recycle_text(&mut self.new_id);
    }

    /// Bytes held for the event and line being read: what the cap bounds (for tests).
    #[cfg(test)]
    fn buffered(&self) -> usize {
        self.held() + self.line.len()
    }

    /// Bytes held for the event being read, the line being read aside: its type, the id it
    /// set, its data. The id in force from an earlier event is not the event's: it was within
    /// the cap when it came, and counting it again would let one long id refuse every later
    /// event (and a resumed connection, for good).
    fn held(&self) -> usize {
        let new_id = if self.has_new_id {
            self.new_id.len()
        } else {
            0
        };
        self.data_len() + self.event_type.len() + new_id
    }

    /// The length of the data buffer (each value with its LF).
    fn data_len(&self) -> usize {
        match self.data_in_chunk {
            Some(InChunk { start, end, .. }) => end - start + 1,
            None => self.data.len(),
        }
    }

    /// Passes if what the event holds plus a line of `line_len` bytes stay within the cap. The
    /// same line gives the same verdict however the stream is cut: a partial line is checked
    /// with what has arrived of it, which is never more than the whole line.
    fn check(&self, line_len: usize) -> Result<(), TooLarge> {
        if self.held().saturating_add(line_len) > self.max_event_bytes {
            return Err(TooLarge {
                limit: self.max_event_bytes,
            });
        }
        Ok(())
    }

    /// Moves data that lies in `chunk` into the data buffer, with its LF.
    fn own_data(&mut self, chunk: &[u8]) -> Result<(), TooLarge> {
        if let Some(InChunk { start, end, .. }) = self.data_in_chunk.take() {
            self.data
                .extend(span(chunk, start, end), self.max_event_bytes)?;
            self.data.extend(b"\n", self.max_event_bytes)?;
        }
        Ok(())
    }
}

/// A `data` value that lies in the chunk being fed.
#[derive(Clone, Copy, Debug)]
struct InChunk {
    /// Where it starts in the chunk.
    start: usize,
    /// Where it ends.
    end: usize,
    /// It is all ASCII (the line scan saw every byte), so valid UTF-8 without a second look.
    ascii: bool,
}

/// `bytes[from..]`, for bounds that hold by construction. Slicing with `get` leaves out the panic
/// path of indexing, whose messages would add about 270 bytes (gzipped) to the npm package for a
/// case that cannot happen; the tests' debug assertion still catches a wrong bound.
fn after(bytes: &[u8], from: usize) -> &[u8] {
    debug_assert!(from <= bytes.len());
    bytes.get(from..).unwrap_or_default()
}

/// `bytes[start..end]`, for bounds that hold by construction (see [`after`]).
fn span(bytes: &[u8], start: usize, end: usize) -> &[u8] {
    debug_assert!(start <= end && end <= bytes.len());
    bytes.get(start..end).unwrap_or_default()
}

/// Empties `buf` for reuse, or releases it if one big line or event grew it past
/// [`KEEP_AT_MOST`].
fn recycle(buf: &mut Vec<u8>) {
    if buf.capacity() > KEEP_AT_MOST {
        *buf = Vec::new();
    } else {
        buf.clear();
    }
}

/// [`recycle`] for text.
fn recycle_text(buf: &mut String) {
    if buf.capacity() > KEEP_AT_MOST {
        *buf = String::new();
    } else {
        buf.clear();
    }
}
