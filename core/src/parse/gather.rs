//! A byte buffer gathered from many appends (a line that spans chunks, an event's data) in pieces
//! of fixed size instead of one buffer grown by doubling.
//!
//! Why: wasm memory never shrinks, and the npm package's allocator (lol_alloc's free list) moves
//! a growing buffer instead of extending it in place. A buffer doubled up to S bytes therefore
//! took its capacity (S rounded up to a power of two) plus the blocks it left behind (about as
//! much again): up to 4 S for an S just over a power of two. Gathered in pieces, S bytes take S
//! (plus at most one piece), and joining them into the one buffer a consumer needs takes S more,
//! once: at most 2 S at the peak, and the pieces' S is free again for what comes next (the next
//! big field reuses it). Appending costs the same per byte whatever was gathered before: no
//! append copies what is already held.

use super::TooLarge;

/// The size of a piece: past it, a buffer grows by a new piece, never by a copy of itself.
/// Equal to the size of what the fetch transport copies into wasm at a time, and to what the
/// parser keeps between events, so that an ordinary event never reaches a second piece.
pub(super) const PIECE: usize = 64 * 1024;

/// Bytes gathered in pieces: `full`, then `last`.
#[derive(Debug, Default)]
pub(super) struct Gather {
    /// The pieces filled so far, in order: each exactly [`PIECE`] long, except a buffer handed
    /// over whole by [`set`](Self::set) that was then appended to.
    full: Vec<Vec<u8>>,
    /// The bytes in `full`.
    full_len: usize,
    /// The piece being filled: the whole buffer while it is short.
    last: Vec<u8>,
}

impl Gather {
    /// The bytes gathered.
    pub(super) fn len(&self) -> usize {
        self.full_len + self.last.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.full.is_empty() && self.last.is_empty()
    }

    /// The room taken, in bytes (for tests).
    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        self.full.iter().map(Vec::capacity).sum::<usize>() + self.last.capacity()
    }

    /// Appends `bytes`. The piece being filled grows by doubling up to a [`PIECE`] (never past
    /// `limit`, the parser's cap, unless `bytes` needs it); after that each piece is reserved at
    /// its exact size. Fails as the cap does when the memory cannot hold it: never a trap.
    pub(super) fn extend(&mut self, mut bytes: &[u8], limit: usize) -> Result<(), TooLarge> {
        let fail = |_| TooLarge { limit };
        while !bytes.is_empty() {
            let room = self.last.capacity() - self.last.len();
            if room == 0 {
                if self.last.capacity() < PIECE {
                    let needed = self.last.len() + bytes.len().min(PIECE - self.last.len());
                    let target =
                        (2 * self.last.capacity()).clamp(needed, PIECE.min(limit).max(needed));
                    self.last
                        .try_reserve_exact(target - self.last.len())
                        .map_err(fail)?;
                } else {
                    self.full.try_reserve(1).map_err(fail)?;
                    let mut next = Vec::new();
                    next.try_reserve_exact(PIECE).map_err(fail)?;
                    let full = std::mem::replace(&mut self.last, next);
                    self.full_len += full.len();
                    self.full.push(full);
                }
                continue;
            }
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            self.last.extend_from_slice(now);
            bytes = rest;
        }
        Ok(())
    }

    /// The bytes in one buffer, for a consumer that needs them contiguous. The pieces are copied
    /// into one buffer reserved at once at their exact total, each released after its copy.
    pub(super) fn join(&mut self, limit: usize) -> Result<&mut Vec<u8>, TooLarge> {
        if !self.full.is_empty() {
            let mut whole = Vec::new();
            whole
                .try_reserve_exact(self.len())
                .map_err(|_| TooLarge { limit })?;
            for piece in std::mem::take(&mut self.full) {
                whole.extend_from_slice(&piece);
            }
            whole.extend_from_slice(&self.last);
            self.full_len = 0;
            self.last = whole;
        }
        Ok(&mut self.last)
    }

    /// The bytes in one buffer (see [`join`](Self::join)), taken out; `self` is left empty.
    pub(super) fn take(&mut self, limit: usize) -> Result<Vec<u8>, TooLarge> {
        self.join(limit)?;
        Ok(std::mem::take(&mut self.last))
    }

    /// Replaces what is gathered with `bytes`, moved in (no copy).
    pub(super) fn set(&mut self, bytes: Vec<u8>) {
        self.full = Vec::new();
        self.full_len = 0;
        self.last = bytes;
    }

    /// Empties the buffer for reuse: `bytes` (a buffer taken out earlier) becomes its room
    /// again, unless one big line or event grew it past what is kept between events.
    pub(super) fn reuse(&mut self, mut bytes: Vec<u8>) {
        super::recycle(&mut bytes);
        self.set(bytes);
    }

    /// Empties the buffer for reuse, releasing what a big line or event took (see
    /// [`recycle`](super::recycle)).
    pub(super) fn recycle(&mut self) {
        let last = std::mem::take(&mut self.last);
        self.reuse(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_in_pieces_and_joins_in_order() {
        let bytes: Vec<u8> = (0..3 * PIECE + 123).map(|i| (i % 251) as u8).collect();
        for step in [1, 7, 1000, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE + 123] {
            let mut gather = Gather::default();
            for part in bytes.chunks(step) {
                gather.extend(part, usize::MAX).unwrap();
                // Never more room than the bytes and one piece.
                assert!(gather.capacity() <= gather.len() + PIECE, "step {step}");
            }
            assert_eq!(gather.len(), bytes.len());
            let whole = gather.take(usize::MAX).unwrap();
            assert_eq!(whole, bytes, "step {step}");
            assert_eq!(whole.capacity(), bytes.len(), "reserved exactly");
            assert!(gather.is_empty());
        }
    }

    #[test]
    fn a_buffer_moved_in_is_appended_to_without_a_copy() {
        let mut gather = Gather::default();
        let mut moved = Vec::with_capacity(2 * PIECE);
        moved.resize(2 * PIECE, b'a');
        let at = moved.as_ptr();
        gather.set(moved);
        gather.extend(b"bc", usize::MAX).unwrap();
        assert_eq!(gather.full[0].as_ptr(), at);
        let whole = gather.take(usize::MAX).unwrap();
        assert_eq!(whole.len(), 2 * PIECE + 2);
        assert!(whole.ends_with(b"abc"));
    }

    #[test]
    fn a_short_buffer_never_takes_more_room_than_the_cap() {
        let mut gather = Gather::default();
        gather.extend(b"0123456789abc", 1_000).unwrap();
        while gather.len() < 1_000 {
            gather.extend(b"x", 1_000).unwrap();
            assert!(gather.capacity() <= 1_000, "{}", gather.capacity());
        }
    }

    #[test]
    fn memory_that_cannot_be_had_is_too_large_not_a_trap() {
        let mut gather = Gather::default();
        gather.set(vec![0; 10]);
        // A join whose total cannot be reserved fails as the cap does.
        gather.full.push(Vec::new());
        gather.full_len = isize::MAX as usize;
        assert!(matches!(gather.join(7), Err(TooLarge { limit: 7 })));
    }
}
