//! Close, resume and stale inputs.

use super::*;

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
fn abort_closes_as_aborted_and_before_start_never_connects() {
    // An AbortSignal already aborted when the source is built: the shell aborts before Start.
    let mut m = Machine::new("http://h/s".into(), String::new(), Settings::default(), 1);
    m.handle(Input::Abort, 0);
    let start = Input::Start {
        online: true,
        hidden: false,
    };
    m.handle(start, 0);
    let out: Vec<_> = std::iter::from_fn(|| m.poll()).collect();
    assert!(connects(&out).is_empty(), "{out:?}");
    assert_eq!(m.state(), &State::Closed(CloseReason::Aborted));
    // Aborted while open: the same close, with its own reason.
    let mut sim = Sim::new(Settings::default());
    let out = sim.feed(Input::Abort);
    assert!(out.contains(&Output::Disconnect));
    assert_eq!(sim.m.state(), &State::Closed(CloseReason::Aborted));
    assert_eq!(CloseReason::Aborted.name(), "aborted");
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
