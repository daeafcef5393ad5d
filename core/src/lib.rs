//! The browser-free core of typed-sse.
#![deny(missing_docs)]

pub mod typed;
