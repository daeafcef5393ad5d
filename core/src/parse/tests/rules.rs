//! One test per rule of the standard, on exact bytes, with chunk boundaries where one can cut
//! what a rule reads (a BOM, a CRLF, a line, a character). `props` cuts everything else.

use super::*;

#[test]
fn bom_is_skipped_once() {
    assert_eq!(items(&[b"\xEF\xBB\xBFdata: a\n\n"]), [message("a")]);
    // A second BOM is content: here it makes the field name "\u{FEFF}data", which is unknown.
    assert_eq!(items(&[b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n"]), []);
    // ...and in a value it is kept as data.
    assert_eq!(
        items(&[b"\xEF\xBB\xBFdata: \xEF\xBB\xBFa\n\n"]),
        [message("\u{FEFF}a")]
    );
    // Only at the very start of the stream.
    assert_eq!(items(&[b"\n\xEF\xBB\xBFdata: a\n\n"]), []);
}

#[test]
fn bom_split_across_chunks_is_skipped() {
    assert_eq!(
        items(&[b"\xEF", b"\xBB", b"\xBFdata: a\n\n"]),
        [message("a")]
    );
    assert_eq!(
        items(&[b"\xEF\xBB", b"\xBF", b"data: a\n\n"]),
        [message("a")]
    );
}

#[test]
fn bom_prefix_that_is_no_bom_is_content() {
    // EF BB then "data": the held-back bytes start the first line, whose name is then invalid.
    assert_eq!(
        items(&[b"\xEF\xBB", b"data: a\n\ndata: b\n\n"]),
        [message("b")]
    );
    assert_eq!(items(&[b"\xEF", b"\n", b"data: b\n\n"]), [message("b")]);
}

#[test]
fn lf_ends_a_line() {
    assert_eq!(items(&[b"data: a\n\n"]), [message("a")]);
}

#[test]
fn cr_alone_ends_a_line() {
    assert_eq!(items(&[b"data: a\r\r"]), [message("a")]);
    assert_eq!(items(&[b"data: a\rdata: b\r\r"]), [message("a\nb")]);
}

#[test]
fn crlf_ends_one_line() {
    assert_eq!(items(&[b"data: a\r\n\r\n"]), [message("a")]);
    // Not CR then LF as two line ends: that would be a blank line between the two data lines.
    assert_eq!(items(&[b"data: a\r\ndata: b\r\n\r\n"]), [message("a\nb")]);
}

#[test]
fn crlf_split_across_chunks_ends_one_line() {
    assert_eq!(
        items(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]),
        [message("a\nb")]
    );
    // A CR ending a chunk is a line end at once, whatever follows.
    assert_eq!(items(&[b"data: a\r", b"\r"]), [message("a")]);
    assert_eq!(items(&[b"data: a\r", b"", b"\n", b"\n"]), [message("a")]);
}

#[test]
fn lf_cr_is_two_line_ends() {
    assert_eq!(
        items(&[b"data: a\n\rdata: b\n\n"]),
        [message("a"), message("b")]
    );
}

#[test]
fn line_split_across_chunks() {
    assert_eq!(
        items(&[b"da", b"ta: h", b"el", b"lo\n", b"\n"]),
        [message("hello")]
    );
}

#[test]
fn comment_line_is_reported_and_ignored() {
    assert_eq!(
        items(&[b": keep-alive\n:\ndata: a\n: mid\n\n"]),
        [
            Owned::Comment(" keep-alive".into()),
            Owned::Comment(String::new()),
            Owned::Comment(" mid".into()),
            message("a"),
        ]
    );
}

#[test]
fn field_without_colon_has_empty_value() {
    // "data" appends "" and LF: the buffer is "\n", not empty, so an event with empty data.
    assert_eq!(items(&[b"data\n\n"]), [message("")]);
    assert_eq!(items(&[b"data\ndata\n\n"]), [message("\n")]);
    assert_eq!(items(&[b"event\ndata: a\n\n"]), [message("a")]);
}

#[test]
fn empty_data_value_dispatches_an_empty_event() {
    assert_eq!(items(&[b"data:\n\n"]), [message("")]);
    assert_eq!(items(&[b"data: \n\n"]), [message("")]);
}

#[test]
fn only_one_space_is_stripped() {
    assert_eq!(items(&[b"data:  a \n\n"]), [message(" a ")]);
    assert_eq!(items(&[b"data:a\n\n"]), [message("a")]);
    assert_eq!(items(&[b"data:\ta\n\n"]), [message("\ta")]);
    assert_eq!(items(&[b"event:  x\ndata\n\n"]), [event(" x", "", "")]);
}

#[test]
fn value_runs_to_line_end_colons_included() {
    assert_eq!(items(&[b"data: a: b:c\n\n"]), [message("a: b:c")]);
}

#[test]
fn unknown_field_is_ignored() {
    assert_eq!(
        items(&[b"foo: bar\nDATA: x\ndata : y\ndata: a\n\n"]),
        [message("a")]
    );
}

#[test]
fn event_sets_the_type() {
    assert_eq!(
        items(&[b"event: tick\ndata: a\n\nevent: one\nevent: two\ndata: b\n\n"]),
        [event("tick", "a", ""), event("two", "b", "")]
    );
}

#[test]
fn type_defaults_to_message() {
    // Also after a typed event: the type buffer is reset at each dispatch.
    assert_eq!(
        items(&[b"event: tick\ndata: a\n\ndata: b\n\nevent:\ndata: c\n\n"]),
        [event("tick", "a", ""), message("b"), message("c")]
    );
}

#[test]
fn multi_line_data_is_joined_with_lf() {
    assert_eq!(
        items(&[b"data: a\ndata: b\ndata:\ndata: c\n\n"]),
        [message("a\nb\n\nc")]
    );
    // Only the one final LF is removed.
    assert_eq!(items(&[b"data: a\ndata\n\n"]), [message("a\n")]);
}

#[test]
fn retry_sets_the_reconnection_time() {
    assert_eq!(
        items(&[b"retry: 1500\nretry:0\nretry: 007\n"]),
        [Owned::Retry(1500), Owned::Retry(0), Owned::Retry(7)]
    );
}

#[test]
fn retry_with_non_digits_is_ignored() {
    let stream = b"retry: 1.5\nretry: -1\nretry: 1e3\nretry: 15 \nretry:  15\nretry: \
                   \xD9\xA1\nretry:\nretry\ndata: a\n\n";
    assert_eq!(items(&[stream]), [message("a")]);
}

#[test]
fn retry_with_huge_digit_strings_saturates() {
    assert_eq!(
        items(&[b"retry: 18446744073709551615\nretry: 18446744073709551616\n"]),
        [Owned::Retry(u64::MAX), Owned::Retry(u64::MAX)]
    );
    let huge = format!("retry: {}\n", "9".repeat(10_000));
    assert_eq!(items(&[huge.as_bytes()]), [Owned::Retry(u64::MAX)]);
}

#[test]
fn id_sets_the_last_event_id() {
    assert_eq!(
        items(&[b"id: 7\ndata: a\n\n"]),
        [event("message", "a", "7")]
    );
}

#[test]
fn id_with_nul_is_ignored() {
    assert_eq!(
        items(&[b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n"]),
        [event("message", "a", "1"), event("message", "b", "1")]
    );
}

#[test]
fn id_persists_across_events() {
    assert_eq!(
        items(&[b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"]),
        [
            event("message", "a", "1"),
            event("message", "b", "1"),
            // An empty id is an id: it clears the resume point.
            event("message", "c", ""),
        ]
    );
}

#[test]
fn empty_data_dispatches_nothing_but_updates_the_id() {
    assert_eq!(
        items(&[b"id: 5\n\n\nid: 5\n\nevent: x\nid: 6\n\ndata: a\n\nid\n\n"]),
        [
            // Reported once: the second blank line and the repeated id change nothing.
            Owned::Id("5".into()),
            // The type buffer was reset with the empty event: "x" does not leak into "a".
            Owned::Id("6".into()),
            event("message", "a", "6"),
            Owned::Id(String::new()),
        ]
    );
}

#[test]
fn event_without_blank_line_is_discarded_at_finish() {
    let mut parser = Parser::new(DEFAULT_MAX_EVENT_BYTES);
    let (got, result) = run(&mut parser, &[b"data: a\n\nid: 9\nevent: x\ndata: b\n"]);
    result.unwrap();
    assert_eq!(got, [message("a")]);
    // Its id went with it: the next stream continues from the last dispatched id, "".
    assert_eq!(parser.last_event_id(), "");
    let (got, _) = run(&mut parser, &[b"data: c\n\n"]);
    assert_eq!(got, [message("c")]);
    // An unterminated last line (no line end at all) is discarded too.
    assert_eq!(items(&[b"data: a\n\ndata: b"]), [message("a")]);
}

#[test]
fn finish_prepares_for_a_new_stream() {
    let mut parser = Parser::new(DEFAULT_MAX_EVENT_BYTES);
    let (got, _) = run(
        &mut parser,
        &[b"\xEF\xBB\xBFid: 3\ndata: a\n\ndata: part\r"],
    );
    assert_eq!(got, [event("message", "a", "3")]);
    // The new stream may start with a BOM again, and its LF completes no CRLF of the old one;
    // the id carries over and is not reported again.
    let (got, _) = run(&mut parser, &[b"\xEF\xBB\xBF\n", b"data: b\n\n"]);
    assert_eq!(got, [event("message", "b", "3")]);
}

#[test]
fn with_last_event_id_resumes() {
    let mut parser = Parser::with_last_event_id(DEFAULT_MAX_EVENT_BYTES, "41");
    let (got, _) = run(&mut parser, &[b"data: a\n\nid: 41\n\nid: 42\n\n"]);
    assert_eq!(got, [event("message", "a", "41"), Owned::Id("42".into())]);
    assert_eq!(parser.last_event_id(), "42");
}

#[test]
fn invalid_utf8_becomes_replacement_characters() {
    assert_eq!(
        items(&[b"event: t\xFF\nid: i\xC3\ndata: a\xFFb\xE2\x82c\xF0\x9F\x98\n\n"]),
        [event(
            "t\u{FFFD}",
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}",
            "i\u{FFFD}"
        )]
    );
    assert_eq!(
        items(&[b": \xC0\xAF\n"]),
        [Owned::Comment(" \u{FFFD}\u{FFFD}".into())]
    );
}

#[test]
fn multi_byte_characters_split_across_chunks() {
    assert_eq!(
        items(&[b"data: \xE2", b"\x82", b"\xAC \xF0\x9F", b"\x98\x80\n\n"]),
        [message("\u{20AC} \u{1F600}")]
    );
}

#[test]
fn truncated_sequence_before_a_line_end_is_one_replacement() {
    // The line end cuts the sequence: U+FFFD, then the next line is read normally.
    assert_eq!(
        items(&[b"data: \xE2\x82\ndata: b\n\n"]),
        [message("\u{FFFD}\nb")]
    );
}
