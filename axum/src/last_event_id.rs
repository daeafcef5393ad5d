//! [`LastEventId`]: the resume point of a request, from the header or a query parameter.

use std::borrow::Cow;
use std::fmt;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header::HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};

/// The header browsers send when `EventSource` reconnects.
pub const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

/// Where [`LastEventId`] looks and how long an id may be. Install it for a route (or a whole
/// router) with `.layer(axum::Extension(ResumeConfig::nchan()))`; without it, the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeConfig {
    query_param: Option<Cow<'static, str>>,
    max_len: usize,
}

impl Default for ResumeConfig {
    /// The `Last-Event-ID` header, then the query parameter `lastEventId` (the name typed-sse's
    /// client uses by default when it reconnects by URL), ids up to 256 bytes.
    fn default() -> Self {
        Self {
            query_param: Some(Cow::Borrowed(Self::DEFAULT_QUERY_PARAM)),
            max_len: Self::DEFAULT_MAX_LEN,
        }
    }
}

impl ResumeConfig {
    /// The default query parameter: `lastEventId`.
    pub const DEFAULT_QUERY_PARAM: &'static str = typed_sse_core::DEFAULT_RESUME_PARAM;
    /// The query parameter Nchan uses: `last_event_id`.
    pub const NCHAN_QUERY_PARAM: &'static str = "last_event_id";
    /// The default bound on an id's length, in bytes (after percent-decoding).
    pub const DEFAULT_MAX_LEN: usize = 256;

    /// The defaults with Nchan's query parameter, `last_event_id`.
    pub fn nchan() -> Self {
        Self::default().query_param(Self::NCHAN_QUERY_PARAM)
    }

    /// Reads the resume point from the query parameter `name` when the header is absent.
    pub fn query_param(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.query_param = Some(name.into());
        self
    }

    /// Reads the header only.
    pub fn header_only(mut self) -> Self {
        self.query_param = None;
        self
    }

    /// The longest id accepted, in bytes; longer is [`LastEventIdRejection::TooLong`].
    pub fn max_len(mut self, bytes: usize) -> Self {
        self.max_len = bytes;
        self
    }
}

/// The resume point of a request: the id of the last event the client received, or `None`
/// for a fresh start.
///
/// Read from the `Last-Event-ID` header; when the header is absent, from the query parameter
/// of [`ResumeConfig`] (`lastEventId` by default). The header wins when both are present: a
/// browser's own reconnect sends the header with the newest id while the URL keeps the one it
/// was opened with. An empty value is `None`, as the SSE specification resets the id with an
/// empty `id:` field.
///
/// Rejected with 400 Bad Request ([`LastEventIdRejection`]): an id longer than the bound, a
/// header that is not UTF-8, a control character (U+0000 to U+001F, U+007F) in either
/// source, the header or the parameter given twice. An id that is well formed but not one of
/// the store's is not rejected here: the stream starts with the gap event (see the crate
/// docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LastEventId(pub Option<String>);

/// Why a request's resume point was refused (400 Bad Request, a plain-text reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LastEventIdRejection {
    /// Longer than [`ResumeConfig::max_len`] bytes.
    TooLong {
        /// The bound.
        max: usize,
    },
    /// The header's bytes are not UTF-8.
    NotUtf8,
    /// A control character in the id.
    ControlCharacter,
    /// The header, or the query parameter, appears more than once.
    Repeated,
}

impl fmt::Display for LastEventIdRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { max } => write!(f, "last event id longer than {max} bytes"),
            Self::NotUtf8 => f.write_str("Last-Event-ID header is not UTF-8"),
            Self::ControlCharacter => f.write_str("last event id contains a control character"),
            Self::Repeated => f.write_str("last event id given more than once"),
        }
    }
}

impl std::error::Error for LastEventIdRejection {}

impl IntoResponse for LastEventIdRejection {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, self.to_string()).into_response()
    }
}

impl LastEventId {
    /// Reads the resume point of a request's head with `config` (what the extractor does).
    pub fn from_parts(parts: &Parts, config: &ResumeConfig) -> Result<Self, LastEventIdRejection> {
        let mut headers = parts.headers.get_all(LAST_EVENT_ID).iter();
        if let Some(value) = headers.next() {
            if headers.next().is_some() {
                return Err(LastEventIdRejection::Repeated);
            }
            if value.len() > config.max_len {
                return Err(LastEventIdRejection::TooLong {
                    max: config.max_len,
                });
            }
            let id =
                std::str::from_utf8(value.as_bytes()).map_err(|_| LastEventIdRejection::NotUtf8)?;
            return Self::checked(id, config);
        }
        let (Some(name), Some(query)) = (config.query_param.as_deref(), parts.uri.query()) else {
            return Ok(Self(None));
        };
        let mut found = None;
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if key == name {
                if found.is_some() {
                    return Err(LastEventIdRejection::Repeated);
                }
                if value.len() > config.max_len {
                    return Err(LastEventIdRejection::TooLong {
                        max: config.max_len,
                    });
                }
                found = Some(value);
            }
        }
        match found {
            Some(id) => Self::checked(&id, config),
            None => Ok(Self(None)),
        }
    }

    fn checked(id: &str, config: &ResumeConfig) -> Result<Self, LastEventIdRejection> {
        if id.len() > config.max_len {
            return Err(LastEventIdRejection::TooLong {
                max: config.max_len,
            });
        }
        if id.chars().any(|c| c.is_ascii_control()) {
            return Err(LastEventIdRejection::ControlCharacter);
        }
        Ok(Self((!id.is_empty()).then(|| id.to_owned())))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for LastEventId {
    type Rejection = LastEventIdRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let config = parts.extensions.get::<ResumeConfig>();
        match config {
            Some(config) => Self::from_parts(parts, config),
            None => Self::from_parts(parts, &ResumeConfig::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn read(
        uri: &str,
        headers: &[(&str, &[u8])],
        config: &ResumeConfig,
    ) -> Result<LastEventId, LastEventIdRejection> {
        let mut request = Request::get(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let (parts, ()) = request.body(()).unwrap().into_parts();
        LastEventId::from_parts(&parts, config)
    }

    #[test]
    fn header_then_query_parameter() {
        let config = ResumeConfig::default();
        assert_eq!(read("/e", &[], &config), Ok(LastEventId(None)));
        assert_eq!(
            read("/e?lastEventId=1-2", &[], &config),
            Ok(LastEventId(Some("1-2".into())))
        );
        assert_eq!(
            read("/e?lastEventId=1-2", &[("last-event-id", b"3-4")], &config),
            Ok(LastEventId(Some("3-4".into())))
        );
        assert_eq!(
            read("/e?last_event_id=1-2", &[], &config),
            Ok(LastEventId(None))
        );
        assert_eq!(
            read("/e?last_event_id=1%3A2", &[], &ResumeConfig::nchan()),
            Ok(LastEventId(Some("1:2".into())))
        );
        assert_eq!(
            read("/e?lastEventId=1", &[], &config.clone().header_only()),
            Ok(LastEventId(None))
        );
        assert_eq!(
            read("/e", &[("last-event-id", b"")], &config),
            Ok(LastEventId(None))
        );
    }

    #[test]
    fn malformed_ids_are_rejected() {
        let config = ResumeConfig::default().max_len(8);
        assert_eq!(
            read("/e", &[("last-event-id", b"123456789")], &config),
            Err(LastEventIdRejection::TooLong { max: 8 })
        );
        assert_eq!(
            read("/e?lastEventId=123456789", &[], &config),
            Err(LastEventIdRejection::TooLong { max: 8 })
        );
        assert_eq!(
            read("/e", &[("last-event-id", b"\xff")], &config),
            Err(LastEventIdRejection::NotUtf8)
        );
        assert_eq!(
            read("/e?lastEventId=a%0Ab", &[], &config),
            Err(LastEventIdRejection::ControlCharacter)
        );
        assert_eq!(
            read("/e?lastEventId=a%00", &[], &config),
            Err(LastEventIdRejection::ControlCharacter)
        );
        assert_eq!(
            read("/e", &[("last-event-id", b"a\tb")], &config),
            Err(LastEventIdRejection::ControlCharacter)
        );
        assert_eq!(
            read("/e?lastEventId=1&lastEventId=2", &[], &config),
            Err(LastEventIdRejection::Repeated)
        );
        assert_eq!(
            read(
                "/e",
                &[("last-event-id", b"1"), ("last-event-id", b"2")],
                &config
            ),
            Err(LastEventIdRejection::Repeated)
        );
    }
}
