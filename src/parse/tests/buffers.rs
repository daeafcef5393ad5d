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
