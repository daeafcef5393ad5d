//! [`SseClientBuilder`]: how an [`SseClient`] is configured before it connects.

use std::future::Future;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::config::Config;
use crate::api::source::typed_handler;
use crate::decode::{Decoder, Json, Text};
use crate::listeners::dispatch::Incoming;
use crate::listeners::registry::Registry;
use crate::shell::Refresher;
use crate::transport::{Attached, Transport};
use crate::{
    ConfigError, DecodeError, Event, Gap, ReconnectPolicy, Resume, SseClient, State, StorageArea,
    StreamError,
};

/// Configures an [`SseClient`] before it connects. Listeners added here live as long as the
/// source.
#[must_use = "an SseClientBuilder does nothing until build()"]
pub struct SseClientBuilder {
    config: Config,
    registry: Rc<Registry>,
}

impl std::fmt::Debug for SseClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseClientBuilder")
            .field("url", &self.config.url)
            .finish_non_exhaustive()
    }
}

impl SseClientBuilder {
    pub(crate) fn new(url: String) -> Self {
        Self {
            config: Config::new(url),
            registry: Rc::default(),
        }
    }

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
    /// `lastEventId` with the native transport, none with fetch (which sends the
    /// `Last-Event-ID` header); `None` turns it off.
    pub fn resume_param(mut self, name: Option<&str>) -> Self {
        self.config.resume_param = Some(name.map(str::to_owned));
        self
    }

    /// Resume from `id`: the first connection already carries it (in the resume parameter, or
    /// with the fetch transport the `Last-Event-ID` header), as if an earlier connection had
    /// delivered that event. Hooks use it to keep the position across a change of URL. An id
    /// with NUL, CR or LF fails [`build`](Self::build) with [`ConfigError::InvalidOption`](crate::ConfigError::InvalidOption).
    pub fn last_event_id(mut self, id: &str) -> Self {
        id.clone_into(&mut self.config.last_event_id);
        self
    }

    /// Close the source when `signal` is aborted, with [`CloseReason::Aborted`](crate::CloseReason::Aborted).
    /// A signal aborted already closes it at once, before any request is made.
    pub fn signal(mut self, signal: &web_sys::AbortSignal) -> Self {
        self.config.signal = Some(signal.clone());
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
    /// with [`StreamError::Unauthorized`]), and how long a headers function (fetch transport) may take
    /// before the attempt counts as a network failure. Default 30 s.
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
    /// token). Without one, 401/403 close the source with [`StreamError::Unauthorized`].
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

    /// The transport. Default: [`Transport::Native`] where the browser has one, else
    /// [`Transport::Fetch`] (Node, some workers); also `Fetch` when a setting only fetch can
    /// send is given (a method, headers, a body).
    pub fn transport(mut self, transport: Transport) -> Self {
        self.config.transport = Some(transport);
        self
    }

    /// Shares one connection with every client of the same URL and request settings, in every
    /// tab and frame of the origin: one tab holds it (elected with Web Locks) and relays each
    /// event on a `BroadcastChannel`; when it closes, crashes or is frozen, another takes over
    /// and resumes from the last id relayed. Each client keeps its own listeners, state and
    /// `close`; [`SseClient::role`](crate::SseClient::role) says which part it plays.
    /// The holder reads the stream with fetch whatever the transport, and a headers function
    /// runs in the tab that holds. Where Web Locks or `BroadcastChannel` is missing (and in
    /// Node) the client opens a connection of its own ([`Role::Own`](crate::Role::Own)). A
    /// method other than GET or HEAD is refused (`InvalidOption` naming `shared`): a take-over
    /// would send it again. See docs/tabs.md. Default off.
    pub fn shared(mut self, yes: bool) -> Self {
        self.config.shared = yes;
        self
    }

    /// Keeps the last event id in storage under `key` (`sessionStorage` per tab, or
    /// `localStorage` per origin), so that a reload or a restored tab resumes where it stopped.
    /// A [`last_event_id`](Self::last_event_id) given wins over the kept one. Storage that is
    /// missing or refuses (Node, a sandboxed frame, a full quota) keeps nothing, silently.
    pub fn store_last_event_id(mut self, key: &str, area: StorageArea) -> Self {
        self.config.store = Some((key.to_owned(), area));
        self
    }

    /// The request method (fetch transport). Default `GET`.
    pub fn method(mut self, method: &str) -> Self {
        self.config.fetch.method = Some(method.to_owned());
        self.config.fetch_only = Some("method");
        self
    }

    /// A request header sent with every connection (fetch transport). `Accept:
    /// text/event-stream` and, when resuming, `Last-Event-ID` are always sent.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.config
            .headers
            .push((name.to_owned(), value.to_owned()));
        self.config.fetch_only = Some("header");
        self
    }

    /// Headers computed before every connection (fetch transport), so that each retry carries a
    /// fresh token (fetched asynchronously if need be); a 401/403 is then worth one more attempt.
    /// Replaces [`header`](Self::header): with both set, in either order, only this one is used.
    pub fn headers_with<F, Fut>(mut self, headers: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Vec<(String, String)>> + 'static,
    {
        let closure = crate::transport::fetch::headers_function(headers);
        self.config.fetch.headers = closure.as_ref().as_ref().clone();
        self.config.fetch.headers_closure = Some(closure);
        self.config.fetch_only = Some("headers_with");
        self
    }

    /// The request body, sent as it is (fetch transport; use with [`method`](Self::method)).
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.config.fetch.body = Some((body.into(), None));
        self.config.fetch_only = Some("body");
        self
    }

    /// A JSON request body with its content type (fetch transport): an LLM completion request.
    pub fn json_body<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.config.fetch_only = Some("json_body");
        self.config.fetch.body = Some(match serde_json::to_string(body) {
            Ok(json) => (json, Some("application/json".to_owned())),
            // Reported by `build()`, like every other invalid setting.
            Err(e) => {
                self.config.body_error = Some(e.to_string());
                (String::new(), None)
            }
        });
        self
    }

    /// A request body that is already JSON text, sent with its content type (fetch transport).
    pub fn json_text(mut self, json: impl Into<String>) -> Self {
        self.config.fetch.body = Some((json.into(), Some("application/json".to_owned())));
        self.config.fetch_only = Some("json_text");
        self
    }

    /// The most bytes one event (or one unterminated line) may take (fetch transport), counted
    /// as the parser holds them: the event's type, the id it sets, its data so far (a line feed
    /// after each `data` value) and the raw line being read, field name included; bytes that
    /// are not valid UTF-8 count as the U+FFFD text they become (3 bytes each). Past it the
    /// connection is dropped with [`StreamError::TooLarge`] and the policy retries; what was
    /// delivered stays delivered.
    ///
    /// What a page pays: with the fetch transport every byte passes through wasm memory, which
    /// never shrinks, so a page keeps what its largest event took. A line or data over 64 KiB
    /// is gathered in 64 KiB pieces and joined once complete: an event of S bytes takes about
    /// 2 × S at that moment (a 16 MB event leaves about 31 MiB), then S plus the freed pieces,
    /// which the next big event reuses; an endless line stopped at the cap leaves about the cap
    /// (16 MiB by default). The id that an event sets is copied once more for the resume point.
    /// To pay less, lower the cap to the largest event the server really sends: a cap of 1 MiB
    /// bounds what any stream can take to a few MiB. Default 16 MiB; from 1 to
    /// [`MAX_EVENT_BYTES_LIMIT`](crate::MAX_EVENT_BYTES_LIMIT) (256 MiB): `build()` refuses
    /// others with [`ConfigError::InvalidOption`].
    pub fn max_event_bytes(mut self, bytes: usize) -> Self {
        self.config.fetch.max_event_bytes = bytes;
        self
    }

    /// Whether the server's `retry:` field replaces the policy's initial delay (fetch
    /// transport; the growth, the cap, the jitter and the budget stay the policy's). Default
    /// `true`.
    pub fn server_retry(mut self, yes: bool) -> Self {
        self.config.settings.honor_server_retry = yes;
        self
    }

    /// Whether an event whose data is exactly `[DONE]` (the end of an OpenAI-style answer) ends
    /// the stream: it is not decoded nor delivered, and the source closes with
    /// [`CloseReason::Done`](crate::CloseReason::Done), which is not an error. Default `true`.
    pub fn done_marker(mut self, yes: bool) -> Self {
        self.config.terminal.done_marker = yes;
        self
    }

    /// Event types that end the stream (e.g. Anthropic's `message_stop`): such an event is
    /// delivered to its listeners, then the source closes with
    /// [`CloseReason::Done`](crate::CloseReason::Done), which is not an error. Nothing after it
    /// is delivered or reconnected. Replaces any earlier list.
    pub fn terminal_events(mut self, event_types: &[&str]) -> Self {
        self.config.terminal.types = event_types.iter().map(|&t| t.to_owned()).collect();
        self
    }

    /// A predicate over an event's type and data that says the event ends the stream, as
    /// [`terminal_events`](Self::terminal_events) does by type: e.g. the JSON-RPC response
    /// that ends an MCP `tools/call` stream. It is asked for every event the source receives
    /// that no earlier rule ended (on the native transport, every event of a type the source
    /// listens for: the browser delivers no other). Replaces any earlier predicate.
    ///
    /// ```no_run
    /// # use typed_sse::SseClient;
    /// let builder = SseClient::builder("https://example.com/mcp")
    ///     .method("POST")
    ///     .terminal_if(|event_type, data| event_type == "message" && data.contains(r#""result""#));
    /// ```
    pub fn terminal_if(mut self, predicate: impl Fn(&str, &str) -> bool + 'static) -> Self {
        self.config.terminal.predicate = Some(Rc::new(predicate));
        self
    }

    /// How the stream of a request that is not safe to repeat (a [`method`](Self::method) other
    /// than GET and HEAD) resumes after a cut. Default [`Resume::Never`]: such a stream that
    /// the server accepted (a 200 head) and that then ends, drops or goes idle closes with
    /// [`CloseReason::Ended`](crate::CloseReason::Ended) and is never sent again. See the table
    /// on [`Resume`].
    pub fn resume(mut self, resume: Resume) -> Self {
        self.config.settings.resume = resume;
        self
    }

    /// Receives the text of every comment line (fetch transport): `: keep-alive`, say.
    pub fn on_comment(self, listener: impl FnMut(&str) + 'static) -> Self {
        self.registry.add_comment_listener(Box::new(listener));
        self
    }

    /// The fetch settings, for the JS API's options (a headers object or function, a fetch
    /// function, a body) that arrive as JS values.
    #[allow(dead_code)] // the JS API's hook into the builder: unused without it
    pub(crate) fn fetch_settings(
        mut self,
        field: &'static str,
        set: impl FnOnce(&mut crate::transport::fetch::FetchSettings),
    ) -> Self {
        set(&mut self.config.fetch);
        self.config.fetch_only = Some(field);
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

    /// Listens for the events whose types are the variant names of the enum `E`, decoded into
    /// it: see [`SseClient::on_union`]. Events of other types are skipped. `E` is an enum
    /// of serde's default shape or `#[serde(tag = "type", content = "data")]` (one shared with
    /// the server: docs/typed.md); any other type fails [`build`](Self::build) with
    /// [`ConfigError::InvalidOption`] (field `on_union`).
    pub fn on_union<E: DeserializeOwned + 'static>(
        mut self,
        listener: impl FnMut(Result<Event<E>, DecodeError>) + 'static,
    ) -> Self {
        let names = match crate::listeners::union::event_types::<E>() {
            Ok(names) => names,
            // Reported by `build()`, like every other invalid setting.
            Err(error) => {
                self.config.union_error.get_or_insert(error);
                return self;
            }
        };
        let make = crate::listeners::union::handler::<E>(Rc::downgrade(&self.registry), listener);
        let id = self.registry.next_listener_id();
        for name in names {
            self.registry.type_listeners(name).0.add(id, make());
        }
        self
    }

    /// Listens for the gap signal: the server's history no longer reaches the resume point (it
    /// was trimmed, or the server does not know the id), so events were lost. The server says
    /// so with an event of the reserved type [`GAP_EVENT`](crate::GAP_EVENT) (as typed-sse-axum
    /// does) before replaying what it still holds; the listener gets a [`Gap`] with the last
    /// id this source had. Refetch a snapshot of whatever the stream describes.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), typed_sse::ConfigError> {
    /// let source = typed_sse::SseClient::builder("https://example.com/events")
    ///     .on_gap(|gap| eprintln!("missed events after {:?}: reloading", gap.last_event_id))
    ///     .build()?;
    /// # drop(source);
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_gap(self, mut listener: impl FnMut(Gap) + 'static) -> Self {
        self.on_text(crate::GAP_EVENT, move |event| {
            listener(Gap::from_event(&event.data, &event.last_event_id()))
        })
    }

    /// Receives every event, as text, of every type this source listens for (`message` and the
    /// [terminal events](Self::terminal_events) included), after that type's own listeners.
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
    pub fn on_error(self, listener: impl FnMut(&StreamError) + 'static) -> Self {
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

    /// The settings as they stand, for tests of what sets them (the hooks' options).
    #[cfg(all(test, any(feature = "yew", feature = "leptos")))]
    pub(crate) fn into_config(self) -> Config {
        self.config
    }

    /// The event types listened for so far, for the same tests.
    #[cfg(all(test, any(feature = "yew", feature = "leptos")))]
    pub(crate) fn type_names(&self) -> Vec<Rc<str>> {
        self.registry.type_names()
    }

    /// Connects. Fails with [`ConfigError::InvalidUrl`] when the URL cannot be parsed, and with
    /// [`ConfigError::InvalidOption`] for a setting out of range (a delay longer than a browser timer
    /// holds, about 24.8 days).
    pub fn build(self) -> Result<SseClient, ConfigError> {
        let shell = self.config.into_shell(self.registry)?;
        shell.start();
        match shell.state() {
            State::Closed(crate::CloseReason::Failed(StreamError::Config(e))) => Err(e),
            _ => Ok(SseClient::from_shell(shell)),
        }
    }
}
