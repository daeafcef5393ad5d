//! What the parser holds: never more than the cap, data pointing into a chunk copied before the
//! chunk goes, and big buffers released after the event that grew them.

use super::*;

#[test]
fn too_large_for_an_endless_line() {
    let mut parser = Parser::new(100);
    let chunk = [b'x'; 40];
    let mut result = Ok(());
    let mut fed = 0;
    while result.is_ok() && fed < 1_000 {
        result = parser.feed(&chunk, &mut |_| panic!("no item expected"));
        fed += 1;
        assert!(parser.buffered() <= 100);
    }
    assert_eq!(result, Err(TooLarge { limit: 100 }));
    assert_eq!(fed, 3);
    // Within one chunk too.
    let (_, result) = run(&mut Parser::new(100), &[&[b'x'; 101], b"\n"]);
    assert_eq!(result, Err(TooLarge { limit: 100 }));
}

#[test]
fn too_large_for_an_event_growing_across_lines() {
    let mut parser = Parser::new(100);
    let mut lines = 0;
    let result = loop {
        // Each line is small; the event's data grows by 9 bytes ("abcdefgh" and LF) a line.
        if let Err(e) = parser.feed(b"data: abcdefgh\n", &mut |_| panic!("no item expected")) {
            break e;
        }
        lines += 1;
        assert!(parser.buffered() <= 100);
    };
    assert_eq!(result, TooLarge { limit: 100 });
    // 10 lines hold 90 bytes; an 11th line (14 bytes) would pass 100.
    assert_eq!(lines, 10);
    // Events that dispatch in time never accumulate.
    let stream = b"data: abcdefgh\n\n".repeat(1_000);
    let (got, result) = run(&mut Parser::new(100), &[&stream]);
    assert_eq!((got.len(), result), (1_000, Ok(())));
}

#[test]
fn exactly_the_cap_passes() {
    // data "ab" + LF = 3, plus the line "data: cd" (8) = 11.
    let (got, result) = run(&mut Parser::new(11), &[b"data: ab\ndata: cd\n\n"]);
    assert_eq!((got, result), (vec![message("ab\ncd")], Ok(())));
    let (_, result) = run(&mut Parser::new(10), &[b"data: ab\ndata: cd\n\n"]);
    assert_eq!(result, Err(TooLarge { limit: 10 }));
}

#[test]
fn data_in_chunk_survives_the_chunk_end() {
    // The first value is pointed at in the chunk, then must be copied before the chunk goes.
    let first = b"data: first\n".to_vec();
    let mut parser = Parser::new(DEFAULT_MAX_EVENT_BYTES);
    let mut got = Vec::new();
    parser
        .feed(&first, &mut |i| got.push(Owned::from(i)))
        .unwrap();
    drop(first);
    let second = b"data: second\n\n".to_vec();
    parser
        .feed(&second, &mut |i| got.push(Owned::from(i)))
        .unwrap();
    assert_eq!(got, [message("first\nsecond")]);
}

#[test]
fn big_event_buffers_are_released() {
    let mut parser = Parser::new(DEFAULT_MAX_EVENT_BYTES);
    let big = [b'x'; 200_000];
    for piece in [&b"data: "[..], &big, b"\ndata: y\n", &big, b"\n\n"] {
        parser.feed(piece, &mut |_| ()).unwrap();
    }
    assert!(parser.data.capacity() <= KEEP_AT_MOST);
    assert!(parser.line.capacity() <= KEEP_AT_MOST);
}

#[test]
fn ascii_is_reported_where_the_line_scan_saw_it() {
    // One ASCII data line within the chunk: known; non-ASCII, or data over two lines: not.
    let mut seen = Vec::new();
    let stream = "data: {\"a\":1}\n\ndata: é\n\ndata: a\ndata: b\n\n";
    Parser::new(DEFAULT_MAX_EVENT_BYTES)
        .feed(stream.as_bytes(), &mut |item| {
            if let Item::Event { data, ascii, .. } = item {
                seen.push((data.to_owned(), ascii));
            }
        })
        .unwrap();
    assert_eq!(
        seen,
        [
            ("{\"a\":1}".into(), true),
            ("é".into(), false),
            ("a\nb".into(), false)
        ]
    );
}

#[test]
fn the_cap_counts_the_type_and_the_id_too() {
    // Each line fits in 100 bytes, but the event's type (40), id (40) and data (31 with its LF)
    // together do not: all of it is held for the one event.
    let stream = format!(
        "event: {}\nid: {}\ndata: {}\n\n",
        "t".repeat(40),
        "i".repeat(40),
        "d".repeat(30)
    );
    let (_, result) = run(&mut Parser::new(100), &[stream.as_bytes()]);
    assert_eq!(result, Err(TooLarge { limit: 100 }));
    // Cut anywhere, the verdict is the same.
    for cut in 1..stream.len() {
        let (a, b) = stream.as_bytes().split_at(cut);
        let (_, result) = run(&mut Parser::new(100), &[a, b]);
        assert_eq!(result, Err(TooLarge { limit: 100 }), "cut at {cut}");
    }
    // The same event fits a cap of 120: 40 + 40 + 31, plus the blank line.
    let (got, result) = run(&mut Parser::new(120), &[stream.as_bytes()]);
    assert_eq!((got.len(), result), (1, Ok(())));
    // An id from an earlier event is not the new event's: it does not count against it (a
    // resumed id as long as the cap would otherwise refuse every later event, for good).
    let long_id = "i".repeat(90);
    let mut parser = Parser::with_last_event_id(100, &long_id);
    let (got, result) = run(&mut parser, &[b"data: 12345678901234567890\n\n"]);
    assert_eq!((got.len(), result), (1, Ok(())));
}

#[test]
fn big_fields_move_out_of_the_line_buffer_and_are_released() {
    let mut parser = Parser::new(DEFAULT_MAX_EVENT_BYTES);
    let big = [b'x'; 200_000];
    let mut got = Vec::new();
    for piece in [
        &b"event: "[..],
        &big,
        b"\nid: ",
        &big,
        b"\ndata: ",
        &big,
        b"\n\n",
    ] {
        parser
            .feed(piece, &mut |i| got.push(Owned::from(i)))
            .unwrap();
    }
    let x = "x".repeat(200_000);
    assert_eq!(got, [event(&x, &x, &x)]);
    assert!(parser.data.capacity() <= KEEP_AT_MOST);
    assert!(parser.line.capacity() <= KEEP_AT_MOST);
    assert!(parser.event_type.capacity() <= KEEP_AT_MOST);
    assert!(parser.new_id.capacity() <= KEEP_AT_MOST);
    // The id stays (it is the resume point), and later events carry it.
    parser.feed(b"id: 2\ndata: a\n\n", &mut |_| ()).unwrap();
    assert_eq!(parser.last_event_id(), "2");
    assert!(
        parser.new_id.capacity() <= KEEP_AT_MOST,
        "the old id is released"
    );
}

#[test]
fn events_say_when_the_id_changed() {
    let mut changes = Vec::new();
    let stream =
        b"id: 1\ndata: a\n\ndata: b\n\nid: 1\ndata: c\n\nid: 2\ndata: d\n\nid\ndata: e\n\n";
    Parser::with_last_event_id(DEFAULT_MAX_EVENT_BYTES, "0")
        .feed(stream, &mut |item| {
            if let Item::Event { id_changed, .. } = item {
                changes.push(id_changed);
            }
        })
        .unwrap();
    // "1" changes it; no id, or the same id again, does not; "2" and the reset do.
    assert_eq!(changes, [true, false, false, true, true]);
}

#[test]
fn a_failed_allocation_is_too_large_not_a_trap() {
    // A cap the memory cannot hold: growing the line past what can be allocated fails as the
    // cap does, through `try_reserve`, never by aborting.
    // (`gather`'s tests reach the allocation itself.)
    let mut parser = Parser::new(usize::MAX);
    parser.feed(b"data: ok\n\n", &mut |_| ()).unwrap();
}

#[test]
fn a_growing_line_never_takes_more_room_than_the_cap() {
    // Doubling from an odd first piece would pass the cap by up to twice: 100 bytes, then 199.
    let limit = 1_000;
    let mut parser = Parser::new(limit);
    parser.feed(b"data: 4567890", &mut |_| ()).unwrap();
    while parser.feed(b"x", &mut |_| ()).is_ok() {
        assert!(
            parser.line.capacity() <= limit,
            "{}",
            parser.line.capacity()
        );
    }
    assert_eq!(parser.line.len(), limit);
}

#[test]
fn invalid_utf8_is_capped_as_the_text_it_becomes() {
    // 40 bytes of 0xE9 are within a cap of 100 as bytes, but 120 bytes of text (U+FFFD each):
    // in data, a type, an id or a comment, read in one chunk or carried over several.
    let invalid = [0xE9; 40];
    let lines: [&[u8]; 4] = [b"data: ", b"event: ", b"id: ", b":"];
    for name in lines {
        let line = [name, &invalid, b"\ndata: x\n\n"].concat();
        let (_, result) = run(&mut Parser::new(100), &[&line]);
        assert_eq!(
            result,
            Err(TooLarge { limit: 100 }),
            "{}",
            String::from_utf8_lossy(name)
        );
    }
    // Carried over: a value over KEEP_AT_MOST moves out of the line buffer (type and id).
    let big = vec![0xE9; KEEP_AT_MOST + 10];
    let limit = 2 * KEEP_AT_MOST;
    for name in lines {
        let (_, result) = run(&mut Parser::new(limit), &[name, &big, b"\ndata: x\n\n"]);
        assert_eq!(
            result,
            Err(TooLarge { limit }),
            "{}",
            String::from_utf8_lossy(name)
        );
    }
    // Within the cap as text, it is delivered with one U+FFFD per invalid byte.
    let (got, result) = run(&mut Parser::new(120), &[b"data: ", &invalid, b"\n\n"]);
    assert_eq!(
        (got, result),
        (vec![message(&"\u{FFFD}".repeat(40))], Ok(()))
    );
}

#[test]
fn the_decoded_text_of_a_big_invalid_event_is_reserved_once_and_released() {
    let mut parser = Parser::new(DEFAULT_MAX_EVENT_BYTES);
    let big = [0xE9; 200_000];
    let mut lens = Vec::new();
    for piece in [&b"data: "[..], &big, b"\n\n"] {
        parser
            .feed(piece, &mut |item| {
                if let Item::Event { data, .. } = item {
                    lens.push(data.len());
                }
            })
            .unwrap();
    }
    assert_eq!(lens, [600_000]);
    assert!(
        parser.scratch.capacity() <= KEEP_AT_MOST,
        "released after the event"
    );
    // Reserved for the decoded length at once: no doubling past it.
    let mut scratch = String::new();
    let len = fields::text(&big, false, &mut scratch, 0, DEFAULT_MAX_EVENT_BYTES).map(str::len);
    assert_eq!((len, scratch.capacity()), (Ok(600_000), 600_000));
}
