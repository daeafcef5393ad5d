//! What a [`Builder`](crate::Builder) collects, checked and turned into a running shell.

use std::rc::Rc;

use crate::machine::{Machine, Settings, MAX_TIMER_MS};
use crate::registry::Registry;
use crate::shell::{Effects, Refresher, Shell};
use crate::transport::Attached;
use crate::{dom, Error};

pub(crate) struct Config {
    pub(crate) url: String,
    pub(crate) with_credentials: bool,
    pub(crate) last_event_id: String,
    pub(crate) settings: Settings,
    pub(crate) refresher: Option<Refresher>,
    pub(crate) attached: Option<Rc<dyn Attached>>,
}

impl Config {
    pub(crate) fn new(url: String) -> Self {
        Self {
            url,
            with_credentials: false,
            last_event_id: String::new(),
            settings: Settings::default(),
            refresher: None,
            attached: None,
        }
    }

    /// Checks the settings, resolves the URL against the page, and builds the shell around a
    /// new machine (not started yet).
    pub(crate) fn into_shell(self, registry: Rc<Registry>) -> Result<Rc<Shell>, Error> {
        check_timers(&self.settings)?;
        let url = dom::resolve_url(&self.url).map_err(|message| Error::InvalidUrl {
            url: self.url,
            message,
        })?;
        let mut settings = self.settings;
        settings.has_refresher = self.refresher.is_some();
        let effects = Effects {
            with_credentials: self.with_credentials,
            refresher: self.refresher,
            attached: self.attached,
            watch_online: settings.pause_when_offline,
            watch_hidden: settings.pause_when_hidden,
        };
        // The jitter's seed: 53 random bits.
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let machine = Machine::new(url, self.last_event_id, settings, seed);
        Ok(Shell::new(machine, registry, effects))
    }
}

/// Every duration ends up in a browser timer, which holds at most `i32::MAX` ms: a longer one
/// would fire at once. Refused here rather than clamped, so a typo does not pass silently.
pub(crate) fn check_timers(settings: &Settings) -> Result<(), Error> {
    let policy = &settings.policy;
    let durations = [
        ("initial_delay_ms", Some(policy.initial_ms())),
        ("max_delay_ms", Some(policy.cap_ms())),
        ("idle_timeout_ms", settings.idle_timeout_ms),
        ("max_retry_after_ms", Some(settings.max_retry_after_ms)),
        ("refresh_timeout_ms", Some(settings.refresh_timeout_ms)),
    ];
    for (field, ms) in durations {
        if ms.is_some_and(|ms| ms > MAX_TIMER_MS) {
            return Err(Error::InvalidOption {
                field: field.into(),
                message: "at most 2147483647 ms (what a browser timer holds)".into(),
            });
        }
    }
    Ok(())
}
