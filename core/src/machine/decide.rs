//! What a failed connection's answer means: stop, refresh, or retry (and how soon at the
//! earliest). Pure functions over the response head, shared by every transport.

use crate::StreamError;

/// Idle detection ticks this many times per timeout.
pub(super) const IDLE_TICKS: u32 = 4;

/// What a response head says, as far as the decision needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header, as sent (empty when there was none).
    pub content_type: String,
    /// `Retry-After` in milliseconds, uncapped (see [`parse_retry_after`]).
    pub retry_after_ms: Option<u64>,
    /// The start of the body as text (see [`StreamError::Http`]); empty when unknown (the probe).
    pub body: String,
}

/// What to do after a failed connection.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Verdict {
    /// Reconnect under the policy, not before `retry_after_ms` (the machine caps it).
    Retry {
        error: StreamError,
        retry_after_ms: Option<u64>,
    },
    /// 401/403: renew the credentials and retry once if that is possible, else stop.
    Unauthorized { status: u16, body: String },
    /// Stop for good.
    Stop(StreamError),
}

/// A response that did not open a stream.
pub(super) fn response(head: Head) -> Verdict {
    let retry_after_ms = head.retry_after_ms;
    let retry = |error| Verdict::Retry {
        error,
        retry_after_ms,
    };
    match head.status {
        200 if is_event_stream(&head.content_type) => retry(StreamError::Network {
            message: "the stream failed although the server accepts it (CORS refusal or network)"
                .into(),
        }),
        200 => Verdict::Stop(StreamError::ContentType {
            content_type: head.content_type,
        }),
        204 => Verdict::Stop(StreamError::NoContent),
        401 | 403 => Verdict::Unauthorized {
            status: head.status,
            body: head.body,
        },
        429 | 500..=599 => retry(StreamError::Http {
            status: head.status,
            body: head.body,
        }),
        status => Verdict::Stop(StreamError::Http {
            status,
            body: head.body,
        }),
    }
}

/// The probe's answer: a head, or the message of a request that failed at the network level.
pub(super) fn probe(answer: Result<Head, String>) -> Verdict {
    match answer {
        Ok(head) => response(head),
        Err(message) => Verdict::Retry {
            error: StreamError::Network { message },
            retry_after_ms: None,
        },
    }
}

/// Whether a `Content-Type` is `text/event-stream`, whatever its parameters.
#[inline]
pub fn is_event_stream(content_type: &str) -> bool {
    // On bytes: `str::split` and `trim` link a char searcher (about 1 KB of wasm) for this one
    // comparison.
    let media = content_type
        .as_bytes()
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default();
    media
        .trim_ascii()
        .eq_ignore_ascii_case(b"text/event-stream")
}

/// `Retry-After` in milliseconds: delta-seconds, or an HTTP date (RFC 9110's three forms, see
/// the `http_date` module) given the wall clock `now_ms`. Uncapped and overflow-free:
/// the machine applies its cap. `None` for a value that is neither, which is ignored: the
/// browser's `Date.parse` read far more (`"1.5"` as a day in 2001, that is "no wait").
#[inline]
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<u64> {
    let value = value.trim_ascii();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Saturating: too many digits for u64 still means "a very long time", not "invalid".
        // (A fold rather than `str::parse`, whose error handling the package would carry.)
        let seconds = value.bytes().fold(0u64, |seconds, digit| {
            seconds
                .saturating_mul(10)
                .saturating_add(u64::from(digit - b'0'))
        });
        return Some(seconds.saturating_mul(1_000));
    }
    let at = super::http_date::parse(value, now_ms)?;
    // `as` saturates: a date in the past is no wait, a far future a very long one.
    Some((at as f64 - now_ms).max(0.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(status: u16, content_type: &str, retry_after_ms: Option<u64>) -> Head {
        Head {
            status,
            content_type: content_type.into(),
            retry_after_ms,
            body: String::new(),
        }
    }

    fn http(status: u16) -> StreamError {
        StreamError::Http {
            status,
            body: String::new(),
        }
    }

    #[test]
    fn no_content_stops() {
        assert_eq!(
            response(head(204, "", None)),
            Verdict::Stop(StreamError::NoContent)
        );
    }

    #[test]
    fn unauthorized_is_its_own_verdict() {
        assert_eq!(
            response(head(401, "text/plain", None)),
            Verdict::Unauthorized {
                status: 401,
                body: String::new()
            }
        );
        assert_eq!(
            response(head(403, "text/plain", None)),
            Verdict::Unauthorized {
                status: 403,
                body: String::new()
            }
        );
    }

    #[test]
    fn overload_and_server_errors_retry_with_retry_after() {
        assert_eq!(
            response(head(503, "text/plain", Some(2_000))),
            Verdict::Retry {
                error: http(503),
                retry_after_ms: Some(2_000)
            }
        );
        assert!(matches!(
            response(head(429, "", None)),
            Verdict::Retry {
                retry_after_ms: None,
                ..
            }
        ));
    }

    #[test]
    fn other_statuses_and_wrong_content_types_stop() {
        assert_eq!(
            response(head(404, "text/html", None)),
            Verdict::Stop(http(404))
        );
        assert_eq!(response(head(101, "", None)), Verdict::Stop(http(101)));
        assert_eq!(
            response(head(200, "text/plain; charset=utf-8", None)),
            Verdict::Stop(StreamError::ContentType {
                content_type: "text/plain; charset=utf-8".into()
            })
        );
    }

    #[test]
    fn the_body_travels_with_the_error() {
        let mut h = head(429, "application/json", Some(1_000));
        h.body = r#"{"error":"slow down"}"#.into();
        assert_eq!(
            response(h),
            Verdict::Retry {
                error: StreamError::Http {
                    status: 429,
                    body: r#"{"error":"slow down"}"#.into()
                },
                retry_after_ms: Some(1_000)
            }
        );
    }

    #[test]
    fn a_healthy_answer_or_a_network_failure_retries() {
        assert!(matches!(
            probe(Ok(head(200, "Text/Event-Stream; charset=utf-8", None))),
            Verdict::Retry {
                error: StreamError::Network { .. },
                ..
            }
        ));
        assert!(matches!(
            probe(Err("Failed to fetch".into())),
            Verdict::Retry {
                error: StreamError::Network { .. },
                ..
            }
        ));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_without_overflow() {
        assert_eq!(parse_retry_after(" 2 ", 0.0), Some(2_000));
        assert_eq!(parse_retry_after("soon", 0.0), None);
        assert_eq!(parse_retry_after("", 0.0), None);
        assert_eq!(parse_retry_after("-5", 0.0), None);
        // Not a number nor an HTTP date: ignored (`Date.parse` read it as 2001: no wait).
        assert_eq!(parse_retry_after("1.5", 0.0), None);
        assert_eq!(parse_retry_after("2031-01-01", 0.0), None);
        let date = "Thu, 01 Jan 1970 00:00:04 GMT";
        assert_eq!(parse_retry_after(date, 1_000.0), Some(3_000));
        assert_eq!(parse_retry_after(date, 9_000.0), Some(0));
        let asctime = "Thu Jan  1 00:00:04 1970";
        assert_eq!(parse_retry_after(asctime, 1_000.0), Some(3_000));
        // What made the old client loop: more than i32::MAX milliseconds.
        assert_eq!(parse_retry_after("3000000", 0.0), Some(3_000_000_000));
        assert_eq!(
            parse_retry_after("99999999999999999999999", 0.0),
            Some(u64::MAX)
        );
        let far = "Fri, 31 Dec 9999 23:59:59 GMT";
        assert_eq!(parse_retry_after(far, 0.0), Some(253_402_300_799_000));
    }
}
