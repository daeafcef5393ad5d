//! The parser's speed on the benchmark's payloads, printed, never asserted (timings depend on the
//! machine): `cargo test --release -p typed-sse-core --lib parse_speed -- --ignored --nocapture`.

use std::fmt::Write;
use std::hint::black_box;
use std::time::Instant;

use typed_sse_bench_payloads::bench_data;

use super::*;

/// Parses `n` benchmark events in 64 KiB chunks, five times; prints the median.
fn measure(label: &str, n: u64, large: bool) {
    let (mut stream, mut data_bytes) = (String::new(), 0);
    for i in 1..=n {
        let data = bench_data(i, large);
        data_bytes += data.len();
        let _ = write!(stream, "id: {i}\ndata: {data}\n\n");
    }
    let mut runs = Vec::new();
    for _ in 0..5 {
        let mut parser = Parser::new(DEFAULT_MAX_EVENT_BYTES);
        let (mut events, mut bytes) = (0u64, 0usize);
        let start = Instant::now();
        for chunk in stream.as_bytes().chunks(64 * 1024) {
            let fed = parser.feed(black_box(chunk), &mut |item| {
                if let Item::Event { data, .. } = item {
                    events += 1;
                    bytes += black_box(data).len();
                }
            });
            assert!(fed.is_ok());
        }
        runs.push(start.elapsed().as_secs_f64());
        assert_eq!(events, n);
        black_box(bytes);
    }
    runs.sort_by(f64::total_cmp);
    let median = runs[runs.len() / 2];
    println!(
        "{label}: {n} events of ~{} bytes (data ~{}), {:.1} MB: {:.0} MB/s, {:.2} M events/s \
         (median of 5: {:.1} ms)",
        stream.len() as u64 / n,
        data_bytes as u64 / n,
        stream.len() as f64 / 1e6,
        stream.len() as f64 / 1e6 / median,
        n as f64 / 1e6 / median,
        median * 1e3,
    );
}

#[test]
#[ignore = "a benchmark: run it in release, with --ignored --nocapture"]
fn parse_speed() {
    measure("small", 200_000, false);
    measure("large", 20_000, true);
}
