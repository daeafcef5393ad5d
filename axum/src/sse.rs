//! [`ResumableSse`]: a store and a resume point turned into an SSE response.

use std::convert::Infallible;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, BoxStream, StreamExt};

use crate::last_event_id::LastEventId;
use typed_sse_core::typed::TypedEvent;

use crate::store::{check_event_name, EventStore, Followed, Position, StoreError, StoredEvent};

/// The event name of the gap signal (see the crate docs for its bytes), shared with the
/// client through typed-sse-core.
pub use typed_sse_core::GAP_EVENT;

/// The comment sent first, at once, so that the headers and a first byte leave the server
/// even through proxies and HTTP/2 stacks that hold headers until the body starts.
pub const PRIMING_COMMENT: &str = "ok";

/// The keep-alive comment's text.
pub const KEEP_ALIVE_COMMENT: &str = "keep-alive";

/// The events of a [`ResumableSse`] response.
pub type EventStream = BoxStream<'static, Result<Event, Infallible>>;

/// Serves one stream of a store as resumable SSE.
///
/// ```no_run
/// use axum::{extract::State, response::Response, routing::get, Router};
/// use typed_sse_axum::{EventStore, LastEventId, MemoryStore, ResumableSse};
///
/// async fn events(State(sse): State<ResumableSse<MemoryStore>>, last: LastEventId) -> Response {
///     sse.respond(last).await
/// }
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::new(10_000);
/// let sse = ResumableSse::new(store.clone()).retry(std::time::Duration::from_secs(2));
/// let app = Router::new().route("/events", get(events)).with_state(sse);
/// store.append("tick", r#"{"n":1}"#).await?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// axum::serve(listener, app).await?;
/// # Ok(())
/// # }
/// ```
///
/// A client without a resume point gets the events appended from now on; a client with one
/// gets every event after it, then the new ones; a client whose id is trimmed or unknown gets
/// the gap event, then every event still held, then the new ones.
#[derive(Clone)]
pub struct ResumableSse<S> {
    store: S,
    keep_alive: Duration,
    retry: Option<Duration>,
}

impl<S: EventStore> ResumableSse<S> {
    /// Serves `store` with a keep-alive comment every 15 s and no `retry:` field.
    pub fn new(store: S) -> Self {
        Self {
            store,
            keep_alive: Duration::from_secs(15),
            retry: None,
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Sends a keep-alive comment after `interval` without an event.
    pub fn keep_alive(mut self, interval: Duration) -> Self {
        self.keep_alive = interval;
        self
    }

    /// Sends `retry: <ms>` with the priming comment: the client's reconnection delay.
    pub fn retry(mut self, delay: Duration) -> Self {
        self.retry = Some(delay);
        self
    }

    /// The SSE response for a client at `last`; 503 Service Unavailable (a plain-text reason)
    /// when the store cannot be read. A store error after the response started ends the
    /// stream; the client reconnects with its last id and loses nothing.
    pub async fn respond(&self, last: LastEventId) -> Response {
        match self.events(last).await {
            Ok(events) => Sse::new(events)
                .keep_alive(
                    KeepAlive::new()
                        .interval(self.keep_alive)
                        .text(KEEP_ALIVE_COMMENT),
                )
                .into_response(),
            Err(e) => {
                (StatusCode::SERVICE_UNAVAILABLE, format!("event store: {e}")).into_response()
            }
        }
    }

    /// The events [`ResumableSse::respond`] sends, for a response of your own.
    pub async fn events(&self, last: LastEventId) -> Result<EventStream, crate::StoreError> {
        let mut priming = Event::default().comment(PRIMING_COMMENT);
        if let Some(retry) = self.retry {
            priming = priming.retry(retry);
        }
        let mut head = vec![priming];
        let follow = match last.0 {
            None => {
                let now = self.store.last_id().await?;
                self.store.follow(now).await?
            }
            Some(id) => match self.store.position(&id).await? {
                // A trimmed id is followed from where it is: the follower reports the gap
                // from the same read as the first event it replays, so a trim in between
                // cannot make the gap event name a first id that is already gone.
                Position::Held | Position::Trimmed => self.store.follow(Some(id)).await?,
                Position::Unknown => {
                    let first = self.store.first_id().await?;
                    head.push(gap_event(&id, first.as_deref()));
                    self.store.follow(None).await?
                }
            },
        };
        let body = follow
            .take_while(|item| std::future::ready(item.is_ok()))
            .filter_map(|item| {
                std::future::ready(item.ok().map(|followed| match followed {
                    Followed::Event(event) => sse_event(&event),
                    Followed::Gap {
                        after,
                        first_available,
                    } => gap_event(&after, first_available.as_deref()),
                }))
            });
        Ok(stream::iter(head).chain(body).map(Ok).boxed())
    }
}

/// The gap event: `event: typed-sse.gap`, data `{"last_event_id":…,"first_available":…}`,
/// no `id:` (the client keeps its last id until a replayed event replaces it).
pub fn gap_event(last_event_id: &str, first_available: Option<&str>) -> Event {
    // typed-sse-core writes it (a fixed key order, the strings escaped by serde_json) and its
    // client reads it back (`Gap::from_event`).
    let data = typed_sse_core::Gap::to_data(last_event_id, first_available);
    Event::default().event(GAP_EVENT).data(data)
}

/// A stored event as SSE. Ids and names come from the store, which may hold what another
/// program wrote: CR and LF (which would end the field early) become spaces in them; line
/// breaks in the data (CRLF, CR, LF) become one `data:` line each. An empty id sends no `id:`
/// field (an empty one would reset the client's last id).
pub fn sse_event(event: &StoredEvent) -> Event {
    let field = |text: &str| text.replace(['\r', '\n'], " ");
    let mut sse = Event::default();
    if !event.id.is_empty() {
        sse = sse.id(field(&event.id));
    }
    if !event.event.is_empty() {
        sse = sse.event(field(&event.event));
    }
    let data = event.data.replace("\r\n", "\n").replace('\r', "\n");
    sse.data(data)
}

/// A value of a shared event enum as one SSE event with the id it is given, for a stream
/// without a store: `id:` (when given), `event:` the variant's name, `data:` the payload's
/// JSON on one line (see [`TypedEvent`]). The same errors as [`EventStore::publish`]: the
/// type is not an event enum, or the variant's name has a line break or the reserved prefix.
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// #[serde(tag = "type", content = "data", rename_all = "snake_case")]
/// enum Chat {
///     Joined(String),
/// }
///
/// let event = typed_sse_axum::typed_event(&Chat::Joined("ada".into()), Some("7"))?;
/// # Ok::<(), typed_sse_axum::StoreError>(())
/// ```
pub fn typed_event<E: TypedEvent>(value: &E, id: Option<&str>) -> Result<Event, StoreError> {
    let encoded = value.to_sse().map_err(StoreError::Encode)?;
    check_event_name(encoded.event_type)?;
    Ok(sse_event(&StoredEvent {
        id: id.unwrap_or_default().to_owned(),
        event: encoded.event_type.to_owned(),
        data: encoded.data,
    }))
}
