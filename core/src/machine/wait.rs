//! Waiting: the timer (idle ticks, the retry delay, the refresher's time), the network and the
//! page's visibility.

use super::*;

impl Machine {
    pub(super) fn on_timer(&mut self, now: u64) {
        self.timer_armed = false;
        match self.phase {
            Phase::Connected {
                ref mut active,
                ref mut quiet_since,
                ..
            } => {
                let Some(timeout_ms) = self.settings.idle_timeout_ms else {
                    return;
                };
                if std::mem::take(active) {
                    *quiet_since = now;
                }
                // Nothing since the check that last saw activity, for the whole timeout: at
                // least the timeout of silence, at most a check (a quarter) more. Measured on
                // the clock rather than by counting checks, and the last check lands on the
                // deadline: a timer that fires a little early then costs a short extra check,
                // never an early recycle nor a late one.
                let deadline = *quiet_since + u64::from(timeout_ms);
                if now >= deadline {
                    let received = self.received();
                    self.end_failed_connection();
                    let error = StreamError::IdleTimeout { timeout_ms };
                    if let Some(error) = self.answer_lost(error, false, received, now) {
                        self.retry(error, now);
                    }
                } else {
                    let next = (now + idle_tick_ms(timeout_ms)).min(deadline);
                    self.arm(Some(next.max(now + 1)));
                }
            }
            Phase::Waiting { refresh } => {
                if self.waits_offline() {
                    self.go(Phase::Offline, State::Offline);
                } else if let (Some(status), true) = (refresh, self.settings.has_refresher) {
                    self.phase = Phase::Refreshing { status };
                    self.outputs.push(Output::Refresh);
                    let timeout = u64::from(self.settings.refresh_timeout_ms.min(MAX_TIMER_MS));
                    self.arm(Some(now + timeout));
                } else {
                    self.connect(now);
                }
            }
            Phase::Refreshing { status } => {
                // A refresher that never settles counts as one that failed.
                self.outputs.push(Output::Cancel);
                self.fail(refresh_failed(status));
            }
            _ => {}
        }
    }

    pub(super) fn on_online(&mut self, online: bool, now: u64) {
        self.online = online;
        if !self.settings.pause_when_offline {
            return;
        }
        if online {
            // Back online: a wait for the network ends at once; a wait the server asked for
            // (429, 5xx, Retry-After) does not.
            let reconnects_now = matches!(
                (&self.phase, &self.state),
                (Phase::Offline, _)
                    | (
                        Phase::Waiting { .. },
                        State::Reconnecting {
                            reason: StreamError::Network { .. } | StreamError::IdleTimeout { .. },
                            ..
                        },
                    )
            );
            if reconnects_now {
                self.suspend();
                self.connect(now);
            }
        } else if self.is_active() && !self.keeps_answer() {
            self.suspend();
            self.go(Phase::Offline, State::Offline);
        }
    }

    pub(super) fn on_hidden(&mut self, hidden: bool, now: u64) {
        self.hidden = hidden;
        if !self.settings.pause_when_hidden {
            return;
        }
        if hidden && !matches!(self.phase, Phase::Paused) && !self.keeps_answer() {
            self.suspend();
            self.go(Phase::Paused, State::Paused);
        } else if !hidden && matches!(self.phase, Phase::Paused) {
            self.resume(now);
        }
    }

    /// Connects, unless the page is hidden or the network down and the settings say wait.
    pub(super) fn resume(&mut self, now: u64) {
        if self.settings.pause_when_hidden && self.hidden {
            self.go(Phase::Paused, State::Paused);
        } else if self.waits_offline() {
            self.go(Phase::Offline, State::Offline);
        } else {
            self.connect(now);
        }
    }

    /// A request that is not safe to repeat was sent: going offline or hiding the page leaves
    /// its connection alone. Ending it there would send the request again later (a new, billed
    /// generation); if the network is really gone the connection fails, and
    /// [`answer_lost`](Self::answer_lost) decides as for any cut.
    pub(super) fn keeps_answer(&self) -> bool {
        self.settings.unsafe_request && matches!(self.phase, Phase::Connected { .. })
    }

    pub(super) fn waits_offline(&self) -> bool {
        self.settings.pause_when_offline && !self.online
    }

    /// Connecting, open, probing, waiting or refreshing: what going offline interrupts.
    pub(super) fn is_active(&self) -> bool {
        matches!(
            self.phase,
            Phase::Connected { .. }
                | Phase::Probing
                | Phase::Waiting { .. }
                | Phase::Refreshing { .. }
        )
    }
}

/// The idle check runs this often: silence is noticed after the timeout and within 1.25 times
/// it, and an event costs a counter increment in the shell rather than re-arming a timer.
pub(super) fn idle_tick_ms(timeout_ms: u32) -> u64 {
    u64::from((timeout_ms.min(MAX_TIMER_MS) / IDLE_TICKS).max(1))
}
