//! The fetch transport: one `fetch` whose body typed-sse parses itself (`crate::parse`), so it
//! sees what native `EventSource` hides: the status and the body of a refusal, `retry:`,
//! comments. It sends what `EventSource` cannot: a method, headers (fresh for every connection),
//! a body, and the real `Last-Event-ID` header. It runs wherever `fetch` does: pages, workers,
//! Node.

use std::rc::{Rc, Weak};

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::AbortController;

use super::{Attached, Request, Sink};
use crate::machine::{is_event_stream, ConnId, Failure};
use crate::parse::{Item, Parser};
use crate::ConfigError;

#[wasm_bindgen(module = "/src/transport/fetch.js")]
extern "C" {
    #[wasm_bindgen(js_name = startFetch)]
    fn start_fetch(
        fetch: &JsValue,
        url: &str,
        options: &JsValue,
        last_event_id: &str,
        headers: &JsValue,
        head: &js_sys::Function,
        chunk: &js_sys::Function,
    ) -> AbortController;
}

/// What a fetch connection sends besides the URL, set once per source.
#[derive(Clone, Debug, Default)]
pub(crate) struct FetchSettings {
    /// `GET` unless set.
    pub(crate) method: Option<String>,
    /// A plain object of headers, or a function returning one (or a promise of one).
    pub(crate) headers: JsValue,
    /// The Rust closure behind `headers`, when it is one (the Rust API's `headers_with`).
    pub(crate) headers_closure: Option<HeadersClosure>,
    /// The request body and its content type.
    pub(crate) body: Option<(String, Option<String>)>,
    /// A fetch function to call instead of the global one.
    pub(crate) fetch: JsValue,
    /// `omit`, `same-origin` or `include`.
    pub(crate) credentials: Option<String>,
    /// Cap on one event or one unterminated line.
    pub(crate) max_event_bytes: usize,
    /// How long a headers function may take (the refresher's timeout).
    pub(crate) headers_timeout_ms: u32,
}

impl FetchSettings {
    /// The `init` fields that do not change between connections, as the object `fetch.js` reads;
    /// `get`: as a GET without the body, whatever the method (a stream resumed as
    /// `Resume::Get` says).
    pub(crate) fn options(&self, with_credentials: bool, get: bool) -> JsValue {
        let o = Object::new();
        let set = |k: &str, v: JsValue| {
            // Setting a property on a fresh plain object cannot fail.
            let _ = Reflect::set(&o, &JsValue::from_str(k), &v);
        };
        let method = self.method.as_deref().filter(|_| !get);
        set("method", method.unwrap_or("GET").into());
        let credentials = match (&self.credentials, with_credentials) {
            (Some(c), _) => c.as_str(),
            (None, true) => "include",
            (None, false) => "same-origin",
        };
        set("credentials", credentials.into());
        set("headersTimeoutMs", self.headers_timeout_ms.into());
        if let Some((body, content_type)) = self.body.as_ref().filter(|_| !get) {
            set("body", body.as_str().into());
            if let Some(t) = content_type {
                set("contentType", t.as_str().into());
            }
        }
        o.into()
    }
}

/// A Rust headers function as the JS function `fetch.js` calls (it awaits the promise); the
/// settings own the closure, so it lives exactly as long as the source.
pub(crate) type HeadersClosure = Rc<Closure<dyn Fn() -> js_sys::Promise>>;

/// Wraps `headers` for [`FetchSettings::headers`].
pub(crate) fn headers_function<F, Fut>(headers: F) -> HeadersClosure
where
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = Vec<(String, String)>> + 'static,
{
    Rc::new(Closure::<dyn Fn() -> js_sys::Promise>::new(move || {
        let pending = headers();
        wasm_bindgen_futures::future_to_promise(async move {
            let object = Object::new();
            for (name, value) in pending.await {
                // Setting a property on a fresh plain object cannot fail.
                let _ = Reflect::set(&object, &name.as_str().into(), &value.as_str().into());
            }
            Ok(object.into())
        })
    }))
}

/// A fetch in flight. Dropping it aborts the request and releases the reader and every closure.
pub(crate) struct Connection {
    controller: AbortController,
    attached: Option<Rc<dyn Attached>>,
    _head: Closure<dyn FnMut(i32, String, String, String)>,
    _chunk: Closure<dyn FnMut(Uint8Array)>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fetch::Connection")
    }
}

/// What `head`'s first argument means when it is no HTTP status (`REPORT` in fetch.js):
/// test/js/fixtures/transport.json holds the values, checked here and by test/js/.
mod report {
    /// The request or the stream failed (retried); the message says why.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) const FAILED: i32 = 0;
    /// An accepted stream ended.
    pub(super) const ENDED: i32 = -1;
    /// The `headers` or `fetch` option gave what fetch cannot use.
    pub(super) const MISUSE: i32 = -2;
}

impl Connection {
    /// Starts the request; what it sees goes to `sink` as connection `conn`, and the attached
    /// listeners expect events from `origin`. `get`: as a GET without the body, whatever the
    /// method in `settings`.
    pub(crate) fn open(
        request: &Request,
        settings: &FetchSettings,
        get: bool,
        conn: ConnId,
        sink: Weak<dyn Sink>,
        attached: Option<Rc<dyn Attached>>,
        origin: &str,
    ) -> Self {
        if let Some(attached) = &attached {
            attached.attach_stream(origin);
        }
        let s = sink.clone();
        let (requested, listeners) = (origin.to_owned(), attached.clone());
        // fetch.js leaves a failure's error here, as `cause` (see `startFetch`).
        let options = settings.options(request.with_credentials, get);
        let init = options.clone();
        // See `startFetch` in fetch.js for what each status means.
        let head = Closure::wrap(Box::new(
            move |status: i32, content_type: String, retry_after: String, body: String| {
                let Some(sink) = s.upgrade() else { return };
                match u16::try_from(status) {
                    // An accepted stream, whose body fetch.js now reads; `body` is the final
                    // URL's origin. A 200 it refused for its content type comes with its head
                    // like any refusal (its body was read as the preview): the machine stops on
                    // it rather than waiting for chunks.
                    Ok(200) if is_event_stream(&content_type) => {
                        if !body.is_empty() && body != requested {
                            if let Some(listeners) = &listeners {
                                listeners.attach_stream(&body);
                            }
                            sink.redirected(conn, &body);
                        }
                        sink.opened(conn)
                    }
                    Ok(status) if status > 0 => {
                        let head = super::head(status, content_type, &retry_after, body);
                        sink.failed(conn, Failure::Rejected(head))
                    }
                    // The `headers` or `fetch` option (named in `content_type`) gave
                    // something fetch cannot use: a programming error, not worth a retry.
                    _ if status == report::MISUSE => {
                        let field = content_type;
                        let error = ConfigError::InvalidOption {
                            field,
                            message: body,
                        };
                        sink.failed(conn, Failure::Fatal(error.into()))
                    }
                    // An accepted stream ended (cleanly when there is no message).
                    _ if status == report::ENDED && body.is_empty() => {
                        sink.failed(conn, Failure::Ended)
                    }
                    _ if body.is_empty() => {
                        sink.failed(conn, Failure::Network("the stream ended".into()))
                    }
                    // report::FAILED: the request failed.
                    _ => {
                        if let Some(listeners) = &listeners {
                            let cause = Reflect::get(&init, &JsValue::from_str("cause"));
                            listeners.failed_with(&cause.unwrap_or_default());
                        }
                        sink.failed(conn, Failure::Network(body))
                    }
                }
            },
        ) as Box<dyn FnMut(i32, String, String, String)>);
        let chunk = Closure::wrap(Box::new(reader(
            conn,
            sink,
            settings.max_event_bytes,
            request.last_event_id,
        )) as Box<dyn FnMut(Uint8Array)>);
        let controller = start_fetch(
            &settings.fetch,
            request.url,
            &options,
            request.last_event_id,
            &settings.headers,
            head.as_ref().unchecked_ref(),
            chunk.as_ref().unchecked_ref(),
        );
        Self {
            controller,
            attached,
            _head: head,
            _chunk: chunk,
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // fetch.js reports nothing after this, and cancels the reader.
        self.controller.abort();
        if let Some(attached) = &self.attached {
            attached.detach();
        }
    }
}

/// The most bytes of a chunk copied into wasm memory at a time. A reader that fell behind hands
/// over megabytes at once; copied whole, a chunk took its size in wasm memory, which never
/// shrinks, on top of what the parser holds. In slices, the copy buffer stays this size for the
/// life of the connection, and each slice is parsed before the next is copied.
const SLICE: u32 = 64 * 1024;

/// The per-chunk path: the bytes copied into wasm a slice at a time, the parser, and what it
/// found to the sink. Comments and partial events count as life; `retry:` goes to the machine.
fn reader(
    conn: ConnId,
    sink: Weak<dyn Sink>,
    max_event_bytes: usize,
    last_event_id: &str,
) -> impl FnMut(Uint8Array) {
    let mut parser = Parser::with_last_event_id(max_event_bytes, last_event_id);
    // Reserved whole at once: grown chunk by chunk, it moved each time a bigger chunk came, and
    // a move in the middle of a big line left it among the line's pieces, whose room is then
    // no longer one block for the next big allocation (Node's chunks vary from ~30 to 64 KB).
    let mut bytes = Vec::with_capacity(SLICE as usize);
    move |chunk: Uint8Array| {
        let Some(sink) = sink.upgrade() else { return };
        let mut report = |item: Item<'_>| match item {
            Item::Event {
                event_type,
                data,
                ascii,
                last_event_id,
                id_changed,
            } => sink.parsed(conn, event_type, data, ascii, last_event_id, id_changed),
            Item::Id(id) => sink.parsed_id(conn, id),
            Item::Comment(text) => sink.comment(conn, text),
            Item::Retry(ms) => sink.server_retry(conn, ms),
        };
        let (len, mut start, mut fed) = (chunk.length(), 0, Ok(()));
        while start < len && fed.is_ok() {
            let end = start.saturating_add(SLICE).min(len);
            bytes.resize((end - start) as usize, 0);
            chunk.subarray(start, end).copy_to(&mut bytes);
            fed = parser.feed(&bytes, &mut report);
            start = end;
        }
        // What the chunk delivered before any failure is delivered: flushed first.
        sink.chunk_done(conn);
        if let Err(too_large) = fed {
            let limit = too_large.limit;
            sink.failed(conn, Failure::TooLarge { limit });
        }
    }
}

#[cfg(test)]
mod contract_tests {
    use crate::machine::is_event_stream;

    fn fixture() -> serde_json::Value {
        serde_json::from_str(include_str!("../../test/js/fixtures/transport.json")).unwrap()
    }

    /// The signals of `head` have the values fetch.js gives them.
    #[test]
    fn reports_match_the_transport_fixture() {
        let reports = &fixture()["reports"];
        assert_eq!(reports["FAILED"], super::report::FAILED);
        assert_eq!(reports["ENDED"], super::report::ENDED);
        assert_eq!(reports["MISUSE"], super::report::MISUSE);
    }

    /// `is_event_stream` accepts the content types that fetch.js's `isEventStream` accepts.
    #[test]
    fn the_content_type_rule_matches_the_transport_fixture() {
        let fixture = fixture();
        let cases = fixture["contentTypes"].as_object().unwrap();
        for (content_type, accepted) in cases {
            assert_eq!(
                is_event_stream(content_type),
                accepted.as_bool().unwrap(),
                "{content_type:?}"
            );
        }
    }
}
