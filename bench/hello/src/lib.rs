//! The smallest useful wasm-bindgen module, built like the package, for the size comparison.
use wasm_bindgen::prelude::*;

/// Greets.
#[wasm_bindgen]
pub fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}
