//! The parser's tests: one per rule of "Parsing an event stream" and "Interpreting an event
//! stream", byte-exact ([`rules`]), and its own promises about memory ([`buffers`]).

mod buffers;
mod rules;

use super::*;

/// An [`Item`] that owns its text, to collect and compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Owned {
    Event {
        event_type: String,
        data: String,
        last_event_id: String,
    },
    Id(String),
    Comment(String),
    Retry(u64),
}

impl From<Item<'_>> for Owned {
    fn from(item: Item<'_>) -> Self {
        match item {
            Item::Event {
                event_type,
                data,
                last_event_id,
                ..
            } => Self::Event {
                event_type: event_type.into(),
                data: data.into(),
                last_event_id: last_event_id.into(),
            },
            Item::Id(id) => Self::Id(id.into()),
            Item::Comment(text) => Self::Comment(text.into()),
            Item::Retry(ms) => Self::Retry(ms),
        }
    }
}

/// Feeds `chunks` to `parser`, then finishes; the items, or the error with the items before it.
pub(super) fn run(parser: &mut Parser, chunks: &[&[u8]]) -> (Vec<Owned>, Result<(), TooLarge>) {
    let mut items = Vec::new();
    for chunk in chunks {
        if let Err(e) = parser.feed(chunk, &mut |item| items.push(Owned::from(item))) {
            return (items, Err(e));
        }
    }
    parser.finish();
    (items, Ok(()))
}

/// The items of a stream fed in `chunks` (then finished), which must not pass the default cap.
pub(super) fn items(chunks: &[&[u8]]) -> Vec<Owned> {
    let (items, result) = run(&mut Parser::new(DEFAULT_MAX_EVENT_BYTES), chunks);
    result.unwrap();
    items
}

pub(super) fn event(event_type: &str, data: &str, last_event_id: &str) -> Owned {
    Owned::Event {
        event_type: event_type.into(),
        data: data.into(),
        last_event_id: last_event_id.into(),
    }
}

pub(super) fn message(data: &str) -> Owned {
    event("message", data, "")
}
