//! One connection shared by the clients of every tab of an origin: the decisions, in pure Rust.
//!
//! Clients of the same URL and request settings take turns holding one lock (Web Locks): the
//! one granted it holds the connection and relays every event, numbered, over a
//! `BroadcastChannel`; the others deliver what they hear. The browser releases the lock when
//! the holder closes, or its tab closes or crashes, and the next waiter takes over, resuming
//! from the last event id it heard. What is decided here: the role, the number (position) of
//! each relayed event, and which relayed events are new to a client (the dedup by position that
//! makes a take-over repeat nothing). The effects are in `transport/shared.rs` and its JS.

/// What a client is to the connection it reads ([`SseClient::role`](crate::SseClient::role)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A connection of its own: not shared, or sharing is not available here (no Web Locks or
    /// no `BroadcastChannel`, as in Node).
    Own,
    /// Shares a connection that another client holds (in this tab or another), or waits for
    /// one: it hears the events over a `BroadcastChannel`.
    Follower,
    /// Holds the shared connection, and relays its events to the other clients.
    Holder,
}

impl Role {
    /// `own`, `follower` or `holder`, as the JavaScript API names it.
    #[inline]
    pub fn name(self) -> &'static str {
        match self {
            Role::Own => "own",
            Role::Follower => "follower",
            Role::Holder => "holder",
        }
    }
}

/// One client's view of a shared stream. Events are numbered from 1 in the order the holders
/// relay them; a new holder goes on from the last number it heard, so every client of one
/// shared stream agrees on each event's number.
#[derive(Debug)]
pub struct Share {
    role: Role,
    /// The number of the last event this client delivered (0: none yet).
    position: u64,
}

/// What a client does with a relayed event.
#[derive(Debug, PartialEq, Eq)]
pub enum Heard {
    /// New: deliver it.
    Deliver,
    /// Delivered already (a new holder resumed from an earlier id than this client had heard,
    /// and its server replayed it): drop it.
    Repeat,
}

impl Default for Share {
    fn default() -> Self {
        Self::new()
    }
}

impl Share {
    /// A client that has joined and waits for the lock.
    #[inline]
    pub fn new() -> Self {
        Self {
            role: Role::Follower,
            position: 0,
        }
    }

    /// Whether this client holds the connection or hears it relayed.
    #[inline]
    pub fn role(&self) -> Role {
        self.role
    }

    /// The number of the last event delivered.
    #[inline]
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The lock was granted: this client holds the connection from now on, and its server
    /// resumes from the last id this client heard (the shell's resume point).
    #[inline]
    pub fn granted(&mut self) {
        self.role = Role::Holder;
    }

    /// The lock was given up without closing (the page is being frozen): a follower again.
    #[inline]
    pub fn released(&mut self) {
        self.role = Role::Follower;
    }

    /// The holder relays an event: its number.
    #[inline]
    pub fn stamp(&mut self) -> u64 {
        self.position = self.position.saturating_add(1);
        self.position
    }

    /// A follower heard event number `position`.
    #[inline]
    pub fn heard(&mut self, position: u64) -> Heard {
        if self.role == Role::Holder || position <= self.position {
            return Heard::Repeat;
        }
        self.position = position;
        Heard::Deliver
    }

    /// A follower heard the holder announce its open connection, at event number `position`:
    /// whether the holder's last id is this client's resume point from now on (it is ahead of
    /// what this client heard: a client that joined mid-stream must resume where the others
    /// are, not from the start, should it take over).
    #[inline]
    pub fn announced(&mut self, position: u64) -> bool {
        if self.role == Role::Holder || position <= self.position {
            return false;
        }
        self.position = position;
        true
    }
}

/// The largest position a message may carry: the largest integer a JavaScript number holds
/// exactly (`Number.MAX_SAFE_INTEGER`). Positions go on the channel as numbers; a larger one
/// would lose its low bits, and one near `u64::MAX` would leave no number for the next event.
pub const MAX_POSITION: u64 = (1 << 53) - 1;

/// A position heard on the channel, if it is one: an integer from 0 to [`MAX_POSITION`]. A page
/// of the origin may post anything there; anything else is ignored, so that a forged huge
/// number cannot move a client where no holder's events ever reach again.
#[inline]
pub fn position(value: f64) -> Option<u64> {
    // `fract` is not in `core` without std's float math: an integer converts back unchanged.
    let ok = (0.0..=MAX_POSITION as f64).contains(&value) && value as u64 as f64 == value;
    ok.then_some(value as u64)
}

/// Whether an id announced on the channel may become a client's resume point: one that a
/// `Last-Event-ID` header carries exactly ([`fits_header`](crate::resume::fits_header)), as a
/// kept id must be. The next holder sends it: one with a line break would fail every request.
#[inline]
pub fn announceable(id: &str) -> bool {
    crate::resume::fits_header(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Forged positions (a page of the origin may post anything) are refused: fractions,
    /// negatives, NaN, infinities and anything past 2^53 - 1, which would saturate the count.
    #[test]
    fn only_integer_positions_up_to_2_pow_53_are_heard() {
        assert_eq!(position(0.0), Some(0));
        assert_eq!(position(7.0), Some(7));
        assert_eq!(position(MAX_POSITION as f64), Some(MAX_POSITION));
        for bad in [1e300, 2f64.powi(53), -1.0, 1.5, f64::NAN, f64::INFINITY] {
            assert_eq!(position(bad), None, "{bad}");
        }
        // The largest position accepted still leaves numbers for the next holder's events.
        let mut s = Share::new();
        assert!(s.announced(position(MAX_POSITION as f64).unwrap_or(0)));
        s.granted();
        assert!(s.stamp() > MAX_POSITION);
    }

    /// An announced id that no `Last-Event-ID` header can carry is not taken as a resume point.
    #[test]
    fn an_id_no_header_carries_is_not_announced() {
        assert!(announceable("42"));
        assert!(announceable(""));
        for bad in ["x\ny", "x\ry", "x\0y", " x", "x\u{1}"] {
            assert!(!announceable(bad), "{bad:?}");
        }
    }

    /// Three tabs: A holds, B and C follow; A relays 1..=5, B hears all of them and C only up
    /// to 4 (the broadcast of 5 did not reach it). A's tab closes; C is granted the lock and its
    /// server replays from C's last id: 5 again, then 6. B delivers 5 once, C once, and 6 each.
    #[test]
    fn a_take_over_repeats_nothing_and_loses_nothing() {
        let (mut a, mut b, mut c) = (Share::new(), Share::new(), Share::new());
        a.granted();
        assert_eq!(a.role(), Role::Holder);
        let mut delivered_b = Vec::new();
        let mut delivered_c = Vec::new();
        for _ in 0..5 {
            let n = a.stamp();
            if b.heard(n) == Heard::Deliver {
                delivered_b.push(n);
            }
            if n < 5 && c.heard(n) == Heard::Deliver {
                delivered_c.push(n);
            }
        }
        // A's tab closes: the browser grants the lock to C.
        c.granted();
        for _ in 0..2 {
            let n = c.stamp();
            delivered_c.push(n);
            if b.heard(n) == Heard::Deliver {
                delivered_b.push(n);
            }
        }
        assert_eq!(delivered_b, [1, 2, 3, 4, 5, 6]);
        assert_eq!(delivered_c, [1, 2, 3, 4, 5, 6]);
    }

    /// A new holder that had heard less than a follower: the follower drops the replayed events
    /// it has, and takes the rest.
    #[test]
    fn a_follower_ahead_of_the_new_holder_drops_the_replay() {
        let (mut b, mut c) = (Share::new(), Share::new());
        for n in 1..=7 {
            assert_eq!(b.heard(n), Heard::Deliver);
        }
        for n in 1..=5 {
            c.heard(n);
        }
        c.granted();
        let relayed: Vec<u64> = (0..4).map(|_| c.stamp()).collect();
        assert_eq!(relayed, [6, 7, 8, 9]);
        let kept: Vec<u64> = relayed
            .into_iter()
            .filter(|&n| b.heard(n) == Heard::Deliver)
            .collect();
        assert_eq!(kept, [8, 9]);
    }

    /// A client that joins mid-stream takes the holder's number and its resume point, so that,
    /// holding next, it goes on from there rather than from the start.
    #[test]
    fn a_late_joiner_takes_the_announced_position() {
        let mut late = Share::new();
        assert!(late.announced(40));
        assert!(!late.announced(40), "the same announcement twice");
        assert_eq!(late.heard(40), Heard::Repeat);
        assert_eq!(late.heard(41), Heard::Deliver);
        late.granted();
        assert_eq!(late.stamp(), 42);
    }

    /// The holder hears nothing of its own (a channel does not echo), and a stale announcement
    /// or event reaching it after a take-over changes nothing.
    #[test]
    fn a_holder_ignores_what_it_hears() {
        let mut h = Share::new();
        h.granted();
        h.stamp();
        assert_eq!(h.heard(9), Heard::Repeat);
        assert!(!h.announced(9));
        assert_eq!(h.stamp(), 2);
        h.released();
        assert_eq!(h.role(), Role::Follower);
        assert_eq!(h.heard(3), Heard::Deliver);
    }
}
