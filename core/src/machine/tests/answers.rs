//! What each answer means: 204, 401/403 and the refresher, 429/5xx, other statuses, the content type, the probe, a drop.

use super::*;

#[test]
fn no_content_stops() {
    let mut sim = Sim::new(Settings::default());
    let out = sim.reject(204, None);
    assert_eq!(closed_with(&sim), Some(&StreamError::NoContent));
    assert!(connects(&out).is_empty());
    assert_eq!(sim.timer, None);
}

#[test]
fn unauthorized_without_a_refresher_stops() {
    let mut sim = Sim::new(Settings::default());
    sim.reject(401, None);
    assert_eq!(closed_with(&sim), Some(&unauthorized(401)));
}

#[test]
fn unauthorized_with_a_refresher_refreshes_then_connects_to_the_new_url() {
    let mut sim = Sim::new(with_refresher());
    sim.reject(403, None);
    assert!(matches!(
        sim.m.state(),
        State::Reconnecting {
            reason: StreamError::Unauthorized { status: 403, .. },
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
    assert_eq!(closed_with(&sim), Some(&unauthorized(401)));

    let mut sim = Sim::new(with_refresher());
    sim.reject(401, None);
    sim.fire();
    let bad = Refreshed::InvalidUrl {
        url: "::".into(),
        message: "no".into(),
    };
    sim.feed(Input::Refreshed(bad));
    assert!(matches!(
        closed_with(&sim),
        Some(StreamError::Config(ConfigError::InvalidUrl { .. }))
    ));
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
    assert_eq!(closed_with(&sim), Some(&unauthorized(401)));
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
        assert_eq!(closed_with(&sim), Some(&http(status)));
    }
}

#[test]
fn a_wrong_content_type_stops() {
    let mut sim = Sim::new(Settings::default());
    sim.fail(Failure::Rejected(head(200, "text/html", None)));
    assert!(matches!(
        closed_with(&sim),
        Some(StreamError::ContentType { .. })
    ));
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
    sim.feed(Input::ProbeAnswered(Ok(head(404, "", None))));
    assert_eq!(closed_with(&sim), Some(&http(404)));
}

#[test]
fn a_network_drop_retries() {
    let mut sim = Sim::new(Settings::default());
    let out = sim.drop_network();
    assert_eq!(out[0], Output::Disconnect);
    assert!(out.contains(&Output::Error(StreamError::Network {
        message: "lost".into()
    })));
    assert!(matches!(
        sim.m.state(),
        State::Reconnecting { attempt: 1, .. }
    ));
}

#[test]
fn renewed_credentials_get_one_attempt() {
    // The fetch transport's headers function: no refresh step, a fresh header on the next try.
    let mut sim = Sim::new(Settings {
        renews_credentials: true,
        ..no_jitter()
    });
    sim.reject(401, None);
    let out = sim.fire();
    assert!(!out.contains(&Output::Refresh), "no URL refresher to call");
    assert_eq!(connects(&out).len(), 1);
    sim.reject(401, None);
    assert_eq!(
        closed_with(&sim),
        Some(&unauthorized(401)),
        "refused again: stop"
    );

    // Once a connection opens, the next 401 is worth a renewal again.
    let mut sim = Sim::new(with_refresher());
    sim.reject(403, None);
    sim.fire();
    sim.feed(Input::Refreshed(Refreshed::Url("http://h/new".into())));
    let conn = sim.conn();
    sim.feed(Input::Opened(conn));
    sim.drop_network();
    sim.fire();
    sim.reject(403, None);
    assert!(matches!(sim.m.state(), State::Reconnecting { .. }));
}

#[test]
fn an_http_error_keeps_the_start_of_its_body() {
    let mut sim = Sim::new(Settings::default());
    let mut rejected = head(400, "application/json", None);
    rejected.body = r#"{"error":"bad prompt"}"#.into();
    sim.fail(Failure::Rejected(rejected));
    assert_eq!(
        closed_with(&sim),
        Some(&StreamError::Http {
            status: 400,
            body: r#"{"error":"bad prompt"}"#.into()
        })
    );
}

#[test]
fn a_too_large_event_drops_the_connection_and_retries() {
    let mut sim = Sim::new(Settings::default());
    let out = sim.fail(Failure::TooLarge { limit: 1_024 });
    assert_eq!(out[0], Output::Disconnect);
    assert!(matches!(
        sim.m.state(),
        State::Reconnecting {
            reason: StreamError::TooLarge { limit: 1_024 },
            ..
        }
    ));
}
