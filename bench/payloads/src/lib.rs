//! What `/sse/bench` sends ([`bench_data`]) and the structs the benchmark clients decode it into,
//! shared so that the server, every client and the parser's speed test use the same payloads. No wasm exports: linking this adds nothing to a module's size but the code.
use serde::Deserialize;

/// A ~90-byte quote (`size=small`).
#[derive(Deserialize, Debug)]
pub struct Small {
    /// Event number.
    pub id: u64,
    /// Ticker symbol.
    pub symbol: String,
    /// Price.
    pub price: f64,
    /// Change.
    pub change: f64,
    /// Volume.
    pub volume: u64,
    /// Timestamp.
    pub time: u64,
}

/// A ~2 KB document (`size=large`).
#[derive(Deserialize, Debug)]
pub struct Large {
    /// Event number.
    pub id: u64,
    /// Title.
    pub title: String,
    /// Items.
    pub items: Vec<Item>,
    /// Price.
    pub price: f64,
    /// Note.
    pub note: String,
}

/// One item of [`Large`].
#[derive(Deserialize, Debug)]
pub struct Item {
    /// Name.
    pub name: String,
    /// Value.
    pub value: f64,
    /// Tags.
    pub tags: Vec<String>,
}

/// What a client adds up per event, so that decoding cannot be optimised away.
pub trait Checksum {
    /// A number derived from the decoded fields.
    fn checksum(&self) -> f64;
}

impl Checksum for Small {
    fn checksum(&self) -> f64 {
        self.price + self.symbol.len() as f64
    }
}

impl Checksum for Large {
    fn checksum(&self) -> f64 {
        self.price + self.items.iter().map(|i| i.value).sum::<f64>()
    }
}

/// The data of benchmark event `i`: a ~90-byte quote, or (`large`) a ~2 KB document.
pub fn bench_data(i: u64, large: bool) -> String {
    use std::fmt::Write;
    let symbol = ["ACME", "INIT", "ZED", "WASM"][(i % 4) as usize];
    let price = 100.0 + (i % 997) as f64 / 8.0;
    if !large {
        return format!(
            r#"{{"id":{i},"symbol":"{symbol}","price":{price:.2},"change":-0.37,"volume":{},"time":1795390959872}}"#,
            120_000 + i % 5_000
        );
    }
    let mut s = format!(r#"{{"id":{i},"title":"Benchmark document {i} for {symbol}","items":["#);
    for k in 0..30u64 {
        if k > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"name":"item-{k}","value":{:.2},"tags":["alpha","beta","t{}"]}}"#,
            k as f64 * 1.25 + (i % 100) as f64,
            k % 5
        );
    }
    let _ = write!(
        s,
        r#"],"price":{price:.2},"note":"Lorem ipsum dolor sit amet, consectetur adipiscing elit."}}"#
    );
    s
}
