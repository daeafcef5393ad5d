//! The gap signal: the server's history no longer reaches the client's resume point.
//!
//! A server that keeps a bounded history (typed-sse-axum's stores, a Redis stream with
//! `MAXLEN`) cannot replay what it trimmed. When a client resumes from an id older than the
//! oldest event held, or from an id the server never gave out, the server says so with an
//! event of the reserved type [`GAP_EVENT`] before replaying what it still holds:
//!
//! ```text
//! event: typed-sse.gap
//! data: {"last_event_id":"1733471999000-0","first_available":"1733472000000-0"}
//!
//! ```
//!
//! The event has no `id:`, so the resume point does not move; a client that drops before the
//! next event is told again. Both ends build and read it here: the server with
//! [`Gap::to_data`], the client with [`Gap::from_event`].

/// The event type of the gap signal.
pub const GAP_EVENT: &str = "typed-sse.gap";

/// Event types starting with this belong to typed-sse (the gap signal): a server built on
/// typed-sse-axum never sends an application event under such a name.
pub const RESERVED_PREFIX: &str = "typed-sse.";

/// Events were lost between the client's resume point and what the server still holds: the
/// application should refetch a snapshot of whatever the stream describes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Gap {
    /// The last event id the client had: what it resumed from (empty when it had none).
    pub last_event_id: String,
    /// The oldest id the server still holds, as it said (`None` when its history is empty or
    /// the event did not say).
    pub first_available: Option<String>,
}

impl Gap {
    /// The gap a [`GAP_EVENT`] event announces, with `data` as received and `last_event_id`
    /// the last id the client had when it arrived.
    ///
    /// The client's own id is the one reported, not the one the data repeats: it is what the
    /// client resumed from, whatever a server writes. `first_available` is read from the data
    /// when it is a JSON object whose `first_available` is a string; any other data (not JSON,
    /// `null`, a number) still announces a gap, without it.
    pub fn from_event(data: &str, last_event_id: &str) -> Self {
        let first_available = serde_json::from_str::<serde_json::Value>(data)
            .ok()
            .and_then(|value| match value.get("first_available") {
                Some(serde_json::Value::String(id)) => Some(id.clone()),
                _ => None,
            });
        Self {
            last_event_id: last_event_id.to_owned(),
            first_available,
        }
    }

    /// The gap event's data for a client that resumed from `last_event_id` when the oldest id
    /// held is `first_available`: `{"last_event_id":…,"first_available":…}`, in that key
    /// order, both JSON strings (`first_available` is `null` for an empty history).
    pub fn to_data(last_event_id: &str, first_available: Option<&str>) -> String {
        let json = |value: Option<&str>| serde_json::Value::from(value).to_string();
        let mut data = String::from(r#"{"last_event_id":"#);
        data.push_str(&json(Some(last_event_id)));
        data.push_str(r#","first_available":"#);
        data.push_str(&json(first_available));
        data.push('}');
        data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_is_read_and_the_clients_id_is_reported() {
        let data = r#"{"last_event_id":"7-0","first_available":"9-0"}"#;
        let gap = Gap::from_event(data, "7-0");
        assert_eq!(gap.last_event_id, "7-0");
        assert_eq!(gap.first_available.as_deref(), Some("9-0"));
        // A server that misquotes the client's id does not change what the client had.
        assert_eq!(Gap::from_event(data, "6-0").last_event_id, "6-0");
    }

    #[test]
    fn an_empty_history_or_unreadable_data_still_announces_the_gap() {
        let empty = Gap::from_event(r#"{"last_event_id":"7","first_available":null}"#, "7");
        assert_eq!(empty.first_available, None);
        for data in ["", "not json", "null", "[]", r#"{"first_available":9}"#] {
            let gap = Gap::from_event(data, "3");
            assert_eq!(
                (gap.last_event_id.as_str(), gap.first_available),
                ("3", None),
                "{data}"
            );
        }
    }

    /// The JS half (src/js/gap.js) reads the same data the same way: test/js/gap.test.mjs
    /// checks it against this fixture too.
    #[test]
    fn reads_the_shared_fixture() {
        let fixture: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../../test/js/fixtures/gaps.json")).unwrap();
        for case in &fixture {
            let (data, last) = (
                case["data"].as_str().unwrap(),
                case["last"].as_str().unwrap(),
            );
            let gap = Gap::from_event(data, last);
            assert_eq!(gap.last_event_id, last);
            assert_eq!(
                gap.first_available.as_deref(),
                case["first_available"].as_str(),
                "{data}"
            );
        }
    }

    #[test]
    fn the_servers_data_reads_back() {
        let data = Gap::to_data("a\"b\n", Some("1733472000000-0"));
        assert_eq!(
            data,
            r#"{"last_event_id":"a\"b\n","first_available":"1733472000000-0"}"#
        );
        let gap = Gap::from_event(&data, "a\"b\n");
        assert_eq!(gap.first_available.as_deref(), Some("1733472000000-0"));
        assert_eq!(
            Gap::to_data("", None),
            r#"{"last_event_id":"","first_available":null}"#
        );
    }

    #[test]
    fn the_gap_event_is_reserved() {
        assert!(GAP_EVENT.starts_with(RESERVED_PREFIX));
    }
}
