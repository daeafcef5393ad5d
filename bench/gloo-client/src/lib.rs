//! The Rust peer: gloo-net's `EventSource` + `serde_json`, counting decoded events until `n`.
use std::cell::RefCell;
use std::rc::Rc;

use futures_util::StreamExt;
use gloo_net::eventsource::futures::EventSource;
use js_sys::Function;
use serde::de::DeserializeOwned;
use typed_sse_bench_payloads::{Checksum, Large, Small};
use wasm_bindgen::prelude::*;

/// A running client; `close()` ends it.
#[wasm_bindgen]
pub struct Runner {
    source: Rc<RefCell<Option<EventSource>>>,
}

#[wasm_bindgen]
impl Runner {
    /// Closes the connection.
    pub fn close(&self) {
        if let Some(source) = self.source.borrow_mut().take() {
            source.close();
        }
    }
}

/// Connects to `url`; calls `done(checksum)` once `n` events were decoded.
#[wasm_bindgen]
pub fn start(url: &str, large: bool, n: u32, done: Function) -> Result<Runner, JsValue> {
    if large {
        run::<Large>(url, n, done)
    } else {
        run::<Small>(url, n, done)
    }
}

fn run<T: DeserializeOwned + Checksum + 'static>(
    url: &str,
    n: u32,
    done: Function,
) -> Result<Runner, JsValue> {
    let mut source = EventSource::new(url).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let mut messages = source
        .subscribe("message")
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let source = Rc::new(RefCell::new(Some(source)));
    wasm_bindgen_futures::spawn_local(async move {
        let (mut count, mut sum) = (0u32, 0.0f64);
        while let Some(Ok((_, event))) = messages.next().await {
            let text = event.data().as_string().unwrap_or_default();
            if let Ok(value) = serde_json::from_str::<T>(&text) {
                sum += value.checksum();
            }
            count += 1;
            if count == n {
                let _ = done.call1(&JsValue::NULL, &JsValue::from_f64(sum));
                break;
            }
        }
    });
    Ok(Runner { source })
}
