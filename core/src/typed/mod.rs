//! One event type for both ends: an enum, declared once in a crate that the server and the
//! client both depend on, whose variants are SSE event types and whose payloads are JSON.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use typed_sse_core::typed::TypedEvent;
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! #[serde(tag = "type", content = "data", rename_all = "snake_case")]
//! enum Chat {
//!     Message { user: String, text: String },
//!     Joined(String),
//!     Ping,
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! assert_eq!(Chat::event_types()?, ["message", "joined", "ping"]);
//!
//! // The server's half: a value as an event type and its data.
//! let event = Chat::Message { user: "ada".into(), text: "hi".into() }.to_sse()?;
//! assert_eq!(event.event_type, "message");
//! assert_eq!(event.data, r#"{"user":"ada","text":"hi"}"#);
//!
//! // The client's half: the event type picks the variant, the data is its payload.
//! assert_eq!(Chat::from_sse("joined", r#""grace""#)?, Some(Chat::Joined("grace".into())));
//! assert_eq!(Chat::from_sse("ping", "null")?, Some(Chat::Ping));
//! // A type the enum does not name is not an error: a newer server adds types.
//! assert_eq!(Chat::from_sse("typing", "{}")?, None);
//! // Data that does not fit the variant is.
//! assert!(Chat::from_sse("joined", "{").is_err());
//! # Ok(())
//! # }
//! ```
//!
//! # The shape
//!
//! An enum with `#[serde(tag = "type", content = "data")]` (any `rename_all` or `rename` on
//! its variants): its JSON, `{"type": "message", "data": {...}}`, is what the JavaScript
//! client's unions yield (`{ type, data }`), so the TypeScript generated from it
//! (`typescript::<E>()`, feature `typescript`) describes what a JS client receives. serde's default, externally tagged shape (`{"message": {...}}`) works on
//! the wire too (the Rust client's unions started with it), but its TypeScript is not a union
//! on `type`.
//!
//! Any other type (a struct, an internally tagged or untagged enum, other tag or content
//! names, an enum with a `#[serde(other)]` variant) is refused with [`ShapeError`].
//!
//! # On the wire
//!
//! ```text
//! event: message
//! data: {"user":"ada","text":"hi"}
//!
//! event: ping
//! data: null
//!
//! ```
//!
//! The event type is the variant's name after serde's renames; the data is the payload as
//! `serde_json::to_string` writes it, on one line; a variant without a payload sends `null`
//! (an event with empty data is never dispatched by a browser). Decoding takes empty data as
//! no payload, which a unit variant accepts.

mod decode;
mod encode;
mod shape;
#[cfg(feature = "typescript")]
mod typescript;

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use shape::{CONTENT, TAG};
#[cfg(feature = "typescript")]
pub use typescript::{typescript, TypeScriptError};

/// An enum whose variants are SSE event types and whose payloads are JSON: implemented for
/// every type that serde can serialize and deserialize; the methods check the shape (see the
/// [module docs](self)).
pub trait TypedEvent: Serialize + DeserializeOwned {
    /// The event types: the variant names after serde's renames, in declaration order.
    fn event_types() -> Result<&'static [&'static str], ShapeError> {
        event_types::<Self>()
    }

    /// This value as an SSE event's type and data (the server's half). The id is the
    /// server's to give (an event store's, for a resumable stream).
    fn to_sse(&self) -> Result<EncodedEvent, EncodeError> {
        let shape = shape::shape::<Self>().ok_or(EncodeError::Shape {
            type_name: std::any::type_name::<Self>(),
        })?;
        encode::encode(shape, self)
    }

    /// The value an event of `event_type` with `data` carries (the client's half): `Ok(None)`
    /// when `event_type` is none of the enum's (skip it: a newer server may send types an
    /// older client does not know), an error when the data does not fit the variant's
    /// payload. Always `Ok(None)` for a type whose shape [`TypedEvent::event_types`] refuses.
    fn from_sse(event_type: &str, data: &str) -> Result<Option<Self>, serde_json::Error> {
        decode(event_type, data)
    }
}

impl<T: Serialize + DeserializeOwned> TypedEvent for T {}

/// The event types of `E` (see [`TypedEvent::event_types`]); needs only `Deserialize`, for
/// clients that never encode.
pub fn event_types<E: DeserializeOwned>() -> Result<&'static [&'static str], ShapeError> {
    shape::shape::<E>()
        .map(shape::Shape::names)
        .ok_or(ShapeError {
            type_name: std::any::type_name::<E>(),
        })
}

/// Decodes an event into `E` (see [`TypedEvent::from_sse`]); needs only `Deserialize`.
pub fn decode<E: DeserializeOwned>(
    event_type: &str,
    data: &str,
) -> Result<Option<E>, serde_json::Error> {
    match shape::shape::<E>() {
        Some(shape) if shape.names().contains(&event_type) => {
            decode::decode(shape, event_type, data).map(Some)
        }
        _ => Ok(None),
    }
}

/// A value as an SSE event: what goes after `event:` and `data:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedEvent {
    /// The variant's name, one of [`TypedEvent::event_types`].
    pub event_type: &'static str,
    /// The payload's JSON, on one line (`null` for a variant without one).
    pub data: String,
}

/// A type that is not an enum of a shape [`TypedEvent`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// The Rust type's name.
    pub type_name: &'static str,
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an event enum: give it #[serde(tag = \"type\", content = \"data\")] \
             (or serde's default, externally tagged shape), and no #[serde(other)] variant",
            self.type_name
        )
    }
}

impl std::error::Error for ShapeError {}

/// Why [`TypedEvent::to_sse`] failed.
#[derive(Debug)]
pub enum EncodeError {
    /// The type is not an enum of a shape [`TypedEvent`] reads, or this value's JSON is not
    /// one of its variants (a hand-written `Serialize`, an untagged variant).
    Shape {
        /// The Rust type's name.
        type_name: &'static str,
    },
    /// serde_json refused the value (a map with non-string keys, a failing `Serialize`).
    Json(serde_json::Error),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::Shape { type_name } => write!(
                f,
                "`{type_name}` is not an event enum, or this value is none of its variants: \
                 give it #[serde(tag = \"type\", content = \"data\")]"
            ),
            EncodeError::Json(e) => write!(f, "JSON: {e}"),
        }
    }
}

impl std::error::Error for EncodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EncodeError::Json(e) => Some(e),
            EncodeError::Shape { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests;
