//! The fetch transport's events for the attached (JS) listeners, gathered per chunk: one call
//! into JS per chunk instead of three string copies per event. The texts go over as one string,
//! and each event as six numbers: where its type, data and (when it changed) id lie in that
//! string, in UTF-16 units, which is what JS `substring` counts.

/// Marks an id that did not change since the previous event of the batch.
const SAME_ID: u32 = u32::MAX;

/// The events of one chunk, waiting for the attached listeners.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    text: String,
    /// Its length in UTF-16 units.
    units: u32,
    records: Vec<u32>,
    /// The id the previous event of this batch carried.
    last_id: String,
}

impl Batch {
    /// Adds one event.
    pub(crate) fn push(&mut self, event_type: &str, data: &str, last_event_id: &str) {
        self.append(event_type);
        self.append(data);
        if self.records.is_empty() || self.last_id != last_event_id {
            self.append(last_event_id);
            last_event_id.clone_into(&mut self.last_id);
        } else {
            self.records.extend([SAME_ID, 0]);
        }
    }

    /// Appends `s` to the text and records where it lies.
    fn append(&mut self, s: &str) {
        let len = utf16_len(s);
        self.records.extend([self.units, len]);
        self.text.push_str(s);
        self.units = self.units.saturating_add(len);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The text and the records, for one call into JS.
    pub(crate) fn parts(&self) -> (&str, &[u32]) {
        (&self.text, &self.records)
    }

    /// Empties it, keeping its buffers for the next chunk unless they grew large.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.records.clear();
        self.units = 0;
        // A big chunk's buffers are not kept for the life of the connection.
        if self.text.capacity() > 1 << 20 {
            *self = Self::default();
        }
    }
}

/// The length of `s` in UTF-16 code units.
fn utf16_len(s: &str) -> u32 {
    let units = if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    };
    u32::try_from(units).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What JS makes of a batch: `text.substring` over UTF-16 units.
    fn read(text: &str, records: &[u32]) -> Vec<(String, String, Option<String>)> {
        let units: Vec<u16> = text.encode_utf16().collect();
        let at = |start: u32, len: u32| {
            String::from_utf16(&units[start as usize..(start + len) as usize]).unwrap()
        };
        records
            .chunks(6)
            .map(|r| {
                let id = (r[4] != SAME_ID).then(|| at(r[4], r[5]));
                (at(r[0], r[1]), at(r[2], r[3]), id)
            })
            .collect()
    }

    #[test]
    fn offsets_are_utf16_units_and_unchanged_ids_are_not_repeated() {
        let mut b = Batch::default();
        b.push("message", "{\"n\":1}", "1");
        b.push("token", "日本語 😀", "1");
        b.push("message", "", "");
        let (text, records) = b.parts();
        assert_eq!(
            read(text, records),
            [
                ("message".into(), "{\"n\":1}".into(), Some("1".into())),
                ("token".into(), "日本語 😀".into(), None),
                ("message".into(), String::new(), Some(String::new())),
            ]
        );
        b.clear();
        assert!(b.is_empty());
        b.push("message", "x", "1");
        let (_, records) = b.parts();
        assert_ne!(records[4], SAME_ID, "a new batch repeats the id");
    }
}
