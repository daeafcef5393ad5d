//! Shared helpers of the browser suites: the test server's URL, unique keys, waiting, stats.
#![allow(dead_code)] // each suite uses a different subset

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The test server, e.g. `http://127.0.0.1:8787`, baked in at compile time by `scripts/test.sh`.
pub fn server() -> &'static str {
    // A missing URL fails the tests that need it, not the build: clippy checks the suites without it.
    match option_env!("TYPED_SSE_SERVER") {
        Some(url) => url,
        None => {
            panic!("set TYPED_SSE_SERVER to the test server's URL when building the browser tests")
        }
    }
}

/// A key no other test uses, so `/stats` shows this test's connections only.
pub fn key(name: &str) -> String {
    let random = (js_sys::Math::random() * 1e9) as u64;
    format!("{name}-{random}")
}

/// `server()` + `path_and_query` + `key=...`.
pub fn url(path_and_query: &str, key: &str) -> String {
    let sep = if path_and_query.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{path_and_query}{sep}key={key}", server())
}

pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Waits until `done()` holds, checking every 10 ms; false after `timeout_ms`.
pub async fn wait_for(timeout_ms: u32, mut done: impl FnMut() -> bool) -> bool {
    let start = js_sys::Date::now();
    while !done() {
        if js_sys::Date::now() - start > f64::from(timeout_ms) {
            return false;
        }
        sleep(10).await;
    }
    true
}

/// A shared, growing record of what callbacks saw.
pub type Log<T> = Rc<RefCell<Vec<T>>>;

pub fn log<T>() -> Log<T> {
    Rc::new(RefCell::new(Vec::new()))
}

/// What the server saw for `key`: `{"connections":[{"uri","opened_ms","closed_ms",...}]}`.
pub async fn stats(key: &str) -> serde_json::Value {
    let window = web_sys::window().expect("the browser tests run in a window");
    let url = format!("{}/stats?key={key}", server());
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(&url))
        .await
        .expect("fetch /stats")
        .unchecked_into();
    let text = JsFuture::from(response.text().expect("read /stats"))
        .await
        .expect("read /stats body");
    serde_json::from_str(&text.as_string().unwrap_or_default()).expect("/stats is JSON")
}

/// The connections the server saw for `key`.
pub async fn connections(key: &str) -> Vec<serde_json::Value> {
    stats(key).await["connections"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The `EventSource` connections the server saw for `key` (without typed-sse's failure probes).
pub async fn native_connections(key: &str) -> Vec<serde_json::Value> {
    connections(key)
        .await
        .into_iter()
        .filter(|c| c["probe"] != serde_json::Value::Bool(true))
        .collect()
}

/// Runs JavaScript in the page (test set-up only: emulating offline, reading memory).
pub fn js(code: &str) -> wasm_bindgen::JsValue {
    js_sys::eval(code).expect("test JavaScript failed")
}

/// POSTs to a control endpoint of the test server (with the header it requires) and returns
/// the response's text.
pub async fn post(url: &str) -> String {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    let headers = web_sys::Headers::new().expect("headers");
    headers.set("X-Typed-SSE", "1").expect("a valid header");
    init.set_headers(&headers);
    let window = web_sys::window().expect("the browser tests run in a window");
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .expect("POST")
        .unchecked_into();
    let text = JsFuture::from(response.text().expect("read the answer"))
        .await
        .expect("read the answer's body");
    text.as_string().unwrap_or_default()
}
