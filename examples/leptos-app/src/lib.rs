//! A price ticker with `typed_sse::leptos::use_event_source`: the latest quotes, a connection
//! badge with the reconnect attempt and delay, and a button that unmounts the ticker (which
//! closes the connection).
use leptos::prelude::*;
use serde::Deserialize;
use typed_sse::leptos::{use_event_source, UseEventSourceOptions};
use typed_sse::{ReconnectPolicy, State};
use wasm_bindgen::prelude::*;

/// A `tick` of the demo stream.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Quote {
    /// Ticker symbol.
    pub symbol: String,
    /// Price.
    pub price: f64,
    /// Change since the previous tick.
    pub change: f64,
}

/// `/events`, keyed by the page's `?key=` so the tests can read the server's stats.
fn events_url() -> String {
    let key = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok())
        .and_then(|p| p.get("key"))
        .unwrap_or_else(|| "leptos-example".into());
    format!("/events?key={key}")
}

fn badge(state: &State) -> String {
    match state {
        State::Reconnecting {
            attempt,
            delay_ms,
            reason,
        } => format!(
            "reconnecting in {:.1} s (attempt {attempt}, {})",
            f64::from(*delay_ms) / 1000.0,
            reason.kind()
        ),
        State::Closed(reason) => format!("closed: {}", reason.name()),
        other => other.name().to_owned(),
    }
}

#[component]
fn Ticker() -> impl IntoView {
    let options = UseEventSourceOptions::default().buffer(20).reconnect(
        ReconnectPolicy::default()
            .initial_delay_ms(300)
            .max_delay_ms(3_000),
    );
    let (url, set_url) = signal(events_url());
    let sse = use_event_source::<Quote>(url, "tick", options);
    view! {
        <section>
            // A new URL reconnects, resuming from the last event id.
            <button id="switch" on:click=move |_| set_url.update(|u| u.push_str("-b"))>"Switch stream"</button>
            <p>"connection: "<span id="state" data-state=move || sse.state.get().name()>{move || badge(&sse.state.get())}</span></p>
            <p id="latest">{move || sse.data.get().map(|q| format!("{} {:.2}", q.symbol, q.price)).unwrap_or_default()}</p>
            <ol id="events">
                {move || sse.buffer.get().iter().rev().map(|q| view! {
                    <li>{format!("{} {:.2} ({:+.2})", q.symbol, q.price, q.change)}</li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn App() -> impl IntoView {
    let (shown, set_shown) = signal(true);
    view! {
        <main>
            <h1>"typed-sse + Leptos"</h1>
            <button id="toggle" on:click=move |_| set_shown.update(|s| *s = !*s)>
                {move || if shown.get() { "Unmount the ticker" } else { "Mount the ticker" }}
            </button>
            <Show when=move || shown.get()>
                <Ticker />
            </Show>
        </main>
    }
}

/// Mounts the app on `<body>`.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}
