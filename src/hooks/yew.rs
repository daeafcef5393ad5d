//! [`use_event_source`] for [Yew](https://yew.rs) 0.23 function components (feature `yew`).
//!
//! ```no_run
//! use typed_sse::yew::{use_event_source, UseEventSourceOptions};
//! use yew::prelude::*;
//! # #[derive(Clone, serde::Deserialize)]
//! # struct Quote { symbol: String }
//!
//! #[function_component]
//! fn Ticker() -> Html {
//!     let sse = use_event_source::<Quote>("/events", "tick", UseEventSourceOptions::default().buffer(20));
//!     html! {
//!         <>
//!             <span>{ sse.state.name() }</span>
//!             <ul>{ for sse.buffer.iter().map(|q| html! { <li>{ &q.symbol }</li> }) }</ul>
//!             <button onclick={sse.close.reform(|_: MouseEvent| ())}>{ "Close" }</button>
//!         </>
//!     }
//! }
//! ```

use std::collections::VecDeque;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use yew::prelude::*;

use crate::hooks::{push_bounded, ResumePoint};
pub use crate::hooks::{HeadersFn, HeadersFuture, UseEventSourceOptions};
use crate::{CloseReason, SseClient, State, StreamError};

/// What [`use_event_source`] returns: a snapshot for this render, and the controls.
#[derive(Debug)]
pub struct UseEventSourceHandle<T> {
    /// The latest event's data.
    pub latest: Option<T>,
    /// The last `options.buffer` events, oldest first.
    pub buffer: Rc<VecDeque<T>>,
    /// The connection state.
    pub state: State,
    /// The last error reported (a decode error, a failed connection, ...).
    pub error: Option<StreamError>,
    /// Opens the connection again (after `close`, or a fatal error), resuming.
    pub open: Callback<()>,
    /// Closes the connection.
    pub close: Callback<()>,
}

/// The bounded buffer as reducer state, so that every event appends to the latest buffer (a
/// `use_state` handle captured by a callback would append to a stale copy).
struct Buffer<T> {
    items: Rc<VecDeque<T>>,
    capacity: usize,
}

/// What changes the buffer: an event, or another stream (a new URL) emptying it.
enum BufferAction<T> {
    Push(T),
    Clear,
}

impl<T: Clone> Reducible for Buffer<T> {
    type Action = BufferAction<T>;

    fn reduce(self: Rc<Self>, action: BufferAction<T>) -> Rc<Self> {
        let items = match action {
            BufferAction::Push(value) => {
                let mut items = (*self.items).clone();
                push_bounded(&mut items, self.capacity, value);
                items
            }
            BufferAction::Clear => VecDeque::new(),
        };
        Rc::new(Buffer {
            items: Rc::new(items),
            capacity: self.capacity,
        })
    }
}

/// Connects to `url` and decodes the events of `event_type` as JSON into `T`. The connection
/// closes when the component unmounts. A new `url` (or event type) connects to it from scratch:
/// no resume point is sent, and the old stream's latest value, buffer and error are cleared;
/// `open` after `close` on the same URL resumes from the last event id (a GET only).
/// The end of a streamed answer shows in `state` as [`CloseReason::Done`] or
/// [`CloseReason::Ended`] (see the options `terminal_events` and `resume`).
#[hook]
pub fn use_event_source<T>(
    url: &str,
    event_type: &str,
    options: UseEventSourceOptions,
) -> UseEventSourceHandle<T>
where
    T: DeserializeOwned + Clone + 'static,
{
    use_source::<T>(url, Some(event_type.to_owned()), options)
}

/// Connects to `url` and decodes the events whose types are the variant names of the enum `E`
/// into it, in stream order (see [`SseClient::on_union`]): an LLM's named events through one
/// hook. Events of other types are skipped. Otherwise as [`use_event_source`]. `E` must be
/// an enum of serde's default shape or `#[serde(tag = "type", content = "data")]` (one shared
/// with the server: docs/typed.md): any other type is the handle's error (`InvalidOption`).
#[hook]
pub fn use_event_source_union<E>(
    url: &str,
    options: UseEventSourceOptions,
) -> UseEventSourceHandle<E>
where
    E: DeserializeOwned + Clone + 'static,
{
    use_source::<E>(url, None, options)
}

/// Both hooks: the events of `event_type`, or of the union `T` when `None`.
#[hook]
fn use_source<T>(
    url: &str,
    event_type: Option<String>,
    options: UseEventSourceOptions,
) -> UseEventSourceHandle<T>
where
    T: DeserializeOwned + Clone + 'static,
{
    let latest = use_state(|| None::<T>);
    let capacity = options.buffer;
    let buffer = use_reducer(move || Buffer {
        items: Rc::default(),
        capacity,
    });
    let state = use_state(|| State::Connecting);
    let error = use_state(|| None::<StreamError>);
    let source = use_mut_ref(|| None::<SseClient>);
    let resume = use_mut_ref(ResumePoint::default);
    let opened = use_state(|| 0u32);

    {
        let (latest, buffer, state, error) =
            (latest.clone(), buffer.clone(), state.clone(), error.clone());
        let (source, resume) = (source.clone(), resume.clone());
        let deps = (url.to_owned(), event_type, *opened);
        use_effect_with(deps, move |(url, event_type, _)| {
            let target = (url.clone(), event_type.clone());
            if resume.borrow_mut().connect(&target) {
                // Another stream: what the last one showed is not this one's.
                latest.set(None);
                buffer.dispatch(BufferAction::Clear);
                error.set(None);
            }
            let (on_error, on_decode_error) = (error.clone(), error.clone());
            let on_event = move |event: Result<crate::Event<T>, crate::DecodeError>| match event {
                Ok(event) => {
                    buffer.dispatch(BufferAction::Push(event.data.clone()));
                    latest.set(Some(event.data));
                }
                Err(bad) => on_decode_error.set(Some(StreamError::Decode(bad))),
            };
            let builder = options.apply_after(SseClient::builder(url.as_str()), &resume.borrow());
            let builder = match event_type {
                Some(event_type) => builder.on::<T>(event_type, on_event),
                None => builder.on_union::<T>(on_event),
            };
            let built = builder
                .on_state({
                    let state = state.clone();
                    move |s| state.set(s.clone())
                })
                .on_error(move |e| on_error.set(Some(e.clone())))
                .build();
            match built {
                Ok(s) => *source.borrow_mut() = Some(s),
                Err(e) => {
                    let e = StreamError::from(e); // a setting refused at build
                    state.set(State::Closed(CloseReason::Failed(e.clone())));
                    error.set(Some(e));
                }
            }
            move || {
                // Unmounting, or a new URL: close, and remember where this stream was.
                if let Some(s) = source.borrow_mut().take() {
                    resume.borrow_mut().closed(s.last_event_id());
                    s.close();
                }
            }
        });
    }

    let open = {
        let opened = opened.clone();
        Callback::from(move |()| opened.set(*opened + 1))
    };
    let close = {
        let (source, resume) = (source.clone(), resume.clone());
        Callback::from(move |()| {
            if let Some(s) = source.borrow_mut().take() {
                resume.borrow_mut().closed(s.last_event_id());
                s.close();
            }
        })
    };
    UseEventSourceHandle {
        latest: (*latest).clone(),
        buffer: buffer.items.clone(),
        state: (*state).clone(),
        error: (*error).clone(),
        open,
        close,
    }
}
