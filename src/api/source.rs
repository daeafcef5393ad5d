//! [`SseClient`], the handle users hold, and its [`SseClientBuilder`].

use std::rc::{Rc, Weak};

use serde::de::DeserializeOwned;

use crate::api::stream::EventStream;
use crate::decode::{Decoder, Json, Text};
use crate::listeners::dispatch::{Incoming, ListenerId};
use crate::listeners::registry::Registry;
use crate::shell::Shell;
use crate::{ConfigError, DecodeError, Event, Gap, Role, SseClientBuilder, State, StreamError};

/// A server-sent event stream with typed listeners and a reconnect policy.
///
/// Wraps the browser's [`EventSource`](https://developer.mozilla.org/docs/Web/API/EventSource):
/// the browser parses the stream, this handle decodes each event into the listener's type, and
/// decides itself when and how to reconnect (see [`ReconnectPolicy`](crate::ReconnectPolicy)), resuming from the last
/// event id.
///
/// The handle owns every closure it hands to the browser. [`close`](Self::close), or dropping the
/// handle, closes the connection, cancels any pending reconnect and releases every listener.
/// Closing or dropping it from inside one of its own callbacks is safe.
///
/// ```no_run
/// use serde::Deserialize;
/// use typed_sse::{SseClient, State};
///
/// #[derive(Deserialize)]
/// struct Quote { symbol: String, price: f64 }
///
/// # fn main() -> Result<(), typed_sse::ConfigError> {
/// let source = SseClient::builder("/events")
///     .on::<Quote>("tick", |result| match result {
///         Ok(event) => println!("{} is at {}", event.data.symbol, event.data.price),
///         Err(bad) => eprintln!("skipped a malformed tick: {}", bad.raw()),
///     })
///     .on_state(|state| {
///         if let State::Reconnecting { attempt, delay_ms, .. } = state {
///             println!("reconnect attempt {attempt} in {delay_ms} ms");
///         }
///     })
///     .build()?;
/// // ... later; dropping `source` does the same.
/// source.close();
/// # Ok(())
/// # }
/// ```
#[must_use = "dropping an SseClient closes it"]
pub struct SseClient {
    shell: Rc<Shell>,
}

impl std::fmt::Debug for SseClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseClient")
            .field("url", &self.shell.url())
            .field("state", &self.shell.state())
            .finish_non_exhaustive()
    }
}

impl SseClient {
    /// Connects to `url` (absolute, or relative to the page) with the default settings.
    ///
    /// Fails with [`ConfigError::InvalidUrl`] for a URL that cannot be parsed.
    pub fn new(url: &str) -> Result<Self, ConfigError> {
        Self::builder(url).build()
    }

    /// Starts configuring a source for `url`; nothing connects before [`SseClientBuilder::build`].
    pub fn builder(url: impl Into<String>) -> SseClientBuilder {
        SseClientBuilder::new(url.into())
    }

    /// Listens for events of `event_type`, decoding their data as JSON into `T`.
    pub fn on<T: DeserializeOwned + 'static>(
        &self,
        event_type: &str,
        listener: impl FnMut(Result<Event<T>, DecodeError>) + 'static,
    ) -> Subscription {
        self.on_with::<Json<T>>(event_type, listener)
    }

    /// Listens for events of `event_type`, receiving their data as text.
    pub fn on_text(
        &self,
        event_type: &str,
        mut listener: impl FnMut(Event<String>) + 'static,
    ) -> Subscription {
        self.on_with::<Text>(event_type, move |r| {
            if let Ok(event) = r {
                listener(event)
            }
        })
    }

    /// Listens for the gap signal after the source is built: see
    /// [`SseClientBuilder::on_gap`](crate::SseClientBuilder::on_gap).
    pub fn on_gap(&self, mut listener: impl FnMut(Gap) + 'static) -> Subscription {
        self.on_text(crate::GAP_EVENT, move |event| {
            listener(Gap::from_event(&event.data, &event.last_event_id()))
        })
    }

    /// Listens for events of `event_type`, decoding them with `D`.
    pub fn on_with<D: Decoder>(
        &self,
        event_type: &str,
        listener: impl FnMut(Result<Event<D::Output>, DecodeError>) + 'static,
    ) -> Subscription {
        let handler = typed_handler::<D>(Rc::downgrade(&self.shell.registry), listener);
        let id = self.shell.add_listener(event_type, handler);
        self.subscription(id)
    }

    /// Listens for the events whose types are the variant names of the enum `E` (after serde's
    /// renames), each decoded into its variant: the event type picks the variant, the data
    /// (JSON) is its payload, and a unit variant ignores the data. One listener, in stream
    /// order; events of other types are skipped, never errors (a newer server must not break
    /// an older client). Dropping the [`Subscription`] removes it from every type.
    ///
    /// `E` is an enum of one of two shapes: serde's default (externally tagged), or
    /// `#[serde(tag = "type", content = "data")]`, the shape an enum shared with the server
    /// has (`typed_sse_core::typed::TypedEvent`, docs/typed.md). Another type (a struct, an
    /// internally tagged or untagged enum, other tag names) would listen to nothing:
    /// [`ConfigError::InvalidOption`] (field `on_union`).
    ///
    /// ```no_run
    /// # use serde::Deserialize;
    /// #[derive(Deserialize)]
    /// #[serde(rename_all = "snake_case")]
    /// enum Answer { ContentBlockDelta(serde_json::Value), MessageStop }
    /// # fn run(source: &typed_sse::SseClient) -> Result<(), typed_sse::ConfigError> {
    /// let _subscription = source.on_union::<Answer>(|event| {
    ///     if let Ok(event) = event {
    ///         match event.data {
    ///             Answer::ContentBlockDelta(delta) => println!("{delta}"),
    ///             Answer::MessageStop => println!("done"),
    ///         }
    ///     }
    /// })?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_union<E: DeserializeOwned + 'static>(
        &self,
        listener: impl FnMut(Result<Event<E>, DecodeError>) + 'static,
    ) -> Result<Subscription, ConfigError> {
        let names = crate::listeners::union::event_types::<E>()?;
        let make =
            crate::listeners::union::handler::<E>(Rc::downgrade(&self.shell.registry), listener);
        let id = self.registry().next_listener_id();
        for name in names {
            self.shell.add_listener_as(name, id, make());
        }
        Ok(self.subscription(id))
    }

    /// The events of [`on_union`](Self::on_union) as a [`Stream`](futures_core::Stream), in
    /// stream order. It ends when the source closes; dropping it removes its listener. The
    /// same error as `on_union` for a type of another shape.
    pub fn stream_union<E: DeserializeOwned + 'static>(
        &self,
    ) -> Result<EventStream<E>, ConfigError> {
        let (sender, receiver) = futures_channel::mpsc::unbounded();
        let subscription = self.on_union::<E>(move |r| {
            let _ = sender.unbounded_send(r);
        })?;
        Ok(EventStream::new(receiver, subscription))
    }

    /// Listens to state changes.
    pub fn on_state(&self, listener: impl FnMut(&State) + 'static) -> Subscription {
        let id = self.registry().add_state_listener(Box::new(listener));
        self.subscription(id)
    }

    /// Listens to errors: decode errors, failed connections, and the error that closes the source.
    pub fn on_error(&self, listener: impl FnMut(&StreamError) + 'static) -> Subscription {
        let id = self.registry().add_error_listener(Box::new(listener));
        self.subscription(id)
    }

    /// A [`Stream`](futures_core::Stream) of the events of `event_type`, decoded as JSON into `T`.
    /// It ends when the source closes; dropping it removes its listener.
    pub fn stream<T: DeserializeOwned + 'static>(&self, event_type: &str) -> EventStream<T> {
        self.stream_with::<Json<T>>(event_type)
    }

    /// A stream of the events of `event_type`, decoded with `D`.
    pub fn stream_with<D: Decoder>(&self, event_type: &str) -> EventStream<D::Output> {
        let (sender, receiver) = futures_channel::mpsc::unbounded();
        let subscription = self.on_with::<D>(event_type, move |r| {
            // The receiver is gone only once the stream was dropped, which removes this listener.
            let _ = sender.unbounded_send(r);
        });
        EventStream::new(receiver, subscription)
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.shell.state()
    }

    /// The id of the last event delivered (empty before any): what the next connection resumes from.
    pub fn last_event_id(&self) -> String {
        self.shell.last_event_id()
    }

    /// What this source is to its connection: its own, or a shared one that it holds or
    /// follows ([`SseClientBuilder::shared`](crate::SseClientBuilder::shared)).
    pub fn role(&self) -> Role {
        self.shell.role()
    }

    /// The absolute URL the source connects to (without the resume parameter).
    pub fn url(&self) -> String {
        self.shell.url()
    }

    /// Closes the source for good: the connection, any pending reconnect or probe, and every
    /// listener. Calling it again does nothing.
    pub fn close(&self) {
        self.shell.close();
    }

    fn subscription(&self, id: ListenerId) -> Subscription {
        Subscription {
            registry: Rc::downgrade(self.registry()),
            id,
        }
    }

    /// The shell, for the JS API's hub, which reports terminal markers it sees itself.
    #[cfg(feature = "js")]
    pub(crate) fn shell(&self) -> Weak<Shell> {
        Rc::downgrade(&self.shell)
    }

    pub(crate) fn from_shell(shell: Rc<Shell>) -> Self {
        Self { shell }
    }

    /// The listeners, for the JS API's state and error listeners.
    pub(crate) fn registry(&self) -> &Rc<Registry> {
        &self.shell.registry
    }
}

impl Drop for SseClient {
    fn drop(&mut self) {
        self.shell.close();
    }
}

/// A listener added to a running [`SseClient`]; dropping it removes the listener.
#[must_use = "dropping a Subscription removes its listener; call detach() to keep it"]
#[derive(Debug)]
pub struct Subscription {
    registry: Weak<Registry>,
    id: ListenerId,
}

impl Subscription {
    /// Keeps the listener for as long as the source lives, instead of until this value drops.
    pub fn detach(mut self) {
        self.registry = Weak::new();
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            registry.remove(self.id);
        }
    }
}

/// Wraps a typed listener: decode the shared text, report a failure to the error listeners too.
pub(crate) fn typed_handler<D: Decoder>(
    registry: Weak<Registry>,
    mut listener: impl FnMut(Result<Event<D::Output>, DecodeError>) + 'static,
) -> Box<dyn FnMut(&Incoming)> {
    let skips_empty = D::skips_empty();
    Box::new(move |incoming: &Incoming| {
        let text = incoming.text();
        if skips_empty && text.is_empty() {
            return;
        }
        match D::decode(text) {
            Ok(data) => listener(Ok(incoming.event(data))),
            Err(message) => {
                let error = DecodeError::new(&incoming.event_type, text, message);
                if let Some(registry) = registry.upgrade() {
                    registry.report(&StreamError::Decode(error.clone()));
                }
                listener(Err(error));
            }
        }
    })
}
