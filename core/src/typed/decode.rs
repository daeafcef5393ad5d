//! An SSE event (its type and its data) read as one value of an enum, without building an
//! intermediate JSON value: the event type picks the variant, `serde_json` reads the data as
//! its payload, straight into the payload's type.

use serde::de::{
    self, value::StrDeserializer, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer,
    MapAccess, VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;

use super::shape::{Shape, CONTENT, TAG};

/// Decodes an event of `event_type` with `data` into `E`, of the given shape. A unit variant
/// takes any data (Anthropic's `ping` carries `{"type": "ping"}`); empty data is a missing
/// payload (an error for a variant that has one).
pub(crate) fn decode<E: DeserializeOwned>(
    shape: Shape,
    event_type: &str,
    data: &str,
) -> Result<E, serde_json::Error> {
    match shape {
        Shape::External(_) => E::deserialize(External { event_type, data }),
        Shape::Adjacent(_) => E::deserialize(Adjacent {
            event_type,
            data,
            next: Field::Tag,
        }),
    }
}

/// Reads `data` as one JSON value, and nothing after it.
fn read_json<'de, T>(
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

/// One event as an externally tagged enum: the type is the tag, the data the content.
struct External<'a> {
    event_type: &'a str,
    data: &'a str,
}

impl<'de> de::Deserializer<'de> for External<'de> {
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

impl<'de> EnumAccess<'de> for External<'de> {
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

impl<'de> VariantAccess<'de> for Payload<'de> {
    type Error = serde_json::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, Self::Error> {
        read_json(self.0, |json| seed.deserialize(json))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        read_json(self.0, |json| {
            de::Deserializer::deserialize_tuple(json, len, visitor)
        })
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        read_json(self.0, |json| {
            de::Deserializer::deserialize_struct(json, "", fields, visitor)
        })
    }
}

/// Which field of `{"type": …, "data": …}` comes next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Tag,
    Content,
    End,
}

/// One event as an adjacently tagged enum: the map `{"type": event_type, "data": data}`, the
/// tag first so that serde reads the payload straight into the variant's type. Empty data is
/// no `data` field (a unit variant's event).
struct Adjacent<'a> {
    event_type: &'a str,
    data: &'a str,
    next: Field,
}

impl<'de> de::Deserializer<'de> for Adjacent<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_map(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

impl<'de> MapAccess<'de> for Adjacent<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let key = match self.next {
            Field::Tag => TAG,
            Field::Content if !self.data.is_empty() => CONTENT,
            _ => return Ok(None),
        };
        let key: StrDeserializer<'_, Self::Error> = key.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.next {
            Field::Tag => {
                self.next = Field::Content;
                let tag: StrDeserializer<'_, Self::Error> = self.event_type.into_deserializer();
                seed.deserialize(tag)
            }
            _ => {
                self.next = Field::End;
                read_json(self.data, |json| seed.deserialize(json))
            }
        }
    }
}
