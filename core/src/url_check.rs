//! What a URL must be to stream from, and the messages that say how to fix one that is not:
//! pure functions, so the wording is tested on the host. `dom::resolve_url` parses with the
//! platform's `URL` and asks these.

/// Refuses a parsed URL whose `protocol` (as `URL.protocol` gives it, with its colon) is not
/// `http:` or `https:`. Without this, `localhost:8787/events` (the scheme `localhost:`) or a
/// typo such as `htp:/x` parse, fail every connection as a network error and are retried
/// without end.
#[inline]
pub fn check_scheme(protocol: &str, input: &str) -> Result<(), String> {
    if protocol.eq_ignore_ascii_case("http:") || protocol.eq_ignore_ascii_case("https:") {
        return Ok(());
    }
    // `host:port/...` without `//` reads as a scheme named after the host: suggest the URL
    // that was meant. Only then: `http://` in front of `htp:/x` would be no better.
    // On bytes: `str::contains` with a string pattern links the substring searcher, several KB
    // of the npm package's wasm, for this one message.
    let bytes = input.as_bytes();
    let looks_like_host_port = !bytes.windows(2).any(|w| w == b"//")
        && bytes.get(protocol.len()).is_some_and(u8::is_ascii_digit);
    // Pushed piece by piece rather than `format!`: a `format!` here would link the formatting
    // machinery into the npm package's wasm, about 6 KB gzipped, for one message.
    let mut message = String::from("the scheme `");
    message.push_str(protocol);
    message.push_str("` is not http or https: ");
    if looks_like_host_port {
        message.push_str("did you mean `http://");
        message.push_str(input);
        message.push_str("`?");
    } else {
        message.push_str("an SSE URL starts with `http://` or `https://`");
    }
    Err(message)
}

/// Why a relative URL cannot be used where there is no page (Node, a worklet) to resolve it
/// against.
pub const NO_BASE: &str =
    "a relative URL needs a page to resolve against: in Node, pass an absolute http(s) URL";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_https_pass_in_any_case() {
        assert_eq!(check_scheme("http:", "http://a/b"), Ok(()));
        assert_eq!(check_scheme("https:", "https://a/b"), Ok(()));
        assert_eq!(check_scheme("HTTPS:", "HTTPS://a/b"), Ok(()));
    }

    #[test]
    fn a_host_and_port_without_slashes_gets_the_http_form_suggested() {
        assert_eq!(
            check_scheme("localhost:", "localhost:8787/events"),
            Err(
                "the scheme `localhost:` is not http or https: did you mean \
                 `http://localhost:8787/events`?"
                    .into()
            )
        );
        let err = check_scheme("example.com:", "example.com:80").unwrap_err();
        assert!(
            err.ends_with("did you mean `http://example.com:80`?"),
            "{err}"
        );
    }

    #[test]
    fn other_schemes_are_refused_without_a_guess() {
        for (protocol, input) in [
            ("htp:", "htp:/bad"),
            ("ws:", "ws://a/b"),
            ("file:", "file:///x"),
            ("data:", "data:text/plain,1"),
            ("localhost:", "localhost://8787"),
        ] {
            let err = check_scheme(protocol, input).unwrap_err();
            assert_eq!(
                err,
                format!(
                    "the scheme `{protocol}` is not http or https: an SSE URL starts with \
                     `http://` or `https://`"
                )
            );
        }
    }
}
