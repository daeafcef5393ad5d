//! A value of an enum as an SSE event: its variant's name and its payload's JSON.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::value::RawValue;

use super::shape::{Shape, CONTENT, TAG};
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
    let (name, data) = match shape {
        // `{"type": "name", "data": payload}`, `data` absent for a unit variant. Read by hand:
        // this crate does without serde's derive.
        Shape::Adjacent(_) => {
            let map: BTreeMap<Cow<'_, str>, &RawValue> =
                serde_json::from_str(&json).map_err(|_| refused())?;
            let (mut tag, mut content) = (None, None);
            for (key, value) in map {
                match &*key {
                    TAG => tag = Some(value),
                    CONTENT => content = Some(value),
                    _ => return Err(refused()),
                }
            }
            let tag = tag.ok_or_else(refused)?;
            (
                serde_json::from_str::<Cow<'_, str>>(tag.get()).map_err(|_| refused())?,
                content.map_or(NO_PAYLOAD, RawValue::get),
            )
        }
        // `"name"` (a unit variant) or `{"name": payload}`. Not a `#[serde(untagged)]` enum
        // of the two: it would buffer the payload, which a `RawValue` cannot be read from.
        Shape::External(_) if json.starts_with('"') => (
            serde_json::from_str::<Cow<'_, str>>(&json).map_err(|_| refused())?,
            NO_PAYLOAD,
        ),
        Shape::External(_) => {
            let map: BTreeMap<Cow<'_, str>, &RawValue> =
                serde_json::from_str(&json).map_err(|_| refused())?;
            let mut entries = map.into_iter();
            match (entries.next(), entries.next()) {
                (Some((name, data)), None) => (name, data.get()),
                _ => return Err(refused()),
            }
        }
    };
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
