//! [`use_event_source`] for [Dioxus](https://dioxuslabs.com) 0.7 components (feature `dioxus`).
//!
//! ```no_run
//! use dioxus::prelude::*;
//! use serde::Deserialize;
//! use typed_sse::dioxus::{use_event_source, UseEventSourceOptions};
//!
//! #[derive(Clone, Deserialize)]
//! struct Quote { symbol: String, price: f64 }
//!
//! #[component]
//! fn Ticker() -> Element {
//!     let sse = use_event_source::<Quote>("/events", "tick", UseEventSourceOptions::default().buffer(20));
//!     rsx! {
//!         span { "{sse.state.read().name()}" }
//!         ul {
//!             for q in sse.buffer.read().iter() {
//!                 li { "{q.symbol} {q.price:.2}" }
//!             }
//!         }
//!         button { onclick: move |_| sse.close(), "Close" }
//!     }
//! }
//! ```

use std::collections::VecDeque;
use std::fmt;

use dioxus::prelude::*;
use serde::de::DeserializeOwned;

use crate::hooks::{push_bounded, ResumePoint};
pub use crate::hooks::{HeadersFn, HeadersFuture, UseEventSourceOptions};
use crate::{CloseReason, SseClient, State, StreamError};

/// What [`use_event_source`] returns: signals, and `open`/`close`. It is `Copy`, so it moves
/// into as many event handlers as a component needs.
pub struct UseEventSource<T: 'static> {
    /// The latest event's data.
    pub data: ReadSignal<Option<T>>,
    /// The last `options.buffer` events, oldest first.
    pub buffer: ReadSignal<VecDeque<T>>,
    /// The connection state.
    pub state: ReadSignal<State>,
    /// The last error reported (a decode error, a failed connection, ...).
    pub error: ReadSignal<Option<StreamError>>,
    source: CopyValue<Option<SseClient>>,
    resume: CopyValue<ResumePoint>,
    opened: Signal<u32>,
}

impl<T> Clone for UseEventSource<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for UseEventSource<T> {}

impl<T> fmt::Debug for UseEventSource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `peek`: printing the handle must not subscribe the caller to its state.
        let state = self.state.try_peek().map(|s| s.name());
        f.debug_struct("UseEventSource")
            .field("state", &state.unwrap_or("dropped"))
            .finish_non_exhaustive()
    }
}

impl<T> UseEventSource<T> {
    /// Opens the connection again (after `close`, or a fatal error), resuming.
    pub fn open(&self) {
        let mut opened = self.opened;
        let write = opened.try_write();
        if let Ok(mut n) = write {
            *n += 1;
        }
    }

    /// Closes the connection.
    pub fn close(&self) {
        close(self.source, self.resume);
    }
}

/// Closes the source, if any, and remembers where its stream was. `try_`: on unmount the
/// scope's values may already be gone, and then the source went with them (dropping it closes
/// it).
fn close(mut source: CopyValue<Option<SseClient>>, mut resume: CopyValue<ResumePoint>) {
    let taken = source.try_write().ok().and_then(|mut s| s.take());
    if let Some(s) = taken {
        if let Ok(mut resume) = resume.try_write() {
            resume.closed(s.last_event_id());
        }
        s.close();
    }
}

/// Sets `signal` unless its scope is gone: the source's callbacks run outside Dioxus, and one
/// may come after the component unmounted (a state change reported by `close` itself).
fn put<T: 'static>(mut signal: Signal<T>, value: T) {
    if let Ok(mut slot) = signal.try_write() {
        *slot = value;
    }
}

/// Connects to `url` and decodes the events of `event_type` as JSON into `T`. The connection
/// closes when the component unmounts. A new `url` passed on a later render connects to it from
/// scratch: no resume point is sent, and the old stream's data, buffer and error are cleared;
/// `open` after `close` on the same URL resumes from the last event id (a GET only).
/// The end of a streamed answer shows in `state` as [`CloseReason::Done`] or
/// [`CloseReason::Ended`] (see the options `terminal_events` and `resume`).
///
/// Nothing connects while rendering: the connection opens in an effect, which Dioxus runs in
/// the browser only, so server-side rendering shows the state `connecting`.
pub fn use_event_source<T>(
    url: &str,
    event_type: &str,
    options: UseEventSourceOptions,
) -> UseEventSource<T>
where
    T: DeserializeOwned + Clone + 'static,
{
    use_source(url, Some(event_type.to_owned()), options)
}

/// Connects to `url` and decodes the events whose types are the variant names of the enum `E`
/// into it, in stream order (see [`SseClient::on_union`]): an LLM's named events through one
/// hook. Events of other types are skipped. Otherwise as [`use_event_source`]. `E` must be
/// an enum of serde's default shape or `#[serde(tag = "type", content = "data")]` (one shared
/// with the server: docs/typed.md): any other type is the handle's error (`InvalidOption`).
pub fn use_event_source_union<E>(url: &str, options: UseEventSourceOptions) -> UseEventSource<E>
where
    E: DeserializeOwned + Clone + 'static,
{
    use_source(url, None, options)
}

/// Everything the hook keeps across renders, made once.
struct Slots<T: 'static> {
    data: Signal<Option<T>>,
    buffer: Signal<VecDeque<T>>,
    state: Signal<State>,
    error: Signal<Option<StreamError>>,
    /// The URL and event type of the current connection: the effect reads it, so a new one
    /// reconnects.
    target: Signal<(String, Option<String>)>,
    /// The options of the latest render, read (not tracked) when the effect connects.
    options: CopyValue<UseEventSourceOptions>,
    source: CopyValue<Option<SseClient>>,
    resume: CopyValue<ResumePoint>,
    opened: Signal<u32>,
    /// What the handle hands out, made once: each `ReadSignal::new` allocates in the scope.
    handle: UseEventSource<T>,
}

impl<T> Clone for Slots<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Slots<T> {}

/// Both hooks: the events of `event_type`, or of the union `T` when `None`.
fn use_source<T>(
    url: &str,
    event_type: Option<String>,
    options: UseEventSourceOptions,
) -> UseEventSource<T>
where
    T: DeserializeOwned + Clone + 'static,
{
    let wanted = (url.to_owned(), event_type);
    let slots = use_hook(|| {
        let (data, buffer) = (Signal::new(None), Signal::new(VecDeque::new()));
        let (state, error) = (Signal::new(State::Connecting), Signal::new(None));
        let (source, resume, opened) = (
            CopyValue::new(None),
            CopyValue::new(ResumePoint::default()),
            Signal::new(0),
        );
        Slots {
            data,
            buffer,
            state,
            error,
            target: Signal::new(wanted.clone()),
            options: CopyValue::new(options.clone()),
            source,
            resume,
            opened,
            handle: UseEventSource {
                data: ReadSignal::new(data),
                buffer: ReadSignal::new(buffer),
                state: ReadSignal::new(state),
                error: ReadSignal::new(error),
                source,
                resume,
                opened,
            },
        }
    });
    // This render's options and target; only a changed target wakes the effect.
    let (mut options_slot, mut target) = (slots.options, slots.target);
    options_slot.set(options);
    if *target.peek() != wanted {
        target.set(wanted);
    }

    use_effect(move || {
        let (url, event_type) = slots.target.read().clone();
        slots.opened.read();
        close(slots.source, slots.resume);
        let Slots {
            data,
            buffer,
            state,
            error,
            ..
        } = slots;
        let target = (url.clone(), event_type.clone());
        let mut resume = slots.resume;
        let switched = resume.try_write().is_ok_and(|mut r| r.connect(&target));
        if switched {
            // Another stream: what the last one showed is not this one's.
            put(data, None);
            put(buffer, VecDeque::new());
            put(error, None);
        }
        let options = slots.options.peek().clone();
        let capacity = options.buffer;
        let on_event = move |event: Result<crate::Event<T>, crate::DecodeError>| match event {
            Ok(event) => {
                let mut buffer = buffer;
                if let Ok(mut b) = buffer.try_write() {
                    push_bounded(&mut b, capacity, event.data.clone());
                }
                put(data, Some(event.data));
            }
            Err(bad) => put(error, Some(StreamError::Decode(bad))),
        };
        let builder = options.apply_after(SseClient::builder(url.as_str()), &resume.peek());
        let builder = match &event_type {
            Some(event_type) => builder.on::<T>(event_type, on_event),
            None => builder.on_union::<T>(on_event),
        };
        let built = builder
            .on_state(move |s| put(state, s.clone()))
            .on_error(move |e| put(error, Some(e.clone())))
            .build();
        match built {
            Ok(s) => {
                let mut source = slots.source;
                source.set(Some(s));
            }
            Err(e) => {
                // A setting refused at build: the hook's error, as any other failure.
                let e = StreamError::from(e);
                put(state, State::Closed(CloseReason::Failed(e.clone())));
                put(error, Some(e));
            }
        }
    });
    use_drop(move || close(slots.source, slots.resume));
    slots.handle
}
