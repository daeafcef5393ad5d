//! One test per rule of the README's "Reconnecting" section, against a simulated clock. The
//! harness is here; the rules are grouped by theme in the submodules.

use super::*;
use crate::ReconnectPolicy;

mod answers;
mod ends;
mod lifecycle;
mod pauses;
mod policy;

/// A machine, a clock, and what it asked for so far.
pub(super) struct Sim {
    pub(super) m: Machine,
    pub(super) now: u64,
    /// The instant the timer is armed for.
    pub(super) timer: Option<u64>,
}

impl Sim {
    pub(super) fn new(settings: Settings) -> Self {
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

    pub(super) fn feed(&mut self, input: Input) -> Vec<Output> {
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
    pub(super) fn fire(&mut self) -> Vec<Output> {
        self.now = self.timer.take().expect("a timer is armed");
        self.feed(Input::Timer)
    }

    pub(super) fn conn(&self) -> ConnId {
        self.m.connection().expect("a connection is live")
    }

    pub(super) fn fail(&mut self, failure: Failure) -> Vec<Output> {
        let conn = self.conn();
        self.feed(Input::Failed { conn, failure })
    }

    pub(super) fn drop_network(&mut self) -> Vec<Output> {
        self.fail(Failure::Network("lost".into()))
    }

    pub(super) fn reject(&mut self, status: u16, retry_after_ms: Option<u64>) -> Vec<Output> {
        self.fail(Failure::Rejected(head(
            status,
            "text/plain",
            retry_after_ms,
        )))
    }

    pub(super) fn deliver(&mut self, id: &str) {
        let conn = self.conn();
        self.feed(Input::Delivered {
            conn,
            last_id: id.into(),
        });
    }

    pub(super) fn delay(&self) -> u32 {
        match self.m.state() {
            State::Reconnecting { delay_ms, .. } => *delay_ms,
            other => panic!("not reconnecting: {other:?}"),
        }
    }
}

pub(super) fn no_jitter() -> Settings {
    Settings {
        policy: ReconnectPolicy::default().jitter(0.0).initial_delay_ms(100),
        ..Settings::default()
    }
}

pub(super) fn connects(outputs: &[Output]) -> Vec<(String, String)> {
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

pub(super) fn closed_with(sim: &Sim) -> Option<&StreamError> {
    match sim.m.state() {
        State::Closed(CloseReason::Failed(e)) => Some(e),
        _ => None,
    }
}

pub(super) fn with_refresher() -> Settings {
    Settings {
        has_refresher: true,
        ..no_jitter()
    }
}

pub(super) fn head(status: u16, content_type: &str, retry_after_ms: Option<u64>) -> Head {
    Head {
        status,
        content_type: content_type.into(),
        retry_after_ms,
        body: String::new(),
    }
}

pub(super) fn http(status: u16) -> StreamError {
    StreamError::Http {
        status,
        body: String::new(),
    }
}

pub(super) fn unauthorized(status: u16) -> StreamError {
    StreamError::Unauthorized {
        status,
        body: String::new(),
    }
}
