//! One Leptos page, a ticker that shows the latest `tick` of `/sse/named` decoded from JSON, built
//! with typed-sse's hook (feature `typed-sse`) or leptos-use's (feature `leptos-use`). The two
//! builds differ only in the hook, so the difference of their sizes is what the hook adds to an
//! application (scripts/bench-leptos-size.sh). Not run by any test: a size is all it is for.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::wasm_bindgen;

/// The ticker's event.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Tick {
    /// The symbol.
    pub symbol: String,
    /// The price.
    pub price: f64,
}

#[cfg(feature = "typed-sse")]
#[component]
fn Ticker() -> impl IntoView {
    use typed_sse::leptos::{use_event_source, UseEventSourceOptions};
    let sse = use_event_source::<Tick>(
        "/sse/named".to_owned(),
        "tick",
        UseEventSourceOptions::default(),
    );
    view! { <p>{move || sse.data.get().map(|t| format!("{} {:.2}", t.symbol, t.price))}</p> }
}

#[cfg(feature = "leptos-use")]
#[component]
fn Ticker() -> impl IntoView {
    use codee::string::JsonSerdeCodec;
    use leptos_use_event_source::{use_event_source_with_options, UseEventSourceOptions};
    let sse = use_event_source_with_options::<Tick, JsonSerdeCodec>(
        "/sse/named",
        UseEventSourceOptions::default().named_events(["tick".to_owned()]),
    );
    view! { <p>{move || sse.message.get().map(|m| format!("{} {:.2}", m.data.symbol, m.data.price))}</p> }
}

/// Mounts the page.
#[wasm_bindgen(start)]
pub fn start() {
    mount_to_body(Ticker);
}
