//! Why did it fail? Native `EventSource` hides the HTTP status, so when it gives up (readyState
//! CLOSED) one `fetch` of the same URL reads the status and headers, then aborts before the body.

use wasm_bindgen::prelude::*;
use web_sys::AbortController;

use crate::dom::Pending;
use crate::Error;

#[wasm_bindgen(module = "/src/probe.js")]
extern "C" {
    #[wasm_bindgen(js_name = startProbe)]
    fn start_probe(url: &str, with_credentials: bool, done: &js_sys::Function) -> AbortController;
}

/// What the probe learned from the response head.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProbeResult {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    /// `Retry-After`, in milliseconds. Cross-origin servers must list it in
    /// `Access-Control-Expose-Headers` for the browser to show it.
    pub(crate) retry_after_ms: Option<u32>,
}

/// What to do after a failed connection.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// Reconnect under the policy, waiting at least `min_delay_ms`.
    Retry { error: Error, min_delay_ms: u32 },
    /// 401/403 with a refresher: get a new URL, then reconnect under the policy.
    Refresh { status: u16 },
    /// Stop for good.
    Stop(Error),
}

/// Decides from the probe's answer. `Err` is a probe that failed at the network level.
pub(crate) fn classify(probe: Result<ProbeResult, String>, has_refresher: bool) -> Outcome {
    let probe = match probe {
        Ok(p) => p,
        Err(message) => {
            return Outcome::Retry {
                error: Error::Network { message },
                min_delay_ms: 0,
            }
        }
    };
    let retry = |error| Outcome::Retry {
        error,
        min_delay_ms: probe.retry_after_ms.unwrap_or(0),
    };
    match probe.status {
        200 if is_event_stream(&probe.content_type) => retry(Error::Network {
            message: "the stream failed although the server accepts it (CORS refusal or network)"
                .into(),
        }),
        200 => Outcome::Stop(Error::ContentType {
            content_type: probe.content_type,
        }),
        204 => Outcome::Stop(Error::NoContent),
        401 | 403 if has_refresher => Outcome::Refresh {
            status: probe.status,
        },
        401 | 403 => Outcome::Stop(Error::Unauthorized {
            status: probe.status,
        }),
        429 | 500..=599 => retry(Error::Http {
            status: probe.status,
        }),
        status => Outcome::Stop(Error::Http { status }),
    }
}

fn is_event_stream(content_type: &str) -> bool {
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

/// `Retry-After` as milliseconds: delta-seconds, or an HTTP date (given `now_ms` and a parser).
pub(crate) fn parse_retry_after(
    value: &str,
    now_ms: f64,
    parse_date: impl Fn(&str) -> f64,
) -> Option<u32> {
    let value = value.trim_ascii();
    if let Ok(seconds) = value.parse::<u32>() {
        return Some(seconds.saturating_mul(1_000));
    }
    let at = parse_date(value);
    if at.is_finite() {
        Some((at - now_ms).clamp(0.0, f64::from(u32::MAX)) as u32)
    } else {
        None
    }
}

/// Fetches `url` as `EventSource` would (same credentials mode, `Accept: text/event-stream`)
/// and calls `done` with the response head, or the network error's message. Dropping the
/// returned [`Pending`] cancels the request, and `done` is not called.
pub(crate) fn probe(
    url: &str,
    with_credentials: bool,
    done: impl FnOnce(Result<ProbeResult, String>) + 'static,
) -> Pending {
    let mut done = Some(done);
    let done = Closure::wrap(Box::new(
        move |status: u16, content_type: String, retry_after: String| {
            let Some(done) = done.take() else { return };
            // Status 0: the fetch failed, and the second argument is its message.
            done(if status == 0 {
                Err(content_type)
            } else {
                Ok(ProbeResult {
                    status,
                    content_type,
                    retry_after_ms: Some(retry_after).filter(|v| !v.is_empty()).and_then(|v| {
                        parse_retry_after(&v, js_sys::Date::now(), js_sys::Date::parse)
                    }),
                })
            });
        },
    ) as Box<dyn FnMut(u16, String, String)>);
    Pending::new(
        start_probe(url, with_credentials, done.as_ref().unchecked_ref()),
        done,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(
        status: u16,
        content_type: &str,
        retry_after_ms: Option<u32>,
    ) -> Result<ProbeResult, String> {
        Ok(ProbeResult {
            status,
            content_type: content_type.into(),
            retry_after_ms,
        })
    }

    #[test]
    fn no_content_stops() {
        assert_eq!(
            classify(answer(204, "", None), false),
            Outcome::Stop(Error::NoContent)
        );
    }

    #[test]
    fn unauthorized_stops_unless_there_is_a_refresher() {
        assert_eq!(
            classify(answer(401, "text/plain", None), false),
            Outcome::Stop(Error::Unauthorized { status: 401 })
        );
        assert_eq!(
            classify(answer(403, "text/plain", None), true),
            Outcome::Refresh { status: 403 }
        );
    }

    #[test]
    fn overload_and_server_errors_retry_no_sooner_than_retry_after() {
        assert_eq!(
            classify(answer(503, "text/plain", Some(2_000)), false),
            Outcome::Retry {
                error: Error::Http { status: 503 },
                min_delay_ms: 2_000
            }
        );
        assert!(matches!(
            classify(answer(429, "", None), false),
            Outcome::Retry {
                min_delay_ms: 0,
                ..
            }
        ));
    }

    #[test]
    fn other_client_errors_and_wrong_content_types_stop() {
        assert_eq!(
            classify(answer(404, "text/html", None), false),
            Outcome::Stop(Error::Http { status: 404 })
        );
        assert_eq!(
            classify(answer(200, "text/plain; charset=utf-8", None), false),
            Outcome::Stop(Error::ContentType {
                content_type: "text/plain; charset=utf-8".into()
            })
        );
    }

    #[test]
    fn a_healthy_answer_or_a_network_failure_retries() {
        assert!(matches!(
            classify(answer(200, "Text/Event-Stream; charset=utf-8", None), false),
            Outcome::Retry {
                error: Error::Network { .. },
                ..
            }
        ));
        assert!(matches!(
            classify(Err("Failed to fetch".into()), false),
            Outcome::Retry {
                error: Error::Network { .. },
                ..
            }
        ));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let never = |_: &str| f64::NAN;
        assert_eq!(parse_retry_after(" 2 ", 0.0, never), Some(2_000));
        assert_eq!(parse_retry_after("soon", 0.0, never), None);
        assert_eq!(parse_retry_after("date", 1_000.0, |_| 4_500.0), Some(3_500));
        assert_eq!(parse_retry_after("past", 9_000.0, |_| 4_500.0), Some(0));
    }
}
