//! Property tests: streams from a grammar of fields, comments, blank lines and mixed line ends
//! (with multi-byte characters, invalid bytes and BOMs, so that cuts land inside them) give the
//! same items however they are cut into chunks, and the same items as a plain reading of the
//! standard's text over the whole stream. Arbitrary bytes cut anywhere never panic and never
//! hold more than the cap without failing.

use proptest::prelude::*;

use super::tests::{run, Owned};
use super::*;

/// The standard read literally, on the whole stream at once: strip one BOM, decode with
/// replacement, cut lines, interpret them. Slow and simple, to check the parser against.
fn reference(stream: &[u8]) -> Vec<Owned> {
    let body = stream.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(stream);
    let text = String::from_utf8_lossy(body);
    let (mut data, mut event_type, mut id, mut dispatched_id) =
        (String::new(), String::new(), String::new(), String::new());
    let mut items = Vec::new();
    let mut rest = &text[..];
    // A last piece without a line end is never interpreted: discarded at the end of the stream.
    while let Some(end) = rest.find(['\r', '\n']) {
        let line = &rest[..end];
        rest = rest[end..].strip_prefix("\r\n").unwrap_or(&rest[end + 1..]);
        if line.is_empty() {
            if data.is_empty() {
                if id != dispatched_id {
                    items.push(Owned::Id(id.clone()));
                }
            } else {
                data.pop();
                items.push(Owned::Event {
                    event_type: if event_type.is_empty() {
                        "message".into()
                    } else {
                        event_type.clone()
                    },
                    data: data.clone(),
                    last_event_id: id.clone(),
                });
            }
            dispatched_id = id.clone();
            data.clear();
            event_type.clear();
            continue;
        }
        if let Some(comment) = line.strip_prefix(':') {
            items.push(Owned::Comment(comment.into()));
            continue;
        }
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match name {
            "event" => event_type = value.into(),
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            "id" if !value.contains('\0') => id = value.into(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                items.push(Owned::Retry(value.parse().unwrap_or(u64::MAX)));
            }
            _ => {}
        }
    }
    items
}

/// Text for names and values: ASCII, spaces, colons, NUL, multi-byte characters (2, 3 and 4
/// bytes, U+FEFF among them) and invalid bytes (a lone lead, a truncated sequence, an overlong).
fn text() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => proptest::sample::select(vec!["a", "Z", "7", "{\"k\":1}"]),
        1 => proptest::sample::select(vec![" ", ":", "\0", "é", "€", "😀", "\u{FEFF}"]),
        1 => proptest::sample::select(vec!["\u{FFFD}"]),
    ]
    .prop_map(|s: &str| s.as_bytes().to_vec());
    let invalid = proptest::sample::select(vec![&b"\xFF"[..], b"\xC3", b"\xE2\x82", b"\xC0\xAF"])
        .prop_map(<[u8]>::to_vec);
    proptest::collection::vec(prop_oneof![6 => piece, 1 => invalid], 0..6).prop_map(|v| v.concat())
}

/// One line of the grammar, without its line end.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let name = proptest::sample::select(vec!["data", "event", "id", "retry", "foo", "dat", ""]);
    let sep = proptest::sample::select(vec![":", ": ", ":  ", ""]);
    let digits = "[0-9]{1,25}".prop_map(String::into_bytes);
    prop_oneof![
        6 => (name, sep, text()).prop_map(|(n, s, v)| [n.as_bytes(), s.as_bytes(), &v].concat()),
        2 => digits.prop_map(|d| [&b"retry: "[..], &d].concat()),
        1 => text().prop_map(|v| [&b":"[..], &v].concat()),
        1 => text(),
        3 => Just(Vec::new()),
    ]
}

/// A stream: maybe a BOM (or two, or half of one), lines with mixed ends, maybe a last line
/// without an end.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let start = proptest::sample::select(vec![
        &b""[..],
        b"",
        b"\xEF\xBB\xBF",
        b"\xEF\xBB\xBF\xEF\xBB\xBF",
        b"\xEF\xBB",
    ]);
    let end = proptest::sample::select(vec!["\n", "\n", "\r", "\r\n"]);
    let lines = proptest::collection::vec((line(), end), 0..24);
    (start, lines, text()).prop_map(|(start, lines, tail)| {
        let mut s = start.to_vec();
        for (line, end) in lines {
            s.extend_from_slice(&line);
            s.extend_from_slice(end.as_bytes());
        }
        s.extend_from_slice(&tail);
        s
    })
}

/// Cuts `stream` at the given points (taken modulo its length, sorted).
fn cut<'a>(stream: &'a [u8], points: &[proptest::sample::Index]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = points.iter().map(|p| p.index(stream.len() + 1)).collect();
    at.sort_unstable();
    at.push(stream.len());
    let mut start = 0;
    at.into_iter()
        .map(|end| {
            let chunk = &stream[start..end];
            start = end;
            chunk
        })
        .collect()
}

/// Arbitrary bytes, with the bytes and words the parser reacts to made likely.
fn noise() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        3 => any::<u8>().prop_map(|b| vec![b]),
        1 => proptest::sample::select(vec![
            &b"\n"[..], b"\r", b"\r\n", b":", b" ", b"data", b"data:", b"id:", b"event:",
            b"retry:", b"\xEF\xBB\xBF", b"\xEF",
        ])
        .prop_map(<[u8]>::to_vec),
    ];
    proptest::collection::vec(token, 0..200).prop_map(|v| v.concat())
}

fn whole(stream: &[u8], max: usize) -> (Vec<Owned>, Result<(), TooLarge>) {
    run(&mut Parser::new(max), &[stream])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// Any cut, down to single bytes, gives the items of the whole stream, which are those of
    /// the standard read literally.
    #[test]
    fn any_cut_gives_the_same_items(
        stream in stream(),
        points in proptest::collection::vec(any::<proptest::sample::Index>(), 0..12),
    ) {
        let (items, result) = whole(&stream, DEFAULT_MAX_EVENT_BYTES);
        prop_assert_eq!(result, Ok(()));
        prop_assert_eq!(&items, &reference(&stream));
        let cut = cut(&stream, &points);
        prop_assert_eq!(&run(&mut Parser::new(DEFAULT_MAX_EVENT_BYTES), &cut).0, &items);
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        prop_assert_eq!(&run(&mut Parser::new(DEFAULT_MAX_EVENT_BYTES), &bytes).0, &items);
    }

    /// Arbitrary bytes, any cut, any cap: no panic; never more held than the cap after a chunk
    /// is accepted; no event larger than the cap; and the verdict and the items before it do not
    /// depend on the cut.
    #[test]
    fn arbitrary_bytes_stay_within_the_cap(
        stream in prop_oneof![noise(), stream()],
        points in proptest::collection::vec(any::<proptest::sample::Index>(), 0..12),
        max in prop_oneof![0usize..64, Just(DEFAULT_MAX_EVENT_BYTES)],
    ) {
        let mut parser = Parser::new(max);
        let mut items = Vec::new();
        let mut result = Ok(());
        for chunk in cut(&stream, &points) {
            result = parser.feed(chunk, &mut |item| {
                if let Item::Event { data, ascii, .. } = item {
                    // Each U+FFFD stands for at least one byte: characters bound bytes read.
                    assert!(data.chars().count() <= max);
                    // The batch counts UTF-16 units as bytes on this word alone.
                    assert!(!ascii || data.is_ascii(), "data said ASCII is not: {data:?}");
                }
                items.push(Owned::from(item));
            });
            if result.is_err() {
                break;
            }
            prop_assert!(parser.buffered() <= max, "{} > {}", parser.buffered(), max);
        }
        parser.finish();
        prop_assert_eq!((items, result), whole(&stream, max));
    }
}
