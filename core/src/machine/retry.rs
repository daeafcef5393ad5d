//! After a failure: what the answer means, and when the next attempt is.

use super::*;

/// The least base delay a server's `retry:` can set. Growth multiplies the base, so `retry: 0`
/// taken as it is would make every reconnect immediate, whatever the failures: a retry storm
/// against a server that is down, which the policy exists to prevent. 100 ms keeps a server's
/// "come back at once" near instant for the first reconnect and lets the backoff grow from there.
pub(super) const MIN_SERVER_RETRY_MS: u32 = 100;

impl Machine {
    pub(super) fn act(&mut self, verdict: Verdict, now: u64) {
        match verdict {
            Verdict::Retry {
                error,
                retry_after_ms,
            } => self.schedule(error, retry_after_ms, None, now),
            Verdict::Unauthorized { status, body } => {
                let error = StreamError::Unauthorized { status, body };
                let renewable = self.settings.has_refresher || self.settings.renews_credentials;
                // Renewed credentials get one attempt: refused again before a connection opens,
                // they will not do better.
                if renewable && !std::mem::replace(&mut self.renewed, true) {
                    let refresh = self.settings.has_refresher.then_some(status);
                    self.schedule(error, None, refresh, now);
                } else {
                    self.fail(error);
                }
            }
            Verdict::Stop(error) => self.fail(error),
        }
    }

    pub(super) fn retry(&mut self, error: StreamError, now: u64) {
        self.schedule(error, None, None, now);
    }

    /// Reports `error` and arms the next attempt under the policy (never sooner than the capped
    /// `Retry-After`), or gives up when the budget is spent. Offline (or hidden, when the
    /// settings pause then), it waits instead and spends nothing: a request not safe to repeat
    /// keeps its connection through both (`keeps_answer`), so its failure can come then.
    pub(super) fn schedule(
        &mut self,
        error: StreamError,
        retry_after_ms: Option<u64>,
        refresh: Option<u16>,
        now: u64,
    ) {
        self.outputs.push(Output::Error(error.clone()));
        if self.waits_offline() {
            self.go(Phase::Offline, State::Offline);
            return;
        }
        if self.settings.pause_when_hidden && self.hidden {
            self.go(Phase::Paused, State::Paused);
            return;
        }
        let random = self.rng.next_f64();
        // The server's `retry:` replaces the initial delay; the growth, the cap, the jitter and
        // the budget stay the policy's.
        let policy = match self.server_retry_ms {
            Some(ms) => self.settings.policy.clone().initial_delay_ms(ms),
            None => self.settings.policy.clone(),
        };
        let Some((attempt, policy_delay)) = self.backoff.next(&policy, random) else {
            let attempts = self.backoff.attempts();
            let last = Box::new(error);
            return self.fail(StreamError::GaveUp { attempts, last });
        };
        let server_asks =
            retry_after_ms.map_or(0, |ms| ms.min(u64::from(self.settings.max_retry_after_ms)));
        let delay_ms = u64::from(policy_delay)
            .max(server_asks)
            .min(u64::from(MAX_TIMER_MS)) as u32;
        self.phase = Phase::Waiting { refresh };
        self.arm(Some(now + u64::from(delay_ms)));
        self.set_state(State::Reconnecting {
            attempt,
            delay_ms,
            reason: error,
        });
    }
}

/// The error that ends a source whose URL refresher failed or timed out after a 401/403.
pub(super) fn refresh_failed(status: u16) -> StreamError {
    StreamError::Unauthorized {
        status,
        body: String::new(),
    }
}
