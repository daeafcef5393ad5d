//! Typed [Server-Sent Events](https://developer.mozilla.org/docs/Web/API/Server-sent_events) for
//! WebAssembly.
//!
//! `typed-sse` wraps the browser's native
//! [`EventSource`](https://developer.mozilla.org/docs/Web/API/EventSource) and adds what it lacks:
//!
//! - **typed listeners**: each event type decodes into its own Rust type ([`Json`], [`Text`], or
//!   your own [`Decoder`]); malformed data gives a [`DecodeError`] with the raw text and never
//!   stops the stream;
//! - **a reconnect policy the library controls**: exponential backoff with jitter, a retry budget
//!   that resets after success ([`ReconnectPolicy`]), resuming from the last event id;
//! - **why it failed**: 204, 401/403, 429/5xx (honouring `Retry-After`), wrong content type, as
//!   typed [`Error`]s and [`State`]s;
//! - **no leaks**: the [`EventSource`] handle owns every closure and releases them on close or drop.
//!
//! ```no_run
//! use serde::Deserialize;
//! use typed_sse::EventSource;
//!
//! #[derive(Deserialize)]
//! struct Quote { symbol: String, price: f64 }
//!
//! # fn main() -> Result<(), typed_sse::Error> {
//! let source = EventSource::builder("https://example.com/events")
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

mod body;
mod builder;
mod cell;
mod config;
mod decode;
mod dispatch;
mod dom;
mod error;
mod event;
mod machine;
mod parse;
mod reconnect;
mod registry;
mod resume;
mod share;
mod shell;
mod source;
mod state;
mod stream;
mod text;
mod transport;
mod union;
mod url_check;

#[cfg(feature = "dioxus")]
pub mod dioxus;
#[cfg(any(feature = "yew", feature = "leptos", feature = "dioxus"))]
mod hooks;
#[cfg(feature = "js")]
mod js;
#[cfg(feature = "leptos")]
pub mod leptos;
#[cfg(feature = "yew")]
pub mod yew;

pub use builder::Builder;
pub use decode::{Decoder, Json, Text};
pub use error::{DecodeError, Error};
pub use event::Event;
pub use machine::{
    Resume, DEFAULT_MAX_RETRY_AFTER_MS, DEFAULT_REFRESH_TIMEOUT_MS, DONE_MARKER, MAX_TIMER_MS,
};
pub use parse::MAX_EVENT_BYTES_LIMIT;
pub use reconnect::ReconnectPolicy;
pub use resume::DEFAULT_RESUME_PARAM;
pub use share::Role;
pub use shell::StorageArea;
pub use source::{EventSource, Subscription};
pub use state::{CloseReason, State};
pub use stream::EventStream;
pub use transport::Transport;

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

/// `docs/rust-frameworks.md`'s examples, compiled as doctests when the three framework features
/// are on (`cargo test --workspace` turns them on through the example apps).
#[cfg(all(doctest, feature = "yew", feature = "leptos", feature = "dioxus"))]
#[doc = include_str!("../docs/rust-frameworks.md")]
struct RustFrameworksDoctests;
