//! A price ticker with `typed_sse::yew::use_event_source`: the latest quotes, a connection badge
//! with the reconnect attempt and delay, and a button that unmounts the ticker (which closes the
//! connection). Below it, a streamed answer: the same hook POSTing a prompt to the server's
//! completion endpoint over the fetch transport, with a bearer token.
use serde::Deserialize;
use typed_sse::yew::{use_event_source, UseEventSourceOptions};
use typed_sse::{CloseReason, ReconnectPolicy, Resume, State, Transport};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
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

/// The page's `?key=`, so the tests can read the server's stats.
fn page_key() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok())
        .and_then(|p| p.get("key"))
        .unwrap_or_else(|| "yew-example".into())
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

#[function_component]
fn Ticker() -> Html {
    let url = use_state(events_url);
    let options = UseEventSourceOptions::default().buffer(20).reconnect(
        ReconnectPolicy::default()
            .initial_delay_ms(300)
            .max_delay_ms(3_000),
    );
    let sse = use_event_source::<Quote>(&url, "tick", options);
    // A new URL reconnects, as a new stream: no resume point, the old events cleared.
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

/// The streamed answer: a POST with a JSON prompt and a bearer token, the answer shown token by
/// token.
#[function_component]
fn Answer() -> Html {
    let url = format!("/v1/completions?key={}", answer_key());
    let body = serde_json::json!({ "prompt": PROMPT, "max_tokens": MAX_TOKENS });
    let options = UseEventSourceOptions::default()
        .buffer(MAX_TOKENS)
        .reconnect(ReconnectPolicy::default().initial_delay_ms(250))
        .transport(Transport::Fetch)
        .method("POST")
        // Called before every connection, reconnects included: each gets a token of its own
        // (the server's tokens open one stream each), so a cut answer resumes with a fresh one.
        // Without a token the server answers 401, and the hook's error says so.
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
    // One string, rendered as text: the tokens' markup (`<b>`, `<img onerror=...>`) shows as
    // typed and never runs.
    let answer: String = sse.buffer.iter().map(|t| t.text.as_str()).collect();
    let failed = match &sse.state {
        State::Closed(CloseReason::Failed(e)) => Some(e.to_string()),
        _ => None,
    };
    html! {
        <section id="answer-panel">
            <h2>{ "Streamed answer" }</h2>
            <p>{ "prompt: " }<q id="prompt">{ PROMPT }</q></p>
            <p>{ "stream: " }<span id="answer-state" data-state={sse.state.name()}>{ answer_badge(&sse.state) }</span></p>
            if let Some(e) = failed { <p id="answer-error">{ e }</p> }
            <p id="answer">{ answer }</p>
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
            <Answer />
        </main>
    }
}

/// Renders the app into `<body>`.
#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().render();
}
