//! [`EventSource`], the handle users hold, and its [`Builder`].

use std::future::Future;
use std::rc::{Rc, Weak};

use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::decode::{Decoder, Json, Text};
use crate::dispatch::{Incoming, ListenerId};
use crate::registry::Registry;
use crate::shell::{Refresher, Shell};
use crate::stream::EventStream;
use crate::transport::Attached;
use crate::{DecodeError, Error, Event, ReconnectPolicy, State};

/// A server-sent event stream with typed listeners and a reconnect policy.
///
/// Wraps the browser's [`EventSource`](https://developer.mozilla.org/docs/Web/API/EventSource):
/// the browser parses the stream, this handle decodes each event into the listener's type, and
/// decides itself when and how to reconnect (see [`ReconnectPolicy`]), resuming from the last
/// event id.
///
/// The handle owns every closure it hands to the browser. [`close`](Self::close), or dropping the
/// handle, closes the connection, cancels any pending reconnect and releases every listener.
/// Closing or dropping it from inside one of its own callbacks is safe.
///
/// ```no_run
/// use serde::Deserialize;
/// use typed_sse::{EventSource, State};
///
/// #[derive(Deserialize)]
/// struct Quote { symbol: String, price: f64 }
///
/// # fn main() -> Result<(), typed_sse::Error> {
/// let source = EventSource::builder("/events")
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
#[must_use = "dropping an EventSource closes it"]
pub struct EventSource {
    shell: Rc<Shell>,
}

impl std::fmt::Debug for EventSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSource")
            .field("url", &self.shell.url())
            .field("state", &self.shell.state())
            .finish_non_exhaustive()
    }
}

impl EventSource {
    /// Connects to `url` (absolute, or relative to the page) with the default settings.
    ///
    /// Fails with [`Error::InvalidUrl`] for a URL that cannot be parsed.
    pub fn new(url: &str) -> Result<Self, Error> {
        Self::builder(url).build()
    }

    /// Starts configuring a source for `url`; nothing connects before [`Builder::build`].
    pub fn builder(url: impl Into<String>) -> Builder {
        Builder {
            config: Config::new(url.into()),
            registry: Rc::default(),
        }
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

    /// Listens to state changes.
    pub fn on_state(&self, listener: impl FnMut(&State) + 'static) -> Subscription {
        let id = self.registry().add_state_listener(Box::new(listener));
        self.subscription(id)
    }

    /// Listens to errors: decode errors, failed connections, and the error that closes the source.
    pub fn on_error(&self, listener: impl FnMut(&Error) + 'static) -> Subscription {
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

    /// The listeners, for the JS API's state and error listeners.
    pub(crate) fn registry(&self) -> &Rc<Registry> {
        &self.shell.registry
    }
}

impl Drop for EventSource {
    fn drop(&mut self) {
        self.shell.close();
    }
}

/// A listener added to a running [`EventSource`]; dropping it removes the listener.
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
fn typed_handler<D: Decoder>(
    registry: Weak<Registry>,
    mut listener: impl FnMut(Result<Event<D::Output>, DecodeError>) + 'static,
) -> Box<dyn FnMut(&Incoming)> {
    Box::new(move |incoming: &Incoming| {
        let text = incoming.text();
        match D::decode(text) {
            Ok(data) => listener(Ok(incoming.event(data))),
            Err(message) => {
                let error = DecodeError::new(&incoming.event_type, text, message);
                if let Some(registry) = registry.upgrade() {
                    registry.report(&Error::Decode(error.clone()));
                }
                listener(Err(error));
            }
        }
    })
}

/// Configures an [`EventSource`] before it connects. Listeners added here live as long as the
/// source.
#[must_use = "a Builder does nothing until build()"]
pub struct Builder {
    config: Config,
    registry: Rc<Registry>,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("url", &self.config.url)
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// Sends cookies and credentials cross-origin (`withCredentials`). Default `false`.
    pub fn with_credentials(mut self, yes: bool) -> Self {
        self.config.with_credentials = yes;
        self
    }

    /// The reconnect policy. Default: [`ReconnectPolicy::default`].
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.config.settings.policy = policy;
        self
    }

    /// The query parameter that carries the last event id when reconnecting. Default
    /// `lastEventId`; `None` turns resuming off.
    pub fn resume_param(mut self, name: Option<&str>) -> Self {
        self.config.settings.resume_param = name.map(str::to_owned);
        self
    }

    /// Resume from `id`: the first connection already carries it (in the resume parameter), as
    /// if an earlier connection had delivered that event. Hooks use it to keep the position
    /// across a change of URL.
    pub fn last_event_id(mut self, id: &str) -> Self {
        id.clone_into(&mut self.config.last_event_id);
        self
    }

    /// Treat the connection as dead when no event arrives for `ms` milliseconds, and reconnect
    /// under the policy. Off by default. Only events the source listens for count: register the
    /// server's heartbeat with [`heartbeat_event`](Self::heartbeat_event).
    pub fn idle_timeout_ms(mut self, ms: u32) -> Self {
        self.config.settings.idle_timeout_ms = Some(ms);
        self
    }

    /// Listens for `event_type` (e.g. `heartbeat`) only to keep the idle timeout from firing.
    pub fn heartbeat_event(self, event_type: &str) -> Self {
        self.registry.type_listeners(event_type);
        self
    }

    /// While `navigator.onLine` is false, wait for the `online` event instead of spending
    /// retries, and reconnect as soon as it fires. Default `true`.
    pub fn pause_when_offline(mut self, yes: bool) -> Self {
        self.config.settings.pause_when_offline = yes;
        self
    }

    /// The longest a server's `Retry-After` is honoured: a longer one waits this long. Default
    /// five minutes; at most `i32::MAX` ms (a browser timer's limit), checked by `build()`.
    pub fn max_retry_after_ms(mut self, ms: u32) -> Self {
        self.config.settings.max_retry_after_ms = ms;
        self
    }

    /// How long the URL refresher may take before it counts as failed (the source then closes
    /// with [`Error::Unauthorized`]). Default 30 s.
    pub fn refresh_timeout_ms(mut self, ms: u32) -> Self {
        self.config.settings.refresh_timeout_ms = ms;
        self
    }

    /// Disconnect while the page is hidden and reconnect (with resume) when it is shown again.
    /// Default `false`.
    pub fn pause_when_hidden(mut self, yes: bool) -> Self {
        self.config.settings.pause_when_hidden = yes;
        self
    }

    /// Called after a 401 or 403, before the next attempt: returns a new URL (e.g. with a fresh
    /// token). Without one, 401/403 close the source with [`Error::Unauthorized`].
    pub fn url_refresher<F, Fut>(self, refresher: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<String, String>> + 'static,
    {
        self.refresher(Rc::new(move |done| {
            let future = refresher();
            wasm_bindgen_futures::spawn_local(async move { done(future.await) });
            None
        }))
    }

    /// Sets the refresher in its callback form (the JS API's `refreshUrl`).
    pub(crate) fn refresher(mut self, refresher: Refresher) -> Self {
        self.config.refresher = Some(refresher);
        self
    }

    /// Listens for events of `event_type`, decoding their data as JSON into `T`.
    pub fn on<T: DeserializeOwned + 'static>(
        self,
        event_type: &str,
        listener: impl FnMut(Result<Event<T>, DecodeError>) + 'static,
    ) -> Self {
        self.on_with::<Json<T>>(event_type, listener)
    }

    /// Listens for unnamed events (type `message`), decoding their data as JSON into `T`.
    pub fn on_message<T: DeserializeOwned + 'static>(
        self,
        listener: impl FnMut(Result<Event<T>, DecodeError>) + 'static,
    ) -> Self {
        self.on::<T>("message", listener)
    }

    /// Listens for events of `event_type`, receiving their data as text.
    pub fn on_text(
        self,
        event_type: &str,
        mut listener: impl FnMut(Event<String>) + 'static,
    ) -> Self {
        self.on_with::<Text>(event_type, move |r| {
            if let Ok(event) = r {
                listener(event)
            }
        })
    }

    /// Listens for events of `event_type`, decoding them with `D`.
    pub fn on_with<D: Decoder>(
        self,
        event_type: &str,
        listener: impl FnMut(Result<Event<D::Output>, DecodeError>) + 'static,
    ) -> Self {
        let handler = typed_handler::<D>(Rc::downgrade(&self.registry), listener);
        let id = self.registry.next_listener_id();
        self.registry.type_listeners(event_type).0.add(id, handler);
        self
    }

    /// Receives every event, as text, of every type this source listens for (`message` included),
    /// after that type's own listeners.
    pub fn on_any(self, mut listener: impl FnMut(Event<String>) + 'static) -> Self {
        self.registry.type_listeners("message");
        self.registry
            .add_catch_all(Box::new(move |incoming: &Incoming| {
                listener(incoming.event(incoming.text().to_owned()))
            }));
        self
    }

    /// Listens to state changes.
    pub fn on_state(self, listener: impl FnMut(&State) + 'static) -> Self {
        self.registry.add_state_listener(Box::new(listener));
        self
    }

    /// Listens to errors.
    pub fn on_error(self, listener: impl FnMut(&Error) + 'static) -> Self {
        self.registry.add_error_listener(Box::new(listener));
        self
    }

    /// Listeners that attach themselves to every native connection (the JS API's hook into the
    /// builder: unused without it).
    #[allow(dead_code)]
    pub(crate) fn attached(mut self, attached: Rc<dyn Attached>) -> Self {
        self.config.attached = Some(attached);
        self
    }

    /// Connects. Fails with [`Error::InvalidUrl`] when the URL cannot be parsed, and with
    /// [`Error::InvalidOption`] for a setting out of range (a delay longer than a browser timer
    /// holds, about 24.8 days).
    pub fn build(self) -> Result<EventSource, Error> {
        let shell = self.config.into_shell(self.registry)?;
        shell.start();
        match shell.state() {
            State::Closed(crate::CloseReason::Failed(e @ Error::InvalidUrl { .. })) => Err(e),
            _ => Ok(EventSource { shell }),
        }
    }
}
