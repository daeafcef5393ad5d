//! The structs the benchmark clients decode `/sse/bench` events into, shared so that every client
//! does the same work. No wasm exports: linking this adds nothing to a module's size but the code.
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
