//! The library-controlled reconnect: policy timing and budget, resume without loss or duplicates,
//! the reasons a connection failed, offline and idle handling, and no leaks across reconnects.

#![cfg(target_arch = "wasm32")]

mod common;

use common::{js, log, native_connections, sleep, url, wait_for};
use typed_sse::{CloseReason, ReconnectPolicy, SseClient, State, StreamError, Transport};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(serde::Deserialize, Debug)]
struct Numbered {
    n: u32,
}

fn opened_ms(c: &serde_json::Value) -> f64 {
    c["opened_ms"].as_f64().expect("opened_ms")
}

#[wasm_bindgen_test]
async fn five_thousand_events_through_fifty_cuts_arrive_exactly_once_in_order() {
    let key = common::key("resume");
    let got = log();
    let g = got.clone();
    let _source = SseClient::builder(url("/sse/numbered?total=5000&cut=100", &key))
        .reconnect(ReconnectPolicy::default().initial_delay_ms(10).jitter(0.0))
        .on_message::<Numbered>(move |r| g.borrow_mut().push(r.unwrap().data.n))
        .build()
        .unwrap();
    assert!(
        wait_for(60_000, || got.borrow().len() >= 5_000).await,
        "only {} events arrived",
        got.borrow().len()
    );
    sleep(300).await; // room for a duplicate to show up
    assert_eq!(*got.borrow(), (1..=5_000).collect::<Vec<u32>>());

    let conns = native_connections(&key).await;
    assert_eq!(conns.len(), 50, "one connection per 100 events");
    assert!(conns[0]["last_event_id"].is_null());
    for (i, c) in conns.iter().enumerate().skip(1) {
        assert_eq!(c["last_event_id"], (i * 100).to_string(), "connection {i}");
        assert_eq!(c["resumed_via"], "query");
    }
}

#[wasm_bindgen_test]
async fn attempts_follow_the_policy_and_max_retries_is_exact() {
    let key = common::key("policy");
    let (states, errors) = (log(), log());
    let (s, e) = (states.clone(), errors.clone());
    let policy = ReconnectPolicy::default()
        .initial_delay_ms(200)
        .multiplier(2.0)
        .max_delay_ms(800)
        .jitter(0.5)
        .max_reconnects(4);
    let source = SseClient::builder(url("/sse/status?code=503", &key))
        .reconnect(policy)
        .on_state(move |st| s.borrow_mut().push(st.clone()))
        .on_error(move |er| e.borrow_mut().push(er.clone()))
        .build()
        .unwrap();
    assert!(wait_for(15_000, || source.state().is_closed()).await);
    sleep(1_000).await; // nothing may follow the end

    let gave_up = StreamError::GaveUp {
        attempts: 4,
        last: Box::new(StreamError::Http {
            status: 503,
            body: String::new(),
        }),
    };
    assert_eq!(
        source.state(),
        State::Closed(CloseReason::Failed(gave_up.clone()))
    );
    assert_eq!(errors.borrow().last(), Some(&gave_up));

    let bases = [200u32, 400, 800, 800];
    let scheduled: Vec<(u32, u32)> = states
        .borrow()
        .iter()
        .filter_map(|st| match st {
            State::Reconnecting {
                attempt, delay_ms, ..
            } => Some((*attempt, *delay_ms)),
            _ => None,
        })
        .collect();
    assert_eq!(
        scheduled.iter().map(|a| a.0).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    for ((_, delay), base) in scheduled.iter().zip(bases) {
        assert!(
            (base / 2..=base).contains(delay),
            "delay {delay} outside [{}, {base}]",
            base / 2
        );
    }

    let conns = native_connections(&key).await;
    assert_eq!(conns.len(), 5, "1 + max_reconnects connections: {conns:?}");
    for (i, pair) in conns.windows(2).enumerate() {
        let gap = opened_ms(&pair[1]) - opened_ms(&pair[0]);
        let scheduled = f64::from(scheduled[i].1);
        // The gap is the scheduled delay plus the probe's round trip and the connection set-up.
        assert!(
            gap >= scheduled - 5.0,
            "gap {gap} shorter than the delay {scheduled}"
        );
        assert!(
            gap <= scheduled + 1_000.0,
            "gap {gap} far above the delay {scheduled}"
        );
        assert!(gap <= 800.0 + 1_000.0, "the cap was not held: {gap}");
    }
}

#[wasm_bindgen_test]
async fn retry_after_is_waited_for() {
    let key = common::key("retry-after");
    let got = log();
    let g = got.clone();
    let _source = SseClient::builder(url("/sse/flaky?fail=1&code=503&retry_after=2&n=3", &key))
        .reconnect(ReconnectPolicy::default().initial_delay_ms(50))
        .on_message::<Numbered>(move |r| g.borrow_mut().push(r.unwrap().data.n))
        .build()
        .unwrap();
    assert!(wait_for(10_000, || got.borrow().len() == 3).await);
    assert_eq!(*got.borrow(), [1, 2, 3]);
    let conns = native_connections(&key).await;
    assert_eq!(conns.len(), 2);
    let gap = opened_ms(&conns[1]) - opened_ms(&conns[0]);
    assert!(
        gap >= 2_000.0,
        "reconnected after {gap} ms despite Retry-After: 2"
    );
}

#[wasm_bindgen_test]
async fn no_content_stops_without_a_second_connection() {
    let key = common::key("204");
    let source = SseClient::builder(url("/sse/status?code=204", &key))
        .reconnect(ReconnectPolicy::default().initial_delay_ms(10))
        .build()
        .unwrap();
    assert!(wait_for(5_000, || source.state().is_closed()).await);
    sleep(500).await;
    assert_eq!(
        source.state(),
        State::Closed(CloseReason::Failed(StreamError::NoContent))
    );
    assert_eq!(native_connections(&key).await.len(), 1);
}

#[wasm_bindgen_test]
async fn unauthorized_calls_the_refresher_and_reconnects_to_the_new_url() {
    let key = common::key("refresh");
    let good = url("/sse/auth?token=good", &key);
    let ready = log();
    let r = ready.clone();
    let states = log();
    let s = states.clone();
    let _source = SseClient::builder(url("/sse/auth?token=expired", &key))
        .reconnect(ReconnectPolicy::default().initial_delay_ms(50))
        .url_refresher(move || {
            let good = good.clone();
            async move { Ok(good) }
        })
        .on::<String>("ready", move |e| r.borrow_mut().push(e.unwrap().data))
        .on_state(move |st| s.borrow_mut().push(st.clone()))
        .build()
        .unwrap();
    assert!(
        wait_for(5_000, || ready.borrow().len() == 1).await,
        "{:?}",
        states.borrow()
    );
    assert_eq!(*ready.borrow(), ["good"]);
    let conns = native_connections(&key).await;
    assert_eq!(conns.len(), 2);
    assert!(conns[0]["uri"].as_str().unwrap().contains("token=expired"));
    assert!(conns[1]["uri"].as_str().unwrap().contains("token=good"));
    assert!(states.borrow().iter().any(|st| matches!(
        st,
        State::Reconnecting {
            reason: StreamError::Unauthorized { status: 401, .. },
            ..
        }
    )));
}

#[wasm_bindgen_test]
async fn offline_waits_without_spending_retries_and_online_reconnects_at_once() {
    let key = common::key("offline");
    let got = log();
    let g = got.clone();
    let source = SseClient::builder(url("/sse/messages?n=30&interval_ms=30", &key))
        // A single retry: if waiting offline spent it, the source would give up.
        .reconnect(
            ReconnectPolicy::default()
                .initial_delay_ms(5_000)
                .max_reconnects(1),
        )
        .on_message::<Numbered>(move |r| g.borrow_mut().push(r.unwrap().data.n))
        .build()
        .unwrap();
    assert!(wait_for(5_000, || got.borrow().len() >= 5).await);

    js(
        "Object.defineProperty(navigator, 'onLine', { value: false, configurable: true }); \
        window.dispatchEvent(new Event('offline'));",
    );
    assert_eq!(source.state(), State::Offline);
    sleep(800).await;
    assert_eq!(
        source.state(),
        State::Offline,
        "waiting offline must not give up"
    );
    assert_eq!(
        native_connections(&key).await.len(),
        1,
        "no attempt while offline"
    );

    let back = js_sys::Date::now();
    js("delete navigator.onLine; window.dispatchEvent(new Event('online'));");
    assert!(
        wait_for(5_000, || got.borrow().len() == 30).await,
        "{:?}",
        got.borrow()
    );
    assert_eq!(*got.borrow(), (1..=30).collect::<Vec<u32>>());
    let conns = native_connections(&key).await;
    assert_eq!(conns.len(), 2);
    assert!(
        !conns[0]["closed_ms"].is_null(),
        "going offline closed the connection"
    );
    assert!(
        opened_ms(&conns[1]) - back < 1_000.0,
        "online must reconnect at once, not after the policy's 5 s"
    );
    assert_eq!(conns[1]["resumed_via"], "query");
}

#[wasm_bindgen_test]
async fn an_idle_connection_is_recycled() {
    let key = common::key("idle");
    let errors = log();
    let e = errors.clone();
    let _source = SseClient::builder(url("/sse/hold", &key))
        .idle_timeout_ms(300)
        .reconnect(ReconnectPolicy::default().initial_delay_ms(50))
        .on_text("ready", |_| {})
        .on_error(move |er| e.borrow_mut().push(er.clone()))
        .build()
        .unwrap();
    assert!(wait_for(5_000, || errors.borrow().len() >= 2).await);
    assert!(errors
        .borrow()
        .iter()
        .all(|er| *er == StreamError::IdleTimeout { timeout_ms: 300 }));
    let conns = native_connections(&key).await;
    assert!(conns.len() >= 2, "{conns:?}");
    assert!(!conns[0]["closed_ms"].is_null());
}

/// An attempt succeeds when its connection opens, whichever listeners exist: with only error
/// and state handlers (no listener for the stream's events), a budget of 2 never runs out
/// against a server that accepts every connection, then ends the stream.
#[wasm_bindgen_test]
async fn a_connection_that_opened_resets_the_budget_without_event_listeners() {
    let key = common::key("budget-open");
    let errors = log();
    let e = errors.clone();
    let source = SseClient::builder(url("/sse/messages?n=1&end=1", &key))
        .reconnect(
            ReconnectPolicy::default()
                .initial_delay_ms(50)
                .max_reconnects(2),
        )
        .on_error(move |er| e.borrow_mut().push(er.clone()))
        .build()
        .unwrap();
    let mut conns = 0;
    for _ in 0..50 {
        conns = native_connections(&key).await.len();
        if conns >= 5 || source.state().is_closed() {
            break;
        }
        sleep(100).await;
    }
    assert!(
        !source.state().is_closed(),
        "gave up after {conns} connections that all opened: {:?}",
        source.state()
    );
    assert!(conns >= 5, "{conns} connections");
    source.close();
}

/// The native transport resumes through the query parameter, which carries any id exactly: a
/// control character, and the spaces around it (the format strips one space after the colon,
/// and only one).
#[wasm_bindgen_test]
async fn the_native_transport_resumes_from_any_id_exactly() {
    let key = common::key("native-odd-id");
    let source = SseClient::builder(url("/sse/odd-id?id=%20a%01b%20", &key))
        .reconnect(
            ReconnectPolicy::default()
                .initial_delay_ms(50)
                .max_reconnects(3),
        )
        .on_text("message", |_| {})
        .build()
        .unwrap();
    let mut conns = Vec::new();
    for _ in 0..50 {
        conns = native_connections(&key).await;
        if conns.len() >= 2 {
            break;
        }
        sleep(100).await;
    }
    assert_eq!(conns.len(), 2, "{conns:?}");
    assert_eq!(conns[1]["last_event_id"], " a\u{1}b ");
    assert_eq!(conns[1]["resumed_via"], "query");
    assert_eq!(source.last_event_id(), " a\u{1}b ");
    source.close();
}

/// A reset (`id:` with no value) just before a drop does not lose the id before it: the native
/// transport resumes from the last event that had an id, as the fetch transport does.
#[wasm_bindgen_test]
async fn an_id_reset_before_a_drop_keeps_the_id_before_it() {
    let key = common::key("native-id-reset");
    let source = SseClient::builder(url("/sse/odd-id?id=", &key))
        .reconnect(
            ReconnectPolicy::default()
                .initial_delay_ms(50)
                .max_reconnects(3),
        )
        .on_text("message", |_| {})
        .build()
        .unwrap();
    let mut conns = Vec::new();
    for _ in 0..50 {
        conns = native_connections(&key).await;
        if conns.len() >= 2 {
            break;
        }
        sleep(100).await;
    }
    assert_eq!(conns.len(), 2, "{conns:?}");
    assert_eq!(conns[1]["last_event_id"], "1", "{conns:?}");
    assert_eq!(conns[1]["resumed_via"], "query");
    assert_eq!(source.last_event_id(), "1");
    source.close();
}

/// The idle timeout measures on a monotonic clock: the wall clock set back an hour (a user, NTP)
/// does not hold it off for that hour.
#[wasm_bindgen_test]
async fn the_idle_timeout_ignores_a_wall_clock_set_back() {
    let key = common::key("idle-clock");
    let errors = log();
    let e = errors.clone();
    let source = SseClient::builder(url("/sse/hold", &key))
        .idle_timeout_ms(600)
        .reconnect(ReconnectPolicy::never())
        .on_text("ready", |_| {})
        .on_error(move |er| e.borrow_mut().push(er.clone()))
        .build()
        .unwrap();
    assert!(wait_for(5_000, || source.state() == State::Open).await);
    // Past the first check, which saw the `ready` event: the silence is measured from there.
    sleep(300).await;
    js("globalThis.__realNow = Date.now; Date.now = () => globalThis.__realNow() - 3600000;");
    let fired = wait_for(4_000, || !errors.borrow().is_empty()).await;
    js("Date.now = globalThis.__realNow;");
    assert!(fired, "no idle timeout within 4 s");
    assert_eq!(
        errors.borrow()[0],
        StreamError::IdleTimeout { timeout_ms: 600 }
    );
}

#[wasm_bindgen_test]
async fn heartbeats_keep_an_idle_timeout_from_firing() {
    let key = common::key("heartbeat");
    let errors = log();
    let e = errors.clone();
    let source = SseClient::builder(url("/sse/heartbeat?every_ms=100", &key))
        .idle_timeout_ms(400)
        .heartbeat_event("heartbeat")
        .on_error(move |er| e.borrow_mut().push(er.clone()))
        .build()
        .unwrap();
    sleep(1_500).await;
    assert!(errors.borrow().is_empty(), "{:?}", errors.borrow());
    assert_eq!(source.state(), State::Open);
    assert_eq!(native_connections(&key).await.len(), 1);
}

#[wasm_bindgen_test]
async fn close_during_a_pending_reconnect_cancels_it() {
    let key = common::key("cancel");
    let source = SseClient::builder(url("/sse/status?code=503", &key))
        .reconnect(ReconnectPolicy::default().initial_delay_ms(600).jitter(0.0))
        .build()
        .unwrap();
    assert!(
        wait_for(5_000, || matches!(
            source.state(),
            State::Reconnecting { .. }
        ))
        .await,
        "{:?}",
        source.state()
    );
    source.close();
    sleep(1_200).await;
    assert_eq!(source.state(), State::Closed(CloseReason::Requested));
    assert_eq!(native_connections(&key).await.len(), 1);
}

fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory =
        wasm_bindgen::JsCast::unchecked_into(wasm_bindgen::memory());
    let buffer: js_sys::ArrayBuffer = wasm_bindgen::JsCast::unchecked_into(memory.buffer());
    buffer.byte_length() as f64
}

#[wasm_bindgen_test]
async fn a_thousand_reconnects_do_not_grow_wasm_memory() {
    let key = common::key("leak");
    let count = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let c = count.clone();
    // Every connection delivers one event and ends: a reconnect per event.
    let _source = SseClient::builder(url("/sse/numbered?total=100000&cut=1", &key))
        .reconnect(ReconnectPolicy::default().initial_delay_ms(0).jitter(0.0))
        .on_message::<Numbered>(move |_| c.set(c.get() + 1))
        .build()
        .unwrap();
    assert!(
        wait_for(30_000, || count.get() >= 100).await,
        "warm-up: {}",
        count.get()
    );
    let warm = wasm_memory_bytes();
    assert!(
        wait_for(120_000, || count.get() >= 1_100).await,
        "{} reconnects",
        count.get()
    );
    let after = wasm_memory_bytes();
    // Leaking one connection's closures and listeners per reconnect would be hundreds of KB here;
    // one 64 KiB page of allocator slack is allowed.
    assert!(
        after - warm <= 65_536.0,
        "wasm memory grew by {} bytes over 1,000 reconnects",
        after - warm
    );
}

#[wasm_bindgen_test]
async fn a_hidden_page_pauses_only_when_asked_and_resumes_when_shown() {
    let (paused_key, default_key) = (common::key("hidden"), common::key("visible"));
    let got = log();
    let g = got.clone();
    let pausing = SseClient::builder(url("/sse/messages?n=20&interval_ms=40", &paused_key))
        .pause_when_hidden(true)
        .on_message::<Numbered>(move |r| g.borrow_mut().push(r.unwrap().data.n))
        .build()
        .unwrap();
    let default = SseClient::new(&url("/sse/hold", &default_key)).unwrap();
    assert!(
        wait_for(5_000, || got.borrow().len() >= 3
            && default.state() == State::Open)
        .await
    );

    js(
        "Object.defineProperty(document, 'hidden', { value: true, configurable: true }); \
        document.dispatchEvent(new Event('visibilitychange'));",
    );
    assert_eq!(pausing.state(), State::Paused);
    assert_eq!(default.state(), State::Open, "pausing is off by default");
    sleep(300).await;
    js("delete document.hidden; document.dispatchEvent(new Event('visibilitychange'));");

    assert!(
        wait_for(5_000, || got.borrow().len() == 20).await,
        "{:?}",
        got.borrow()
    );
    assert_eq!(*got.borrow(), (1..=20).collect::<Vec<u32>>());
    let conns = native_connections(&paused_key).await;
    assert_eq!(conns.len(), 2);
    assert_eq!(conns[1]["resumed_via"], "query");
    assert_eq!(native_connections(&default_key).await.len(), 1);
}

#[wasm_bindgen_test]
async fn a_huge_retry_after_waits_its_cap_instead_of_looping() {
    // 3,000,000 s, and a date years ahead: both past what a browser timer holds. Before the cap,
    // either one wrapped negative in setTimeout and made the client reconnect in a tight loop.
    let huge = (common::key("retry-after-huge"), "3000000");
    let date = (
        common::key("retry-after-date"),
        "Wed,%2001%20Jan%202031%2000:00:00%20GMT",
    );
    let mut sources = Vec::new();
    for (key, retry_after) in [&huge, &date] {
        let path = format!("/sse/status?code=503&retry_after={retry_after}");
        let source = SseClient::builder(url(&path, key))
            .reconnect(ReconnectPolicy::default().initial_delay_ms(10))
            .build()
            .unwrap();
        sources.push(source);
    }
    sleep(10_000).await;
    for ((key, _), source) in [&huge, &date].into_iter().zip(&sources) {
        let all = common::connections(key).await;
        let probes = all.iter().filter(|c| c["probe"] == true).count();
        assert_eq!(
            (all.len() - probes, probes),
            (1, 1),
            "{key}: one connection and one probe in 10 s, got {all:?}"
        );
        assert!(
            matches!(
                source.state(),
                State::Reconnecting { attempt: 1, delay_ms, .. }
                    if delay_ms == typed_sse::DEFAULT_MAX_RETRY_AFTER_MS
            ),
            "{key}: the state reports the delay actually scheduled: {:?}",
            source.state()
        );
    }
}

/// A resume point the server's history does not hold (the demo stream on typed-sse-axum's store
/// gives out numbers) reaches `on_gap` as a typed `Gap` with the id the source came back with,
/// on both transports, before the events still held.
#[wasm_bindgen_test]
async fn a_resume_point_the_server_does_not_hold_is_a_typed_gap() {
    for transport in [Transport::Native, Transport::Fetch] {
        let seen = log();
        let (g, e) = (seen.clone(), seen.clone());
        let source = SseClient::builder(url("/events", &common::key("gap")))
            .transport(transport)
            .last_event_id("not-an-id-it-gave")
            .on_gap(move |gap| g.borrow_mut().push(Some(gap)))
            .on_any(move |event| {
                if event.event_type() != typed_sse::GAP_EVENT {
                    e.borrow_mut().push(None);
                }
            })
            .build()
            .unwrap();
        assert!(
            wait_for(5_000, || seen.borrow().iter().any(Option::is_some)).await,
            "{transport:?}: no gap"
        );
        let gap = seen.borrow()[0].clone().expect("the gap comes first");
        assert_eq!(gap.last_event_id, "not-an-id-it-gave", "{transport:?}");
        assert_eq!(seen.borrow().iter().filter(|s| s.is_some()).count(), 1);
        source.close();
    }
}
