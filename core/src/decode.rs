//! Decoders: how an event's text becomes a typed value.
//!
//! [`Json`] decodes with `serde_json` inside WebAssembly, chosen over `JSON.parse` followed by
//! `serde_wasm_bindgen` because it is faster at the sizes SSE carries (see `BENCHMARKS.md`).
//! [`Text`] hands the raw string over. Implement [`Decoder`] for any other format.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

/// Turns the text of one event into a value.
pub trait Decoder: 'static {
    /// The decoded type.
    type Output;

    /// Decodes `text`; an `Err` carries a message for [`DecodeError`](crate::DecodeError).
    fn decode(text: &str) -> Result<Self::Output, String>;

    /// Whether an event with empty data is skipped (not delivered, not an error) rather than
    /// decoded. Default `false`; [`Json`] says `true`: empty data is no JSON value, and MCP's
    /// priming event (an id with empty data) must not count as a malformed one. A skipped
    /// event's id still becomes the resume point.
    fn skips_empty() -> bool {
        false
    }
}

/// Decodes JSON into `T` with `serde_json`.
#[derive(Debug)]
pub struct Json<T>(PhantomData<fn() -> T>);

impl<T: DeserializeOwned + 'static> Decoder for Json<T> {
    type Output = T;

    fn decode(text: &str) -> Result<T, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    fn skips_empty() -> bool {
        true
    }
}

/// Passes the event's text through as a `String`. Never fails.
#[derive(Debug)]
pub struct Text;

impl Decoder for Text {
    type Output = String;

    fn decode(text: &str) -> Result<String, String> {
        Ok(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Quote {
        symbol: String,
        price: f64,
    }

    #[test]
    fn json_decodes_a_struct() {
        let q = Json::<Quote>::decode(r#"{"symbol":"ACME","price":12.5}"#).unwrap();
        assert_eq!(
            q,
            Quote {
                symbol: "ACME".into(),
                price: 12.5
            }
        );
    }

    #[test]
    fn json_reports_malformed_input() {
        let err = Json::<Quote>::decode(r#"{"symbol":"ACME","price":}"#).unwrap_err();
        assert!(err.contains("expected value"), "{err}");
    }

    #[test]
    fn json_skips_empty_data_and_text_does_not() {
        assert!(Json::<Quote>::skips_empty());
        assert!(!Text::skips_empty());
    }

    #[test]
    fn text_passes_through() {
        assert_eq!(Text::decode("héllo\nwörld").unwrap(), "héllo\nwörld");
    }
}
