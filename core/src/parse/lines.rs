//! Cutting the byte stream into lines: one leading byte order mark skipped, then lines ending at
//! CR, LF or CRLF ("Parsing an event stream"), whichever chunks they arrive in.

use super::{span, Parser, TooLarge};

/// UTF-8's byte order mark. The UTF-8 decode the standard prescribes drops one at the very start
/// of the stream; anywhere else it is content (U+FEFF).
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// How far the stream's start has got with respect to a byte order mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Bom {
    /// At the start: this many bytes of a BOM have arrived and are held back, as they may yet
    /// turn out to be one (a chunk can end inside it).
    Pending(usize),
    /// Past the start: no byte is a BOM any more.
    Past,
}

impl Default for Bom {
    fn default() -> Self {
        Self::Pending(0)
    }
}

impl Parser {
    /// Consumes what `chunk` holds of a leading BOM; returns where the stream's content starts
    /// in `chunk` (its length if all of it was BOM so far). Bytes that looked like the start of
    /// a BOM but were not become the start of the first line.
    pub(super) fn skip_bom(&mut self, chunk: &[u8]) -> Result<usize, TooLarge> {
        let Bom::Pending(mut seen) = self.bom else {
            return Ok(0);
        };
        for (i, &byte) in chunk.iter().enumerate() {
            if BOM.get(seen) != Some(&byte) {
                self.line
                    .extend(span(&BOM, 0, seen), self.max_event_bytes)?;
                self.bom = Bom::Past;
                return Ok(i);
            }
            seen += 1;
            if seen == BOM.len() {
                self.bom = Bom::Past;
                return Ok(i + 1);
            }
        }
        self.bom = Bom::Pending(seen);
        Ok(chunk.len())
    }

    /// Where the line after the one ending at `chunk[end]` (a CR or LF) starts. A CR that ends
    /// the chunk is remembered, so that an LF starting the next chunk completes a CRLF rather
    /// than ending a blank line.
    pub(super) fn next_line(&mut self, chunk: &[u8], end: usize) -> usize {
        if chunk.get(end) != Some(&b'\r') {
            return end + 1;
        }
        match chunk.get(end + 1) {
            Some(b'\n') => end + 2,
            Some(_) => end + 1,
            None => {
                self.after_cr = true;
                end + 1
            }
        }
    }
}

/// Where a line ends: the first CR or LF of what was scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct LineEnd {
    /// The index of the CR or LF.
    pub(super) at: usize,
    /// Every byte before it is ASCII, so the line is valid UTF-8 without a second look.
    pub(super) ascii: bool,
}

/// Where the first line of `hay` ends, if it does.
///
/// Eight bytes at a time (SWAR: "SIMD within a register"), as wasm has no vector instructions
/// unless built for `simd128`, and a data line is typically the whole event: scanning it is most
/// of the parser's work, so the same pass also notes whether the line is ASCII (no byte with
/// its high bit set), which spares the event's UTF-8 validation. A byte equal to the one sought
/// becomes zero after the XOR, and `(x - 0x01..) & !x & 0x80..` sets the high bit of every zero
/// byte of `x`. That test can also flag a byte above a zero byte (the subtraction's borrow runs
/// upward), never one below it, so the lowest flag is exact. Little-endian loading makes the
/// lowest flag the first byte.
pub(super) fn find_line_end(hay: &[u8]) -> Option<LineEnd> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const LFS: u64 = u64::from_ne_bytes([b'\n'; 8]);
    const CRS: u64 = u64::from_ne_bytes([b'\r'; 8]);
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;

    let mut rest = hay;
    // The bytes scanned so far, ORed: a high bit set here means a non-ASCII byte.
    let mut seen = 0;
    // `split_first_chunk` hands out `&[u8; 8]`: a plain 8-byte load, with no length check or
    // copy left for `opt-level = "z"` (the npm package's) to keep as a call per word.
    while let Some((word, tail)) = rest.split_first_chunk::<8>() {
        let word = u64::from_le_bytes(*word);
        let flags = zero_bytes(word ^ LFS) | zero_bytes(word ^ CRS);
        if flags != 0 {
            // The flag is bit 7 of byte `i`, so `bit - 7` bits cover the bytes before it.
            let bit = flags.trailing_zeros();
            let before = word & ((1 << (bit - 7)) - 1);
            return Some(LineEnd {
                at: hay.len() - rest.len() + (bit / 8) as usize,
                ascii: (seen | before) & HIGHS == 0,
            });
        }
        seen |= word;
        rest = tail;
    }
    let mut ascii = seen & HIGHS == 0;
    for (i, &b) in rest.iter().enumerate() {
        if b == b'\n' || b == b'\r' {
            return Some(LineEnd {
                at: hay.len() - rest.len() + i,
                ascii,
            });
        }
        ascii &= b.is_ascii();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{find_line_end, LineEnd};

    /// The scan agrees with a plain one at every length and position, ASCII verdict included:
    /// with bytes around the line end that a careless word test would take for CR or LF (0x0B,
    /// 0x0C, 0x0E, 0x8A, 0x8D), and non-ASCII bytes before it or only after it.
    #[test]
    fn find_line_end_matches_a_plain_scan() {
        let fillers = [b'a', 0x00, 0x0B, 0x0C, 0x0E, 0x09, 0x8A, 0x8D, 0xFF, 0x01];
        for len in 0..40 {
            for filler in fillers {
                for target in [None, Some(b'\n'), Some(b'\r')] {
                    for at in 0..len.max(1) {
                        for non_ascii_after in [false, true] {
                            let mut hay = vec![filler; len];
                            if let (Some(t), true) = (target, at < len) {
                                hay[at] = t;
                                if non_ascii_after {
                                    hay[at + 1..].fill(0xC3);
                                } else if at + 1 < len {
                                    // A second line end after the first must not win.
                                    hay[len - 1] = b'\n';
                                }
                            }
                            let plain = hay.iter().position(|&b| b == b'\n' || b == b'\r');
                            let plain = plain.map(|at| LineEnd {
                                at,
                                ascii: hay[..at].is_ascii(),
                            });
                            assert_eq!(find_line_end(&hay), plain, "{hay:?}");
                        }
                    }
                }
            }
        }
    }
}
