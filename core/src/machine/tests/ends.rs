//! The end of an answer and a request that is not safe to repeat (core/src/machine/answer.rs): one
//! test per row of the table on `Resume`, and the terminal markers.

use super::*;
use crate::machine::{Mark, Resume, Terminal};

fn post(resume: Resume) -> Settings {
    Settings {
        unsafe_request: true,
        resume,
        // The fetch transport sends the Last-Event-ID header, no query parameter.
        resume_param: None,
        ..no_jitter()
    }
}

fn closed(sim: &Sim) -> Option<&CloseReason> {
    match sim.m.state() {
        State::Closed(reason) => Some(reason),
        _ => None,
    }
}

fn alive(sim: &mut Sim) {
    let conn = sim.conn();
    sim.feed(Input::Alive(conn));
}

fn open(sim: &mut Sim) {
    let conn = sim.conn();
    sim.feed(Input::Opened(conn));
}

fn errors(outputs: &[Output]) -> usize {
    outputs
        .iter()
        .filter(|o| matches!(o, Output::Error(_)))
        .count()
}

fn gets(outputs: &[Output]) -> Vec<bool> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Connect { get, .. } => Some(*get),
            _ => None,
        })
        .collect()
}

#[test]
fn a_post_refused_or_dropped_before_the_head_is_retried_honouring_retry_after() {
    for resume in [Resume::Never, Resume::Repeat] {
        let mut sim = Sim::new(post(resume));
        sim.reject(429, Some(5_000));
        assert_eq!(sim.delay(), 5_000, "Retry-After honoured");
        let out = sim.fire();
        assert_eq!(connects(&out).len(), 1, "sent again: nothing was generated");
        sim.reject(503, None);
        sim.fire();
        sim.drop_network(); // refused connection
        assert!(matches!(sim.m.state(), State::Reconnecting { .. }));
        sim.fire();
        open(&mut sim);
        // Accepted (200, an event stream), then dropped before a byte: the server took the
        // request and may be generating; without an id, nothing resumes it.
        let out = sim.drop_network();
        assert_eq!(closed(&sim), Some(&CloseReason::Ended), "{resume:?}");
        assert!(connects(&out).is_empty());
    }
}

#[test]
fn a_post_accepted_then_silent_closes_as_ended_once() {
    let mut sim = Sim::new(Settings {
        idle_timeout_ms: Some(1_000),
        ..post(Resume::Never)
    });
    open(&mut sim);
    let mut sent = 1;
    for _ in 0..50 {
        if closed(&sim).is_some() {
            break;
        }
        sent += connects(&sim.fire()).len();
        if sim.m.connection().is_some() {
            open(&mut sim);
        }
    }
    assert_eq!(sent, 1, "one POST");
    assert_eq!(closed(&sim), Some(&CloseReason::Ended));
}

#[test]
fn a_resumed_post_accepted_and_dropped_each_time_runs_out_of_retries() {
    let mut sim = Sim::new(Settings {
        policy: crate::ReconnectPolicy::default()
            .jitter(0.0)
            .initial_delay_ms(100)
            .max_reconnects(3),
        ..post(Resume::Repeat)
    });
    open(&mut sim);
    sim.deliver("5");
    sim.drop_network();
    let mut sent = 1;
    for _ in 0..50 {
        if closed(&sim).is_some() {
            break;
        }
        sent += connects(&sim.fire()).len();
        if sim.m.connection().is_some() {
            open(&mut sim); // accepted, then dropped before a byte
            sim.drop_network();
        }
    }
    assert!(matches!(
        closed(&sim),
        Some(CloseReason::Failed(StreamError::GaveUp { .. }))
    ));
    assert_eq!(sent, 4, "the first request and three retries");
}

#[test]
fn a_post_stream_that_ends_closes_as_ended_and_is_not_sent_again() {
    let mut sim = Sim::new(post(Resume::Never));
    open(&mut sim);
    sim.deliver("");
    let out = sim.fail(Failure::Ended);
    assert_eq!(closed(&sim), Some(&CloseReason::Ended));
    assert!(connects(&out).is_empty());
    assert_eq!(errors(&out), 0, "the end of a stream is not an error");
    assert_eq!(sim.timer, None);
}

#[test]
fn a_post_stream_that_ends_without_a_byte_closes_as_ended() {
    for resume in [Resume::Never, Resume::Repeat, Resume::Get] {
        let mut sim = Sim::new(post(resume));
        open(&mut sim);
        sim.fail(Failure::Ended);
        assert_eq!(closed(&sim), Some(&CloseReason::Ended), "{resume:?}");
    }
}

#[test]
fn a_post_cut_after_data_closes_as_ended_keeping_the_last_id() {
    for failure in [
        Failure::Network("reset".into()),
        Failure::TooLarge { limit: 10 },
        Failure::Ended,
    ] {
        let mut sim = Sim::new(post(Resume::Never));
        open(&mut sim);
        sim.deliver("7");
        let out = sim.fail(failure.clone());
        assert_eq!(closed(&sim), Some(&CloseReason::Ended), "{failure:?}");
        assert!(connects(&out).is_empty());
        assert_eq!(sim.m.last_event_id(), "7");
    }
    // Bytes without a whole event (a comment, half an event) count as data too.
    let mut sim = Sim::new(post(Resume::Never));
    open(&mut sim);
    alive(&mut sim);
    sim.drop_network();
    assert_eq!(closed(&sim), Some(&CloseReason::Ended));
}

#[test]
fn a_post_whose_stream_goes_idle_after_data_closes_as_ended() {
    let mut sim = Sim::new(Settings {
        idle_timeout_ms: Some(1_000),
        ..post(Resume::Never)
    });
    open(&mut sim);
    sim.deliver("");
    while closed(&sim).is_none() {
        sim.fire();
    }
    assert_eq!(closed(&sim), Some(&CloseReason::Ended));
}

#[test]
fn ids_alone_do_not_make_a_post_safe_to_send_again() {
    let mut sim = Sim::new(post(Resume::Never));
    open(&mut sim);
    sim.deliver("3");
    sim.fail(Failure::Ended);
    assert_eq!(closed(&sim), Some(&CloseReason::Ended));
}

#[test]
fn with_repeat_a_cut_post_is_sent_again_with_its_resume_point() {
    let mut sim = Sim::new(post(Resume::Repeat));
    open(&mut sim);
    sim.deliver("3");
    let out = sim.fail(Failure::Ended);
    assert_eq!(
        errors(&out),
        1,
        "a cut is reported, as any drop that is retried"
    );
    assert!(matches!(
        sim.m.state(),
        State::Reconnecting { attempt: 1, .. }
    ));
    let out = sim.fire();
    assert_eq!(connects(&out), [("http://h/s".into(), "3".into())]);
    assert_eq!(gets(&out), [false], "the same request");
    // Cut again after more data: resumed again, the backoff reset by the delivery.
    open(&mut sim);
    sim.deliver("9");
    sim.drop_network();
    assert!(matches!(
        sim.m.state(),
        State::Reconnecting { attempt: 1, .. }
    ));
    let out = sim.fire();
    assert_eq!(connects(&out), [("http://h/s".into(), "9".into())]);
}

#[test]
fn with_get_a_cut_post_resumes_with_gets_to_the_same_url() {
    let mut sim = Sim::new(post(Resume::Get));
    let first = gets(&sim.feed(Input::Timer));
    assert!(first.is_empty());
    open(&mut sim);
    sim.deliver("e1");
    sim.drop_network();
    let out = sim.fire();
    assert_eq!(connects(&out), [("http://h/s".into(), "e1".into())]);
    assert_eq!(gets(&out), [true]);
    // The GET is refused for a while: retried, still as a GET.
    sim.reject(503, None);
    let out = sim.fire();
    assert_eq!(gets(&out), [true]);
}

#[test]
fn a_resume_option_without_any_id_closes_as_ended() {
    for resume in [Resume::Repeat, Resume::Get] {
        let mut sim = Sim::new(post(resume));
        open(&mut sim);
        sim.deliver("");
        let out = sim.drop_network();
        assert_eq!(closed(&sim), Some(&CloseReason::Ended), "{resume:?}");
        assert!(connects(&out).is_empty());
    }
}

#[test]
fn a_get_stream_that_ends_is_reconnected_as_before() {
    let mut sim = Sim::new(no_jitter());
    open(&mut sim);
    sim.deliver("");
    sim.fail(Failure::Ended);
    assert!(matches!(
        sim.m.state(),
        State::Reconnecting {
            reason: StreamError::Network { .. },
            ..
        }
    ));
}

#[test]
fn a_terminal_marker_closes_as_done_and_nothing_is_reconnected() {
    for settings in [no_jitter(), post(Resume::Repeat)] {
        let mut sim = Sim::new(settings);
        open(&mut sim);
        sim.deliver("4");
        let conn = sim.conn();
        let out = sim.feed(Input::Finished(conn));
        assert_eq!(closed(&sim), Some(&CloseReason::Done));
        assert_eq!(errors(&out), 0);
        assert!(out.contains(&Output::Disconnect));
        assert_eq!(sim.timer, None);
        assert_eq!(sim.m.last_event_id(), "4");
        // What the transport says afterwards changes nothing.
        let out = sim.feed(Input::Failed {
            conn,
            failure: Failure::Ended,
        });
        assert!(out.is_empty());
    }
}

#[test]
fn a_stale_connection_cannot_finish_the_live_one() {
    let mut sim = Sim::new(no_jitter());
    let old = sim.conn();
    sim.drop_network();
    sim.fire();
    sim.feed(Input::Finished(old));
    assert!(!sim.m.state().is_closed());
}

#[test]
fn done_marker_and_named_terminal_events() {
    let default = Terminal::default();
    assert_eq!(default.check("message", "[DONE]"), Some(Mark::Marker));
    assert_eq!(default.check("other", "[DONE]"), Some(Mark::Marker));
    for data in ["[DONE] ", " [DONE]", "[done]", "\"[DONE]\"", "", "{}"] {
        assert_eq!(default.check("message", data), None, "{data:?}");
    }
    assert_eq!(default.check("message_stop", "{}"), None);
    let anthropic = Terminal {
        done_marker: true,
        types: vec!["message_stop".into()],
        predicate: None,
    };
    assert_eq!(
        anthropic.check("message_stop", r#"{"type":"message_stop"}"#),
        Some(Mark::Last)
    );
    assert_eq!(anthropic.check("message_delta", "{}"), None);
    let off = Terminal {
        done_marker: false,
        types: Vec::new(),
        predicate: None,
    };
    assert!(off.is_off());
    assert_eq!(off.check("message", "[DONE]"), None);
    assert!(!default.is_off());
}

#[test]
fn safe_methods_are_get_and_head() {
    use crate::machine::is_safe_method;
    assert!(is_safe_method(None));
    for m in ["GET", "get", "HEAD", "Head"] {
        assert!(is_safe_method(Some(m)), "{m}");
    }
    for m in ["POST", "post", "PUT", "PATCH", "DELETE", "QUERY"] {
        assert!(!is_safe_method(Some(m)), "{m}");
    }
}

#[test]
fn close_reasons_have_their_names() {
    assert_eq!(CloseReason::Done.name(), "done");
    assert_eq!(CloseReason::Ended.name(), "ended");
}

fn pausing(resume: Resume) -> Settings {
    Settings {
        pause_when_offline: true,
        pause_when_hidden: true,
        ..post(resume)
    }
}

#[test]
fn going_offline_or_hiding_the_page_leaves_a_sent_post_alone() {
    // Before the head, after the head, after data: the request was sent, and ending its
    // connection would send it again later.
    for stage in 0..3 {
        for hide in [false, true] {
            let mut sim = Sim::new(pausing(Resume::Never));
            let conn = sim.conn();
            if stage >= 1 {
                open(&mut sim);
            }
            if stage >= 2 {
                sim.deliver("");
            }
            let input = |on: bool| {
                if hide {
                    Input::Hidden(on)
                } else {
                    Input::Online(!on)
                }
            };
            let out = sim.feed(input(true));
            assert!(
                !out.contains(&Output::Disconnect),
                "stage {stage}, hide {hide}"
            );
            assert_eq!(sim.m.connection(), Some(conn));
            let out = sim.feed(input(false));
            assert!(connects(&out).is_empty(), "stage {stage}, hide {hide}");
            assert_eq!(sim.m.connection(), Some(conn), "the same connection");
        }
    }
}

#[test]
fn a_sent_post_whose_network_really_went_follows_the_table() {
    // After data: closed as ended, never sent again.
    let mut sim = Sim::new(pausing(Resume::Never));
    open(&mut sim);
    sim.deliver("");
    sim.feed(Input::Online(false));
    let out = sim.drop_network();
    assert_eq!(closed(&sim), Some(&CloseReason::Ended));
    assert!(connects(&out).is_empty());
    let out = sim.feed(Input::Online(true));
    assert!(connects(&out).is_empty());
    // Refused before the head (nothing generated): retried once the network is back.
    let mut sim = Sim::new(pausing(Resume::Never));
    sim.feed(Input::Online(false));
    sim.drop_network();
    assert_eq!(sim.m.state(), &State::Offline);
    let out = sim.feed(Input::Online(true));
    assert_eq!(gets(&out), [false]);
    // The same while hidden: the retry waits for the page, and is the same POST.
    let mut sim = Sim::new(pausing(Resume::Never));
    sim.feed(Input::Hidden(true));
    sim.drop_network();
    assert_eq!(sim.m.state(), &State::Paused);
    let out = sim.feed(Input::Hidden(false));
    assert_eq!(gets(&out), [false]);
}

#[test]
fn with_get_a_post_cut_while_offline_resumes_as_a_get() {
    let mut sim = Sim::new(pausing(Resume::Get));
    open(&mut sim);
    sim.deliver("e1");
    sim.feed(Input::Hidden(true));
    sim.drop_network();
    assert_eq!(sim.m.state(), &State::Paused, "waits for the page");
    let out = sim.feed(Input::Hidden(false));
    assert_eq!(connects(&out), [("http://h/s".into(), "e1".into())]);
    assert_eq!(gets(&out), [true], "a GET, not the POST again");
}

#[test]
fn a_predicate_over_type_and_data_ends_the_answer_after_its_event() {
    let asked = std::rc::Rc::new(std::cell::Cell::new(0));
    let seen = asked.clone();
    let mcp = Terminal {
        done_marker: true,
        types: vec!["message_stop".into()],
        predicate: Some(std::rc::Rc::new(move |event_type: &str, data: &str| {
            seen.set(seen.get() + 1);
            event_type == "message" && data.contains(r#""id":7"#) && !data.contains("method")
        })),
    };
    assert!(!mcp.is_off());
    let progress = r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{}}"#;
    let response = r#"{"jsonrpc":"2.0","id":7,"result":{}}"#;
    assert_eq!(mcp.check("message", progress), None);
    assert_eq!(mcp.check("message", response), Some(Mark::Last));
    assert_eq!(mcp.check("note", response), None);
    assert_eq!(asked.get(), 3);
    // The marker and the named types decide first: the predicate is not asked.
    assert_eq!(mcp.check("message", "[DONE]"), Some(Mark::Marker));
    assert_eq!(mcp.check("message_stop", "{}"), Some(Mark::Last));
    assert_eq!(asked.get(), 3);
    let alone = Terminal {
        done_marker: false,
        types: Vec::new(),
        predicate: Some(std::rc::Rc::new(|_: &str, data: &str| data == "bye")),
    };
    assert!(!alone.is_off(), "a predicate alone keeps the check on");
    assert_eq!(alone.check("message", "bye"), Some(Mark::Last));
    // No data to give (the native transport's data was not a string): not the end.
    assert_eq!(alone.check_with("message", || false, || None), None);
}
