//! The event-store contract: what the SSE layer needs from a history of events.

use std::fmt;
use std::future::Future;

use futures_util::stream::BoxStream;
use typed_sse_core::typed::{EncodeError, TypedEvent};

/// The reserved event-name prefix (typed-sse-core's): names starting with it belong to typed-sse
/// (the gap event) and [`EventStore::append`] refuses them, so an application event can never
/// pass for a gap.
pub use typed_sse_core::RESERVED_PREFIX;

/// One event as a store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The id the store gave it; sent as the SSE `id:` field.
    pub id: String,
    /// The SSE event name (`event:`); empty for the default `message`.
    pub event: String,
    /// The payload (`data:`); may contain line breaks.
    pub data: String,
}

/// Where a client's resume point stands in a store's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Every event after this id is still held: replaying after it loses nothing.
    Held,
    /// Some events after this id were trimmed away.
    Trimmed,
    /// Not an id this store gave out: malformed, newer than the newest it gave out, or from
    /// another store (a restarted [`MemoryStore`](crate::MemoryStore), another stream).
    Unknown,
}

/// What [`EventStore::follow`] yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followed {
    /// The next event, in id order.
    Event(StoredEvent),
    /// Events between `after` and the next event were trimmed while the reader was behind.
    Gap {
        /// The last id the reader had.
        after: String,
        /// The first id still held, if any.
        first_available: Option<String>,
    },
}

/// A store's live feed (see [`EventStore::follow`]).
pub type FollowStream = BoxStream<'static, Result<Followed, StoreError>>;

/// Why a store operation failed.
#[derive(Debug)]
pub enum StoreError {
    /// Redis refused the command or the connection failed.
    Redis(redis::RedisError),
    /// Redis answered with something this crate does not understand (another program wrote
    /// the key, or a server too old for the commands used).
    UnexpectedReply(String),
    /// The event name given to [`EventStore::append`] has a line break or the reserved prefix
    /// [`RESERVED_PREFIX`].
    InvalidEventName(String),
    /// [`EventStore::publish`] could not encode the value: its type is not an event enum, or
    /// serde_json refused the payload.
    Encode(EncodeError),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Redis(e) => write!(f, "redis: {e}"),
            StoreError::UnexpectedReply(what) => write!(f, "unexpected reply from the store: {what}"),
            StoreError::InvalidEventName(name) => write!(
                f,
                "invalid event name {name:?}: no CR or LF, and not starting with {RESERVED_PREFIX:?}"
            ),
            StoreError::Encode(e) => write!(f, "cannot encode the event: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Redis(e) => Some(e),
            StoreError::Encode(e) => Some(e),
            _ => None,
        }
    }
}

impl From<redis::RedisError> for StoreError {
    fn from(e: redis::RedisError) -> Self {
        StoreError::Redis(e)
    }
}

/// Checks an event name before it is stored (see [`StoreError::InvalidEventName`]).
pub(crate) fn check_event_name(event: &str) -> Result<(), StoreError> {
    if event.contains(['\r', '\n']) || event.starts_with(RESERVED_PREFIX) {
        return Err(StoreError::InvalidEventName(event.to_owned()));
    }
    Ok(())
}

/// A bounded, ordered history of events with ids, which several readers follow.
///
/// Ids are opaque strings to clients; a store defines their format and order. Implemented by
/// [`MemoryStore`](crate::MemoryStore) and [`RedisStore`](crate::RedisStore).
pub trait EventStore: Clone + Send + Sync + 'static {
    /// Appends an event and returns its id. Refuses an event name with CR or LF or the
    /// [`RESERVED_PREFIX`].
    fn append(
        &self,
        event: &str,
        data: &str,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;

    /// Appends a value of a shared event enum (see [`TypedEvent`]): its variant's name as the
    /// event name, its payload's JSON as the data. Returns the id it was given, which the
    /// client receives as the event's id.
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use typed_sse_axum::{EventStore, MemoryStore};
    ///
    /// #[derive(Serialize, Deserialize)]
    /// #[serde(tag = "type", content = "data", rename_all = "snake_case")]
    /// enum Chat {
    ///     Message { user: String, text: String },
    ///     Ping,
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = MemoryStore::with_epoch(100, 1);
    /// let id = store.publish(&Chat::Message { user: "ada".into(), text: "hi".into() }).await?;
    /// let held = store.replay_after(None, 10).await?;
    /// assert_eq!((held[0].id.as_str(), held[0].event.as_str()), (id.as_str(), "message"));
    /// assert_eq!(held[0].data, r#"{"user":"ada","text":"hi"}"#);
    /// # Ok::<(), typed_sse_axum::StoreError>(())
    /// # }).unwrap();
    /// ```
    fn publish<E: TypedEvent>(
        &self,
        value: &E,
    ) -> impl Future<Output = Result<String, StoreError>> + Send {
        // Encoded before the future: `E` itself need not be `Send`.
        let encoded = value.to_sse();
        async move {
            let encoded = encoded.map_err(StoreError::Encode)?;
            self.append(encoded.event_type, &encoded.data).await
        }
    }

    /// Up to `limit` events after the id `after` (exclusive), oldest first; from the first held
    /// event when `after` is `None`. An `after` that is not [`Position::Held`] gives what
    /// follows it in the store's order, which may skip events: check [`EventStore::position`].
    fn replay_after(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, StoreError>> + Send;

    /// The id of the oldest event still held, `None` when the store is empty.
    fn first_id(&self) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// The id of the newest event, `None` when the store is empty.
    fn last_id(&self) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Where `id` stands: held, trimmed or unknown.
    fn position(&self, id: &str) -> impl Future<Output = Result<Position, StoreError>> + Send;

    /// Every event after `after` (from the first held one when `None`), then each new event
    /// as it is appended, without end. A reader that falls so far behind that the events after
    /// its last one are trimmed gets a [`Followed::Gap`] before the next event.
    fn follow(
        &self,
        after: Option<String>,
    ) -> impl Future<Output = Result<FollowStream, StoreError>> + Send;
}
