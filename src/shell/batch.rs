//! The fetch transport's events for the attached (JS) listeners, gathered per chunk: one call
//! into JS per chunk instead of three string copies per event.
//!
//! Two strings go over: `values`, the chunk's data one after the other, and `names`, the types
//! and ids. Each event is six numbers: where its type, data and id lie (start, length), in
//! UTF-16 units, which is what JS `substr` counts. A type equal to the previous event's in the
//! batch is not written again: a stream of one type costs no type string per event, and the JS
//! side looks its listeners up with the same string each time. An id is written only when it is
//! new to JS (it changed, or this connection has not sent one yet): the JS side keeps the
//! connection's id across batches, so a long id costs nothing per chunk.

/// Marks a type or id that did not change since the previous event of the batch.
const SAME: u32 = u32::MAX;

/// An event with more data than this goes to JS on its own, from the parser's buffers.
pub(crate) const BIG_EVENT: usize = 1 << 20;

/// Events in a batch at most: a bigger one goes to JS before the chunk ends. A big chunk of
/// tiny events (a reader that fell behind hands over megabytes at once) would otherwise grow the
/// records to 24 bytes an event, and wasm memory never gives them back (3 million tiny events
/// left 26 MiB). 4,096 keeps a batch's records within 128 KiB and the calls into JS rare.
const MAX_EVENTS: usize = 4_096;

/// The events of one chunk, waiting for the attached listeners.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    values: Text,
    names: Text,
    records: Vec<u32>,
    /// The type the previous event of this batch carried.
    last_type: String,
    /// JS has this connection's current id: an unchanged one is not written again.
    id_sent: bool,
}

/// A string and its length in UTF-16 units.
#[derive(Debug, Default)]
struct Text {
    text: String,
    units: u32,
}

impl Text {
    /// Appends `s`, `len` UTF-16 units long; returns where it lies, (start, length) in UTF-16
    /// units.
    fn append(&mut self, s: &str, len: u32) -> [u32; 2] {
        let start = self.units;
        self.text.push_str(s);
        self.units = self.units.saturating_add(len);
        [start, len]
    }
}

/// What one call into JS carries (see the module's documentation).
pub(crate) struct Parts<'a> {
    /// The data.
    pub(crate) values: &'a str,
    /// The types and the ids.
    pub(crate) names: &'a str,
    /// Six numbers per event.
    pub(crate) records: &'a [u32],
}

impl Batch {
    /// Adds one event. `ascii`: `data` is known to be all ASCII (the parser's line scan found
    /// it so), which spares counting its UTF-16 units, a pass over every byte. `id_changed`:
    /// `last_event_id` is not the previous event's (the parser says so: a long id is never
    /// compared, nor copied, per event).
    pub(crate) fn push(
        &mut self,
        event_type: &str,
        data: &str,
        ascii: bool,
        last_event_id: &str,
        id_changed: bool,
    ) {
        let first = self.records.is_empty();
        let (names, records) = (&mut self.names, &mut self.records);
        if first || self.last_type != event_type {
            records.extend(names.append(event_type, utf16_len(event_type)));
            event_type.clone_into(&mut self.last_type);
        } else {
            records.extend([SAME, 0]);
        }
        let units = if ascii {
            units(data.len())
        } else {
            utf16_len(data)
        };
        records.extend(self.values.append(data, units));
        let sent = std::mem::replace(&mut self.id_sent, true);
        if id_changed || !sent {
            records.extend(names.append(last_event_id, utf16_len(last_event_id)));
        } else {
            records.extend([SAME, 0]);
        }
    }

    /// The records of one big event delivered on its own, straight from the parser's buffers
    /// (`values` is its data, `names` its type, `ids` its id): copying it into the batch would
    /// take its size again in wasm memory, for good. Call it on an empty batch.
    pub(crate) fn big_event(
        &mut self,
        event_type: &str,
        data: &str,
        ascii: bool,
        last_event_id: &str,
        id_changed: bool,
    ) -> [u32; 6] {
        debug_assert!(self.is_empty());
        let sent = std::mem::replace(&mut self.id_sent, true);
        let units = if ascii {
            units(data.len())
        } else {
            utf16_len(data)
        };
        let [id_start, id_len] = if id_changed || !sent {
            [0, utf16_len(last_event_id)]
        } else {
            [SAME, 0]
        };
        [0, utf16_len(event_type), 0, units, id_start, id_len]
    }

    /// A new connection begins: its first event gives JS its id.
    pub(crate) fn new_connection(&mut self) {
        self.clear();
        self.id_sent = false;
    }

    /// Whether JS has the connection's id, to carry over to a batch that takes this one's
    /// place while it is being delivered (see `Shell::deliver_batch`).
    pub(crate) fn id_sent(&self) -> bool {
        self.id_sent
    }

    /// See [`id_sent`](Self::id_sent).
    pub(crate) fn set_id_sent(&mut self, sent: bool) {
        self.id_sent = sent;
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// It holds as many events as one call into JS should carry, or one big event: deliver it
    /// now, before the chunk ends (see [`MAX_EVENTS`]).
    pub(crate) fn is_full(&self) -> bool {
        self.records.len() >= 6 * MAX_EVENTS || self.values.text.len() > 1 << 20
    }

    /// What goes to JS in one call.
    pub(crate) fn parts(&self) -> Parts<'_> {
        Parts {
            values: &self.values.text,
            names: &self.names.text,
            records: &self.records,
        }
    }

    /// Empties it, keeping its buffers for the next chunk unless they grew large.
    pub(crate) fn clear(&mut self) {
        // A big chunk's buffers are not kept for the life of the connection (any of the three:
        // a chunk of many empty events grows the records alone).
        let kept =
            self.values.text.capacity() + self.names.text.capacity() + self.records.capacity() * 4;
        if kept > 1 << 20 {
            let id_sent = self.id_sent;
            *self = Self::default();
            self.id_sent = id_sent;
            return;
        }
        self.values.text.clear();
        self.values.units = 0;
        self.names.text.clear();
        self.names.units = 0;
        self.records.clear();
    }
}

/// The length of `s` in UTF-16 code units.
fn utf16_len(s: &str) -> u32 {
    units(if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    })
}

/// A length as the `u32` JS receives, saturated (a batch stays far below 4 GiB: the parser caps
/// an event at `max_event_bytes`, and the buffers are bounded per chunk).
fn units(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What JS makes of a batch: `substr` over UTF-16 units, unchanged types and ids carried.
    fn read(parts: &Parts<'_>) -> Vec<(String, String, String)> {
        let values: Vec<u16> = parts.values.encode_utf16().collect();
        let names: Vec<u16> = parts.names.encode_utf16().collect();
        let at = |text: &[u16], start: u32, len: u32| {
            String::from_utf16(&text[start as usize..(start + len) as usize]).unwrap()
        };
        let (mut event_type, mut id) = (String::new(), String::new());
        parts
            .records
            .chunks(6)
            .map(|r| {
                if r[0] != SAME {
                    event_type = at(&names, r[0], r[1]);
                }
                if r[4] != SAME {
                    id = at(&names, r[4], r[5]);
                }
                (event_type.clone(), at(&values, r[2], r[3]), id.clone())
            })
            .collect()
    }

    #[test]
    fn offsets_are_utf16_units_and_unchanged_names_are_not_repeated() {
        let mut b = Batch::default();
        b.push("message", "{\"n\":1}", true, "1", true);
        b.push("token", "日本語 😀", false, "1", false);
        b.push("token", "", false, "", true);
        // Not known to be ASCII (data over several lines), yet counted right.
        b.push("token", "x", false, "", false);
        let parts = b.parts();
        assert_eq!(
            read(&parts),
            [
                ("message".into(), "{\"n\":1}".into(), "1".into()),
                ("token".into(), "日本語 😀".into(), "1".into()),
                ("token".into(), String::new(), String::new()),
                ("token".into(), "x".into(), String::new()),
            ]
        );
        assert_eq!(
            parts.records[6 + 4],
            SAME,
            "the second event's id is not repeated"
        );
        assert_eq!(
            parts.records[12], SAME,
            "the third event's type is not repeated"
        );
        assert_eq!(parts.names, "message1token");
        b.clear();
        assert!(b.is_empty());
        b.push("token", "y", true, "1", true);
        let parts = b.parts();
        assert_ne!(parts.records[0], SAME, "a new batch repeats the type");
        assert_eq!(read(&parts), [("token".into(), "y".into(), "1".into())]);
        // An id JS has already is not written again, in any batch of the connection.
        b.clear();
        b.push("token", "z", true, "1", false);
        assert_eq!(b.parts().records[4], SAME);
        assert_eq!(b.parts().names, "token");
        // A new connection writes it once more.
        b.new_connection();
        b.push("token", "z", true, "1", false);
        assert_eq!(b.parts().names, "token1");
    }

    /// The fetch path of a chunk up to the JS call (parser, then batch), after a 15 MB `id:`
    /// line: each later chunk writes no id and copies nothing of it, so its cost does not
    /// depend on the id's length. The figure (per chunk, median) is printed for BENCHMARKS.md:
    /// `cargo test --release -p typed-sse --lib long_id -- --nocapture`.
    #[test]
    fn a_long_id_costs_nothing_per_later_chunk() {
        use crate::parse::{Item, Parser};
        use std::time::Instant;

        let mut parser = Parser::new(crate::parse::DEFAULT_MAX_EVENT_BYTES);
        let mut batch = Batch::default();
        batch.new_connection();
        let feed = |parser: &mut Parser, batch: &mut Batch, chunk: &[u8]| {
            parser
                .feed(chunk, &mut |item| {
                    if let Item::Event {
                        event_type,
                        data,
                        ascii,
                        last_event_id,
                        id_changed,
                    } = item
                    {
                        batch.push(event_type, data, ascii, last_event_id, id_changed);
                    }
                })
                .unwrap();
            let written = batch.parts().names.len() + batch.parts().values.len();
            batch.clear();
            written
        };
        let id = "i".repeat(15_000_000);
        let first = format!("id: {id}\ndata: 0\n\n");
        // The event that sets it gives it to JS, once.
        assert_eq!(feed(&mut parser, &mut batch, first.as_bytes()), 15_000_008);
        let mut times = Vec::new();
        for _ in 0..200 {
            let start = Instant::now();
            let written = feed(&mut parser, &mut batch, b"data: 1\n\n");
            times.push(start.elapsed());
            assert_eq!(written, "message".len() + 1, "no id written");
        }
        times.sort();
        let median = times[times.len() / 2];
        println!("per ~10-byte chunk after a 15 MB id: {median:?} (median of 200)");
        // A copy of the id alone takes milliseconds; a chunk without one, microseconds.
        assert!(median.as_micros() < 500, "{median:?}");
    }

    #[test]
    fn a_batch_is_full_at_4096_events_or_one_big_one() {
        let mut b = Batch::default();
        for _ in 0..MAX_EVENTS - 1 {
            b.push("message", "x", true, "", false);
        }
        assert!(!b.is_full());
        b.push("message", "x", true, "", false);
        assert!(b.is_full());
        assert!(b.records.capacity() * 4 <= 128 * 1024);
        b.clear();
        b.push("message", &"x".repeat(2 << 20), true, "", false);
        assert!(b.is_full());
    }
}
