//! What each line means ("Interpreting an event stream"): a comment, a field (`event`, `data`,
//! `id`, `retry`; any other is ignored), or a blank line, which dispatches the event.

use super::{after, recycle, span, InChunk, Item, Parser};

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
    ) {
        // The colon is near the start of any line worth reading, so a plain scan is enough.
        let (name, value_start) = match line.iter().position(|&b| b == b':') {
            Some(0) => {
                sink(Item::Comment(text(
                    after(line, 1),
                    ascii,
                    &mut self.scratch,
                )));
                return;
            }
            // One space after the colon is stripped, and only one.
            Some(colon) => (
                span(line, 0, colon),
                colon + 1 + usize::from(line.get(colon + 1) == Some(&b' ')),
            ),
            // A line without a colon is a field name with an empty value.
            None => (line, line.len()),
        };
        let value = after(line, value_start);
        // Names are compared as bytes, literally (no case folding): a name that is not valid
        // UTF-8 matches none of these, as its decoded form would not either.
        match name {
            b"data" => self.push_data(value, at.map(|at| at + value_start), ascii, chunk),
            b"event" => {
                self.event_type.clear();
                self.event_type
                    .push_str(text(value, ascii, &mut self.scratch));
            }
            b"id" => {
                // UTF-8 encodes U+0000 as the byte 0 and nothing else, and never decodes an
                // invalid sequence to it, so the byte test is the text test. Not `contains`,
                // which searches with core's memchr: ~300 bytes more in the package, for ids of
                // a few bytes.
                #[allow(clippy::manual_contains)]
                let has_nul = value.iter().any(|&b| b == 0);
                if !has_nul {
                    self.new_id.clear();
                    self.new_id.push_str(text(value, ascii, &mut self.scratch));
                    self.has_new_id = true;
                }
            }
            b"retry" => {
                if let Some(ms) = parse_retry(value) {
                    sink(Item::Retry(ms));
                }
            }
            _ => {}
        }
    }

    /// Appends a `data` value and an LF to the data buffer. The first value of an event that
    /// lies in the chunk (`in_chunk` is where it starts there) is only pointed at: if the blank
    /// line follows in the same chunk, the event is delivered without a copy.
    fn push_data(&mut self, value: &[u8], in_chunk: Option<usize>, ascii: bool, chunk: &[u8]) {
        match in_chunk {
            Some(start) if self.data_in_chunk.is_none() && self.data.is_empty() => {
                self.data_in_chunk = Some(InChunk {
                    start,
                    end: start + value.len(),
                    ascii,
                });
            }
            _ => {
                self.own_data(chunk);
                self.data.extend_from_slice(value);
                self.data.push(b'\n');
            }
        }
    }

    /// A blank line: dispatches the event being read, if it has data.
    pub(super) fn dispatch(&mut self, chunk: &[u8], sink: &mut impl FnMut(Item<'_>)) {
        // First the event source's last event ID becomes the buffer's, event or not. The buffer
        // is not reset: the id applies to the events that follow, until changed.
        let mut id_changed = false;
        if std::mem::take(&mut self.has_new_id) && self.new_id != self.id {
            std::mem::swap(&mut self.new_id, &mut self.id);
            id_changed = true;
        }
        // The data buffer without its final LF (the value in the chunk has none to remove).
        let data = match self.data_in_chunk.take() {
            Some(InChunk { start, end, ascii }) => Some((span(chunk, start, end), ascii)),
            None => self.data.split_last().map(|(_lf, data)| (data, false)),
        };
        match data {
            Some((data, ascii)) => sink(Item::Event {
                event_type: if self.event_type.is_empty() {
                    "message"
                } else {
                    &self.event_type
                },
                data: text(data, ascii, &mut self.scratch),
                ascii,
                last_event_id: &self.id,
            }),
            // No data, no event; but a new resume point all the same.
            None if id_changed => sink(Item::Id(&self.id)),
            None => {}
        }
        recycle(&mut self.data);
        self.event_type.clear();
    }
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
fn text<'a>(bytes: &'a [u8], ascii: bool, scratch: &'a mut String) -> &'a str {
    if ascii {
        debug_assert!(bytes.is_ascii());
        // SAFETY: ASCII is valid UTF-8, and `ascii` is only true when the line scan checked every
        // byte of the line that `bytes` is part of.
        return unsafe { std::str::from_utf8_unchecked(bytes) };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => {
            scratch.clear();
            push_lossy(scratch, bytes);
            scratch
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
