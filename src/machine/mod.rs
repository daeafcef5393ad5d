//! The connection's life cycle as a plain state machine, in the sans-IO style of str0m and
//! quinn-proto: no clock, no timers, no browser. The shell feeds it [`Input`]s, each with the
//! current time in milliseconds, and carries out the [`Output`]s it queues (connect, disconnect,
//! probe, refresh, arm the timer, announce a state or an error).
//!
//! Every rule of the README's "Reconnecting" section lives here and nowhere else: the policy and
//! its budget, `Retry-After` and its cap, what each status means, offline waiting, hidden-page
//! pausing, the idle timeout, and what `close` cancels. Randomness (jitter) comes from a small
//! generator seeded by the shell, so a test replays any scenario exactly.

mod decide;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod props;
mod rng;
#[cfg(test)]
mod tests;

use crate::reconnect::Backoff;
use crate::resume::resume_url;
use crate::{CloseReason, Error, ReconnectPolicy, State};

pub(crate) use decide::{parse_retry_after, Head};
use decide::{Verdict, IDLE_TICKS};

/// The longest delay a browser timer holds: `setTimeout` takes a signed 32-bit count of
/// milliseconds, and a longer one wraps negative and fires at once (a retry storm).
pub const MAX_TIMER_MS: u32 = i32::MAX as u32;

/// The default cap on a server's `Retry-After`: five minutes.
pub const DEFAULT_MAX_RETRY_AFTER_MS: u32 = 5 * 60 * 1_000;

/// The default time a URL refresher gets before it counts as failed: 30 seconds.
pub const DEFAULT_REFRESH_TIMEOUT_MS: u32 = 30_000;

/// A connection's number: inputs about an older one are stale and ignored.
pub(crate) type ConnId = u32;

/// What the machine needs to know of the configuration.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) policy: ReconnectPolicy,
    pub(crate) resume_param: Option<String>,
    pub(crate) idle_timeout_ms: Option<u32>,
    pub(crate) pause_when_offline: bool,
    pub(crate) pause_when_hidden: bool,
    pub(crate) has_refresher: bool,
    pub(crate) max_retry_after_ms: u32,
    pub(crate) refresh_timeout_ms: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            policy: ReconnectPolicy::default(),
            resume_param: Some(crate::DEFAULT_RESUME_PARAM.to_owned()),
            idle_timeout_ms: None,
            pause_when_offline: true,
            pause_when_hidden: false,
            has_refresher: false,
            max_retry_after_ms: DEFAULT_MAX_RETRY_AFTER_MS,
            refresh_timeout_ms: DEFAULT_REFRESH_TIMEOUT_MS,
        }
    }
}

/// How a connection ended, as far as its transport can tell.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Failure {
    /// The network failed or the stream ended: retry under the policy.
    Network(String),
    /// The server answered, but not with an event stream. A transport that sees the response
    /// (fetch) reports this; the native one cannot, and reports `Unexplained`.
    #[allow(dead_code)] // until the fetch transport lands; the machine's tests drive it
    Rejected(Head),
    /// Refused without saying why (native `EventSource` hides the status): ask the probe.
    Unexplained,
    /// Could not even be attempted (the browser refused the URL): stop with this error.
    Fatal(Error),
}

/// What the URL refresher came back with.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Refreshed {
    /// A new absolute URL.
    Url(String),
    /// It gave something that is not a URL.
    InvalidUrl { url: String, message: String },
    /// It threw, rejected or gave no string.
    Failed,
}

/// Something that happened, fed to [`Machine::handle`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Input {
    /// Begin: whether the network is up and the page hidden right now.
    Start { online: bool, hidden: bool },
    /// The connection's response was accepted.
    Opened(ConnId),
    /// One or more events arrived on the connection; the id of the last (empty: it had none).
    Delivered { conn: ConnId, last_id: String },
    /// The connection ended.
    Failed { conn: ConnId, failure: Failure },
    /// The probe's answer: the response head, or the network error's message.
    ProbeAnswered(Result<Head, String>),
    /// The URL refresher's answer.
    Refreshed(Refreshed),
    /// The timer armed last fired.
    Timer,
    /// The browser went online (`true`) or offline.
    Online(bool),
    /// The page became hidden (`true`) or visible.
    Hidden(bool),
    /// The user closed the source.
    Close,
}

/// Something for the shell to do, taken with [`Machine::poll`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Output {
    /// Open connection `conn` to `url` (resume parameter included), resuming after
    /// `last_event_id` (empty: from the start). Any earlier connection is already dropped.
    Connect {
        conn: ConnId,
        url: String,
        last_event_id: String,
    },
    /// Drop the live connection, if any.
    Disconnect,
    /// Ask the server why `url` was refused (one request, head only).
    Probe { url: String },
    /// Ask the URL refresher for a new URL.
    Refresh,
    /// Cancel the probe or refresh in flight, if any.
    Cancel,
    /// Arm the one timer to fire at this instant (replacing any), or disarm it.
    Timer(Option<u64>),
    /// The state changed.
    State(State),
    /// An error to report.
    Error(Error),
}

/// Where the machine is. `State` is what users see; this is what the machine needs.
#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Idle,
    /// A connection is being made (`open: false`) or is open.
    Connected {
        conn: ConnId,
        open: bool,
        /// An event arrived on it: its end resets the backoff.
        delivered: bool,
        /// An event arrived since the last idle tick.
        active: bool,
        quiet_ticks: u32,
    },
    /// The native transport was refused without a reason; the probe is asking.
    Probing,
    /// The retry timer is armed; after a 401/403 the refresher runs before connecting.
    Waiting {
        refresh: Option<u16>,
    },
    /// The refresher is working, with its timeout armed.
    Refreshing {
        status: u16,
    },
    Offline,
    Paused,
    Closed,
}

/// The life cycle of one source. See the module docs.
#[derive(Debug)]
pub(crate) struct Machine {
    settings: Settings,
    url: String,
    /// The URL the last connection was opened with, for the probe.
    connected_url: String,
    phase: Phase,
    state: State,
    backoff: Backoff,
    /// The last delivered event id: what the next connection resumes from.
    resume_id: String,
    conn: ConnId,
    online: bool,
    hidden: bool,
    timer_armed: bool,
    rng: rng::Rng,
    /// What the shell has yet to carry out, oldest first: a handful at a time.
    outputs: Vec<Output>,
}

impl Machine {
    /// A machine for the absolute `url`, resuming after `last_event_id` (empty: from the start).
    /// `seed` drives the jitter.
    pub(crate) fn new(url: String, last_event_id: String, settings: Settings, seed: u64) -> Self {
        Self {
            settings,
            url,
            connected_url: String::new(),
            phase: Phase::Idle,
            state: State::Connecting,
            backoff: Backoff::default(),
            resume_id: last_event_id,
            conn: 0,
            online: true,
            hidden: false,
            timer_armed: false,
            rng: rng::Rng::new(seed),
            outputs: Vec::new(),
        }
    }

    /// The state users see.
    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    /// What the next connection resumes from.
    pub(crate) fn last_event_id(&self) -> &str {
        &self.resume_id
    }

    /// The base URL (without the resume parameter).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The live connection, if one is being made or is open.
    pub(crate) fn connection(&self) -> Option<ConnId> {
        match self.phase {
            Phase::Connected { conn, .. } => Some(conn),
            _ => None,
        }
    }

    /// The next thing to do.
    pub(crate) fn poll(&mut self) -> Option<Output> {
        // A Vec rather than a VecDeque: at most a few outputs wait, and it links less code.
        (!self.outputs.is_empty()).then(|| self.outputs.remove(0))
    }

    /// Takes in what happened at `now` (milliseconds, any monotonic origin).
    pub(crate) fn handle(&mut self, input: Input, now: u64) {
        if self.phase == Phase::Closed {
            return;
        }
        match input {
            Input::Start { online, hidden } => {
                self.online = online;
                self.hidden = hidden;
                if self.phase == Phase::Idle {
                    self.resume(now);
                }
            }
            Input::Opened(conn) => {
                if let Phase::Connected {
                    conn: live,
                    open: open @ false,
                    ..
                } = &mut self.phase
                {
                    if *live == conn {
                        *open = true;
                        self.set_state(State::Open);
                    }
                }
            }
            Input::Delivered { conn, last_id } => {
                if let Phase::Connected {
                    conn: live,
                    delivered,
                    active,
                    ..
                } = &mut self.phase
                {
                    if *live == conn {
                        *delivered = true;
                        *active = true;
                        // An event without an id keeps the resume point: it never moves back.
                        if !last_id.is_empty() {
                            self.resume_id = last_id;
                        }
                    }
                }
            }
            Input::Failed { conn, failure } => {
                if self.connection() == Some(conn) {
                    self.end_connection();
                    match failure {
                        Failure::Unexplained => {
                            self.phase = Phase::Probing;
                            let url = self.connected_url.clone();
                            self.outputs.push(Output::Probe { url });
                        }
                        Failure::Network(message) => self.retry(Error::Network { message }, now),
                        Failure::Rejected(head) => self.act(decide::response(head), now),
                        Failure::Fatal(error) => self.fail(error),
                    }
                }
            }
            Input::ProbeAnswered(answer) => {
                if self.phase == Phase::Probing {
                    self.act(decide::probe(answer), now);
                }
            }
            Input::Refreshed(refreshed) => {
                if let Phase::Refreshing { status } = self.phase {
                    self.arm(None);
                    match refreshed {
                        Refreshed::Url(url) => {
                            self.url = url;
                            self.connect(now);
                        }
                        Refreshed::InvalidUrl { url, message } => {
                            self.fail(Error::InvalidUrl { url, message })
                        }
                        Refreshed::Failed => self.fail(Error::Unauthorized { status }),
                    }
                }
            }
            Input::Timer => self.on_timer(now),
            Input::Online(online) => self.on_online(online, now),
            Input::Hidden(hidden) => self.on_hidden(hidden, now),
            Input::Close => {
                // Whatever was queued would act after the close: only the close's own work stays.
                self.outputs.clear();
                self.shutdown(CloseReason::Requested);
            }
        }
    }

    fn on_timer(&mut self, now: u64) {
        self.timer_armed = false;
        match self.phase {
            Phase::Connected {
                ref mut active,
                ref mut quiet_ticks,
                ..
            } => {
                let Some(timeout_ms) = self.settings.idle_timeout_ms else {
                    return;
                };
                *quiet_ticks = if std::mem::take(active) {
                    0
                } else {
                    *quiet_ticks + 1
                };
                if *quiet_ticks > IDLE_TICKS {
                    self.end_connection();
                    self.retry(Error::IdleTimeout { timeout_ms }, now);
                } else {
                    self.arm(Some(now + idle_tick_ms(timeout_ms)));
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
                self.fail(Error::Unauthorized { status });
            }
            _ => {}
        }
    }

    fn on_online(&mut self, online: bool, now: u64) {
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
                            reason: Error::Network { .. } | Error::IdleTimeout { .. },
                            ..
                        },
                    )
            );
            if reconnects_now {
                self.suspend();
                self.connect(now);
            }
        } else if self.is_active() {
            self.suspend();
            self.go(Phase::Offline, State::Offline);
        }
    }

    fn on_hidden(&mut self, hidden: bool, now: u64) {
        self.hidden = hidden;
        if !self.settings.pause_when_hidden {
            return;
        }
        if hidden && self.phase != Phase::Paused {
            self.suspend();
            self.go(Phase::Paused, State::Paused);
        } else if !hidden && self.phase == Phase::Paused {
            self.resume(now);
        }
    }

    /// Connects, unless the page is hidden or the network down and the settings say wait.
    fn resume(&mut self, now: u64) {
        if self.settings.pause_when_hidden && self.hidden {
            self.go(Phase::Paused, State::Paused);
        } else if self.waits_offline() {
            self.go(Phase::Offline, State::Offline);
        } else {
            self.connect(now);
        }
    }

    fn waits_offline(&self) -> bool {
        self.settings.pause_when_offline && !self.online
    }

    /// Connecting, open, probing, waiting or refreshing: what going offline interrupts.
    fn is_active(&self) -> bool {
        matches!(
            self.phase,
            Phase::Connected { .. }
                | Phase::Probing
                | Phase::Waiting { .. }
                | Phase::Refreshing { .. }
        )
    }

    fn connect(&mut self, now: u64) {
        self.conn = self.conn.wrapping_add(1);
        let url = match &self.settings.resume_param {
            Some(param) => resume_url(&self.url, param, &self.resume_id),
            None => self.url.clone(),
        };
        self.connected_url.clone_from(&url);
        self.outputs.push(Output::Connect {
            conn: self.conn,
            url,
            last_event_id: self.resume_id.clone(),
        });
        self.phase = Phase::Connected {
            conn: self.conn,
            open: false,
            delivered: false,
            active: false,
            quiet_ticks: 0,
        };
        let idle_tick = self
            .settings
            .idle_timeout_ms
            .map(|ms| now + idle_tick_ms(ms));
        self.arm(idle_tick);
        // Announced even when the state already reads Connecting (the initial one), so that
        // listeners see every attempt begin.
        self.state = State::Connecting;
        self.outputs.push(Output::State(State::Connecting));
    }

    /// Drops the live connection; if it delivered an event, the next failure starts over.
    fn end_connection(&mut self) {
        if let Phase::Connected { delivered, .. } = self.phase {
            if delivered {
                self.backoff.reset();
            }
            self.outputs.push(Output::Disconnect);
            self.phase = Phase::Idle;
            self.arm(None);
        }
    }

    /// Stops whatever is under way: the connection, the probe or refresh, the timer.
    fn suspend(&mut self) {
        self.end_connection();
        if matches!(self.phase, Phase::Probing | Phase::Refreshing { .. }) {
            self.outputs.push(Output::Cancel);
        }
        self.arm(None);
    }

    fn act(&mut self, verdict: Verdict, now: u64) {
        match verdict {
            Verdict::Retry {
                error,
                retry_after_ms,
            } => self.schedule(error, retry_after_ms, None, now),
            Verdict::Unauthorized { status } if self.settings.has_refresher => {
                self.schedule(Error::Unauthorized { status }, None, Some(status), now)
            }
            Verdict::Unauthorized { status } => self.fail(Error::Unauthorized { status }),
            Verdict::Stop(error) => self.fail(error),
        }
    }

    fn retry(&mut self, error: Error, now: u64) {
        self.schedule(error, None, None, now);
    }

    /// Reports `error` and arms the next attempt under the policy (never sooner than the capped
    /// `Retry-After`), or gives up when the budget is spent. Offline, it waits instead and
    /// spends nothing.
    fn schedule(
        &mut self,
        error: Error,
        retry_after_ms: Option<u64>,
        refresh: Option<u16>,
        now: u64,
    ) {
        self.outputs.push(Output::Error(error.clone()));
        if self.waits_offline() {
            self.go(Phase::Offline, State::Offline);
            return;
        }
        let random = self.rng.next_f64();
        let Some((attempt, policy_delay)) = self.backoff.next(&self.settings.policy, random) else {
            let attempts = self.backoff.attempts();
            let last = Box::new(error);
            return self.fail(Error::GaveUp { attempts, last });
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

    fn fail(&mut self, error: Error) {
        self.outputs.push(Output::Error(error.clone()));
        self.shutdown(CloseReason::Failed(error));
    }

    /// Closed is final. The shell's cleanup outputs are idempotent, so they are always sent.
    fn shutdown(&mut self, reason: CloseReason) {
        self.outputs.push(Output::Disconnect);
        self.outputs.push(Output::Cancel);
        self.outputs.push(Output::Timer(None));
        self.timer_armed = false;
        self.go(Phase::Closed, State::Closed(reason));
    }

    fn go(&mut self, phase: Phase, state: State) {
        self.phase = phase;
        self.set_state(state);
    }

    /// Every caller moves to a state other than the current one (the property test checks the
    /// sequence), so this announces without comparing: a deep comparison of states and their
    /// errors cost 0.4 KB of wasm for a case that does not happen.
    fn set_state(&mut self, state: State) {
        debug_assert_ne!(self.state, state, "not a change");
        self.state = state.clone();
        self.outputs.push(Output::State(state));
    }

    fn arm(&mut self, at: Option<u64>) {
        if at.is_some() || self.timer_armed {
            self.timer_armed = at.is_some();
            self.outputs.push(Output::Timer(at));
        }
    }
}

/// The idle check runs this often: silence is noticed within 1.25 timeouts, and an event costs
/// a counter increment in the shell rather than re-arming a timer.
fn idle_tick_ms(timeout_ms: u32) -> u64 {
    u64::from((timeout_ms.min(MAX_TIMER_MS) / IDLE_TICKS).max(1))
}
