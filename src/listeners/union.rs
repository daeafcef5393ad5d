//! Typed unions of named events: several event types decoded into one serde enum, whose
//! variant is picked by the SSE event type and whose payload is the event's data (JSON).
//!
//! LLM APIs interleave named events (Anthropic's `message_start`, `content_block_delta`,
//! `ping`, `message_stop` ...) and ask clients to ignore the types they do not know. So the
//! union listens to exactly the enum's variant names (after serde's renames) and an event of
//! any other type never reaches it: a newer server does not break an older client.
//!
//! The variant names are read from the enum's `Deserialize` itself (it names them when asked
//! to deserialize an enum), so no derive of this crate's own is needed. The payload is decoded
//! without building an intermediate JSON value: the event type is the variant's identifier and
//! `serde_json` reads the data as the variant's content.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use serde::de::{
    self, value::StrDeserializer, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer,
    VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;

use crate::listeners::dispatch::{Handler, Incoming};
use crate::listeners::registry::Registry;
use crate::{ConfigError, DecodeError, Event, StreamError};

/// The event types a union of `E` listens to: its variant names. A type that names none (a
/// struct, or an internally tagged, adjacently tagged or untagged enum, whose `Deserialize`
/// never asks for an enum) would listen to nothing: an [`ConfigError::InvalidOption`] naming it.
pub(crate) fn event_types<E: DeserializeOwned>() -> Result<&'static [&'static str], ConfigError> {
    let names = variant_names::<E>();
    if names.is_empty() {
        return Err(ConfigError::InvalidOption {
            field: "on_union".into(),
            message: format!(
                "`{}` is not an externally tagged enum: a typed union needs an enum whose \
                 variant names are the event types and whose payloads are the events' data",
                std::any::type_name::<E>()
            ),
        });
    }
    Ok(names)
}

/// The variant names of the enum `E` (empty when `E` is not an enum).
pub(crate) fn variant_names<E: DeserializeOwned>() -> &'static [&'static str] {
    let names = Cell::new(None);
    // Always an error: the deserializer answers nothing, it only notes what it was asked.
    let _ = E::deserialize(Names(&names));
    names.get().unwrap_or_default()
}

/// A deserializer that notes the variants an enum asks for, and fails.
struct Names<'a>(&'a Cell<Option<&'static [&'static str]>>);

impl<'de> de::Deserializer<'de> for Names<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not an enum"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.set(Some(variants));
        Err(de::Error::custom("names noted"))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

/// Decodes an event of `event_type` with `data` into the enum `E`: the variant named
/// `event_type`, its content read from `data` as JSON. A unit variant ignores the data
/// (Anthropic's `ping` carries `{"type": "ping"}`).
pub(crate) fn decode<E: DeserializeOwned>(event_type: &str, data: &str) -> Result<E, String> {
    E::deserialize(Union { event_type, data }).map_err(|e| e.to_string())
}

/// One event as an externally tagged enum: the type is the tag, the data the content.
struct Union<'a> {
    event_type: &'a str,
    data: &'a str,
}

impl<'de> de::Deserializer<'de> for Union<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("a typed union decodes into an enum"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_enum(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

impl<'de> EnumAccess<'de> for Union<'de> {
    type Error = serde_json::Error;
    type Variant = Payload<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), Self::Error> {
        let name: StrDeserializer<'_, Self::Error> = self.event_type.into_deserializer();
        Ok((seed.deserialize(name)?, Payload(self.data)))
    }
}

/// An event's data as a variant's content.
struct Payload<'a>(&'a str);

impl Payload<'_> {
    fn read<'de, T>(
        data: &'de str,
        read: impl FnOnce(
            &mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
        ) -> Result<T, serde_json::Error>,
    ) -> Result<T, serde_json::Error> {
        let mut json = serde_json::Deserializer::from_str(data);
        let value = read(&mut json)?;
        json.end()?;
        Ok(value)
    }
}

impl<'de> VariantAccess<'de> for Payload<'de> {
    type Error = serde_json::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, Self::Error> {
        Payload::read(self.0, |json| seed.deserialize(json))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        Payload::read(self.0, |json| {
            de::Deserializer::deserialize_tuple(json, len, visitor)
        })
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        Payload::read(self.0, |json| {
            de::Deserializer::deserialize_struct(json, "", fields, visitor)
        })
    }
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
                Ok(data) => listener(Ok(incoming.event(data))),
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
            variant_names::<Anthropic>(),
            [
                "message_start",
                "content_block_delta",
                "ping",
                "message_stop",
                "pair",
                "point"
            ]
        );
        assert!(variant_names::<Delta>().is_empty(), "a struct has none");
        assert!(variant_names::<String>().is_empty());
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
    fn a_union_of_anything_but_an_externally_tagged_enum_is_refused() {
        assert_eq!(event_types::<Anthropic>().map(<[_]>::len), Ok(6));
        assert!(refused::<Internally>().contains("Internally"));
        assert!(refused::<Adjacently>().contains("externally tagged"));
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
            Ok(Anthropic::ContentBlockDelta(Delta {
                index: 0,
                delta: Text { text: "Hi".into() }
            }))
        );
        assert_eq!(
            decode::<Anthropic>("ping", r#"{"type": "ping"}"#),
            Ok(Anthropic::Ping)
        );
        assert_eq!(
            decode::<Anthropic>("message_stop", ""),
            Ok(Anthropic::MessageStop)
        );
        assert_eq!(
            decode::<Anthropic>("pair", "[1, 2]"),
            Ok(Anthropic::Pair(1, 2))
        );
        assert_eq!(
            decode::<Anthropic>("point", r#"{"x":-3}"#),
            Ok(Anthropic::Point { x: -3 })
        );
    }

    #[test]
    fn bad_data_and_unknown_types_are_errors_of_the_decoder() {
        let bad = decode::<Anthropic>("content_block_delta", r#"{"index":"x"}"#).unwrap_err();
        assert!(bad.contains("invalid type"), "{bad}");
        let trailing = decode::<Anthropic>("pair", "[1, 2] 3").unwrap_err();
        assert!(trailing.contains("trailing"), "{trailing}");
        // Never reached in use (the union listens to its own names only), but not a panic.
        let unknown = decode::<Anthropic>("error", "{}").unwrap_err();
        assert!(unknown.contains("unknown variant"), "{unknown}");
    }
}
