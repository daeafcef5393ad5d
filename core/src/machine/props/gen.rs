//! The generators: random settings, and random steps that name the live connection or a stale
//! one.

use proptest::prelude::*;

use super::super::*;
use crate::ReconnectPolicy;

/// One step of a scenario. Connection-related inputs name the live connection, or a stale one.
#[derive(Clone, Debug)]
pub(super) enum Step {
    Opened {
        stale: bool,
    },
    Delivered {
        stale: bool,
        with_id: bool,
    },
    Alive {
        stale: bool,
    },
    ServerRetry {
        stale: bool,
        ms: u64,
    },
    Failed {
        stale: bool,
        failure: Failure,
    },
    Probe(Result<Head, String>),
    Refreshed(Refreshed),
    /// Fire the armed timer (skipped when none is armed: the shell only fires what it armed).
    Timer,
    Online(bool),
    Hidden(bool),
    /// `close()`, or the user's AbortSignal (`true`).
    Close(bool),
}

fn head() -> impl Strategy<Value = Head> {
    let status = prop_oneof![
        Just(200u16),
        Just(204),
        Just(401),
        Just(403),
        Just(429),
        Just(503),
        Just(404),
        100u16..600
    ];
    let content_type = prop_oneof![
        Just("text/event-stream".to_owned()),
        Just("text/html".to_owned())
    ];
    let retry_after = prop_oneof![
        Just(None),
        (0u64..120_000).prop_map(Some),
        Just(Some(3_000_000_000)),
        any::<u64>().prop_map(Some)
    ];
    (status, content_type, retry_after).prop_map(|(status, content_type, retry_after_ms)| Head {
        status,
        content_type,
        retry_after_ms,
        body: String::new(),
    })
}

pub(super) fn step() -> impl Strategy<Value = Step> {
    let failure = prop_oneof![
        Just(Failure::Network("lost".into())),
        Just(Failure::Ended),
        Just(Failure::Unexplained),
        Just(Failure::TooLarge { limit: 16 }),
        head().prop_map(Failure::Rejected),
        Just(Failure::Fatal(
            ConfigError::InvalidUrl {
                url: "::".into(),
                message: "refused".into()
            }
            .into()
        )),
    ];
    let refreshed = prop_oneof![
        Just(Refreshed::Url("http://h/fresh".into())),
        Just(Refreshed::Failed),
        Just(Refreshed::InvalidUrl {
            url: "::".into(),
            message: "bad".into()
        }),
    ];
    prop_oneof![
        3 => any::<bool>().prop_map(|stale| Step::Opened { stale }),
        4 => (any::<bool>(), any::<bool>()).prop_map(|(stale, with_id)| Step::Delivered { stale, with_id }),
        2 => any::<bool>().prop_map(|stale| Step::Alive { stale }),
        1 => (any::<bool>(), prop_oneof![0u64..10_000, any::<u64>()]).prop_map(|(stale, ms)| Step::ServerRetry { stale, ms }),
        4 => (any::<bool>(), failure).prop_map(|(stale, failure)| Step::Failed { stale, failure }),
        1 => prop_oneof![head().prop_map(Ok), Just(Err("offline".to_owned()))].prop_map(Step::Probe),
        1 => refreshed.prop_map(Step::Refreshed),
        6 => Just(Step::Timer),
        1 => any::<bool>().prop_map(Step::Online),
        1 => any::<bool>().prop_map(Step::Hidden),
        1 => any::<bool>().prop_map(Step::Close),
    ]
}

pub(super) fn settings() -> impl Strategy<Value = Settings> {
    let delay = prop_oneof![0u32..5_000, Just(u32::MAX), any::<u32>()];
    let policy = (
        delay.clone(),
        1.0f64..4.0,
        delay,
        0.0f64..=1.0,
        prop_oneof![Just(None), (0u32..6).prop_map(Some)],
    )
        .prop_map(|(initial, multiplier, max, jitter, retries)| {
            let p = ReconnectPolicy::default()
                .initial_delay_ms(initial)
                .multiplier(multiplier)
                .max_delay_ms(max)
                .jitter(jitter);
            match retries {
                Some(n) => p.max_reconnects(n),
                None => p,
            }
        });
    let flags = (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>());
    let fetch_flags = (any::<bool>(), any::<bool>());
    let idle = prop_oneof![
        Just(None),
        (1u32..10_000).prop_map(Some),
        Just(Some(u32::MAX))
    ];
    let caps = (prop_oneof![0u32..600_000, Just(u32::MAX)], 1u32..60_000);
    // A POST (not safe to repeat) in a quarter of the scenarios, with each resume option.
    let answer = (
        prop_oneof![3 => Just(false), 1 => Just(true)],
        prop_oneof![
            Just(crate::Resume::Never),
            Just(crate::Resume::Repeat),
            Just(crate::Resume::Get)
        ],
    );
    (policy, flags, fetch_flags, idle, (caps, answer)).prop_map(
        |(
            policy,
            (resume, offline, hidden, refresher),
            (renews, honor_retry),
            idle,
            ((retry_after_cap, refresh), (unsafe_request, resume_option)),
        )| {
            Settings {
                policy,
                resume_param: resume.then(|| "lastEventId".to_owned()),
                idle_timeout_ms: idle,
                pause_when_offline: offline,
                pause_when_hidden: hidden,
                has_refresher: refresher,
                renews_credentials: renews,
                honor_server_retry: honor_retry,
                max_retry_after_ms: retry_after_cap,
                refresh_timeout_ms: refresh,
                unsafe_request,
                resume: resume_option,
            }
        },
    )
}
