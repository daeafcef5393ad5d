//! [`use_event_source`] for [Leptos](https://leptos.dev) 0.8 components (feature `leptos`).
//! Server rendering shows the state `connecting` and connects to nothing: the hook connects in an
//! effect, which Leptos runs in the browser only.
//!
//! ```no_run
//! use leptos::prelude::*;
//! use typed_sse::leptos::{use_event_source, UseEventSourceOptions};
//! # #[derive(Clone, serde::Deserialize)]
//! # struct Quote { symbol: String }
//!
//! #[component]
//! fn Ticker() -> impl IntoView {
//!     let sse = use_event_source::<Quote>("/events".to_owned(), "tick", UseEventSourceOptions::default().buffer(20));
//!     view! {
//!         <span>{move || sse.state.get().name()}</span>
//!         <ul>{move || sse.buffer.get().into_iter().map(|q| view! { <li>{q.symbol}</li> }).collect_view()}</ul>
//!         <button on:click=move |_| sse.close()>"Close"</button>
//!     }
//! }
//! ```

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use std::collections::VecDeque;

use crate::hooks::{push_bounded, ResumePoint};
pub use crate::hooks::{HeadersFn, HeadersFuture, UseEventSourceOptions};
use crate::{CloseReason, SseClient, State, StreamError};

/// What [`use_event_source`] returns: signals, and `open`/`close`. It is `Copy`, so it moves
/// into as many closures as a view needs.
#[derive(Debug)]
pub struct UseEventSourceReturn<T: 'static> {
    /// The latest event's data.
    pub data: ReadSignal<Option<T>, LocalStorage>,
    /// The last `options.buffer` events, oldest first.
    pub buffer: ReadSignal<VecDeque<T>, LocalStorage>,
    /// The connection state.
    pub state: ReadSignal<State, LocalStorage>,
    /// The last error reported (a decode error, a failed connection, ...).
    pub error: ReadSignal<Option<StreamError>, LocalStorage>,
    source: StoredValue<Option<SseClient>, LocalStorage>,
    resume: StoredValue<ResumePoint, LocalStorage>,
    opened: RwSignal<u32>,
}

impl<T> Clone for UseEventSourceReturn<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for UseEventSourceReturn<T> {}

impl<T> UseEventSourceReturn<T> {
    /// Opens the connection again (after `close`, or a fatal error), resuming.
    pub fn open(&self) {
        self.opened.update(|n| *n += 1);
    }

    /// Closes the connection.
    pub fn close(&self) {
        close(self.source, self.resume);
    }
}

/// Closes the source, if any, and remembers where its stream was.
fn close(
    source: StoredValue<Option<SseClient>, LocalStorage>,
    resume: StoredValue<ResumePoint, LocalStorage>,
) {
    if let Some(s) = source.try_update_value(Option::take).flatten() {
        resume.try_update_value(|r| r.closed(s.last_event_id()));
        s.close();
    }
}

/// Connects to `url` and decodes the events of `event_type` as JSON into `T`. The connection
/// closes when the owner (the component) is cleaned up. A new `url` connects to it from
/// scratch: no resume point is sent, and the old stream's data, buffer and error are cleared;
/// `open` after `close` on the same URL resumes from the last event id (a GET only). The end of a streamed answer shows in `state` as [`CloseReason::Done`]
/// or [`CloseReason::Ended`] (see the options `terminal_events` and `resume`).
pub fn use_event_source<T>(
    url: impl Into<Signal<String>>,
    event_type: &str,
    options: UseEventSourceOptions,
) -> UseEventSourceReturn<T>
where
    T: DeserializeOwned + Clone + 'static,
{
    use_source(url.into(), Some(event_type.to_owned()), options)
}

/// Connects to `url` and decodes the events whose types are the variant names of the enum `E`
/// into it, in stream order (see [`SseClient::on_union`]): an LLM's named events through one
/// hook. Events of other types are skipped. Otherwise as [`use_event_source`]. `E` must be
/// an enum of serde's default shape or `#[serde(tag = "type", content = "data")]` (one shared
/// with the server: docs/typed.md): any other type is the handle's error (`InvalidOption`).
pub fn use_event_source_union<E>(
    url: impl Into<Signal<String>>,
    options: UseEventSourceOptions,
) -> UseEventSourceReturn<E>
where
    E: DeserializeOwned + Clone + 'static,
{
    use_source(url.into(), None, options)
}

/// Both hooks: the events of `event_type`, or of the union `T` when `None`.
fn use_source<T>(
    url: Signal<String>,
    event_type: Option<String>,
    options: UseEventSourceOptions,
) -> UseEventSourceReturn<T>
where
    T: DeserializeOwned + Clone + 'static,
{
    let (data, set_data) = signal_local(None::<T>);
    let (buffer, set_buffer) = signal_local(VecDeque::<T>::new());
    let (state, set_state) = signal_local(State::Connecting);
    let (error, set_error) = signal_local(None::<StreamError>);
    let source = StoredValue::new_local(None::<SseClient>);
    let resume = StoredValue::new_local(ResumePoint::default());
    let opened = RwSignal::new(0u32);
    let capacity = options.buffer;

    Effect::new(move |_| {
        let url = url.get();
        opened.track();
        close(source, resume);
        let target = (url.clone(), event_type.clone());
        if resume.try_update_value(|r| r.connect(&target)) == Some(true) {
            // Another stream: what the last one showed is not this one's.
            set_data.set(None);
            set_buffer.set(VecDeque::new());
            set_error.set(None);
        }
        let on_event = move |event: Result<crate::Event<T>, crate::DecodeError>| match event {
            Ok(event) => {
                set_buffer.update(|b| push_bounded(b, capacity, event.data.clone()));
                set_data.set(Some(event.data));
            }
            Err(bad) => set_error.set(Some(StreamError::Decode(bad))),
        };
        let builder = resume.with_value(|r| options.apply_after(SseClient::builder(url), r));
        let builder = match &event_type {
            Some(event_type) => builder.on::<T>(event_type, on_event),
            None => builder.on_union::<T>(on_event),
        };
        let built = builder
            .on_state(move |s| set_state.set(s.clone()))
            .on_error(move |e| set_error.set(Some(e.clone())))
            .build();
        match built {
            Ok(s) => source.set_value(Some(s)),
            Err(e) => {
                let e = StreamError::from(e); // a setting refused at build
                set_state.set(State::Closed(CloseReason::Failed(e.clone())));
                set_error.set(Some(e));
            }
        }
    });
    on_cleanup(move || close(source, resume));

    UseEventSourceReturn {
        data,
        buffer,
        state,
        error,
        source,
        resume,
        opened,
    }
}

/// Server-side rendering, on the host: the hook connects to nothing. Run with Leptos's `ssr`
/// feature (`--features leptos,leptos/ssr`), as a server build of an application is; it holds
/// without it too, and fails with `csr` (whose effects run anywhere). `examples/leptos-app`
/// (feature `ssr`) renders a component using the hook to HTML.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod ssr_tests {
    use super::*;
    use any_spawner::{CustomExecutor, Executor, PinnedFuture, PinnedLocalFuture};
    use std::cell::RefCell;
    use std::task::Context;

    /// A server's executor, polled by hand: if the hook's effect were spawned to run on the
    /// server (Leptos's effects on in a server build), polling it would run it.
    struct ByHand;

    thread_local! {
        static TASKS: RefCell<Vec<PinnedLocalFuture<()>>> = const { RefCell::new(Vec::new()) };
    }

    impl CustomExecutor for ByHand {
        fn spawn(&self, fut: PinnedFuture<()>) {
            TASKS.with(|t| t.borrow_mut().push(fut));
        }
        fn spawn_local(&self, fut: PinnedLocalFuture<()>) {
            TASKS.with(|t| t.borrow_mut().push(fut));
        }
        fn poll_local(&self) {
            let waker = futures_util::task::noop_waker();
            let mut cx = Context::from_waker(&waker);
            // A few rounds: a task may spawn another. Tasks that stay pending are kept.
            for _ in 0..3 {
                let tasks = TASKS.with(|t| std::mem::take(&mut *t.borrow_mut()));
                let pending: Vec<_> = tasks
                    .into_iter()
                    .filter_map(|mut task| task.as_mut().poll(&mut cx).is_pending().then_some(task))
                    .collect();
                TASKS.with(|t| t.borrow_mut().extend(pending));
            }
        }
    }

    #[derive(Clone, serde::Deserialize)]
    struct Tick {}

    #[test]
    fn the_hook_connects_to_nothing_on_the_server() {
        Executor::init_local_custom_executor(ByHand).expect("the only executor of this thread");
        let owner = Owner::new();
        owner.set();
        // The hook, its effects given every chance to run: no source was built (building one
        // on the host would have panicked or failed, and the state would say so).
        let sse = use_event_source::<Tick>(
            "http://127.0.0.1:9/events".to_owned(),
            "tick",
            UseEventSourceOptions::default().buffer(4),
        );
        Executor::poll_local();
        assert_eq!(sse.state.get_untracked(), State::Connecting);
        assert!(sse.error.get_untracked().is_none());
        assert!(sse.buffer.get_untracked().is_empty());
        assert!(sse.source.with_value(Option::is_none), "no connection");
        sse.close();
    }
}
