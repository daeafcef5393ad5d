//! typed-sse's Rust API as an application uses it: a typed listener decoding into a struct,
//! counting events until `n`. `start` uses the browser's `EventSource`; `start_fetch` the fetch
//! transport, whose events are parsed and decoded straight from the response's bytes.
use std::cell::Cell;
use std::rc::Rc;

use js_sys::Function;
use serde::de::DeserializeOwned;
use typed_sse::{ReconnectPolicy, SseClient, Transport};
use typed_sse_bench_payloads::{Checksum, Large, Small};
use wasm_bindgen::prelude::*;

/// A running client; `close()` ends it.
#[wasm_bindgen]
pub struct Runner {
    source: SseClient,
}

#[wasm_bindgen]
impl Runner {
    /// Closes the connection.
    pub fn close(&self) {
        self.source.close();
    }
}

/// Connects to `url` with the native transport; calls `done(checksum)` once `n` events were
/// decoded.
#[wasm_bindgen]
pub fn start(url: &str, large: bool, n: u32, done: Function) -> Result<Runner, JsValue> {
    start_with(url, large, n, done, Transport::Native)
}

/// The same over the fetch transport.
#[wasm_bindgen]
pub fn start_fetch(url: &str, large: bool, n: u32, done: Function) -> Result<Runner, JsValue> {
    start_with(url, large, n, done, Transport::Fetch)
}

fn start_with(
    url: &str,
    large: bool,
    n: u32,
    done: Function,
    transport: Transport,
) -> Result<Runner, JsValue> {
    if large {
        run::<Large>(url, n, done, transport)
    } else {
        run::<Small>(url, n, done, transport)
    }
}

fn run<T: DeserializeOwned + Checksum + 'static>(
    url: &str,
    n: u32,
    done: Function,
    transport: Transport,
) -> Result<Runner, JsValue> {
    let count = Rc::new(Cell::new(0u32));
    let sum = Rc::new(Cell::new(0.0f64));
    let source = SseClient::builder(url)
        .transport(transport)
        .reconnect(ReconnectPolicy::never())
        .on::<T>("message", move |event| {
            if let Ok(event) = event {
                sum.set(sum.get() + event.data.checksum());
            }
            count.set(count.get() + 1);
            if count.get() == n {
                let _ = done.call1(&JsValue::NULL, &JsValue::from_f64(sum.get()));
            }
        })
        .build()
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    Ok(Runner { source })
}
