//! Why did it fail? Native `EventSource` hides the HTTP status, so when it gives up (readyState
//! CLOSED) one `fetch` of the same URL reads the status and headers, then aborts before the body.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Request, RequestCache, RequestCredentials, RequestInit, RequestMode, Response,
};

use crate::Error;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, present in windows and workers alike.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &Request) -> js_sys::Promise;
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
    content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/event-stream"))
}

/// `Retry-After` as milliseconds: delta-seconds, or an HTTP date (given `now_ms` and a parser).
pub(crate) fn parse_retry_after(
    value: &str,
    now_ms: f64,
    parse_date: impl Fn(&str) -> f64,
) -> Option<u32> {
    let value = value.trim();
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

/// Fetches `url` as `EventSource` would (same credentials mode, `Accept: text/event-stream`) and
/// returns the response head. The caller aborts `signal` afterwards to drop the body.
pub(crate) async fn probe(
    url: &str,
    with_credentials: bool,
    signal: &AbortSignal,
) -> Result<ProbeResult, String> {
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_mode(RequestMode::Cors);
    init.set_credentials(if with_credentials {
        RequestCredentials::Include
    } else {
        RequestCredentials::SameOrigin
    });
    init.set_signal(Some(signal));
    // Revalidate rather than trust a cached answer. This sends `Cache-Control: max-age=0`, while
    // EventSource sends `no-cache`, which lets a server (and the test server's stats) tell the
    // probe from a connection.
    init.set_cache(RequestCache::NoCache);
    let request =
        Request::new_with_str_and_init(url, &init).map_err(|e| crate::dom::js_message(&e))?;
    request
        .headers()
        .set("Accept", "text/event-stream")
        .map_err(|e| crate::dom::js_message(&e))?;
    let response = JsFuture::from(global_fetch(&request))
        .await
        .map_err(|e| crate::dom::js_message(&e))?;
    let response: Response = response.unchecked_into();
    let headers = response.headers();
    let header = |name: &str| headers.get(name).ok().flatten();
    Ok(ProbeResult {
        status: response.status(),
        content_type: header("content-type").unwrap_or_default(),
        retry_after_ms: header("retry-after")
            .and_then(|v| parse_retry_after(&v, js_sys::Date::now(), js_sys::Date::parse)),
    })
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
