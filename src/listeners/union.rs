//! Typed unions of named events: several event types decoded into one serde enum, whose
//! variant is picked by the SSE event type and whose payload is the event's data (JSON).
//!
//! LLM APIs interleave named events (Anthropic's `message_start`, `content_block_delta`,
//! `ping`, `message_stop` ...) and ask clients to ignore the types they do not know. So the
//! union listens to exactly the enum's variant names (after serde's renames) and an event of
//! any other type never reaches it: a newer server does not break an older client.
//!
//! The enum is read by `typed_sse_core::typed` (the names and the decoding, from the enum's
//! own `Deserialize`), which the server half (`typed-sse-axum`) encodes with: one enum
//! shared by both ends. Its two shapes: serde's default (externally tagged) and
//! `#[serde(tag = "type", content = "data")]`, whose TypeScript is the JS client's union.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use serde::de::DeserializeOwned;

use crate::listeners::dispatch::{Handler, Incoming};
use crate::listeners::registry::Registry;
use crate::{ConfigError, DecodeError, Event, StreamError};

/// The event types a union of `E` listens to: its variant names. A type of another shape (a
/// struct, an internally tagged or untagged enum ...) would listen to nothing: an
/// [`ConfigError::InvalidOption`] naming it.
pub(crate) fn event_types<E: DeserializeOwned>() -> Result<&'static [&'static str], ConfigError> {
    typed_sse_core::typed::event_types::<E>().map_err(|e| ConfigError::InvalidOption {
        field: "on_union".into(),
        message: e.to_string(),
    })
}

/// Decodes an event of `event_type` with `data` into the enum `E` (`None`: not one of its
/// types, which the union never listens to).
pub(crate) fn decode<E: DeserializeOwned>(
    event_type: &str,
    data: &str,
) -> Result<Option<E>, String> {
    typed_sse_core::typed::decode::<E>(event_type, data).map_err(|e| e.to_string())
}

/// The handler shared by every type of a union: decodes into `E`, reports a failure to the
/// error listeners too, as a typed listener does. Events with empty data that do not decode
/// are skipped (the rule for empty data under JSON decoding).
pub(crate) fn handler<E: DeserializeOwned + 'static>(
    registry: Weak<Registry>,
    listener: impl FnMut(Result<Event<E>, DecodeError>) + 'static,
) -> impl Fn() -> Handler<Incoming> {
    let listener = Rc::new(RefCell::new(listener));
    move || {
        let listener = listener.clone();
        let registry = registry.clone();
        Box::new(move |incoming: &Incoming| {
            let text = incoming.text();
            let decoded = decode::<E>(&incoming.event_type, text);
            // A listener that caused an event of its own union cannot be re-entered.
            let Ok(mut listener) = listener.try_borrow_mut() else {
                return;
            };
            match decoded {
                Ok(Some(data)) => listener(Ok(incoming.event(data))),
                Ok(None) => {}
                Err(_) if text.is_empty() => {}
                Err(message) => {
                    let error = DecodeError::new(&incoming.event_type, text, message);
                    if let Some(registry) = registry.upgrade() {
                        registry.report(&StreamError::Decode(error.clone()));
                    }
                    listener(Err(error));
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Delta {
        index: u32,
        delta: Text,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Text {
        text: String,
    }

    /// Anthropic's stream, as the README shows it.
    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Anthropic {
        MessageStart(serde_json::Value),
        ContentBlockDelta(Delta),
        Ping,
        MessageStop,
        Pair(u32, u32),
        Point { x: i32 },
    }

    #[test]
    fn the_variant_names_are_the_enums_after_renames() {
        assert_eq!(
            event_types::<Anthropic>().unwrap(),
            [
                "message_start",
                "content_block_delta",
                "ping",
                "message_stop",
                "pair",
                "point"
            ]
        );
        assert!(event_types::<Delta>().is_err(), "a struct has none");
        assert!(event_types::<String>().is_err());
    }

    #[derive(Deserialize)]
    #[serde(tag = "type")]
    #[allow(dead_code)]
    enum Internally {
        Ping,
    }

    #[derive(Deserialize)]
    #[serde(tag = "t", content = "c")]
    #[allow(dead_code)]
    enum Adjacently {
        Ping,
    }

    /// The shape shared with the server and the TypeScript.
    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(tag = "type", content = "data", rename_all = "snake_case")]
    enum Shared {
        Said(Text),
        Ping,
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    #[allow(dead_code)]
    enum Untagged {
        Ping(u32),
    }

    fn refused<E: DeserializeOwned>() -> String {
        match event_types::<E>() {
            Err(ConfigError::InvalidOption { field, message }) => {
                assert_eq!(field, "on_union");
                message
            }
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn a_union_of_another_shape_is_refused() {
        assert_eq!(event_types::<Anthropic>().map(<[_]>::len), Ok(6));
        assert_eq!(event_types::<Shared>().map(<[_]>::len), Ok(2));
        assert!(refused::<Internally>().contains("Internally"));
        assert!(refused::<Adjacently>().contains(r#"tag = "type", content = "data""#));
        refused::<Untagged>();
        refused::<Delta>();
    }

    #[test]
    fn the_builder_reports_a_union_that_names_no_event_type() {
        let built = crate::SseClient::builder("http://h/s")
            .on_union::<Internally>(|_| {})
            .build();
        match built {
            Err(ConfigError::InvalidOption { field, .. }) => assert_eq!(field, "on_union"),
            Err(other) => panic!("another error: {other}"),
            Ok(_) => panic!("built"),
        }
    }

    #[test]
    fn the_event_type_picks_the_variant_and_the_data_is_its_payload() {
        let delta =
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#;
        assert_eq!(
            decode::<Anthropic>("content_block_delta", delta),
            Ok(Some(Anthropic::ContentBlockDelta(Delta {
                index: 0,
                delta: Text { text: "Hi".into() }
            })))
        );
        assert_eq!(
            decode::<Anthropic>("ping", r#"{"type": "ping"}"#),
            Ok(Some(Anthropic::Ping))
        );
        assert_eq!(
            decode::<Anthropic>("message_stop", ""),
            Ok(Some(Anthropic::MessageStop))
        );
        assert_eq!(
            decode::<Anthropic>("pair", "[1, 2]"),
            Ok(Some(Anthropic::Pair(1, 2)))
        );
        assert_eq!(
            decode::<Anthropic>("point", r#"{"x":-3}"#),
            Ok(Some(Anthropic::Point { x: -3 }))
        );
    }

    #[test]
    fn bad_data_and_unknown_types_are_errors_of_the_decoder() {
        let bad = decode::<Anthropic>("content_block_delta", r#"{"index":"x"}"#).unwrap_err();
        assert!(bad.contains("invalid type"), "{bad}");
        let trailing = decode::<Anthropic>("pair", "[1, 2] 3").unwrap_err();
        assert!(trailing.contains("trailing"), "{trailing}");
        // Never reached in use (the union listens to its own names only): skipped.
        assert_eq!(decode::<Anthropic>("error", "{}"), Ok(None));
    }

    #[test]
    fn the_shared_shape_decodes_the_same_way() {
        assert_eq!(
            decode::<Shared>("said", r#"{"text":"hi"}"#),
            Ok(Some(Shared::Said(Text { text: "hi".into() })))
        );
        assert_eq!(decode::<Shared>("ping", "null"), Ok(Some(Shared::Ping)));
        assert_eq!(decode::<Shared>("typing", "{}"), Ok(None));
        let bad = decode::<Shared>("said", r#"{"text":1}"#).unwrap_err();
        assert!(bad.contains("invalid type"), "{bad}");
    }
}
