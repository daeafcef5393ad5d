//! Why did it fail? Native `EventSource` hides the HTTP status, so when it gives up (readyState
//! CLOSED) one `fetch` of the same URL reads the status and headers, then aborts before the body.
//! What the answer means is the machine's decision (`machine::decide`).

use wasm_bindgen::prelude::*;
use web_sys::AbortController;

use crate::dom::Pending;
use crate::machine::{parse_retry_after, Head};

#[wasm_bindgen(module = "/src/transport/probe.js")]
extern "C" {
    #[wasm_bindgen(js_name = startProbe)]
    fn start_probe(url: &str, with_credentials: bool, done: &js_sys::Function) -> AbortController;
}

/// Fetches `url` as `EventSource` would (same credentials mode, `Accept: text/event-stream`)
/// and calls `done` with the response head, or the network error's message. Dropping the
/// returned [`Pending`] cancels the request, and `done` is not called.
pub(crate) fn probe(
    url: &str,
    with_credentials: bool,
    done: impl FnOnce(Result<Head, String>) + 'static,
) -> Pending {
    let mut done = Some(done);
    let done = Closure::wrap(Box::new(
        move |status: u16, content_type: String, retry_after: String| {
            let Some(done) = done.take() else { return };
            // Status 0: the fetch failed, and the second argument is its message.
            done(if status == 0 {
                Err(content_type)
            } else {
                Ok(Head {
                    status,
                    content_type,
                    retry_after_ms: Some(retry_after).filter(|v| !v.is_empty()).and_then(|v| {
                        parse_retry_after(&v, js_sys::Date::now(), js_sys::Date::parse)
                    }),
                    // The probe stops at the head: native EventSource users get no body.
                    body: String::new(),
                })
            });
        },
    ) as Box<dyn FnMut(u16, String, String)>);
    Pending::new(
        start_probe(url, with_credentials, done.as_ref().unchecked_ref()),
        done,
    )
}
