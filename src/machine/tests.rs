//! One test per rule of the README's "Reconnecting" section, against a simulated clock.

use super::*;

/// A machine, a clock, and what it asked for so far.
struct Sim {
    m: Machine,
    now: u64,
    /// The instant the timer is armed for.
    timer: Option<u64>,
}

impl Sim {
    fn new(settings: Settings) -> Self {
        let mut sim = Self {
            m: Machine::new("http://h/s".into(), String::new(), settings, 7),
            now: 0,
            timer: None,
        };
        sim.feed(Input::Start {
            online: true,
            hidden: false,
        });
        sim
    }

    fn feed(&mut self, input: Input) -> Vec<Output> {
        self.m.handle(input, self.now);
        let outputs: Vec<_> = std::iter::from_fn(|| self.m.poll()).collect();
        for out in &outputs {
            if let Output::Timer(at) = out {
                self.timer = *at;
            }
        }
        outputs
    }

    /// Moves the clock to the armed timer and fires it.
    fn fire(&mut self) -> Vec<Output> {
        self.now = self.timer.take().expect("a timer is armed");
        self.feed(Input::Timer)
    }

    fn conn(&self) -> ConnId {
        self.m.connection().expect("a connection is live")
    }

    fn fail(&mut self, failure: Failure) -> Vec<Output> {
        let conn = self.conn();
        self.feed(Input::Failed { conn, failure })
    }

    fn drop_network(&mut self) -> Vec<Output> {
        self.fail(Failure::Network("lost".into()))
    }

    fn reject(&mut self, status: u16, retry_after_ms: Option<u64>) -> Vec<Output> {
        self.fail(Failure::Rejected(Head {
            status,
            content_type: "text/plain".into(),
            retry_after_ms,
        }))
    }

    fn deliver(&mut self, id: &str) {
        let conn = self.conn();
        self.feed(Input::Delivered {
            conn,
            last_id: id.into(),
        });
    }

    fn delay(&self) -> u32 {
        match self.m.state() {
            State::Reconnecting { delay_ms, .. } => *delay_ms,
            other => panic!("not reconnecting: {other:?}"),
        }
    }
}

fn no_jitter() -> Settings {
    Settings {
        policy: ReconnectPolicy::default().jitter(0.0).initial_delay_ms(100),
        ..Settings::default()
    }
}

fn connects(outputs: &[Output]) -> Vec<(String, String)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Connect {
                url, last_event_id, ..
            } => Some((url.clone(), last_event_id.clone())),
            _ => None,
        })
        .collect()
}

fn closed_with(sim: &Sim) -> Option<&Error> {
    match sim.m.state() {
        State::Closed(CloseReason::Failed(e)) => Some(e),
        _ => None,
    }
}

#[test]
fn start_connects_and_open_is_announced() {
    let mut sim = Sim::new(Settings::default());
    assert_eq!(sim.m.state(), &State::Connecting);
    let conn = sim.conn();
    assert_eq!(sim.feed(Input::Opened(conn)), [Output::State(State::Open)]);
}

#[test]
fn delays_follow_the_policy_up_to_the_cap() {
    let mut settings = no_jitter();
    settings.policy = settings.policy.max_delay_ms(500);
    let mut sim = Sim::new(settings);
    let mut delays = Vec::new();
    for _ in 0..5 {
        sim.drop_network();
        delays.push(sim.delay());
        sim.fire();
    }
    assert_eq!(delays, [100, 200, 400, 500, 500]);
}

#[test]
fn jittered_delays_stay_within_their_bounds() {
    let mut sim = Sim::new(Settings::default()); // 1 s initial, jitter 0.5
    sim.drop_network();
    let d = sim.delay();
    assert!((500..=1_000).contains(&d), "{d}");
    assert_eq!(
        sim.timer,
        Some(u64::from(d)),
        "the timer is armed at the delay"
    );
}

#[test]
fn max_retries_is_an_exact_budget() {
    let mut settings = no_jitter();
    settings.policy = settings.policy.max_retries(3);
    let mut sim = Sim::new(settings);
    let mut connections = 1;
    loop {
        sim.drop_network();
        if sim.m.state().is_closed() {
            break;
        }
        connections += connects(&sim.fire()).len();
    }
    assert_eq!(connections, 4, "1 + max_retries connections");
    assert_eq!(
        closed_with(&sim),
        Some(&Error::GaveUp {
            attempts: 3,
            last: Box::new(Error::Network {
                message: "lost".into()
            })
        })
    );
}

#[test]
fn the_backoff_starts_over_after_a_connection_that_delivered_an_event() {
    let mut sim = Sim::new(no_jitter());
    sim.drop_network();
    sim.fire();
    sim.drop_network();
    assert_eq!(sim.delay(), 200);
    sim.fire();
    let conn = sim.conn();
    sim.feed(Input::Opened(conn));
    sim.drop_network();
    assert_eq!(sim.delay(), 400, "opening alone does not reset the backoff");
    sim.fire();
    sim.deliver("");
    sim.drop_network();
    assert_eq!(sim.delay(), 100, "a delivered event resets it");
    assert!(matches!(
        sim.m.state(),
        State::Reconnecting { attempt: 1, .. }
    ));
}

#[test]
fn retry_after_is_a_floor_under_the_policy() {
    let mut sim = Sim::new(no_jitter());
    sim.reject(503, Some(2_000));
    assert_eq!(sim.delay(), 2_000);
    sim.fire();
    sim.reject(503, Some(10));
    assert_eq!(
        sim.delay(),
        200,
        "a short Retry-After does not shorten the policy's delay"
    );
}

#[test]
fn retry_after_is_capped_so_a_huge_one_cannot_overflow_the_timer() {
    let mut sim = Sim::new(no_jitter());
    sim.reject(503, Some(3_000_000_000));
    assert_eq!(sim.delay(), DEFAULT_MAX_RETRY_AFTER_MS);
    assert_eq!(sim.timer, Some(u64::from(DEFAULT_MAX_RETRY_AFTER_MS)));

    let mut settings = no_jitter();
    settings.max_retry_after_ms = u32::MAX;
    settings.policy = settings
        .policy
        .initial_delay_ms(u32::MAX)
        .max_delay_ms(u32::MAX);
    let mut sim = Sim::new(settings);
    sim.reject(429, Some(u64::MAX));
    assert_eq!(
        sim.delay(),
        MAX_TIMER_MS,
        "nothing past what setTimeout holds"
    );
}

#[test]
fn no_content_stops() {
    let mut sim = Sim::new(Settings::default());
    let out = sim.reject(204, None);
    assert_eq!(closed_with(&sim), Some(&Error::NoContent));
    assert!(connects(&out).is_empty());
    assert_eq!(sim.timer, None);
}

#[test]
fn unauthorized_without_a_refresher_stops() {
    let mut sim = Sim::new(Settings::default());
    sim.reject(401, None);
    assert_eq!(
        closed_with(&sim),
        Some(&Error::Unauthorized { status: 401 })
    );
}

fn with_refresher() -> Settings {
    Settings {
        has_refresher: true,
        ..no_jitter()
    }
}

#[test]
fn unauthorized_with_a_refresher_refreshes_then_connects_to_the_new_url() {
    let mut sim = Sim::new(with_refresher());
    sim.reject(403, None);
    assert!(matches!(
        sim.m.state(),
        State::Reconnecting {
            reason: Error::Unauthorized { status: 403 },
            ..
        }
    ));
    let out = sim.fire();
    assert!(out.contains(&Output::Refresh), "{out:?}");
    let out = sim.feed(Input::Refreshed(Refreshed::Url("http://h/new".into())));
    assert_eq!(connects(&out), [("http://h/new".into(), String::new())]);
    assert_eq!(sim.m.url(), "http://h/new");
}

#[test]
fn a_failing_or_invalid_refresher_stops() {
    let mut sim = Sim::new(with_refresher());
    sim.reject(401, None);
    sim.fire();
    sim.feed(Input::Refreshed(Refreshed::Failed));
    assert_eq!(
        closed_with(&sim),
        Some(&Error::Unauthorized { status: 401 })
    );

    let mut sim = Sim::new(with_refresher());
    sim.reject(401, None);
    sim.fire();
    let bad = Refreshed::InvalidUrl {
        url: "::".into(),
        message: "no".into(),
    };
    sim.feed(Input::Refreshed(bad));
    assert!(matches!(closed_with(&sim), Some(Error::InvalidUrl { .. })));
}

#[test]
fn a_refresher_that_never_settles_times_out_as_failed() {
    let mut sim = Sim::new(with_refresher());
    sim.reject(401, None);
    sim.fire();
    let started = sim.now;
    let out = sim.fire();
    assert_eq!(sim.now - started, u64::from(DEFAULT_REFRESH_TIMEOUT_MS));
    assert!(out.contains(&Output::Cancel));
    assert_eq!(
        closed_with(&sim),
        Some(&Error::Unauthorized { status: 401 })
    );
    // A late answer changes nothing.
    let late = sim.feed(Input::Refreshed(Refreshed::Url("http://h/late".into())));
    assert!(late.is_empty());
}

#[test]
fn server_errors_retry_and_other_statuses_stop() {
    for status in [429, 500, 503, 599] {
        let mut sim = Sim::new(Settings::default());
        sim.reject(status, None);
        assert!(
            matches!(sim.m.state(), State::Reconnecting { .. }),
            "{status}"
        );
    }
    for status in [101, 301, 400, 404, 410] {
        let mut sim = Sim::new(Settings::default());
        sim.reject(status, None);
        assert_eq!(closed_with(&sim), Some(&Error::Http { status }));
    }
}

#[test]
fn a_wrong_content_type_stops() {
    let mut sim = Sim::new(Settings::default());
    sim.fail(Failure::Rejected(Head {
        status: 200,
        content_type: "text/html".into(),
        retry_after_ms: None,
    }));
    assert!(matches!(closed_with(&sim), Some(Error::ContentType { .. })));
}

#[test]
fn an_unexplained_failure_asks_the_probe_with_the_connection_url() {
    let mut sim = Sim::new(Settings::default());
    sim.deliver("41");
    sim.drop_network();
    sim.fire();
    let out = sim.fail(Failure::Unexplained);
    assert!(out.contains(&Output::Probe {
        url: "http://h/s?lastEventId=41".into()
    }));
    sim.feed(Input::ProbeAnswered(Ok(Head {
        status: 404,
        content_type: String::new(),
        retry_after_ms: None,
    })));
    assert_eq!(closed_with(&sim), Some(&Error::Http { status: 404 }));
}

#[test]
fn a_network_drop_retries() {
    let mut sim = Sim::new(Settings::default());
    let out = sim.drop_network();
    assert_eq!(out[0], Output::Disconnect);
    assert!(out.contains(&Output::Error(Error::Network {
        message: "lost".into()
    })));
    assert!(matches!(
        sim.m.state(),
        State::Reconnecting { attempt: 1, .. }
    ));
}

#[test]
fn offline_waits_without_spending_retries_and_online_reconnects_at_once() {
    let mut settings = no_jitter();
    settings.policy = settings.policy.max_retries(1);
    let mut sim = Sim::new(settings);
    let out = sim.feed(Input::Online(false));
    assert!(out.contains(&Output::Disconnect));
    assert_eq!(sim.m.state(), &State::Offline);
    assert_eq!(sim.timer, None);
    let out = sim.feed(Input::Online(true));
    assert_eq!(
        connects(&out).len(),
        1,
        "at once, without the policy's delay"
    );
    // The single retry is still there.
    sim.drop_network();
    assert!(matches!(
        sim.m.state(),
        State::Reconnecting { attempt: 1, .. }
    ));
}

#[test]
fn a_failure_while_offline_waits_instead_of_retrying() {
    let mut sim = Sim::new(Settings::default());
    sim.m.online = false; // the event has not arrived yet
    sim.drop_network();
    assert_eq!(sim.m.state(), &State::Offline);
    assert_eq!(sim.timer, None);
}

#[test]
fn online_cuts_a_network_wait_short_but_not_a_server_one() {
    let mut sim = Sim::new(Settings::default());
    sim.drop_network();
    assert_eq!(connects(&sim.feed(Input::Online(true))).len(), 1);

    let mut sim = Sim::new(Settings::default());
    sim.reject(503, Some(60_000));
    assert!(connects(&sim.feed(Input::Online(true))).is_empty());
}

#[test]
fn offline_events_are_ignored_when_pausing_is_off() {
    let mut sim = Sim::new(Settings {
        pause_when_offline: false,
        ..Settings::default()
    });
    assert!(sim.feed(Input::Online(false)).is_empty());
    sim.drop_network();
    assert!(matches!(sim.m.state(), State::Reconnecting { .. }));
}

#[test]
fn a_hidden_page_pauses_only_when_asked_and_resumes_when_shown() {
    let mut sim = Sim::new(Settings::default());
    assert!(sim.feed(Input::Hidden(true)).is_empty());

    let mut sim = Sim::new(Settings {
        pause_when_hidden: true,
        ..Settings::default()
    });
    sim.deliver("5");
    let out = sim.feed(Input::Hidden(true));
    assert!(out.contains(&Output::Disconnect));
    assert_eq!(sim.m.state(), &State::Paused);
    let out = sim.feed(Input::Hidden(false));
    assert_eq!(
        connects(&out),
        [("http://h/s?lastEventId=5".into(), "5".into())]
    );
}

#[test]
fn starting_hidden_or_offline_waits() {
    let settings = Settings {
        pause_when_hidden: true,
        ..Settings::default()
    };
    let mut m = Machine::new("http://h/s".into(), String::new(), settings, 1);
    m.handle(
        Input::Start {
            online: false,
            hidden: true,
        },
        0,
    );
    assert_eq!(m.state(), &State::Paused);
    m.handle(Input::Hidden(false), 1);
    assert_eq!(m.state(), &State::Offline, "shown, but still offline");
}

#[test]
fn an_idle_connection_is_recycled_within_a_quarter_more_than_the_timeout() {
    let mut sim = Sim::new(Settings {
        idle_timeout_ms: Some(400),
        ..no_jitter()
    });
    let mut out = Vec::new();
    while !sim.m.state().name().starts_with("reconnecting") {
        out = sim.fire();
    }
    assert_eq!(sim.now, 500, "noticed at 1.25 × the timeout");
    assert!(out.contains(&Output::Error(Error::IdleTimeout { timeout_ms: 400 })));
}

#[test]
fn events_keep_an_idle_connection_alive() {
    let mut sim = Sim::new(Settings {
        idle_timeout_ms: Some(400),
        ..no_jitter()
    });
    for _ in 0..20 {
        sim.deliver("");
        sim.fire();
    }
    assert_eq!(sim.m.state(), &State::Connecting);
    assert_eq!(sim.now, 2_000);
}

#[test]
fn close_during_backoff_probe_or_refresh_cancels_everything() {
    let mut backoff = Sim::new(Settings::default());
    backoff.drop_network();
    let mut probe = Sim::new(Settings::default());
    probe.fail(Failure::Unexplained);
    let mut refresh = Sim::new(with_refresher());
    refresh.reject(401, None);
    refresh.fire();
    for mut sim in [backoff, probe, refresh] {
        let out = sim.feed(Input::Close);
        assert!(out.contains(&Output::Cancel));
        assert!(out.contains(&Output::Timer(None)));
        assert_eq!(sim.m.state(), &State::Closed(CloseReason::Requested));
        assert!(sim.feed(Input::Timer).is_empty(), "nothing after close");
        assert!(sim.feed(Input::Online(true)).is_empty());
    }
}

#[test]
fn close_drops_what_was_queued_before_it() {
    let mut m = Machine::new("http://h/s".into(), String::new(), Settings::default(), 1);
    m.handle(
        Input::Start {
            online: true,
            hidden: false,
        },
        0,
    );
    // A state listener closes before the shell has carried out the Connect.
    m.handle(Input::Close, 0);
    let out: Vec<_> = std::iter::from_fn(|| m.poll()).collect();
    assert!(connects(&out).is_empty(), "{out:?}");
}

#[test]
fn the_next_connection_resumes_from_the_last_delivered_id() {
    let mut sim = Sim::new(no_jitter());
    sim.deliver("7");
    sim.deliver(""); // an event without an id keeps the resume point
    sim.drop_network();
    let out = sim.fire();
    assert_eq!(
        connects(&out),
        [("http://h/s?lastEventId=7".into(), "7".into())]
    );
}

#[test]
fn a_seeded_id_resumes_the_first_connection() {
    let mut m = Machine::new("http://h/s?a=1".into(), "9".into(), Settings::default(), 1);
    m.handle(
        Input::Start {
            online: true,
            hidden: false,
        },
        0,
    );
    let out: Vec<_> = std::iter::from_fn(|| m.poll()).collect();
    assert_eq!(
        connects(&out),
        [("http://h/s?a=1&lastEventId=9".into(), "9".into())]
    );
}

#[test]
fn inputs_about_a_replaced_connection_are_ignored() {
    let mut sim = Sim::new(no_jitter());
    let old = sim.conn();
    sim.drop_network();
    sim.fire();
    assert!(sim.feed(Input::Opened(old)).is_empty());
    let stale = Input::Delivered {
        conn: old,
        last_id: "99".into(),
    };
    assert!(sim.feed(stale).is_empty());
    let dropped = Input::Failed {
        conn: old,
        failure: Failure::Network("late".into()),
    };
    assert!(sim.feed(dropped).is_empty());
    assert_eq!(sim.m.last_event_id(), "");
}

#[test]
fn without_a_resume_parameter_the_url_stays_as_given() {
    let mut sim = Sim::new(Settings {
        resume_param: None,
        ..no_jitter()
    });
    sim.deliver("3");
    sim.drop_network();
    assert_eq!(connects(&sim.fire()), [("http://h/s".into(), "3".into())]);
}
