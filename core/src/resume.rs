//! Resume bookkeeping: what the next connection carries of the last event id.
//!
//! A new native `EventSource` cannot send a `Last-Event-ID` header (only the browser's own
//! reconnect of the same instance does), so the id travels in a query parameter instead, where
//! any id fits (percent-encoded). The fetch transport sends the real header, which cannot carry
//! every id the format allows: see [`fits_header`].

/// The query parameter that carries the last event id on reconnect, unless configured otherwise.
pub const DEFAULT_RESUME_PARAM: &str = "lastEventId";

/// `url` with `param=last_event_id` set in its query (replacing any earlier value of `param`),
/// keeping the fragment. An empty id yields `url` without the parameter.
#[inline]
pub(crate) fn resume_url(url: &str, param: &str, last_event_id: &str) -> String {
    // Worked on bytes, cutting only at ASCII delimiters: `str` slicing and `str::split` link a
    // panic path with `char` formatting and a char searcher, about 5 KB of wasm in all.
    let (before_fragment, fragment) = split_at_byte(url.as_bytes(), b'#');
    let (path, query) = split_at_byte(before_fragment, b'?');
    let encoded_param = encode(param);
    let mut out = Vec::with_capacity(url.len() + last_event_id.len() + param.len() + 2);
    out.extend_from_slice(path);
    let mut separator = b'?';
    let mut push = |pair: &[u8]| {
        out.push(separator);
        out.extend_from_slice(pair);
        separator = b'&';
    };
    for pair in query.unwrap_or_default().split(|&b| b == b'&') {
        let (name, _) = split_at_byte(pair, b'=');
        if !pair.is_empty() && name != encoded_param {
            push(pair);
        }
    }
    if !last_event_id.is_empty() {
        let mut pair = encoded_param;
        pair.push(b'=');
        pair.extend_from_slice(&encode(last_event_id));
        push(&pair);
    }
    if let Some(fragment) = fragment {
        out.push(b'#');
        out.extend_from_slice(fragment);
    }
    // SAFETY: `url` is UTF-8 and was cut only next to ASCII bytes; everything added is ASCII.
    unsafe { String::from_utf8_unchecked(out) }
}

/// Whether `id` travels exactly in a `Last-Event-ID` header in every environment: every
/// character is a tab, printable ASCII (U+0020 to U+007E) or beyond ASCII (sent as its UTF-8
/// bytes), and it neither starts nor ends with a space or a tab.
///
/// The event stream format allows more in an id: any control character but CR, LF and NUL, and
/// spaces around it. A header cannot carry those: Node's `fetch` refuses a value with a control
/// character (the request fails before it leaves, and would be retried for good), a browser's
/// cross-origin request with one fails too, and HTTP strips the spaces around a value (RFC 9110,
/// section 5.5), so the server would read another id. The fetch transport therefore never moves
/// its resume point to such an id: it stays at the last id that fits (the server replays from
/// there, so nothing is lost), and the event itself still carries its real id. An empty id fits
/// (it sends no header).
#[inline]
pub fn fits_header(id: &str) -> bool {
    let bytes = id.as_bytes();
    let edge = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
    !edge(bytes.first())
        && !edge(bytes.last())
        && bytes
            .iter()
            .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80)
}

/// Splits at the first `byte`, dropping it: `(before, Some(after))`, or `(all, None)`. With
/// `position` and `get` (no panic path) rather than `splitn`, whose iterator cost ~0.2 KB.
fn split_at_byte(s: &[u8], byte: u8) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&b| b == byte) {
        Some(at) => (s.get(..at).unwrap_or_default(), s.get(at + 1..)),
        None => (s, None),
    }
}

/// Percent-encodes everything but the URL-safe unreserved characters. Bytes, not `char`s:
/// everything written is ASCII, and `String::push` links a UTF-8 encoder.
fn encode(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_the_parameter() {
        assert_eq!(
            resume_url("http://h/s", "lastEventId", "42"),
            "http://h/s?lastEventId=42"
        );
        assert_eq!(
            resume_url("http://h/s?a=1", "lastEventId", "42"),
            "http://h/s?a=1&lastEventId=42"
        );
    }

    #[test]
    fn replaces_an_earlier_value_and_keeps_the_rest() {
        assert_eq!(
            resume_url("http://h/s?lastEventId=1&a=2#frag", "lastEventId", "7"),
            "http://h/s?a=2&lastEventId=7#frag"
        );
    }

    #[test]
    fn empty_id_removes_the_parameter() {
        assert_eq!(
            resume_url("http://h/s?lastEventId=1", "lastEventId", ""),
            "http://h/s"
        );
        assert_eq!(resume_url("http://h/s?a=1", "x", ""), "http://h/s?a=1");
    }

    #[test]
    fn ids_that_fit_a_header() {
        for id in [
            "",
            "42",
            "a b",
            "a\tb",
            "é日本",
            "~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}",
        ] {
            assert!(fits_header(id), "{id:?}");
        }
        for id in [
            "\u{1}",
            "a\u{1}b",
            "a\u{7f}",
            "\u{1b}[0m",
            "a\u{b}",
            " a",
            "a ",
            "\ta",
            "a\t",
            " ",
            "a\rb",
            "a\nb",
            "a\0b",
        ] {
            assert!(!fits_header(id), "{id:?}");
        }
    }

    #[test]
    fn any_id_fits_the_query_parameter() {
        // The native transport's way: control characters and spaces arrive as they were.
        assert_eq!(
            resume_url("http://h/s", "lastEventId", " a\u{1}\u{7f} "),
            "http://h/s?lastEventId=%20a%01%7F%20"
        );
    }

    #[test]
    fn encodes_ids_and_names() {
        assert_eq!(
            resume_url("http://h/s", "last id", "a&b=c é"),
            "http://h/s?last%20id=a%26b%3Dc%20%C3%A9"
        );
    }
}
