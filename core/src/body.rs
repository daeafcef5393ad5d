//! A refused response's body, decoded: LLM providers answer a 400 or a 429 with a JSON error
//! body (`{"error": {"type": "rate_limit_error", "message": ...}}`), which the caller wants as
//! its own type, not as text.

use serde::de::DeserializeOwned;

use crate::StreamError;

impl StreamError {
    /// The start of the response body of an [`StreamError::Http`] or [`StreamError::Unauthorized`] (the
    /// first 4 KB, as text, read by the fetch transport; empty with the native one), or `None`
    /// for any other error.
    pub fn body(&self) -> Option<&str> {
        match self {
            StreamError::Http { body, .. } | StreamError::Unauthorized { body, .. } => Some(body),
            _ => None,
        }
    }

    /// That body decoded as JSON into the caller's type (a provider's error object, say):
    /// `None` for an error without a body, `Some(Err)` for a body that is not such JSON (or
    /// was cut at 4 KB).
    ///
    /// ```
    /// # use typed_sse_core as typed_sse;
    /// # use serde::Deserialize;
    /// #[derive(Deserialize)]
    /// struct ApiError { error: Detail }
    /// #[derive(Deserialize)]
    /// struct Detail { r#type: String }
    ///
    /// # fn seen(error: &typed_sse::StreamError) {
    /// if let Some(Ok(api)) = error.decode_body::<ApiError>() {
    ///     println!("refused: {}", api.error.r#type); // "rate_limit_error"
    /// }
    /// # }
    /// ```
    pub fn decode_body<T: DeserializeOwned>(&self) -> Option<Result<T, serde_json::Error>> {
        self.body()
            .filter(|body| !body.is_empty())
            .map(serde_json::from_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct ApiError {
        error: Detail,
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Detail {
        r#type: String,
        message: String,
    }

    #[test]
    fn a_providers_json_error_body_decodes_into_the_callers_type() {
        let error = StreamError::Http {
            status: 429,
            body: r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#
                .into(),
        };
        let api = error.decode_body::<ApiError>().unwrap().unwrap();
        assert_eq!(api.error.r#type, "rate_limit_error");
        assert_eq!(api.error.message, "slow down");
        let text = StreamError::Unauthorized {
            status: 401,
            body: "no".into(),
        };
        assert!(matches!(text.decode_body::<ApiError>(), Some(Err(_))));
        assert_eq!(text.body(), Some("no"));
        let empty = StreamError::Http {
            status: 500,
            body: String::new(),
        };
        assert!(empty.decode_body::<ApiError>().is_none());
        assert!(StreamError::NoContent.decode_body::<ApiError>().is_none());
        assert_eq!(StreamError::NoContent.body(), None);
    }
}
