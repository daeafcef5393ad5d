//! A value of an enum as an SSE event: its variant's name and its payload's JSON.

use serde::Serialize;

use super::shape::Shape;
use super::{EncodeError, EncodedEvent};

/// The data of a variant without a payload: `null`, not empty, because an event with empty
/// data is never dispatched by a browser's `EventSource` (HTML, "dispatch the event", step 2).
const NO_PAYLOAD: &str = "null";

/// Serializes `value` with serde_json, then takes the variant's name and the payload's text
/// apart, so that the payload is exactly what `serde_json::to_string` writes for it (the key
/// order of its structs kept, one line).
pub(crate) fn encode<E: Serialize + ?Sized>(
    shape: Shape,
    value: &E,
) -> Result<EncodedEvent, EncodeError> {
    let refused = || EncodeError::Shape {
        type_name: std::any::type_name::<E>(),
    };
    let json = serde_json::to_string(value).map_err(EncodeError::Json)?;
    let (name, data) = split(shape, &json).ok_or_else(refused)?;
    // The name must be one the client listens to: a variant's, not a string the enum's
    // `Serialize` made up (a custom impl, or `#[serde(untagged)]` on a variant).
    let Some(event_type) = shape.names().iter().find(|known| **known == name) else {
        return Err(refused());
    };
    Ok(EncodedEvent {
        event_type,
        data: data.to_owned(),
    })
}

/// The variant's name and the payload's JSON in serde_json's compact output of an enum:
/// `{"type":"name","data":payload}` or `{"type":"name"}` (adjacently tagged), `{"name":payload}`
/// or `"name"` (externally tagged). `None` for anything else. Read as text rather than through
/// serde_json's `RawValue`, whose feature adds bytes to every JSON decoding in the wasm build.
pub(super) fn split(shape: Shape, json: &str) -> Option<(String, &str)> {
    let (name, data) = match shape {
        Shape::Adjacent(_) => {
            let rest = object(json)?.strip_prefix(r#""type":"#)?;
            let (name, rest) = string(rest)?;
            if rest.is_empty() {
                (name, NO_PAYLOAD)
            } else {
                (name, rest.strip_prefix(r#","data":"#)?)
            }
        }
        Shape::External(_) if json.starts_with('"') => {
            let (name, rest) = string(json)?;
            if !rest.is_empty() {
                return None;
            }
            (name, NO_PAYLOAD)
        }
        Shape::External(_) => {
            let (name, rest) = string(object(json)?)?;
            (name, rest.strip_prefix(':')?)
        }
    };
    // One JSON value and nothing after it (not `1,"x":2` from an extra field).
    serde_json::from_str::<serde::de::IgnoredAny>(data).ok()?;
    Some((name, data))
}

/// The JSON string at the start of `text`, unescaped, and the text after it.
fn string(text: &str) -> Option<(String, &str)> {
    let mut strings = serde_json::Deserializer::from_str(text).into_iter::<String>();
    let name = strings.next()?.ok()?;
    Some((name, &text[strings.byte_offset()..]))
}

/// The inside of a JSON object's braces.
fn object(json: &str) -> Option<&str> {
    json.strip_prefix('{')?.strip_suffix('}')
}
