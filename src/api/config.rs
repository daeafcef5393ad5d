//! What an [`SseClientBuilder`](crate::SseClientBuilder) collects, checked and turned into a running shell.

use std::rc::Rc;

use js_sys::{Object, Reflect};

use crate::listeners::registry::Registry;
use crate::machine::{is_safe_method, Machine, Settings, Terminal, MAX_TIMER_MS};
use crate::parse::{DEFAULT_MAX_EVENT_BYTES, MAX_EVENT_BYTES_LIMIT};
use crate::resume::fits_header;
use crate::shell::{Effects, Refresher, Shell, StorageArea, Store};
use crate::transport::fetch::FetchSettings;
use crate::transport::{Attached, Transport};
use crate::web::dom;
use crate::{ConfigError, DEFAULT_RESUME_PARAM};

pub(crate) struct Config {
    pub(crate) url: String,
    pub(crate) with_credentials: bool,
    pub(crate) last_event_id: String,
    pub(crate) settings: Settings,
    pub(crate) refresher: Option<Refresher>,
    pub(crate) attached: Option<Rc<dyn Attached>>,
    /// `None`: `EventSource` where there is one, else fetch.
    pub(crate) transport: Option<Transport>,
    /// `None`: the transport's default (`lastEventId` for the native one, none for fetch, which
    /// sends the `Last-Event-ID` header).
    pub(crate) resume_param: Option<Option<String>>,
    pub(crate) fetch: FetchSettings,
    /// Headers set one by one (the Rust API); a JS object or function goes in `fetch.headers`.
    pub(crate) headers: Vec<(String, String)>,
    /// A fetch-only setting was given: the native transport cannot honour it.
    pub(crate) fetch_only: Option<&'static str>,
    /// `json_body` could not serialise its value.
    pub(crate) body_error: Option<String>,
    /// `on_union` was given a type that names no event type.
    pub(crate) union_error: Option<ConfigError>,
    /// Closes the source when aborted.
    pub(crate) signal: Option<web_sys::AbortSignal>,
    /// What ends an answer.
    pub(crate) terminal: Terminal,
    /// Share one connection with the clients of every tab.
    pub(crate) shared: bool,
    /// Where to keep the resume point between page loads: a key and an area.
    pub(crate) store: Option<(String, StorageArea)>,
}

impl Config {
    pub(crate) fn new(url: String) -> Self {
        Self {
            url,
            with_credentials: false,
            last_event_id: String::new(),
            settings: Settings::default(),
            refresher: None,
            attached: None,
            transport: None,
            resume_param: None,
            fetch: FetchSettings {
                max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
                ..FetchSettings::default()
            },
            headers: Vec::new(),
            fetch_only: None,
            body_error: None,
            union_error: None,
            signal: None,
            terminal: Terminal::default(),
            shared: false,
            store: None,
        }
    }

    /// Checks the settings, resolves the URL against the page, and builds the shell around a
    /// new machine (not started yet).
    pub(crate) fn into_shell(self, registry: Rc<Registry>) -> Result<Rc<Shell>, ConfigError> {
        check_timers(&self.settings)?;
        if let Some(error) = self.union_error {
            return Err(error);
        }
        if let Some(message) = self.body_error {
            let field = "json_body".into();
            return Err(ConfigError::InvalidOption { field, message });
        }
        // An id the server could never have sent (the parser drops ids with NUL, and no field
        // holds a line break), and one that would make the `Last-Event-ID` header invalid.
        // (Bytes, not `contains` with a set of chars, which links a char searcher.)
        if self
            .last_event_id
            .bytes()
            .any(|b| matches!(b, 0 | b'\r' | b'\n'))
        {
            return Err(invalid_option(
                "last_event_id",
                "an event id cannot contain NUL, CR or LF",
            ));
        }
        // A request not safe to repeat cannot be shared: a take-over sends it again.
        if self.shared && !is_safe_method(self.fetch.method.as_deref()) {
            return Err(invalid_option(
                "shared",
                "a request that is not safe to repeat (a method other than GET or HEAD) \
                 cannot be shared: the next tab to hold it would send it again",
            ));
        }
        // A hidden holder that let its connection go would keep every other tab waiting.
        if self.shared && self.settings.pause_when_hidden {
            return Err(invalid_option(
                "shared",
                "cannot pause when hidden: the tab holding the connection serves every tab",
            ));
        }
        let url = dom::resolve_url(&self.url).map_err(|message| ConfigError::InvalidUrl {
            url: self.url,
            message,
        })?;
        // Kept with the URL: a key shared by several URLs resumes none from another's id.
        let store = self
            .store
            .map(|(key, area)| Store::new(key, area, url.clone()));
        // The kept resume point, unless one is given: one no request could carry (written by
        // another script under the same key, say) is ignored rather than refused.
        let mut last_event_id = self.last_event_id;
        if let (Some(store), true) = (&store, last_event_id.is_empty()) {
            let kept = store.read();
            if !kept.bytes().any(|b| matches!(b, 0 | b'\r' | b'\n')) && fits_header(&kept) {
                last_event_id = kept;
            }
        }
        // A method, headers or a body can only be sent by fetch: asking for one without naming
        // a transport chooses it (an LLM API's POST needs no more than `method` and `body`).
        let transport =
            self.transport
                .unwrap_or(if dom::has_event_source() && self.fetch_only.is_none() {
                    Transport::Native
                } else {
                    Transport::Fetch
                });
        // The fetch transport sends it as the `Last-Event-ID` header: an id no header can carry
        // would fail every connection (Node refuses it) or reach the server altered.
        if transport == Transport::Fetch && !fits_header(&last_event_id) {
            return Err(invalid_option(
                "last_event_id",
                "the fetch transport sends it as the Last-Event-ID header, which cannot carry \
                 a control character, nor a space or tab at either end",
            ));
        }
        // Asked for by name where there is none (Node, some workers): said so here, rather than
        // as the `invalid_url` that constructing one would throw.
        if transport == Transport::Native && !dom::has_event_source() {
            return Err(invalid_option(
                "transport",
                "this environment has no EventSource: use the fetch transport",
            ));
        }
        if let (Transport::Native, Some(field)) = (transport, self.fetch_only) {
            return Err(invalid_option(
                field,
                "needs the fetch transport: native EventSource sends no headers, method or body",
            ));
        }
        // Checked for fetch only: the native transport ignores it, as the README says. (A
        // shared stream's holder reads with fetch.)
        if transport == Transport::Fetch || self.shared {
            check_max_event_bytes(self.fetch.max_event_bytes)?;
        }
        check_request(
            self.fetch.method.as_deref(),
            self.fetch.body.is_some(),
            &self.headers,
        )?;
        let mut fetch = self.fetch;
        fetch.headers_timeout_ms = self.settings.refresh_timeout_ms;
        // A headers function wins over fixed headers, whichever was set first: it is the one
        // that can renew a token, and a 401 is worth another attempt only with it.
        if !self.headers.is_empty() && fetch.headers_closure.is_none() {
            let object = Object::new();
            for (name, value) in &self.headers {
                // Setting a property on a fresh plain object cannot fail.
                let _ = Reflect::set(&object, &name.as_str().into(), &value.as_str().into());
            }
            fetch.headers = object.into();
        }
        let mut settings = self.settings;
        settings.unsafe_request =
            transport == Transport::Fetch && !is_safe_method(fetch.method.as_deref());
        // The native transport listens per type: the Rust side hears a terminal event only if
        // its type is registered. (The JS API's listeners, attached, check for themselves.)
        if transport == Transport::Native && self.attached.is_none() {
            for name in &self.terminal.types {
                registry.type_listeners(name);
            }
            if self.terminal.done_marker {
                registry.type_listeners("message");
            }
        }
        settings.has_refresher = self.refresher.is_some();
        settings.renews_credentials = transport == Transport::Fetch && fetch.headers.is_function();
        settings.resume_param = match (self.resume_param, transport) {
            (Some(param), _) => param,
            (None, Transport::Native) => Some(DEFAULT_RESUME_PARAM.to_owned()),
            (None, Transport::Fetch) => None,
        };
        let effects = Effects {
            transport,
            fetch,
            with_credentials: self.with_credentials,
            refresher: self.refresher,
            attached: self.attached,
            watch_online: settings.pause_when_offline,
            watch_hidden: settings.pause_when_hidden,
            signal: self.signal,
            terminal: self.terminal,
            shared: self.shared,
            store,
        };
        // The jitter's seed: 53 random bits.
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let machine = Machine::new(url, last_event_id, settings, seed);
        Ok(Shell::new(machine, registry, effects))
    }
}

/// A request `fetch` would refuse to make, refused here once rather than at every connection,
/// where it would pass for a network error retried without end: a method that is not a token
/// or that fetch forbids, a body on a GET or HEAD, a fixed header that is not one.
fn check_request(
    method: Option<&str>,
    has_body: bool,
    headers: &[(String, String)],
) -> Result<(), ConfigError> {
    let invalid = |field: &str, message: String| {
        Err(ConfigError::InvalidOption {
            field: field.into(),
            message,
        })
    };
    let method = method.unwrap_or("GET");
    // Methods are compared without case, as fetch normalizes them.
    let is = |names: &[&str]| names.iter().any(|m| method.eq_ignore_ascii_case(m));
    if !is_token(method) || is(&["CONNECT", "TRACE", "TRACK"]) {
        return invalid("method", quoted(method, " is not a method fetch can send"));
    }
    if has_body && is(&["GET", "HEAD"]) {
        return invalid(
            "body",
            "a GET or HEAD request has no body: set the method (\"POST\", say)".into(),
        );
    }
    for (name, value) in headers {
        // A value is bytes on the wire: no line breaks or NUL inside, and no character past
        // U+00FF. Leading and trailing whitespace, line breaks included, is trimmed by
        // `Headers` first, as a token read from a file with its final newline is. (`trim_ascii`
        // also trims a form feed, which `Headers` keeps but accepts: no difference in what is
        // refused; `trim_matches` would link a char searcher, ~300 bytes of wasm.)
        let value = value.trim_ascii();
        if !is_token(name)
            || value
                .chars()
                .any(|c| matches!(c, '\0' | '\r' | '\n') || c > '\u{ff}')
        {
            return invalid(
                "header",
                quoted(name, " is not a valid header name and value"),
            );
        }
    }
    Ok(())
}

/// `` `value` `` then `rest`: pushed rather than `format!`ed or `concat`ed, either of which links
/// about 400 bytes of wasm into the package for these two messages.
fn quoted(value: &str, rest: &str) -> String {
    let mut message = String::from("`");
    message.push_str(value);
    message.push('`');
    message.push_str(rest);
    message
}

/// An HTTP token (RFC 9110): what a method and a header name are made of.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Every duration ends up in a browser timer, which holds at most `i32::MAX` ms: a longer one
/// would fire at once. Refused here rather than clamped, so a typo does not pass silently.
pub(crate) fn check_timers(settings: &Settings) -> Result<(), ConfigError> {
    let policy = &settings.policy;
    let durations = [
        ("initial_delay_ms", Some(policy.initial_ms())),
        ("max_delay_ms", Some(policy.cap_ms())),
        ("idle_timeout_ms", settings.idle_timeout_ms),
        ("max_retry_after_ms", Some(settings.max_retry_after_ms)),
        ("refresh_timeout_ms", Some(settings.refresh_timeout_ms)),
    ];
    for (field, ms) in durations {
        if ms.is_some_and(|ms| ms > MAX_TIMER_MS) {
            return Err(invalid_option(
                field,
                "at most 2147483647 ms (what a browser timer holds)",
            ));
        }
    }
    Ok(())
}

/// The cap on one event is at least 1 byte (0 would refuse every event) and at most
/// [`MAX_EVENT_BYTES_LIMIT`], which the parser's buffers can hold: with more, an endless line
/// could grow wasm memory to its limit and trap.
fn check_max_event_bytes(bytes: usize) -> Result<(), ConfigError> {
    if (1..=MAX_EVENT_BYTES_LIMIT).contains(&bytes) {
        return Ok(());
    }
    Err(invalid_option("max_event_bytes", MAX_EVENT_BYTES_RANGE))
}

/// An [`ConfigError::InvalidOption`]: one function for the checks here, rather than the two
/// allocations of its strings written out at each of them.
fn invalid_option(field: &str, message: &str) -> ConfigError {
    ConfigError::InvalidOption {
        field: field.into(),
        message: message.into(),
    }
}

/// The message for a cap out of range, written out: `format!` with the number linked the
/// integer formatting into the constructor (a test checks that it names the limit).
const MAX_EVENT_BYTES_RANGE: &str = "expected a whole number of bytes from 1 to 268435456";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_cap_message_names_the_limit() {
        let limit = MAX_EVENT_BYTES_LIMIT.to_string();
        assert!(MAX_EVENT_BYTES_RANGE.ends_with(&format!(" 1 to {limit}")));
    }

    #[test]
    fn the_event_cap_is_one_the_parser_can_hold() {
        assert_eq!(field(check_max_event_bytes(1)), None);
        assert_eq!(field(check_max_event_bytes(MAX_EVENT_BYTES_LIMIT)), None);
        for bytes in [0, MAX_EVENT_BYTES_LIMIT + 1, u32::MAX as usize] {
            assert_eq!(
                field(check_max_event_bytes(bytes)),
                Some("max_event_bytes".into()),
                "{bytes}"
            );
        }
    }

    fn field(result: Result<(), ConfigError>) -> Option<String> {
        match result {
            Err(ConfigError::InvalidOption { field, .. }) => Some(field),
            Err(other) => panic!("not an invalid option: {other}"),
            Ok(()) => None,
        }
    }

    #[test]
    fn requests_fetch_would_refuse_are_refused_up_front() {
        let fine = [("Authorization".to_owned(), "Bearer é".to_owned())];
        assert_eq!(field(check_request(None, false, &fine)), None);
        assert_eq!(field(check_request(Some("post"), true, &[])), None);
        assert_eq!(field(check_request(None, true, &[])), Some("body".into()));
        assert_eq!(
            field(check_request(Some("head"), true, &[])),
            Some("body".into())
        );
        for method in ["", "GET /", "CONNECT", "trace", "Track", "PÓST"] {
            assert_eq!(
                field(check_request(Some(method), false, &[])),
                Some("method".into()),
                "{method}"
            );
        }
        let trailing_newline = [("Authorization".to_owned(), "Bearer abc\n".to_owned())];
        assert_eq!(
            field(check_request(None, false, &trailing_newline)),
            None,
            "trimmed, as Headers does"
        );
        for (name, value) in [
            ("", "x"),
            ("bad name", "x"),
            ("X-A", "a\nb"),
            ("X-A", "a\rb"),
            ("X-A", "\0"),
            ("X-A", "日本"),
        ] {
            let headers = [(name.to_owned(), value.to_owned())];
            assert_eq!(
                field(check_request(None, false, &headers)),
                Some("header".into()),
                "{name:?}: {value:?}"
            );
        }
    }
}
