//! The policy: delays, jitter, the exact budget, the reset, `Retry-After` and its cap.

use super::*;

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
    settings.policy = settings.policy.max_reconnects(3);
    let mut sim = Sim::new(settings);
    let mut connections = 1;
    loop {
        sim.drop_network();
        if sim.m.state().is_closed() {
            break;
        }
        connections += connects(&sim.fire()).len();
    }
    assert_eq!(connections, 4, "1 + max_reconnects connections");
    assert_eq!(
        closed_with(&sim),
        Some(&StreamError::GaveUp {
            attempts: 3,
            last: Box::new(StreamError::Network {
                message: "lost".into()
            })
        })
    );
}

#[test]
fn the_backoff_starts_over_after_a_connection_that_opened() {
    let mut sim = Sim::new(no_jitter());
    sim.drop_network();
    sim.fire();
    sim.drop_network();
    assert_eq!(sim.delay(), 200);
    sim.fire();
    // Refused before opening: the count goes on.
    sim.reject(503, None);
    assert_eq!(sim.delay(), 400);
    sim.fire();
    let conn = sim.conn();
    sim.feed(Input::Opened(conn));
    sim.drop_network();
    assert_eq!(
        sim.delay(),
        100,
        "an open connection resets it, with or without events (the native transport sees \
         only the events that have a listener)"
    );
    assert!(matches!(
        sim.m.state(),
        State::Reconnecting { attempt: 1, .. }
    ));
}

#[test]
fn a_budget_of_two_never_runs_out_while_connections_open() {
    let mut settings = no_jitter();
    settings.policy = settings.policy.max_reconnects(2);
    let mut sim = Sim::new(settings);
    for _ in 0..10 {
        let conn = sim.conn();
        sim.feed(Input::Opened(conn));
        sim.drop_network();
        assert!(matches!(
            sim.m.state(),
            State::Reconnecting { attempt: 1, .. }
        ));
        sim.fire();
    }
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
fn the_servers_retry_field_becomes_the_initial_delay() {
    let mut sim = Sim::new(no_jitter()); // initial 100 ms, multiplier 2
    let conn = sim.conn();
    sim.feed(Input::ServerRetry { conn, ms: 700 });
    sim.drop_network();
    assert_eq!(sim.delay(), 700);
    sim.fire();
    sim.drop_network();
    assert_eq!(sim.delay(), 1_400, "it grows under the policy");
    // The cap still applies, and a value past a timer's limit is clamped to it.
    let mut settings = no_jitter();
    settings.policy = settings.policy.max_delay_ms(1_000);
    let mut sim = Sim::new(settings);
    let conn = sim.conn();
    sim.feed(Input::ServerRetry { conn, ms: u64::MAX });
    sim.drop_network();
    assert_eq!(sim.delay(), 1_000);
}

#[test]
fn a_retry_field_of_zero_cannot_make_reconnects_immediate() {
    // A server that says `retry: 0` and then fails must still meet a growing backoff.
    let mut settings = no_jitter(); // multiplier 2
    settings.policy = settings.policy.initial_delay_ms(1_000);
    let mut sim = Sim::new(settings);
    let conn = sim.conn();
    sim.feed(Input::ServerRetry { conn, ms: 0 });
    let mut delays = Vec::new();
    for _ in 0..4 {
        sim.reject(503, None);
        delays.push(sim.delay());
        sim.fire();
    }
    assert_eq!(delays, [100, 200, 400, 800]);
}

#[test]
fn the_retry_field_is_ignored_when_the_settings_say_so() {
    let mut sim = Sim::new(Settings {
        honor_server_retry: false,
        ..no_jitter()
    });
    let conn = sim.conn();
    sim.feed(Input::ServerRetry { conn, ms: 700 });
    sim.drop_network();
    assert_eq!(sim.delay(), 100);
}

#[test]
fn a_connection_stopped_at_the_size_cap_spends_the_budget_though_it_opened() {
    // An endless line: every connection opens, then passes the cap. Counting the opening as
    // a success would reconnect for good whatever `max_reconnects` says.
    let mut settings = no_jitter();
    settings.policy = settings.policy.max_reconnects(3);
    let mut sim = Sim::new(settings);
    for _ in 0..4 {
        if closed_with(&sim).is_some() {
            break;
        }
        let conn = sim.conn();
        sim.feed(Input::Opened(conn));
        sim.fail(Failure::TooLarge { limit: 64 });
        if closed_with(&sim).is_none() {
            sim.fire();
        }
    }
    assert!(
        matches!(
            closed_with(&sim),
            Some(StreamError::GaveUp { attempts: 3, last }) if **last == StreamError::TooLarge { limit: 64 }
        ),
        "{:?}",
        sim.m.state()
    );
}

#[test]
fn a_connection_recycled_by_the_idle_timeout_spends_the_budget_though_it_opened() {
    let mut settings = no_jitter();
    settings.policy = settings.policy.max_reconnects(3);
    settings.idle_timeout_ms = Some(400);
    let mut sim = Sim::new(settings);
    for _ in 0..100 {
        if closed_with(&sim).is_some() {
            break;
        }
        if let Some(conn) = sim.m.connection() {
            if sim.m.state() == &State::Connecting {
                sim.feed(Input::Opened(conn));
            }
        }
        sim.fire();
    }
    assert!(
        matches!(
            closed_with(&sim),
            Some(StreamError::GaveUp { attempts: 3, last })
                if **last == StreamError::IdleTimeout { timeout_ms: 400 }
        ),
        "{:?}",
        sim.m.state()
    );
}
