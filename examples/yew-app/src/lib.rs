//! A price ticker with `typed_sse::yew::use_event_source`: the latest quotes, a connection badge
//! with the reconnect attempt and delay, and a button that unmounts the ticker (which closes the
//! connection).
use serde::Deserialize;
use typed_sse::yew::{use_event_source, UseEventSourceOptions};
use typed_sse::{ReconnectPolicy, State};
use wasm_bindgen::prelude::*;
use yew::prelude::*;

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
        .unwrap_or_else(|| "yew-example".into());
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

#[function_component]
fn Ticker() -> Html {
    let url = use_state(events_url);
    let options = UseEventSourceOptions::default().buffer(20).reconnect(
        ReconnectPolicy::default()
            .initial_delay_ms(300)
            .max_delay_ms(3_000),
    );
    let sse = use_event_source::<Quote>(&url, "tick", options);
    // A new URL reconnects, resuming from the last event id.
    let switch = {
        let url = url.clone();
        Callback::from(move |_| url.set(format!("{}-b", *url)))
    };
    html! {
        <section>
            <button id="switch" onclick={switch}>{ "Switch stream" }</button>
            <p>{ "connection: " }<span id="state" data-state={sse.state.name()}>{ badge(&sse.state) }</span></p>
            <p id="latest">{ sse.latest.as_ref().map(|q| format!("{} {:.2}", q.symbol, q.price)).unwrap_or_default() }</p>
            <ol id="events">
                { for sse.buffer.iter().rev().map(|q| html! {
                    <li>{ format!("{} {:.2} ({:+.2})", q.symbol, q.price, q.change) }</li>
                }) }
            </ol>
        </section>
    }
}

#[function_component]
fn App() -> Html {
    let shown = use_state(|| true);
    let toggle = {
        let shown = shown.clone();
        Callback::from(move |_| shown.set(!*shown))
    };
    html! {
        <main>
            <h1>{ "typed-sse + Yew" }</h1>
            <button id="toggle" onclick={toggle}>
                { if *shown { "Unmount the ticker" } else { "Mount the ticker" } }
            </button>
            if *shown { <Ticker /> }
        </main>
    }
}

/// Renders the app into `<body>`.
#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().render();
}
