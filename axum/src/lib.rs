//! Resumable Server-Sent Events for [axum]: the client's resume point, a bounded history of
//! events in memory or on Redis Streams, and a typed signal when that history no longer
//! reaches back far enough.
//!
//! - [`LastEventId`] extracts the resume point: the `Last-Event-ID` header, else a query
//!   parameter (`lastEventId` by default, Nchan's `last_event_id` with
//!   [`ResumeConfig::nchan`]). Bounded (256 bytes by default); a malformed id is a 400.
//! - [`EventStore`] is the history: append, replay after an id, the first id kept, follow.
//!   [`MemoryStore`] keeps a count of events in this process; [`RedisStore`] keeps them in a
//!   Redis stream, whose ids every server instance on that Redis shares.
//! - [`ResumableSse`] turns a store and a resume point into an `Sse` response.
//! - [`EventStore::publish`] appends a value of an enum shared with the client (see
//!   [`TypedEvent`]: the variant's name is the event name, its payload's JSON the data);
//!   [`typed_event`] makes one SSE event of it without a store.
//!
//! # The wire format
//!
//! A response starts with a priming comment, sent at once (with `retry:` when
//! [`ResumableSse::retry`] is set):
//!
//! ```text
//! : ok
//! retry: 2000
//!
//! ```
//!
//! Each event carries the store's id (here a Redis stream id):
//!
//! ```text
//! id: 1733472000000-0
//! event: tick
//! data: {"n":1}
//!
//! ```
//!
//! After [`ResumableSse::keep_alive`] (15 s by default) without an event, a comment:
//!
//! ```text
//! : keep-alive
//!
//! ```
//!
//! # The gap
//!
//! When the client's id is older than what the store still holds (the history was trimmed),
//! or is not one of the store's ids at all, events would be missing with no sign of it. The
//! stream says so instead: right after the priming comment comes an event of the reserved
//! type [`GAP_EVENT`], then every event still held, oldest first, then the new ones:
//!
//! ```text
//! event: typed-sse.gap
//! data: {"last_event_id":"1733471999000-0","first_available":"1733472000000-0"}
//!
//! ```
//!
//! `last_event_id` is the id the client sent, `first_available` the oldest id still held
//! (`null` when the store is empty), both JSON strings, in this key order. The gap
//! event has no `id:` field, so a client that disconnects before the next event comes back
//! with the same id and is told again. A follower that falls so far behind that the events
//! after its last one are trimmed gets the same event mid-stream, with its last id. On the
//! event, a client refetches a snapshot of whatever the stream describes.
//!
//! Names starting with `typed-sse.` are reserved: [`EventStore::append`] refuses them.
//!
//! [axum]: https://docs.rs/axum

#![deny(missing_docs)]

mod last_event_id;
mod memory;
mod redis_store;
mod sse;
mod store;

pub use last_event_id::{LastEventId, LastEventIdRejection, ResumeConfig, LAST_EVENT_ID};
pub use memory::MemoryStore;
pub use redis_store::{RedisStore, Trim};
pub use sse::{
    gap_event, sse_event, typed_event, EventStream, ResumableSse, GAP_EVENT, KEEP_ALIVE_COMMENT,
    PRIMING_COMMENT,
};
pub use store::{
    EventStore, FollowStream, Followed, Position, StoreError, StoredEvent, RESERVED_PREFIX,
};
/// The shared event enum's trait (from `typed-sse-core`), for [`EventStore::publish`] and
/// [`typed_event`].
pub use typed_sse_core::typed::{EncodeError, EncodedEvent, TypedEvent};

/// docs/typed.md's Rust blocks (the shared enum, the server, the Rust client), compiled as
/// doctests here, where both ends' crates are at hand.
#[cfg(doctest)]
#[doc = include_str!("../../docs/typed.md")]
struct TypedDoctests;
