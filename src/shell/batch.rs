//! The fetch transport's events for the attached (JS) listeners, gathered per chunk: one call
//! into JS per chunk instead of three string copies per event.
//!
//! Two strings go over: `values`, the chunk's data one after the other, and `names`, the types
//! and ids. Each event is six numbers: where its type, data and id lie (start, length), in
//! UTF-16 units, which is what JS `substr` counts. A type or id equal to the previous event's
//! is not written again: a stream of one type costs no type string per event, and the JS side
//! looks its listeners up with the same string each time.

/// Marks a type or id that did not change since the previous event of the batch.
const SAME: u32 = u32::MAX;

/// The events of one chunk, waiting for the attached listeners.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    values: Text,
    names: Text,
    records: Vec<u32>,
    /// The type and id the previous event of this batch carried.
    last_type: String,
    last_id: String,
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
    /// it so), which spares counting its UTF-16 units, a pass over every byte.
    pub(crate) fn push(&mut self, event_type: &str, data: &str, ascii: bool, last_event_id: &str) {
        let first = self.records.is_empty();
        let (names, records) = (&mut self.names, &mut self.records);
        name_or_same(names, records, &mut self.last_type, event_type, first);
        let units = if ascii {
            units(data.len())
        } else {
            utf16_len(data)
        };
        records.extend(self.values.append(data, units));
        name_or_same(names, records, &mut self.last_id, last_event_id, first);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty()
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
            *self = Self::default();
            return;
        }
        self.values.text.clear();
        self.values.units = 0;
        self.names.text.clear();
        self.names.units = 0;
        self.records.clear();
    }
}

/// Writes `value` to `names` and records where it lies; or, when it equals `last` (the previous
/// event's) and this is not the batch's first event, records the `SAME` marker instead.
fn name_or_same(
    names: &mut Text,
    records: &mut Vec<u32>,
    last: &mut String,
    value: &str,
    first: bool,
) {
    if first || last != value {
        records.extend(names.append(value, utf16_len(value)));
        value.clone_into(last);
    } else {
        records.extend([SAME, 0]);
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
        b.push("message", "{\"n\":1}", true, "1");
        b.push("token", "日本語 😀", false, "1");
        b.push("token", "", false, "");
        // Not known to be ASCII (data over several lines), yet counted right.
        b.push("token", "x", false, "");
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
        b.push("token", "y", true, "1");
        let parts = b.parts();
        assert_ne!(parts.records[0], SAME, "a new batch repeats the type");
        assert_ne!(parts.records[4], SAME, "a new batch repeats the id");
        assert_eq!(read(&parts), [("token".into(), "y".into(), "1".into())]);
    }
}
