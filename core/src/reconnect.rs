//! [`ReconnectPolicy`]: when to try again after a connection fails. Pure arithmetic, host-tested.
//!
//! The delay before reconnect attempt `n` (1-based) is
//! `base(n) = min(max_delay, initial_delay * multiplier^(n-1))`, then jittered down by up to
//! `jitter * base(n)`: the actual delay is uniform in `[base(n) * (1 - jitter), base(n)]`. With the
//! default `jitter = 0.5` this is "equal jitter": at least half the backoff is always waited (no
//! retry storm), and clients that failed together spread over the other half. The cap is never
//! exceeded.

/// How an [`SseClient`](https://docs.rs/typed-sse/latest/typed_sse/struct.SseClient.html) reconnects after a failure.
///
/// Defaults: initial delay 1 s, multiplier 2, maximum delay 30 s, jitter 0.5, unlimited retries.
///
/// ```
/// # use typed_sse_core as typed_sse;
/// use typed_sse::ReconnectPolicy;
///
/// let policy = ReconnectPolicy::default()
///     .initial_delay_ms(500)
///     .max_delay_ms(10_000)
///     .max_reconnects(5);
/// // The first reconnect waits between 250 and 500 ms.
/// let d = policy.delay_for(1, 0.0).unwrap();
/// assert!((250..=500).contains(&d));
/// // After five failed attempts the budget is spent.
/// assert_eq!(policy.delay_for(6, 0.0), None);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ReconnectPolicy {
    initial_delay_ms: u32,
    multiplier: f64,
    max_delay_ms: u32,
    jitter: f64,
    max_reconnects: Option<u32>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            initial_delay_ms: 1_000,
            multiplier: 2.0,
            max_delay_ms: 30_000,
            jitter: 0.5,
            max_reconnects: None,
        }
    }
}

impl ReconnectPolicy {
    /// A policy that never reconnects: the first failure closes the source.
    #[inline]
    pub fn never() -> Self {
        Self::default().max_reconnects(0)
    }

    /// The delay before the first reconnect attempt (before jitter). Default 1000 ms.
    #[inline]
    pub fn initial_delay_ms(mut self, ms: u32) -> Self {
        self.initial_delay_ms = ms;
        self
    }

    /// The factor each further attempt's delay grows by. Default 2. Values below 1 count as 1.
    #[inline]
    pub fn multiplier(mut self, factor: f64) -> Self {
        self.multiplier = if factor.is_finite() && factor >= 1.0 {
            factor
        } else {
            1.0
        };
        self
    }

    /// The cap on any delay. Default 30 000 ms.
    #[inline]
    pub fn max_delay_ms(mut self, ms: u32) -> Self {
        self.max_delay_ms = ms;
        self
    }

    /// The share of each delay that is randomised, from 0 (none) to 1 (full jitter). Default 0.5.
    #[inline]
    pub fn jitter(mut self, ratio: f64) -> Self {
        self.jitter = if ratio.is_finite() {
            ratio.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    /// At most `n` reconnect attempts after a failure; `max_reconnects(3)` makes exactly three.
    /// The count starts again once a connection opens and delivers an event.
    #[inline]
    pub fn max_reconnects(mut self, n: u32) -> Self {
        self.max_reconnects = Some(n);
        self
    }

    /// Reconnect forever (the default).
    #[inline]
    pub fn unlimited_reconnects(mut self) -> Self {
        self.max_reconnects = None;
        self
    }

    /// The reconnect budget: `None` is unlimited.
    pub fn reconnect_budget(&self) -> Option<u32> {
        self.max_reconnects
    }

    /// The delay before the first attempt, in milliseconds.
    pub fn initial_ms(&self) -> u32 {
        self.initial_delay_ms
    }

    /// The cap on any delay, in milliseconds.
    pub fn cap_ms(&self) -> u32 {
        self.max_delay_ms
    }

    /// The delay before reconnect attempt `attempt` (1-based), with `random` in `[0, 1)` choosing
    /// where in the jitter range it falls; `None` when the budget does not allow that attempt.
    pub fn delay_for(&self, attempt: u32, random: f64) -> Option<u32> {
        if attempt == 0 || self.max_reconnects.is_some_and(|max| attempt > max) {
            return None;
        }
        let cap = f64::from(self.max_delay_ms);
        // powi saturates to infinity for large attempts; min() then keeps the cap.
        let exponent = i32::try_from(attempt - 1).unwrap_or(i32::MAX);
        let base = (f64::from(self.initial_delay_ms) * self.multiplier.powi(exponent)).min(cap);
        let random = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let delay = base * (1.0 - self.jitter * random);
        Some(delay.round() as u32)
    }
}

/// The running count of reconnect attempts for one source.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    attempts: u32,
}

impl Backoff {
    /// The next attempt's number and delay, counting it; `None` once the budget is spent.
    pub(crate) fn next(&mut self, policy: &ReconnectPolicy, random: f64) -> Option<(u32, u32)> {
        let attempt = self.attempts.checked_add(1)?;
        let delay = policy.delay_for(attempt, random)?;
        self.attempts = attempt;
        Some((attempt, delay))
    }

    /// Attempts made since the last reset.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Called when a connection that had opened ends: the next failure starts over.
    pub(crate) fn reset(&mut self) {
        self.attempts = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_jitter() -> ReconnectPolicy {
        ReconnectPolicy::default().jitter(0.0)
    }

    #[test]
    fn delays_grow_exponentially_up_to_the_cap() {
        let p = no_jitter().initial_delay_ms(100).max_delay_ms(1_000);
        let delays: Vec<_> = (1..=6).map(|n| p.delay_for(n, 0.5).unwrap()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1_000, 1_000]);
    }

    #[test]
    fn jitter_stays_within_its_bounds() {
        let p = ReconnectPolicy::default()
            .initial_delay_ms(1_000)
            .jitter(0.5);
        assert_eq!(p.delay_for(1, 0.0), Some(1_000));
        assert_eq!(p.delay_for(1, 1.0), Some(500));
        for i in 0..100 {
            let d = p.delay_for(3, f64::from(i) / 100.0).unwrap();
            assert!((2_000..=4_000).contains(&d), "{d}");
        }
    }

    #[test]
    fn max_retries_three_means_exactly_three_attempts() {
        let p = ReconnectPolicy::default().max_reconnects(3);
        let mut b = Backoff::default();
        let attempts: Vec<u32> = std::iter::from_fn(|| b.next(&p, 0.0).map(|(n, _)| n)).collect();
        assert_eq!(attempts, [1, 2, 3]);
        assert_eq!(b.attempts(), 3);
        assert_eq!(b.next(&p, 0.0), None, "a spent budget stays spent");
    }

    #[test]
    fn never_makes_no_attempt() {
        let mut b = Backoff::default();
        assert_eq!(b.next(&ReconnectPolicy::never(), 0.0), None);
    }

    #[test]
    fn reset_starts_the_count_and_the_delay_over() {
        let p = no_jitter().initial_delay_ms(100).max_reconnects(2);
        let mut b = Backoff::default();
        assert_eq!(b.next(&p, 0.0), Some((1, 100)));
        assert_eq!(b.next(&p, 0.0), Some((2, 200)));
        assert_eq!(b.next(&p, 0.0), None);
        b.reset();
        assert_eq!(b.next(&p, 0.0), Some((1, 100)));
    }

    #[test]
    fn unlimited_retries_never_run_out_or_overflow() {
        let p = no_jitter().initial_delay_ms(1).max_delay_ms(50);
        assert_eq!(p.delay_for(u32::MAX, 0.0), Some(50));
        assert_eq!(p.delay_for(10_000, 0.3), Some(50));
    }

    #[test]
    fn odd_inputs_are_clamped() {
        let p = ReconnectPolicy::default()
            .multiplier(0.1)
            .jitter(7.0)
            .initial_delay_ms(10);
        assert_eq!(
            p.delay_for(5, 0.0),
            Some(10),
            "multiplier below 1 counts as 1"
        );
        assert_eq!(p.delay_for(5, 1.0), Some(0), "jitter above 1 counts as 1");
        assert_eq!(p.delay_for(0, 0.0), None);
    }
}
