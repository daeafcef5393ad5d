//! Why did it fail? Native `EventSource` hides the HTTP status, so when it gives up (readyState
//! CLOSED) one `fetch` of the same URL reads the status and headers, then aborts before the body.
//! What the answer means is the machine's decision (`machine::decide`).

use wasm_bindgen::prelude::*;
use web_sys::AbortController;

use crate::machine::Head;
use crate::web::dom::Pending;

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
    // The signature of the fetch transport's `head` callback: one closure shim for both.
    let done = Closure::wrap(Box::new(
        move |status: i32, content_type: String, retry_after: String, message: String| {
            let Some(done) = done.take() else { return };
            done(match u16::try_from(status) {
                // The probe stops at the head: native EventSource users get no body.
                Ok(status) if status > 0 => Ok(super::head(
                    status,
                    content_type,
                    &retry_after,
                    String::new(),
                )),
                // Status 0: the fetch failed, and `message` says why.
                _ => Err(message),
            });
        },
    ) as Box<dyn FnMut(i32, String, String, String)>);
    Pending::new(
        start_probe(url, with_credentials, done.as_ref().unchecked_ref()),
        done,
    )
}
