//! Typed [Server-Sent Events](https://developer.mozilla.org/docs/Web/API/Server-sent_events) for
//! WebAssembly.
//!
//! `typed-sse` wraps the browser's native
//! [`EventSource`](https://developer.mozilla.org/docs/Web/API/EventSource) and adds what it lacks:
//!
//! - **typed listeners**: each event type decodes into its own Rust type ([`Json`], [`Text`], or
//!   your own [`Decoder`]); malformed data gives a [`DecodeError`] with the raw text and never
//!   stops the stream;
//! - **a reconnect policy the library controls**: exponential backoff with jitter, a reconnect budget
//!   that resets after success ([`ReconnectPolicy`]), resuming from the last event id;
//! - **why it failed**: 204, 401/403, 429/5xx (honouring `Retry-After`), wrong content type, as
//!   typed [`StreamError`]s and [`State`]s;
//! - **no leaks**: the [`SseClient`] handle owns every closure and releases them on close or drop.
//!
//! ```no_run
//! use serde::Deserialize;
//! use typed_sse::SseClient;
//!
//! #[derive(Deserialize)]
//! struct Quote { symbol: String, price: f64 }
//!
//! # fn main() -> Result<(), typed_sse::ConfigError> {
//! let source = SseClient::builder("https://example.com/events")
//!     .on::<Quote>("tick", |tick| {
//!         if let Ok(tick) = tick {
//!             println!("{}: {}", tick.data.symbol, tick.data.price);
//!         }
//!     })
//!     .on_error(|error| eprintln!("{error}"))
//!     .build()?;
//! # drop(source);
//! # Ok(())
//! # }
//! ```
//!
//! With the default feature `js`, the crate also exports the JavaScript API of the npm package.
//! The features `yew` (Yew 0.23), `leptos` (Leptos 0.8) and `dioxus` (Dioxus 0.7) add a
//! `use_event_source` hook for each framework (see `docs/rust-frameworks.md`).
#![deny(missing_docs, missing_debug_implementations)]

// The layers, each depending only on the ones before it and on `typed-sse-core`: `web`
// (the browser's objects), `transport` (one connection each), `listeners` (registry, dispatch,
// events), `shell` (drives the machine), `api` (the Rust API), then `js` (the npm API) and
// `hooks` (Yew, Leptos, Dioxus). `cell` is a leaf they share.
mod api;
mod cell;
#[cfg(any(feature = "yew", feature = "leptos", feature = "dioxus"))]
mod hooks;
#[cfg(feature = "js")]
mod js;
mod listeners;
mod shell;
mod transport;
mod web;

// The hooks of each framework live in hooks/ and keep their public paths (`typed_sse::yew`,
// ...): declared here, they reach what hooks/mod.rs shares through `crate::hooks`.
#[cfg(feature = "dioxus")]
#[path = "hooks/dioxus.rs"]
pub mod dioxus;
#[cfg(feature = "leptos")]
#[path = "hooks/leptos.rs"]
pub mod leptos;
#[cfg(feature = "yew")]
#[path = "hooks/yew.rs"]
pub mod yew;

// The browser-free half lives in `typed-sse-core`; its modules keep their paths here
// (`crate::machine`, `crate::parse`, ...), so the layers above name them as before.
use typed_sse_core::{decode, error, machine, parse, reconnect, resume, share, state, url_check};

pub use api::builder::SseClientBuilder;
pub use api::source::{SseClient, Subscription};
pub use api::stream::EventStream;
pub use decode::{Decoder, Json, Text};
pub use error::{ConfigError, DecodeError, StreamError};
pub use listeners::event::Event;
pub use machine::{
    Resume, DEFAULT_MAX_RETRY_AFTER_MS, DEFAULT_REFRESH_TIMEOUT_MS, DONE_MARKER, MAX_TIMER_MS,
};
pub use parse::MAX_EVENT_BYTES_LIMIT;
pub use reconnect::ReconnectPolicy;
pub use resume::DEFAULT_RESUME_PARAM;
pub use share::Role;
pub use shell::StorageArea;
pub use state::{CloseReason, State};
pub use transport::Transport;
pub use typed_sse_core::{Gap, GAP_EVENT};

// The npm package's allocator (lol_alloc's free list, 3 KB gzipped smaller than the default):
// `scripts/lib.sh` builds the package with `--cfg typed_sse_npm_alloc`. Not a feature, so that no
// Rust application that depends on this crate ever gets its allocator chosen for it. The JS API
// allocates little, and never per event.
#[cfg(all(typed_sse_npm_alloc, target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without the atomics feature runs one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// The README's Rust examples, compiled by `cargo test` (as doctests) so that what a newcomer
/// copies builds. The Yew and Leptos ones in docs/ are marked `ignore`: they are excerpts of
/// `examples/yew-app` and `examples/leptos-app`, which `npm test` builds whole.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The Rust examples of docs/, compiled as the README's are.
#[cfg(doctest)]
#[doc = include_str!("../docs/rust-api.md")]
struct RustApiDoctests;

/// See `RustApiDoctests`.
#[cfg(doctest)]
#[doc = include_str!("../docs/transports.md")]
struct TransportsDoctests;

/// See `RustApiDoctests`.
#[cfg(doctest)]
#[doc = include_str!("../docs/llm.md")]
struct LlmDoctests;

/// See `RustApiDoctests`.
#[cfg(doctest)]
#[doc = include_str!("../docs/errors.md")]
struct ErrorsDoctests;

/// `docs/rust-frameworks.md`'s examples, compiled as doctests when the three framework features
/// are on (`cargo test --workspace` turns them on through the example apps).
#[cfg(all(doctest, feature = "yew", feature = "leptos", feature = "dioxus"))]
#[doc = include_str!("../docs/rust-frameworks.md")]
struct RustFrameworksDoctests;
