//! The browser-free core of [typed-sse](https://docs.rs/typed-sse): everything that decides,
//! and nothing that touches a browser.
//!
//! - [`parse`]: the `text/event-stream` format parsed from bytes, as the WHATWG HTML standard
//!   says, with a cap on what one event may hold;
//! - [`machine`]: the connection's life cycle as a sans-IO state machine (inputs carry the
//!   time, outputs are polled): the reconnect policy and its budget, `Retry-After`, `retry:`,
//!   the resume point, idle, offline and hidden pauses, the end of an answer;
//! - [`reconnect`], [`resume`]: the policy's arithmetic and the resume URL;
//! - [`share`]: one connection for every tab: who holds it, and the position of each event
//!   relayed to the others (no event lost or repeated on a take-over);
//! - [`gap`]: the signal a server sends when its history no longer reaches the resume point;
//! - [`typed`]: one event enum for both ends (variant = SSE event type, payload = JSON), and
//!   its TypeScript (feature `typescript`);
//! - the types both ends of a connection speak in: [`StreamError`], [`ConfigError`], [`State`], [`CloseReason`],
//!   [`Decoder`] and its [`Json`] and [`Text`] decoders.
//!
//! It depends on no `wasm-bindgen`, `js-sys`, `web-sys` or `gloo` (a check in the project's
//! test script enforces it), so every rule here is tested on the host, against a simulated
//! clock, in seconds. The `typed-sse` crate wraps it with the browser's `EventSource` and
//! `fetch`, and re-exports the types its users need; most applications depend on that crate,
//! not on this one.
#![deny(missing_docs, missing_debug_implementations)]

mod body;
pub mod decode;
pub mod error;
pub mod gap;
pub mod machine;
pub mod parse;
pub mod reconnect;
pub mod resume;
pub mod share;
pub mod state;
pub mod typed;
pub mod url_check;

pub use decode::{Decoder, Json, Text};
pub use error::{ConfigError, DecodeError, StreamError};
pub use gap::{Gap, GAP_EVENT, RESERVED_PREFIX};
pub use machine::{
    Resume, DEFAULT_MAX_RETRY_AFTER_MS, DEFAULT_REFRESH_TIMEOUT_MS, DONE_MARKER, MAX_TIMER_MS,
};
pub use parse::MAX_EVENT_BYTES_LIMIT;
pub use reconnect::ReconnectPolicy;
pub use resume::DEFAULT_RESUME_PARAM;
pub use state::{CloseReason, State};
