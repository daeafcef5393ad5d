//! The connection's life cycle as a plain state machine, in the sans-IO style of str0m and
//! quinn-proto: no clock, no timers, no browser. The shell feeds it [`Input`]s, each with the
//! current time in milliseconds, and carries out the [`Output`]s it queues (connect, disconnect,
//! probe, refresh, arm the timer, announce a state or an error).
//!
//! Every rule of the README's "Reconnecting" section lives here and nowhere else: the policy and
//! its budget, `Retry-After` and its cap, what each status means, offline waiting, hidden-page
//! pausing, the idle timeout, and what `close` cancels. Randomness (jitter) comes from a small
//! generator seeded by the shell, so a test replays any scenario exactly.

mod answer;
mod decide;
mod http_date;
mod io;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod props;
mod retry;
mod rng;
#[cfg(test)]
mod tests;
mod wait;

use crate::reconnect::Backoff;
use crate::resume::resume_url;
use crate::{CloseReason, ConfigError, State, StreamError};

pub use answer::{is_safe_method, Mark, Terminal};
pub use answer::{Resume, DONE_MARKER};
pub use decide::{is_event_stream, parse_retry_after, Head};
use decide::{Verdict, IDLE_TICKS};
pub use io::*;
pub use io::{DEFAULT_MAX_RETRY_AFTER_MS, DEFAULT_REFRESH_TIMEOUT_MS, MAX_TIMER_MS};
use retry::{refresh_failed, MIN_SERVER_RETRY_MS};

/// The error a clean end of a stream counts as, where it is retried.
fn ended() -> StreamError {
    StreamError::Network {
        message: "the stream ended".into(),
    }
}

/// Where the machine is. `State` is what users see; this is what the machine needs. Not
/// `PartialEq`: its derived comparison of every field cost ~250 B of wasm where `matches!`
/// on the variant is what the machine asks.
#[derive(Clone, Debug)]
enum Phase {
    Idle,
    /// A connection is being made (`open: false`) or is open.
    Connected {
        conn: ConnId,
        open: bool,
        /// An event arrived on it: its end resets the backoff.
        delivered: bool,
        /// Bytes of the body arrived on it (an event, a comment, part of one): for a request
        /// that is not safe to repeat, something may have been generated.
        received: bool,
        /// An event arrived since the last idle tick.
        active: bool,
        /// When the idle check last found activity (or the connection began): nothing has
        /// arrived since the tick before it.
        quiet_since: u64,
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
pub struct Machine {
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
    /// Credentials were renewed after a 401/403 and no connection has opened since.
    renewed: bool,
    /// The server's `retry:` (when honoured), at most a timer's limit.
    server_retry_ms: Option<u32>,
    rng: rng::Rng,
    /// What the shell has yet to carry out, oldest first: a handful at a time.
    outputs: Vec<Output>,
    /// A request that is not safe to repeat is being resumed (see [`Resume`]): with
    /// [`Resume::Get`], its connections are GETs from now on.
    resuming: bool,
}

impl Machine {
    /// A machine for the absolute `url`, resuming after `last_event_id` (empty: from the start).
    /// `seed` drives the jitter.
    #[inline]
    pub fn new(url: String, last_event_id: String, settings: Settings, seed: u64) -> Self {
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
            renewed: false,
            server_retry_ms: None,
            rng: rng::Rng::new(seed),
            outputs: Vec::new(),
            resuming: false,
        }
    }

    /// The state users see.
    #[inline]
    pub fn state(&self) -> &State {
        &self.state
    }

    /// What the next connection resumes from.
    #[inline]
    pub fn last_event_id(&self) -> &str {
        &self.resume_id
    }

    /// The base URL (without the resume parameter).
    #[inline]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The live connection, if one is being made or is open.
    #[inline]
    pub(crate) fn connection(&self) -> Option<ConnId> {
        match self.phase {
            Phase::Connected { conn, .. } => Some(conn),
            _ => None,
        }
    }

    /// The next thing to do.
    #[inline]
    pub fn poll(&mut self) -> Option<Output> {
        // A Vec rather than a VecDeque: at most a few outputs wait, and it links less code.
        (!self.outputs.is_empty()).then(|| self.outputs.remove(0))
    }

    /// Takes in what happened at `now` (milliseconds, any monotonic origin).
    pub fn handle(&mut self, input: Input, now: u64) {
        if matches!(self.phase, Phase::Closed) {
            return;
        }
        match input {
            Input::Start { online, hidden } => {
                self.online = online;
                self.hidden = hidden;
                if matches!(self.phase, Phase::Idle) {
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
                        self.renewed = false;
                        self.set_state(State::Open);
                    }
                }
            }
            Input::Delivered { conn, last_id } => {
                if let Phase::Connected {
                    conn: live,
                    delivered,
                    received,
                    active,
                    ..
                } = &mut self.phase
                {
                    if *live == conn {
                        *delivered = true;
                        *received = true;
                        *active = true;
                        // An event without an id keeps the resume point: it never moves back.
                        if !last_id.is_empty() {
                            self.resume_id = last_id;
                        }
                    }
                }
            }
            Input::Alive(conn) => {
                if let Phase::Connected {
                    conn: live,
                    active,
                    received,
                    ..
                } = &mut self.phase
                {
                    if *live == conn {
                        *active = true;
                        *received = true;
                    }
                }
            }
            Input::ServerRetry { conn, ms } => {
                if self.connection() == Some(conn) && self.settings.honor_server_retry {
                    let ms = ms.clamp(MIN_SERVER_RETRY_MS.into(), MAX_TIMER_MS.into());
                    self.server_retry_ms = Some(ms as u32);
                }
            }
            Input::Failed { conn, failure } => {
                if self.connection() == Some(conn) {
                    let received = self.received();
                    if matches!(failure, Failure::TooLarge { .. }) {
                        self.end_failed_connection();
                    } else {
                        self.end_connection();
                    }
                    // The cuts a request not safe to repeat may lose its answer to (`clean`: the
                    // stream ended); the error is built once, and retried with unless lost.
                    let (error, clean) = match failure {
                        Failure::Unexplained => {
                            self.phase = Phase::Probing;
                            let url = self.connected_url.clone();
                            return self.outputs.push(Output::Probe { url });
                        }
                        Failure::Rejected(head) => return self.act(decide::response(head), now),
                        Failure::Fatal(error) => return self.fail(error),
                        Failure::Ended => (ended(), true),
                        Failure::Network(message) => (StreamError::Network { message }, false),
                        Failure::TooLarge { limit } => (StreamError::TooLarge { limit }, false),
                    };
                    if let Some(error) = self.answer_lost(error, clean, received, now) {
                        self.retry(error, now);
                    }
                }
            }
            Input::ProbeAnswered(answer) => {
                if matches!(self.phase, Phase::Probing) {
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
                            self.fail(ConfigError::InvalidUrl { url, message }.into())
                        }
                        Refreshed::Failed => self.fail(refresh_failed(status)),
                    }
                }
            }
            Input::Finished(conn) => self.on_finished(conn),
            Input::Timer => self.on_timer(now),
            Input::Online(online) => self.on_online(online, now),
            Input::Hidden(hidden) => self.on_hidden(hidden, now),
            Input::Close | Input::Abort => {
                // Whatever was queued would act after the close: only the close's own work stays.
                self.outputs.clear();
                self.shutdown(if input == Input::Abort {
                    CloseReason::Aborted
                } else {
                    CloseReason::Requested
                });
            }
        }
    }

    /// The URL a connection opened now asks for: the resume parameter carries the resume
    /// point when the settings ask for one.
    pub fn resume_url(&self) -> String {
        match &self.settings.resume_param {
            Some(param) => resume_url(&self.url, param, &self.resume_id),
            None => self.url.clone(),
        }
    }

    fn connect(&mut self, now: u64) {
        self.conn = self.conn.wrapping_add(1);
        let url = self.resume_url();
        self.connected_url.clone_from(&url);
        self.outputs.push(Output::Connect {
            conn: self.conn,
            url,
            last_event_id: self.resume_id.clone(),
            get: self.resuming && self.settings.resume == Resume::Get,
        });
        self.phase = Phase::Connected {
            conn: self.conn,
            open: false,
            delivered: false,
            received: false,
            active: false,
            quiet_since: now,
        };
        let idle_tick = self
            .settings
            .idle_timeout_ms
            .map(|ms| now + wait::idle_tick_ms(ms));
        self.arm(idle_tick);
        // Announced even when the state already reads Connecting (the initial one), so that
        // listeners see every attempt begin.
        self.state = State::Connecting;
        self.outputs.push(Output::State(State::Connecting));
    }

    /// Drops the live connection; if it had opened, the next failure starts over. Opening is
    /// the success both transports see alike: the native one sees only the events that have a
    /// listener, so "it delivered an event" made the budget depend on which listeners exist.
    /// A request that is not safe to repeat (fetch only) needs bytes of the body too: a server
    /// that accepts each resumed request and drops it silently must not reset the budget.
    fn end_connection(&mut self) {
        self.end_connection_as(true);
    }

    /// Drops the live connection as a failure even if it opened: one stopped at the size cap or
    /// recycled by the idle timeout. Such a connection always opened, so counting it as a
    /// success would let an endless line or a silent server be retried for good whatever the
    /// budget.
    pub(super) fn end_failed_connection(&mut self) {
        self.end_connection_as(false);
    }

    fn end_connection_as(&mut self, success: bool) {
        if let Phase::Connected { open, received, .. } = self.phase {
            if open && success && (received || !self.settings.unsafe_request) {
                self.backoff.reset();
            }
            self.outputs.push(Output::Disconnect);
            self.phase = Phase::Idle;
            self.arm(None);
        }
    }

    /// Whether the server answered the live connection: its head accepted the request (200,
    /// an event stream) or bytes of the body arrived. For a request that is not safe to repeat,
    /// a server that answered may be generating: sending it again would generate twice.
    fn received(&self) -> bool {
        matches!(
            self.phase,
            Phase::Connected { received: true, .. } | Phase::Connected { open: true, .. }
        )
    }

    /// Stops whatever is under way: the connection, the probe or refresh, the timer.
    fn suspend(&mut self) {
        self.end_connection();
        if matches!(self.phase, Phase::Probing | Phase::Refreshing { .. }) {
            self.outputs.push(Output::Cancel);
        }
        self.arm(None);
    }

    fn fail(&mut self, error: StreamError) {
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
