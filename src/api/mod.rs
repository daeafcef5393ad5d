//! The Rust API: the [`SseClient`](source::EventSource) handle, its
//! [`SseClientBuilder`](builder::SseClientBuilder), the builder's settings checked and turned into a shell
//! (`config`), and the events of one type as a `futures::Stream` (`stream`). It sits on the
//! shell and the listeners; the JS API and the hooks sit on it.

pub(crate) mod builder;
pub(crate) mod config;
pub(crate) mod source;
pub(crate) mod stream;
