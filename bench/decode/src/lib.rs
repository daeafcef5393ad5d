//! Decoding event data in wasm, two ways, over the same JS strings an `EventSource` delivers:
//! (a) copy the string into wasm and `serde_json::from_str`; (b) `JSON.parse` in JS, then walk the
//! JS object with `serde_wasm_bindgen::from_value`. Each function returns a checksum so the work
//! cannot be optimised away.

use js_sys::Array;
use serde::Deserialize;
use typed_sse_bench_payloads::{Checksum, Large, Small};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

fn serde_json_each<T: for<'de> Deserialize<'de>>(items: &Array, f: impl Fn(&T) -> f64) -> f64 {
    items
        .iter()
        .map(|v| {
            let text = v.as_string().unwrap_or_default();
            serde_json::from_str::<T>(&text).map_or(-1.0, |t| f(&t))
        })
        .sum()
}

fn swb_each<T: for<'de> Deserialize<'de>>(items: &Array, f: impl Fn(&T) -> f64) -> f64 {
    items
        .iter()
        .map(|v| {
            json_parse(&v)
                .ok()
                .and_then(|parsed| serde_wasm_bindgen::from_value::<T>(parsed).ok())
                .map_or(-1.0, |t| f(&t))
        })
        .sum()
}

/// (a) on ~100 B payloads.
#[wasm_bindgen]
pub fn serde_json_small(items: &Array) -> f64 {
    serde_json_each(items, Small::checksum)
}

/// (b) on ~100 B payloads.
#[wasm_bindgen]
pub fn swb_small(items: &Array) -> f64 {
    swb_each(items, Small::checksum)
}

/// (a) on ~2 KB payloads.
#[wasm_bindgen]
pub fn serde_json_large(items: &Array) -> f64 {
    serde_json_each(items, Large::checksum)
}

/// (b) on ~2 KB payloads.
#[wasm_bindgen]
pub fn swb_large(items: &Array) -> f64 {
    swb_each(items, Large::checksum)
}
