//! What each line means ("Interpreting an event stream"): a comment, a field (`event`, `data`,
//! `id`, `retry`; any other is ignored), or a blank line, which dispatches the event.

use super::{after, recycle_text, span, InChunk, Item, Parser, TooLarge, KEEP_AT_MOST};

impl Parser {
    /// Processes a non-blank line. `at` is where the line starts in `chunk` when it lies there
    /// (then a `data` value may be kept in place), `None` when it was carried over; `ascii`
    /// says it is known to be all ASCII.
    pub(super) fn field(
        &mut self,
        line: &[u8],
        at: Option<usize>,
        ascii: bool,
        chunk: &[u8],
        sink: &mut impl FnMut(Item<'_>),
    ) -> Result<(), TooLarge> {
        let (name, value_start) = match split(line) {
            Split::Comment => {
                let held = self.held();
                let limit = self.max_event_bytes;
                let comment = text(after(line, 1), ascii, &mut self.scratch, held, limit)?;
                sink(Item::Comment(comment));
                recycle_text(&mut self.scratch);
                return Ok(());
            }
            Split::Field {
                name_end,
                value_start,
            } => (span(line, 0, name_end), value_start),
        };
        let value = after(line, value_start);
        // Names are compared as bytes, literally (no case folding): a name that is not valid
        // UTF-8 matches none of these, as its decoded form would not either.
        match name {
            b"data" => self.push_data(value, at.map(|at| at + value_start), ascii, chunk)?,
            b"event" => {
                self.event_type.clear();
                let held = self.held();
                let limit = self.max_event_bytes;
                // Checked as text: invalid bytes grow threefold as U+FFFD.
                let value = text(value, ascii, &mut self.scratch, held, limit)?;
                within(held, value.len(), limit)?;
                reserve_text(&mut self.event_type, value.len(), limit)?;
                self.event_type.push_str(value);
                recycle_text(&mut self.scratch);
            }
            b"id" if !has_nul(value) => {
                self.new_id.clear();
                self.has_new_id = false;
                let held = self.held();
                let limit = self.max_event_bytes;
                let value = text(value, ascii, &mut self.scratch, held, limit)?;
                within(held, value.len(), limit)?;
                reserve_text(&mut self.new_id, value.len(), limit)?;
                self.new_id.push_str(value);
                self.has_new_id = true;
                recycle_text(&mut self.scratch);
            }
            b"retry" => {
                if let Some(ms) = parse_retry(value) {
                    sink(Item::Retry(ms));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Processes a non-blank line carried over from earlier chunks, gathered in `line`. A big
    /// `data`, `event` or `id` value moves out of it instead of being copied: gathering a line of
    /// S bytes and copying it would hold 2 S at once, and wasm memory never shrinks back.
    pub(super) fn carried_field(
        &mut self,
        mut line: Vec<u8>,
        chunk: &[u8],
        sink: &mut impl FnMut(Item<'_>),
    ) -> Result<(), TooLarge> {
        let big = line.len() > KEEP_AT_MOST;
        let (name_end, value_start) = match split(&line) {
            Split::Field {
                name_end,
                value_start,
            } if big => (name_end, value_start),
            // Only the last piece of the line was scanned: its other bytes are not known ASCII.
            _ => {
                let done = self.field(&line, None, false, chunk, sink);
                self.line.reuse(line);
                return done;
            }
        };
        match span(&line, 0, name_end) {
            b"data" if self.data_in_chunk.is_none() && self.data.is_empty() => {
                // At least "data:" goes, so the LF needs no new room.
                line.drain(..value_start);
                line.push(b'\n');
                self.data.set(line);
            }
            b"event" => {
                line.drain(..value_start);
                self.event_type = String::new();
                self.event_type = into_text(line, self.held(), self.max_event_bytes)?;
            }
            b"id" if !has_nul(after(&line, value_start)) => {
                line.drain(..value_start);
                self.new_id = String::new();
                self.has_new_id = false;
                self.new_id = into_text(line, self.held(), self.max_event_bytes)?;
                self.has_new_id = true;
            }
            _ => {
                let done = self.field(&line, None, false, chunk, sink);
                self.line.reuse(line);
                return done;
            }
        }
        Ok(())
    }

    /// Appends a `data` value and an LF to the data buffer. The first value of an event that
    /// lies in the chunk (`in_chunk` is where it starts there) is only pointed at: if the blank
    /// line follows in the same chunk, the event is delivered without a copy.
    fn push_data(
        &mut self,
        value: &[u8],
        in_chunk: Option<usize>,
        ascii: bool,
        chunk: &[u8],
    ) -> Result<(), TooLarge> {
        match in_chunk {
            Some(start) if self.data_in_chunk.is_none() && self.data.is_empty() => {
                self.data_in_chunk = Some(InChunk {
                    start,
                    end: start + value.len(),
                    ascii,
                });
            }
            _ => {
                self.own_data(chunk)?;
                self.data.extend(value, self.max_event_bytes)?;
                self.data.extend(b"\n", self.max_event_bytes)?;
            }
        }
        Ok(())
    }

    /// A blank line: dispatches the event being read, if it has data. Fails when the data,
    /// decoded, would pass the cap (invalid bytes grow threefold as U+FFFD).
    pub(super) fn dispatch(
        &mut self,
        chunk: &[u8],
        sink: &mut impl FnMut(Item<'_>),
    ) -> Result<(), TooLarge> {
        // What the event holds besides its data: the decoded data is checked with it.
        let held = self.held() - self.data_len();
        let limit = self.max_event_bytes;
        // First the event source's last event ID becomes the buffer's, event or not. The buffer
        // is not reset: the id applies to the events that follow, until changed.
        let mut id_changed = false;
        if std::mem::take(&mut self.has_new_id) && self.new_id != self.id {
            std::mem::swap(&mut self.new_id, &mut self.id);
            id_changed = true;
        }
        // The id replaced (or the one that was not new) is not kept if it was big.
        recycle_text(&mut self.new_id);
        // The data buffer without its final LF (the value in the chunk has none to remove).
        let data = match self.data_in_chunk.take() {
            Some(InChunk { start, end, ascii }) => Some((span(chunk, start, end), ascii)),
            // Joined into one buffer if gathered in pieces: consumers take the data as one text.
            None => {
                let data: &[u8] = self.data.join(limit)?;
                data.split_last().map(|(_lf, data)| (data, false))
            }
        };
        match data {
            Some((data, ascii)) => sink(Item::Event {
                event_type: if self.event_type.is_empty() {
                    "message"
                } else {
                    &self.event_type
                },
                data: text(data, ascii, &mut self.scratch, held, limit)?,
                ascii,
                last_event_id: &self.id,
                id_changed: std::mem::take(&mut self.id_unreported) || id_changed,
            }),
            // No data, no event; but a new resume point all the same (which the next event
            // then reports as changed, to a consumer that only watches events).
            None if id_changed => {
                self.id_unreported = true;
                sink(Item::Id(&self.id));
            }
            None => {}
        }
        self.data.recycle();
        recycle_text(&mut self.event_type);
        // The decoded text of a big invalid event is not kept either.
        recycle_text(&mut self.scratch);
        Ok(())
    }
}

/// Where a non-blank line's parts lie.
enum Split {
    /// It starts with a colon.
    Comment,
    /// The name is `line[..name_end]`, the value `line[value_start..]`.
    Field { name_end: usize, value_start: usize },
}

/// Cuts a non-blank line at its first colon.
fn split(line: &[u8]) -> Split {
    // The colon is near the start of any line worth reading, so a plain scan is enough.
    match line.iter().position(|&b| b == b':') {
        Some(0) => Split::Comment,
        // One space after the colon is stripped, and only one.
        Some(colon) => Split::Field {
            name_end: colon,
            value_start: colon + 1 + usize::from(line.get(colon + 1) == Some(&b' ')),
        },
        // A line without a colon is a field name with an empty value.
        None => Split::Field {
            name_end: line.len(),
            value_start: line.len(),
        },
    }
}

/// An `id` value with U+0000 is ignored. UTF-8 encodes U+0000 as the byte 0 and nothing else,
/// and never decodes an invalid sequence to it, so the byte test is the text test. Not
/// `contains`, which searches with core's memchr: ~300 bytes more in the package, for ids of a
/// few bytes.
#[allow(clippy::manual_contains)]
fn has_nul(value: &[u8]) -> bool {
    value.iter().any(|&b| b == 0)
}

/// Passes if `held` bytes and `extra` more stay within `limit`.
fn within(held: usize, extra: usize, limit: usize) -> Result<(), TooLarge> {
    if held.saturating_add(extra) > limit {
        return Err(TooLarge { limit });
    }
    Ok(())
}

/// Makes room for `extra` more bytes of text, or fails as the cap does (see [`grow`]).
fn reserve_text(buf: &mut String, extra: usize, limit: usize) -> Result<(), TooLarge> {
    buf.try_reserve(extra).map_err(|_| TooLarge { limit })
}

/// `bytes` as text without a copy when they are valid UTF-8 (the common case); otherwise
/// decoded with U+FFFD for each invalid sequence, into room reserved once for the decoded
/// length. Fails when that text and `held` bytes would pass `limit`, or the memory cannot hold
/// it.
fn into_text(bytes: Vec<u8>, held: usize, limit: usize) -> Result<String, TooLarge> {
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => {
            within(held, text.len(), limit)?;
            return Ok(text);
        }
        Err(error) => error.into_bytes(),
    };
    let len = lossy_len(&bytes);
    within(held, len, limit)?;
    let mut text = String::new();
    reserve_text(&mut text, len, limit)?;
    push_lossy(&mut text, &bytes);
    Ok(text)
}

/// A `retry` value in milliseconds: only when it is all ASCII digits, and not empty (the
/// standard's "consists of only ASCII digits"; an empty value is no number to set). Saturates
/// rather than overflowing: a server asking for longer than `u64::MAX` ms asks for forever.
pub(super) fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |ms, &b| {
        b.is_ascii_digit()
            .then(|| ms.saturating_mul(10).saturating_add(u64::from(b - b'0')))
    })
}

/// `bytes` as text, borrowed when valid UTF-8 (the common case), otherwise decoded into
/// `scratch` with U+FFFD for each invalid sequence. When the line scan found the bytes all ASCII
/// (`ascii`), they are valid as they are and not looked at again: for a data line that is the
/// whole event, this spares a second pass over it.
///
/// Decoding replaces an invalid byte (1 byte) with U+FFFD (3 bytes): the decoded length is
/// computed first, checked with `held` against `limit`, and reserved at once, so an invalid
/// event can neither pass the cap as text nor take the doublings of a growing string. Valid
/// bytes are left to the caller's check (their length is the bytes', within the cap already).
pub(super) fn text<'a>(
    bytes: &'a [u8],
    ascii: bool,
    scratch: &'a mut String,
    held: usize,
    limit: usize,
) -> Result<&'a str, TooLarge> {
    if ascii {
        debug_assert!(bytes.is_ascii());
        // SAFETY: ASCII is valid UTF-8, and `ascii` is only true when the line scan checked every
        // byte of the line that `bytes` is part of.
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text);
    }
    let len = lossy_len(bytes);
    within(held, len, limit)?;
    scratch.clear();
    scratch
        .try_reserve_exact(len)
        .map_err(|_| TooLarge { limit })?;
    push_lossy(scratch, bytes);
    Ok(scratch)
}

/// The length of `bytes` decoded as [`push_lossy`] decodes them: valid sequences as they are,
/// each maximal invalid subpart as U+FFFD (3 bytes). Saturates: a length past `usize::MAX`
/// passes any cap anyway.
fn lossy_len(mut bytes: &[u8]) -> usize {
    let mut len = 0usize;
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => return len.saturating_add(valid.len()),
            Err(error) => {
                let valid = error.valid_up_to();
                len = len.saturating_add(valid).saturating_add(3);
                bytes = match error.error_len() {
                    Some(invalid) => after(bytes, valid + invalid),
                    None => return len,
                };
            }
        }
    }
}

/// Appends `bytes` to `out` with U+FFFD for each maximal invalid subpart: the WHATWG decoder's
/// replacement rule, which `Utf8Error::error_len` describes (and `String::from_utf8_lossy`
/// follows). Built on `from_utf8` rather than `utf8_chunks`, which the package would otherwise
/// carry a second validator for. Linear: each round starts where the previous error ended.
fn push_lossy(out: &mut String, mut bytes: &[u8]) {
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => return out.push_str(valid),
            Err(error) => {
                let valid = error.valid_up_to();
                out.push_str(std::str::from_utf8(span(bytes, 0, valid)).unwrap_or_default());
                out.push(char::REPLACEMENT_CHARACTER);
                bytes = match error.error_len() {
                    Some(invalid) => after(bytes, valid + invalid),
                    // The input ends inside a sequence: one U+FFFD for all of it.
                    None => &[],
                };
            }
        }
    }
}
