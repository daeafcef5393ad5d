//! Which shape an enum has, and its variant names, read from its `Deserialize` itself.
//!
//! serde's derive names the variants when it deserializes an enum: an externally tagged one
//! passes them to `deserialize_enum`; an adjacently tagged one lists them in the
//! `unknown_variant` error it returns for a tag it does not know. A deserializer that answers
//! nothing but notes what it was told reads both, without a value and without a derive of
//! this crate's own.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use serde::forward_to_deserialize_any;

/// The field that names the variant in the adjacently tagged shape (`#[serde(tag = "type")]`).
pub const TAG: &str = "type";
/// The field that holds the payload in the adjacently tagged shape (`#[serde(content = "data")]`).
pub const CONTENT: &str = "data";

/// How an enum is tagged, with its variant names (after serde's renames).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// serde's default: `{"variant": payload}` or `"variant"`.
    External(&'static [&'static str]),
    /// `#[serde(tag = "type", content = "data")]`: `{"type": "variant", "data": payload}`.
    Adjacent(&'static [&'static str]),
}

impl Shape {
    pub(crate) fn names(self) -> &'static [&'static str] {
        match self {
            Shape::External(names) | Shape::Adjacent(names) => names,
        }
    }
}

/// The shape of `E`, `None` when it has neither (a struct, an internally tagged or untagged
/// enum, other tag and content names, an enum with a `#[serde(other)]` variant, or one with
/// no variants).
pub(crate) fn shape<E: DeserializeOwned>() -> Option<Shape> {
    let seen = Cell::new(None);
    // Always an error: the deserializer answers nothing, it only notes what it was told.
    let _ = E::deserialize(Probe(&seen));
    seen.get().filter(|shape| !shape.names().is_empty())
}

/// The probe's error: carries the variant names when serde reported an unknown variant.
#[derive(Debug)]
struct Noted(Option<&'static [&'static str]>);

impl fmt::Display for Noted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("shape probe")
    }
}

impl std::error::Error for Noted {}

impl de::Error for Noted {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Noted(None)
    }

    fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
        Noted(Some(expected))
    }
}

/// A deserializer that notes the shape it is asked for, and fails.
struct Probe<'a>(&'a Cell<Option<Shape>>);

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = Noted;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Noted> {
        Err(Noted(None))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Noted> {
        self.0.set(Some(Shape::External(variants)));
        Err(Noted(None))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Noted> {
        // An adjacently tagged enum asks for a struct of its tag and content fields.
        if fields != [TAG, CONTENT] {
            return Err(Noted(None));
        }
        // Given a tag no variant has, serde answers with the list of those it has.
        match visitor.visit_map(UnknownTag { given: false }) {
            Err(Noted(Some(names))) => {
                self.0.set(Some(Shape::Adjacent(names)));
                Err(Noted(None))
            }
            other => other,
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map identifier
        ignored_any
    }
}

/// `{"type": <a name no variant has>}`.
struct UnknownTag {
    given: bool,
}

/// Not a possible event type (SSE event names are one line; this is not one a server sends
/// to mean anything), so no variant can be named it.
const NO_VARIANT: &str = "\n";

impl<'de> MapAccess<'de> for UnknownTag {
    type Error = Noted;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Noted> {
        if self.given {
            return Ok(None);
        }
        self.given = true;
        seed.deserialize(de::value::StrDeserializer::new(TAG))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Noted> {
        seed.deserialize(de::value::StrDeserializer::new(NO_VARIANT))
    }
}
