//! A price ticker with `typed_sse::dioxus::use_event_source`: the latest quotes, a connection
//! badge with the reconnect attempt and delay, and a button that unmounts the ticker (which
//! closes the connection). Below it, a streamed answer: the same hook POSTing a prompt to the
//! server's completion endpoint over the fetch transport, with a bearer token.
use dioxus::prelude::*;
use serde::Deserialize;
use typed_sse::dioxus::{use_event_source, UseEventSourceOptions};
use typed_sse::{CloseReason, ReconnectPolicy, Resume, State, Transport};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

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

/// The page's `?key=`, so the tests can read the server's stats.
fn page_key() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok())
        .and_then(|p| p.get("key"))
        .unwrap_or_else(|| "dioxus-example".into())
}

/// `/events`, keyed by the page's `?key=`.
fn events_url() -> String {
    format!("/events?key={}", page_key())
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
fn Ticker() -> Element {
    let options = UseEventSourceOptions::default().buffer(20).reconnect(
        ReconnectPolicy::default()
            .initial_delay_ms(300)
            .max_delay_ms(3_000),
    );
    let mut url = use_signal(events_url);
    let current = url.read().clone();
    let sse = use_event_source::<Quote>(&current, "tick", options);
    let state = sse.state.read().clone();
    let latest = sse
        .data
        .read()
        .as_ref()
        .map(|q| format!("{} {:.2}", q.symbol, q.price))
        .unwrap_or_default();
    let events: Vec<String> = sse
        .buffer
        .read()
        .iter()
        .rev()
        .map(|q| format!("{} {:.2} ({:+.2})", q.symbol, q.price, q.change))
        .collect();
    rsx! {
        section {
            // A new URL reconnects, as a new stream: no resume point, the old events cleared.
            button { id: "switch", onclick: move |_| url.write().push_str("-b"), "Switch stream" }
            p {
                "connection: "
                span { id: "state", "data-state": state.name(), {badge(&state)} }
            }
            p { id: "latest", {latest} }
            ol { id: "events",
                for line in events {
                    li { {line} }
                }
            }
        }
    }
}

/// A `token` event of the server's completion stream.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Token {
    /// Its place in the answer, from 0 (also its event id).
    pub index: u64,
    /// Its text, with the space before it.
    pub text: String,
}

/// What the streamed answer asks. The server's answer is a function of the prompt.
const PROMPT: &str = "How do streams resume?";

/// As many tokens as the server has words: the answer shows all of them, markup included.
const MAX_TOKENS: usize = 48;

/// The answer's own key (tokens, cuts and stats are per key), apart from the ticker's.
fn answer_key() -> String {
    format!("{}-answer", page_key())
}

/// A bearer token for `key` from the server: a `POST` with `X-Typed-SSE: 1`, the proof the
/// server asks of every request that changes its state (another site's page cannot send it).
async fn fetch_token(key: &str) -> Result<String, String> {
    #[derive(Deserialize)]
    struct Issued {
        token: String,
    }
    let js = |e: JsValue| format!("{e:?}");
    let window = web_sys::window().ok_or("no window")?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    let headers = web_sys::Headers::new().map_err(js)?;
    headers.set("X-Typed-SSE", "1").map_err(js)?;
    init.set_headers(&headers);
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(&format!("/token?key={key}"), &init))
            .await
            .and_then(JsValue::dyn_into)
            .map_err(js)?;
    if !response.ok() {
        return Err(format!("/token answered {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(js)?)
        .await
        .map_err(js)?;
    let issued: Issued =
        serde_json::from_str(&text.as_string().unwrap_or_default()).map_err(|e| e.to_string())?;
    Ok(issued.token)
}

/// `Closed` as done by the server's `done` event, the answer's last (a terminal event); `ended`
/// would mean the stream stopped short and could not be resumed.
fn answer_badge(state: &State) -> String {
    match state {
        State::Closed(CloseReason::Done) => "done".to_owned(),
        State::Closed(CloseReason::Ended) => "ended".to_owned(),
        other => badge(other),
    }
}

/// What stopped the answer, unless it ended as it should (the server's 204).
fn answer_failure(state: &State) -> Option<String> {
    match state {
        State::Closed(CloseReason::Failed(e)) => Some(e.to_string()),
        _ => None,
    }
}

/// The streamed answer: a POST with a JSON prompt and a bearer token, the answer shown token by
/// token.
#[component]
fn Answer() -> Element {
    let url = format!("/v1/completions?key={}", answer_key());
    let body = serde_json::json!({ "prompt": PROMPT, "max_tokens": MAX_TOKENS });
    let options = UseEventSourceOptions::default()
        .buffer(MAX_TOKENS)
        .reconnect(ReconnectPolicy::default().initial_delay_ms(250))
        .transport(Transport::Fetch)
        .method("POST")
        // Called before every connection, reconnects included: each gets a token of its own
        // (the server's tokens open one stream each), so a cut answer resumes with a fresh one.
        // Without a token the server answers 401, and the hook's state says so.
        .headers_with(|| async {
            match fetch_token(&answer_key()).await {
                Ok(token) => vec![("Authorization".to_owned(), format!("Bearer {token}"))],
                Err(_) => Vec::new(),
            }
        })
        .json_body(body.to_string())
        // A cut answer is asked for again with Last-Event-ID (the server resumes from it), and
        // the `done` event ends it: the state becomes `Closed(CloseReason::Done)`.
        .resume(Resume::Repeat)
        .terminal_events(&["done"]);
    let sse = use_event_source::<Token>(&url, "token", options);
    let state = sse.state.read().clone();
    // One string, rendered as text: the tokens' markup (`<b>`, `<img onerror=...>`) shows as
    // typed and never runs.
    let answer: String = sse.buffer.read().iter().map(|t| t.text.as_str()).collect();
    rsx! {
        section { id: "answer-panel",
            h2 { "Streamed answer" }
            p { "prompt: " q { id: "prompt", {PROMPT} } }
            p {
                "stream: "
                span { id: "answer-state", "data-state": state.name(), {answer_badge(&state)} }
            }
            if let Some(e) = answer_failure(&state) {
                p { id: "answer-error", {e} }
            }
            p { id: "answer", {answer} }
        }
    }
}

#[component]
fn App() -> Element {
    let mut shown = use_signal(|| true);
    rsx! {
        main {
            h1 { "typed-sse + Dioxus" }
            button { id: "toggle", onclick: move |_| shown.toggle(),
                {if shown() { "Unmount the ticker" } else { "Mount the ticker" }}
            }
            if shown() {
                Ticker {}
            }
            Answer {}
        }
    }
}

/// Renders the app into `<div id="main">`.
#[wasm_bindgen(start)]
pub fn start() {
    dioxus::launch(App);
}
