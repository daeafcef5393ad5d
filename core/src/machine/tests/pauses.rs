//! Waiting without spending retries: offline, a hidden page; and the idle timeout.

use super::*;

#[test]
fn offline_waits_without_spending_retries_and_online_reconnects_at_once() {
    let mut settings = no_jitter();
    settings.policy = settings.policy.max_reconnects(1);
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
fn an_idle_connection_is_recycled_once_the_timeout_has_passed() {
    let mut sim = Sim::new(Settings {
        idle_timeout_ms: Some(400),
        ..no_jitter()
    });
    let mut out = Vec::new();
    while !sim.m.state().name().starts_with("reconnecting") {
        out = sim.fire();
    }
    assert_eq!(sim.now, 400, "nothing since the connection began");
    assert!(out.contains(&Output::Error(StreamError::IdleTimeout { timeout_ms: 400 })));
}

#[test]
fn silence_after_an_event_is_noticed_between_one_and_1_25_timeouts() {
    // The event just after a tick (noticed latest) or just before one (noticed soonest).
    for just_after_a_tick in [true, false] {
        let mut sim = Sim::new(Settings {
            idle_timeout_ms: Some(400),
            ..no_jitter()
        });
        sim.fire();
        let next_tick = sim.timer.expect("the idle tick is armed");
        sim.now = if just_after_a_tick {
            sim.now + 1
        } else {
            next_tick - 1
        };
        let event_at = sim.now;
        sim.deliver("7");
        let mut out = Vec::new();
        while !sim.m.state().name().starts_with("reconnecting") {
            out = sim.fire();
        }
        let silence = sim.now - event_at;
        assert!(
            (400..=500).contains(&silence),
            "silence of {silence} ms noticed (event just after a tick: {just_after_a_tick})"
        );
        assert!(out.contains(&Output::Error(StreamError::IdleTimeout { timeout_ms: 400 })));
    }
}

#[test]
fn timers_that_fire_early_never_recycle_before_the_timeout() {
    // Browser timers can fire a few milliseconds before the clock says they should.
    let mut sim = Sim::new(Settings {
        idle_timeout_ms: Some(400),
        ..no_jitter()
    });
    // 3% early, as a timer's clock and `Date.now` drift apart; the event just after a check
    // (noticed latest), then nothing.
    let fire_early = |sim: &mut Sim| {
        let at = sim.timer.take().expect("a timer is armed");
        sim.now += (at - sim.now) - (at - sim.now) * 3 / 100;
        sim.feed(Input::Timer);
    };
    fire_early(&mut sim);
    sim.now += 1;
    let event_at = sim.now;
    sim.deliver("1");
    while !sim.m.state().name().starts_with("reconnecting") {
        fire_early(&mut sim);
    }
    let silence = sim.now - event_at;
    assert!(
        (400..=500).contains(&silence),
        "recycled after {silence} ms of silence"
    );
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
fn bytes_without_events_keep_an_idle_connection_alive() {
    // The fetch transport reports comments and partial events as life.
    let mut sim = Sim::new(Settings {
        idle_timeout_ms: Some(400),
        ..no_jitter()
    });
    for _ in 0..20 {
        let conn = sim.conn();
        sim.feed(Input::Alive(conn));
        sim.fire();
    }
    assert_eq!(sim.m.state(), &State::Connecting);
    let mut out = Vec::new();
    for _ in 0..4 {
        out = sim.fire();
    }
    assert!(out.contains(&Output::Error(StreamError::IdleTimeout { timeout_ms: 400 })));
}
