//! What the Yew, Leptos and Dioxus hooks share: their options, the resume point they carry from
//! one connection to the next, and the bounded event buffer.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::{ReconnectPolicy, Resume, SseClientBuilder, Transport};

/// The future of a [`HeadersFn`]: the headers of one connection.
pub type HeadersFuture = Pin<Box<dyn Future<Output = Vec<(String, String)>>>>;

/// Headers computed before every connection (see [`UseEventSourceOptions::headers_with`]).
/// Two are equal when they are the same function (the same `Arc`). `Send` and `Sync`, so that
/// the options stay storable where Leptos asks for both (its signals and `StoredValue::new`).
#[derive(Clone)]
pub struct HeadersFn(Arc<dyn Fn() -> HeadersFuture + Send + Sync>);

impl PartialEq for HeadersFn {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for HeadersFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HeadersFn(..)")
    }
}

/// Options of `use_event_source` (Yew, Leptos and Dioxus alike).
///
/// Defaults: no buffer (only the latest value), the default [`ReconnectPolicy`], no credentials.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct UseEventSourceOptions {
    /// Keep the last `n` events in order, besides the latest value (0: none). A latest value
    /// alone collapses a burst into its last event; the buffer keeps every one of them.
    pub buffer: usize,
    /// How to reconnect.
    pub reconnect: ReconnectPolicy,
    /// Send credentials cross-origin.
    pub with_credentials: bool,
    /// The transport; `None` for the default (`EventSource` in a browser).
    pub transport: Option<Transport>,
    /// The request method (fetch transport), e.g. `POST` for a completion endpoint.
    pub method: Option<String>,
    /// Request headers (fetch transport).
    pub headers: Vec<(String, String)>,
    /// Headers computed before every connection (fetch transport); replaces `headers`.
    pub headers_with: Option<HeadersFn>,
    /// The request body and whether it is JSON (fetch transport).
    pub body: Option<(String, bool)>,
    /// The cap on one event (fetch transport); `None` for the default, 16 MiB.
    pub max_event_bytes: Option<usize>,
    /// Whether the server's `retry:` sets the reconnect delay (fetch transport); `None` for the
    /// default, yes.
    pub server_retry: Option<bool>,
    /// Treat a connection without events for this long as dead (see
    /// [`SseClientBuilder::idle_timeout_ms`](crate::SseClientBuilder::idle_timeout_ms)); `None`: no timeout.
    pub idle_timeout_ms: Option<u32>,
    /// An event type that only keeps the idle timeout from firing (see
    /// [`SseClientBuilder::heartbeat_event`](crate::SseClientBuilder::heartbeat_event)): with the native transport
    /// only types with a listener count, and a hook listens to its one type.
    pub heartbeat_event: Option<String>,
    /// How a stream of a request not safe to repeat resumes (see
    /// [`SseClientBuilder::resume`](crate::SseClientBuilder::resume)); default [`Resume::Never`].
    pub resume: Resume,
    /// Whether `data: [DONE]` ends the stream (see
    /// [`SseClientBuilder::done_marker`](crate::SseClientBuilder::done_marker)); `None` for the default, yes.
    pub done_marker: Option<bool>,
    /// Event types that end the stream once delivered (see
    /// [`SseClientBuilder::terminal_events`](crate::SseClientBuilder::terminal_events)).
    pub terminal_events: Vec<String>,
    /// Share one connection with every tab of the origin (see
    /// [`SseClientBuilder::shared`](crate::SseClientBuilder::shared)).
    pub shared: bool,
    /// Keep the last event id in storage under this key (see
    /// [`SseClientBuilder::store_last_event_id`](crate::SseClientBuilder::store_last_event_id)).
    pub store_last_event_id: Option<(String, crate::StorageArea)>,
}

impl UseEventSourceOptions {
    /// Keeps the last `n` events.
    pub fn buffer(mut self, n: usize) -> Self {
        self.buffer = n;
        self
    }

    /// The reconnect policy.
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = policy;
        self
    }

    /// Sends credentials cross-origin.
    pub fn with_credentials(mut self, yes: bool) -> Self {
        self.with_credentials = yes;
        self
    }

    /// Uses `transport` (fetch for a POST or headers).
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The request method (fetch transport).
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_owned());
        self
    }

    /// Adds a request header (fetch transport).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Headers computed before every connection, reconnects included (fetch transport): a
    /// fresh token each time, fetched asynchronously if need be. A 401/403 is then worth one
    /// more attempt. Replaces [`header`](Self::header), as
    /// [`SseClientBuilder::headers_with`](crate::SseClientBuilder::headers_with) does. The function is `Send +
    /// Sync` (the future it returns need not be): a closure over owned, thread-safe values, or
    /// none, as an `async` block that fetches a token is.
    pub fn headers_with<F, Fut>(mut self, headers: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<(String, String)>> + 'static,
    {
        self.headers_with = Some(HeadersFn(Arc::new(move || Box::pin(headers()))));
        self
    }

    /// A JSON request body (fetch transport): `serde_json::to_string` of a request, say.
    pub fn json_body(mut self, json: impl Into<String>) -> Self {
        self.body = Some((json.into(), true));
        self
    }

    /// A request body sent as it is (fetch transport), as [`SseClientBuilder::body`](crate::SseClientBuilder::body).
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some((body.into(), false));
        self
    }

    /// The cap on one event or unterminated line (fetch transport), as
    /// [`SseClientBuilder::max_event_bytes`](crate::SseClientBuilder::max_event_bytes).
    pub fn max_event_bytes(mut self, bytes: usize) -> Self {
        self.max_event_bytes = Some(bytes);
        self
    }

    /// Whether the server's `retry:` sets the reconnect delay (fetch transport), as
    /// [`SseClientBuilder::server_retry`](crate::SseClientBuilder::server_retry).
    pub fn server_retry(mut self, yes: bool) -> Self {
        self.server_retry = Some(yes);
        self
    }

    /// Recycles a connection that stays silent this long, as
    /// [`SseClientBuilder::idle_timeout_ms`](crate::SseClientBuilder::idle_timeout_ms).
    pub fn idle_timeout_ms(mut self, ms: u32) -> Self {
        self.idle_timeout_ms = Some(ms);
        self
    }

    /// Counts the server's heartbeat events (`heartbeat`, say) as life for the idle timeout, as
    /// [`SseClientBuilder::heartbeat_event`](crate::SseClientBuilder::heartbeat_event).
    pub fn heartbeat_event(mut self, event_type: &str) -> Self {
        self.heartbeat_event = Some(event_type.to_owned());
        self
    }

    /// How a stream of a request not safe to repeat resumes, as
    /// [`SseClientBuilder::resume`](crate::SseClientBuilder::resume).
    pub fn resume(mut self, resume: Resume) -> Self {
        self.resume = resume;
        self
    }

    /// Whether `data: [DONE]` ends the stream, as
    /// [`SseClientBuilder::done_marker`](crate::SseClientBuilder::done_marker).
    pub fn done_marker(mut self, yes: bool) -> Self {
        self.done_marker = Some(yes);
        self
    }

    /// Event types that end the stream (Anthropic's `message_stop`, say), as
    /// [`SseClientBuilder::terminal_events`](crate::SseClientBuilder::terminal_events).
    pub fn terminal_events(mut self, event_types: &[&str]) -> Self {
        self.terminal_events = event_types.iter().map(|&t| t.to_owned()).collect();
        self
    }

    /// [`apply`](Self::apply), for a source that follows one the hook closed: it resumes after
    /// Shares one connection with every tab of the origin.
    pub fn shared(mut self, yes: bool) -> Self {
        self.shared = yes;
        self
    }

    /// Keeps the last event id in storage under `key`, so that a reload resumes.
    pub fn store_last_event_id(mut self, key: &str, area: crate::StorageArea) -> Self {
        self.store_last_event_id = Some((key.to_owned(), area));
        self
    }

    /// `resume`'s last id (empty after a new target, see [`ResumePoint`]) only when the request
    /// is safe to repeat. A POST opened again is a new request (a new answer): the previous
    /// answer's id would ask a server that resumes to continue the old one instead.
    pub(crate) fn apply_after(
        &self,
        builder: SseClientBuilder,
        resume: &ResumePoint,
    ) -> SseClientBuilder {
        let builder = self.apply(builder);
        if crate::machine::is_safe_method(self.method.as_deref()) {
            builder.last_event_id(&resume.last_id)
        } else {
            builder
        }
    }

    pub(crate) fn apply(&self, builder: SseClientBuilder) -> SseClientBuilder {
        let mut b = builder
            .reconnect(self.reconnect.clone())
            .with_credentials(self.with_credentials);
        if let Some(t) = self.transport {
            b = b.transport(t);
        }
        if let Some(m) = &self.method {
            b = b.method(m);
        }
        for (name, value) in &self.headers {
            b = b.header(name, value);
        }
        if let Some(HeadersFn(headers)) = &self.headers_with {
            let headers = headers.clone();
            b = b.headers_with(move || headers());
        }
        if let Some((body, json)) = &self.body {
            b = if *json {
                b.json_text(body)
            } else {
                b.body(body.as_str())
            };
        }
        if let Some(bytes) = self.max_event_bytes {
            b = b.max_event_bytes(bytes);
        }
        if let Some(yes) = self.server_retry {
            b = b.server_retry(yes);
        }
        if let Some(ms) = self.idle_timeout_ms {
            b = b.idle_timeout_ms(ms);
        }
        if let Some(event_type) = &self.heartbeat_event {
            b = b.heartbeat_event(event_type);
        }
        if let Some(yes) = self.done_marker {
            b = b.done_marker(yes);
        }
        if let Some((key, area)) = &self.store_last_event_id {
            b = b.store_last_event_id(key, *area);
        }
        let terminal: Vec<&str> = self.terminal_events.iter().map(String::as_str).collect();
        b.shared(self.shared)
            .resume(self.resume)
            .terminal_events(&terminal)
    }
}

/// What a hook connects to: the URL and the event type (`None`: a union's types).
pub(crate) type Target = (String, Option<String>);

/// Where a hook's next connection resumes: the last event id of the source it closed last, kept
/// for that source's target only. `open()` after `close()` (or after the end), on the same URL
/// and event type, resumes from it; a new URL or event type starts from scratch, as a new
/// stream: its server never sees the old stream's id (which means nothing there, and would tell
/// another origin where the page was in the first stream), and the hook clears the old stream's
/// data, buffer and error. Plain data, so that the rule is tested on the host.
#[derive(Debug, Default)]
pub(crate) struct ResumePoint {
    target: Option<Target>,
    last_id: String,
}

impl ResumePoint {
    /// A connection to `target` is about to be made. Returns whether it is another stream than
    /// the last one (not the first): the hook then clears what it shows. Forgets the resume
    /// point of another target.
    pub(crate) fn connect(&mut self, target: &Target) -> bool {
        let switched = match &self.target {
            Some(last) if last == target => return false,
            Some(_) => true,
            None => false,
        };
        self.target = Some(target.clone());
        self.last_id.clear();
        switched
    }

    /// The source of the current target closed with `last_id` as its last event id.
    pub(crate) fn closed(&mut self, last_id: String) {
        self.last_id = last_id;
    }

    /// The id the next connection to the current target resumes after (empty: none).
    #[cfg(test)]
    pub(crate) fn last_id(&self) -> &str {
        &self.last_id
    }
}

/// Appends `value`, dropping the oldest entries beyond `capacity`.
pub(crate) fn push_bounded<T>(buffer: &mut VecDeque<T>, capacity: usize, value: T) {
    if capacity == 0 {
        return;
    }
    while buffer.len() >= capacity {
        buffer.pop_front();
    }
    buffer.push_back(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_stay_send_and_sync() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<UseEventSourceOptions>();
    }

    #[test]
    fn every_option_reaches_the_builder() {
        let options = UseEventSourceOptions::default()
            .transport(Transport::Fetch)
            .method("POST")
            .body("prompt=hi")
            .max_event_bytes(1_024)
            .server_retry(false)
            .idle_timeout_ms(15_000)
            .heartbeat_event("heartbeat")
            .resume(Resume::Repeat)
            .done_marker(false)
            .terminal_events(&["message_stop"])
            .shared(true)
            .store_last_event_id("feed", crate::StorageArea::Local);
        let builder = options.apply(crate::SseClient::builder("/x"));
        assert_eq!(builder.type_names(), [std::rc::Rc::from("heartbeat")]);
        let config = builder.into_config();
        assert_eq!(config.transport, Some(Transport::Fetch));
        assert_eq!(config.fetch.method.as_deref(), Some("POST"));
        assert_eq!(config.fetch.body, Some(("prompt=hi".to_owned(), None)));
        assert_eq!(config.fetch.max_event_bytes, 1_024);
        assert!(!config.settings.honor_server_retry);
        assert_eq!(config.settings.idle_timeout_ms, Some(15_000));
        assert_eq!(config.settings.resume, Resume::Repeat);
        assert!(!config.terminal.done_marker);
        assert_eq!(config.terminal.types, ["message_stop"]);
        assert!(config.shared);
        assert_eq!(
            config.store,
            Some(("feed".to_owned(), crate::StorageArea::Local))
        );
        let defaults = UseEventSourceOptions::default()
            .apply(crate::SseClient::builder("/x"))
            .into_config();
        assert_eq!(
            defaults.fetch.max_event_bytes,
            crate::parse::DEFAULT_MAX_EVENT_BYTES
        );
        assert!(defaults.settings.honor_server_retry);
        assert_eq!(defaults.settings.idle_timeout_ms, None);
        assert_eq!(defaults.settings.resume, Resume::Never);
        assert!(defaults.terminal.done_marker);
        assert!(defaults.terminal.types.is_empty());
        assert!(!defaults.shared);
        assert_eq!(defaults.store, None);
    }

    fn target(url: &str, event_type: Option<&str>) -> Target {
        (url.to_owned(), event_type.map(str::to_owned))
    }

    /// The resume point after a source of `target` closed at `last_id`, then a connection to
    /// `next`: the id that connection sends, and whether the hook clears what it shows.
    fn after(target: &Target, last_id: &str, next: &Target) -> (String, bool) {
        let mut resume = ResumePoint::default();
        assert!(
            !resume.connect(target),
            "the first connection clears nothing"
        );
        resume.closed(last_id.to_owned());
        let switched = resume.connect(next);
        let sent = UseEventSourceOptions::default()
            .apply_after(crate::SseClient::builder(next.0.as_str()), &resume)
            .into_config()
            .last_event_id;
        (sent, switched)
    }

    #[test]
    fn the_same_url_and_type_resume_from_the_last_id() {
        let a = target("/events?key=a", Some("tick"));
        assert_eq!(after(&a, "7-41", &a), ("7-41".to_owned(), false));
        let union = target("/v1/messages", None);
        assert_eq!(after(&union, "9", &union), ("9".to_owned(), false));
    }

    #[test]
    fn a_new_url_or_event_type_starts_from_scratch() {
        let a = target("/events?key=a", Some("tick"));
        for next in [
            target("/events?key=a-b", Some("tick")),
            target("https://elsewhere.example/events", Some("tick")),
            target("/events?key=a", Some("news")),
            target("/events?key=a", None),
        ] {
            assert_eq!(after(&a, "7-41", &next), (String::new(), true), "{next:?}");
        }
    }

    #[test]
    fn going_back_to_an_earlier_url_does_not_resume_its_old_stream() {
        let (a, b) = (target("/a", Some("tick")), target("/b", Some("tick")));
        let mut resume = ResumePoint::default();
        resume.connect(&a);
        resume.closed("41".to_owned());
        assert!(resume.connect(&b));
        assert_eq!(resume.last_id(), "");
        resume.closed("3".to_owned());
        assert!(resume.connect(&a));
        assert_eq!(resume.last_id(), "", "only the last target's id is kept");
        // Closed and opened again on the same target: resumes from its own last id.
        resume.closed("42".to_owned());
        assert!(!resume.connect(&a));
        assert_eq!(resume.last_id(), "42");
    }

    #[test]
    fn a_new_source_resumes_after_the_last_one_only_for_a_request_safe_to_repeat() {
        let resumed = |options: UseEventSourceOptions| {
            let mut resume = ResumePoint::default();
            resume.connect(&target("/x", Some("token")));
            resume.closed("41".to_owned());
            options
                .apply_after(crate::SseClient::builder("/x"), &resume)
                .into_config()
                .last_event_id
        };
        assert_eq!(resumed(UseEventSourceOptions::default()), "41");
        assert_eq!(
            resumed(UseEventSourceOptions::default().method("get")),
            "41"
        );
        for resume in [Resume::Never, Resume::Repeat, Resume::Get] {
            let post = UseEventSourceOptions::default()
                .method("POST")
                .resume(resume);
            assert_eq!(resumed(post), "", "{resume:?}: a new POST is a new answer");
        }
    }

    #[test]
    fn the_buffer_keeps_the_last_n_in_order() {
        let mut b = VecDeque::new();
        for i in 0..5 {
            push_bounded(&mut b, 3, i);
        }
        assert_eq!(b, [2, 3, 4]);
        let mut none = VecDeque::new();
        push_bounded(&mut none, 0, 1);
        assert!(none.is_empty());
    }
}
