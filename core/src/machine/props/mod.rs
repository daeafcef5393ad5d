//! Property test: random settings and random sequences of inputs and times, checked against the
//! invariants the README promises. 10,000 scenarios run in the normal `cargo test`.

mod gen;

use proptest::prelude::*;

use super::*;
use gen::{settings, step, Step};

/// What the checks remember of the outputs so far.
#[derive(Default)]
struct Model {
    live: Option<ConnId>,
    /// The live connection opened: its end starts the count over.
    live_opened: bool,
    /// The input being handled ends the live connection as a failure whether or not it opened:
    /// the size cap, or the idle timeout (a timer while a connection is live).
    ending_failed: bool,
    /// The server answered the live connection: its head accepted it (or bytes arrived after).
    live_answered: bool,
    /// Bytes of the body arrived on the live connection (whatever came before).
    live_bytes: bool,
    /// A connection of a request not safe to repeat ended after the server accepted it:
    /// something may have been generated, and sending it again would generate it again.
    answer_cut: bool,
    resume: u64,
    next_id: u64,
    timer: Option<u64>,
    closed: bool,
    /// The attempt announced last, since the last connection that had opened ended.
    last_attempt: u32,
    /// Connections made by the policy (after a Reconnecting state) since then.
    retry_connects: u32,
    /// The server's `retry:` in force, when the settings honour it.
    server_retry: Option<u32>,
    /// Credentials were renewed after a 401/403, and nothing has opened since.
    renewed: bool,
    state: Option<State>,
}

/// The state changes the README documents.
fn documented(from: &State, to: &State) -> bool {
    use State::*;
    match (from, to) {
        (Closed(_), _) => false,
        (_, Closed(_)) => true,
        (Connecting, Open | Reconnecting { .. } | Offline | Paused | Connecting) => true,
        (Open, Reconnecting { .. } | Offline | Paused) => true,
        (Reconnecting { .. }, Connecting | Offline | Paused) => true,
        (Offline, Connecting | Paused) => true,
        (Paused, Connecting | Offline) => true,
        _ => false,
    }
}

fn run(settings: Settings, seed: u64, steps: Vec<(Step, u16)>) -> Result<(), TestCaseError> {
    let mut m = Machine::new("http://h/s".into(), String::new(), settings.clone(), seed);
    let mut model = Model::default();
    let mut now = 0u64;
    let start = Input::Start {
        online: true,
        hidden: false,
    };
    let steps = std::iter::once((None, 0)).chain(steps.into_iter().map(|(s, dt)| (Some(s), dt)));
    for (step, dt) in steps {
        let live = m.connection().unwrap_or(0);
        let conn = |stale: bool| if stale { live.wrapping_sub(1) } else { live };
        // The server's Retry-After carried by this input, if any.
        let mut retry_after = None;
        let input = match step {
            None => start.clone(),
            Some(Step::Opened { stale }) => {
                let conn = conn(stale);
                if Some(conn) == model.live {
                    model.live_opened = true;
                    model.live_answered = true;
                }
                Input::Opened(conn)
            }
            Some(Step::Delivered { stale, with_id }) => {
                let conn = conn(stale);
                let mut last_id = String::new();
                if with_id {
                    model.next_id += 1;
                    last_id = model.next_id.to_string();
                }
                if Some(conn) == model.live && with_id {
                    model.resume = model.next_id;
                }
                if Some(conn) == model.live {
                    model.live_bytes = true;
                }
                Input::Delivered { conn, last_id }
            }
            Some(Step::Alive { stale }) => {
                let conn = conn(stale);
                if Some(conn) == model.live {
                    model.live_bytes = true;
                }
                Input::Alive(conn)
            }
            Some(Step::ServerRetry { stale, ms }) => {
                let conn = conn(stale);
                if Some(conn) == model.live && settings.honor_server_retry {
                    // At least 100 ms: growth from a zero base would stay zero.
                    model.server_retry = Some(ms.clamp(100, u64::from(MAX_TIMER_MS)) as u32);
                }
                Input::ServerRetry { conn, ms }
            }
            Some(Step::Failed { stale, failure }) => {
                if let Failure::Rejected(h) = &failure {
                    retry_after = asks_to_wait(h);
                }
                if !stale && matches!(failure, Failure::Rejected(_) | Failure::Unexplained) {
                    // A head's failure: a transport reports one only before any byte, so
                    // whatever the generator delivered before it was not an answer.
                    model.live_answered = false;
                }
                Input::Failed {
                    conn: conn(stale),
                    failure,
                }
            }
            Some(Step::Probe(answer)) => {
                retry_after = answer.as_ref().ok().and_then(asks_to_wait);
                Input::ProbeAnswered(answer)
            }
            Some(Step::Refreshed(r)) => Input::Refreshed(r),
            Some(Step::Timer) => match model.timer {
                // The shell fires only what it armed, possibly late.
                Some(at) => {
                    now = now.max(at) + u64::from(dt % 20);
                    Input::Timer
                }
                None => continue,
            },
            Some(Step::Online(b)) => Input::Online(b),
            Some(Step::Hidden(b)) => Input::Hidden(b),
            Some(Step::Close(false)) => Input::Close,
            Some(Step::Close(true)) => Input::Abort,
        };
        if input != Input::Timer {
            now += u64::from(dt);
        }
        model.ending_failed = match &input {
            Input::Timer => true,
            Input::Failed { conn, failure } => {
                Some(*conn) == model.live && matches!(failure, Failure::TooLarge { .. })
            }
            _ => false,
        };
        m.handle(input, now);
        while let Some(out) = m.poll() {
            check(&settings, &mut model, out, now, retry_after)?;
        }
        prop_assert_eq!(m.last_event_id(), resume_id(&model), "the resume point");
        if model.closed {
            prop_assert!(
                model.live.is_none() && model.timer.is_none(),
                "closed, yet live"
            );
        }
    }
    Ok(())
}

/// `Retry-After` binds for overload and server errors (and a probe that found the stream fine).
fn asks_to_wait(head: &Head) -> Option<u64> {
    let fine = head.status == 200 && head.content_type == "text/event-stream";
    let overloaded = head.status == 429 || (500..=599).contains(&head.status);
    head.retry_after_ms.filter(|_| fine || overloaded)
}

fn resume_id(model: &Model) -> String {
    if model.resume == 0 {
        String::new()
    } else {
        model.resume.to_string()
    }
}

/// Checks one output against the invariants and updates the model.
fn check(
    settings: &Settings,
    model: &mut Model,
    out: Output,
    now: u64,
    retry_after: Option<u64>,
) -> Result<(), TestCaseError> {
    if model.closed {
        prop_assert!(
            matches!(
                out,
                Output::Disconnect | Output::Cancel | Output::Timer(None)
            ),
            "{:?} after close",
            out
        );
    }
    match out {
        Output::Connect {
            conn,
            url,
            last_event_id,
            get,
        } => {
            prop_assert!(
                model.live.is_none(),
                "a second connection while one is live"
            );
            if settings.unsafe_request && model.answer_cut {
                prop_assert!(
                    settings.resume != crate::Resume::Never && model.resume > 0,
                    "a request not safe to repeat sent again after its answer began"
                );
                prop_assert_eq!(
                    get,
                    settings.resume == crate::Resume::Get,
                    "resumed as a GET"
                );
            }
            model.live = Some(conn);
            model.live_opened = false;
            model.live_answered = false;
            model.live_bytes = false;
            let expected = resume_id(model);
            prop_assert_eq!(
                &last_event_id,
                &expected,
                "the next connect carries the resume point"
            );
            if settings.resume_param.is_some() && model.resume > 0 {
                let param = format!("lastEventId={expected}");
                prop_assert!(url.ends_with(&param), "{} lacks {}", url, param);
            }
            if matches!(model.state, Some(State::Reconnecting { .. })) {
                model.retry_connects += 1;
                let max = settings.policy.reconnect_budget().map_or(u32::MAX, |n| n);
                prop_assert!(
                    model.retry_connects <= max,
                    "more than 1 + max_reconnects in a row"
                );
            }
        }
        Output::Disconnect => {
            // The end of a connection that had opened starts the count over, unless the cap
            // or the idle timeout ended it.
            if model.live.is_some() && model.live_answered {
                model.answer_cut = true;
            }
            // A request not safe to repeat needs bytes too (a silent accept is no progress).
            let progress = model.live_bytes || !settings.unsafe_request;
            if model.live.take().is_some() && model.live_opened && progress && !model.ending_failed
            {
                model.last_attempt = 0;
                model.retry_connects = 0;
            }
        }
        Output::Timer(at) => {
            if let Some(at) = at {
                prop_assert!(
                    at >= now && at - now <= u64::from(MAX_TIMER_MS),
                    "timer at {}",
                    at
                );
            }
            model.timer = at;
        }
        Output::State(state) => {
            if let Some(from) = &model.state {
                prop_assert!(documented(from, &state), "{:?} -> {:?}", from, state);
            }
            if state == State::Open {
                model.renewed = false;
            }
            if let State::Reconnecting {
                reason: StreamError::Unauthorized { .. },
                ..
            } = &state
            {
                let renewable = settings.has_refresher || settings.renews_credentials;
                prop_assert!(renewable, "a 401/403 retried without a way to renew");
                prop_assert!(!model.renewed, "credentials renewed twice without an open");
                model.renewed = true;
            }
            if let State::Reconnecting {
                attempt, delay_ms, ..
            } = &state
            {
                check_delay(settings, model, *attempt, u64::from(*delay_ms), retry_after)?;
                prop_assert_eq!(
                    model.timer,
                    Some(now + u64::from(*delay_ms)),
                    "armed for the delay"
                );
            }
            model.closed = state.is_closed();
            model.state = Some(state);
        }
        Output::Probe { .. } | Output::Refresh | Output::Cancel | Output::Error(_) => {}
    }
    Ok(())
}

/// Attempt `attempt` within the budget, counted up by one, and its delay within the policy's
/// jitter bounds and cap, never under the capped `Retry-After`, never past the timer's limit.
fn check_delay(
    settings: &Settings,
    model: &mut Model,
    attempt: u32,
    delay: u64,
    retry_after: Option<u64>,
) -> Result<(), TestCaseError> {
    // The server's `retry:` replaces the initial delay; everything else stays the policy's.
    let p = &match model.server_retry {
        Some(ms) => settings.policy.clone().initial_delay_ms(ms),
        None => settings.policy.clone(),
    };
    prop_assert!(
        p.reconnect_budget().map_or(true, |max| attempt <= max),
        "attempt {} over budget",
        attempt
    );
    prop_assert_eq!(attempt, model.last_attempt + 1, "attempts count up by one");
    model.last_attempt = attempt;
    let limit = u64::from(MAX_TIMER_MS);
    let floor = retry_after
        .map_or(0, |ra| ra.min(u64::from(settings.max_retry_after_ms)))
        .min(limit);
    // delay_for(a, 0.0) is the top of the jitter range (the base), delay_for(a, 1.0) its bottom.
    let top = u64::from(p.delay_for(attempt, 0.0).unwrap_or(0));
    let bottom = u64::from(p.delay_for(attempt, 1.0).unwrap_or(0));
    prop_assert!(
        top <= u64::from(p.cap_ms()),
        "the policy's base {} over its cap",
        top
    );
    prop_assert!(delay <= limit, "delay {} past the timer's limit", delay);
    prop_assert!(
        delay >= floor,
        "delay {} shorter than Retry-After {}",
        delay,
        floor
    );
    prop_assert!(
        delay >= bottom.min(limit),
        "delay {} under the jitter bottom {}",
        delay,
        bottom
    );
    prop_assert!(
        delay <= top.max(floor),
        "delay {} over the base {} and Retry-After {}",
        delay,
        top,
        floor
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn the_machine_keeps_its_promises(
        settings in settings(),
        seed in any::<u64>(),
        steps in proptest::collection::vec((step(), 0u16..5_000), 0..60),
    ) {
        run(settings, seed, steps)?;
    }
}
