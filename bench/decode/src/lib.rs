//! Decoding event data in wasm, two ways, over the same JS strings an `EventSource` delivers:
//! (a) copy the string into wasm and `serde_json::from_str`; (b) `JSON.parse` in JS, then walk the
//! JS object with `serde_wasm_bindgen::from_value`. Each function returns a checksum so the work
//! cannot be optimised away.

use js_sys::Array;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// A ~100-byte quote.
#[derive(Deserialize)]
pub struct Small {
    pub id: u64,
    pub symbol: String,
    pub price: f64,
    pub change: f64,
    pub volume: u64,
    pub time: u64,
}

/// A ~2 KB document.
#[derive(Deserialize)]
pub struct Large {
    pub id: u64,
    pub title: String,
    pub items: Vec<Item>,
    pub note: String,
}

/// One item of [`Large`].
#[derive(Deserialize)]
pub struct Item {
    pub name: String,
    pub value: f64,
    pub tags: Vec<String>,
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

fn small_sum(s: &Small) -> f64 {
    s.price + s.symbol.len() as f64
}

fn large_sum(l: &Large) -> f64 {
    l.items.iter().map(|i| i.value).sum::<f64>() + l.title.len() as f64
}

/// (a) on ~100 B payloads.
#[wasm_bindgen]
pub fn serde_json_small(items: &Array) -> f64 {
    serde_json_each(items, small_sum)
}

/// (b) on ~100 B payloads.
#[wasm_bindgen]
pub fn swb_small(items: &Array) -> f64 {
    swb_each(items, small_sum)
}

/// (a) on ~2 KB payloads.
#[wasm_bindgen]
pub fn serde_json_large(items: &Array) -> f64 {
    serde_json_each(items, large_sum)
}

/// (b) on ~2 KB payloads.
#[wasm_bindgen]
pub fn swb_large(items: &Array) -> f64 {
    swb_each(items, large_sum)
}
