//! A chat's events, declared once: the test server publishes them through `typed-sse-axum`
//! (`/typed/chat`), the Rust client receives them with `on_union::<ChatEvent>`, and the npm
//! package's users get the same type as TypeScript (`cargo run -p typed-sse-example-events
//! --features typescript --bin typescript`).
#![deny(missing_docs)]

use serde::{Deserialize, Serialize};

/// Every event of the chat: the variant's name (snake_case) is the SSE event type, its
/// payload the event's data as JSON.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum ChatEvent {
    /// Someone said something.
    Message(Message),
    /// Someone joined the room.
    Joined {
        /// Who.
        user: String,
    },
    /// Reactions counted on a message: its id and the count.
    Reactions(u64, u32),
    /// The server is alive (no payload: `null` on the wire).
    Ping,
}

/// A chat message.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Message {
    /// The message's id.
    pub id: u64,
    /// Who wrote it.
    pub user: String,
    /// What they wrote.
    pub text: String,
    /// The message it answers, if any.
    pub reply_to: Option<u64>,
    /// Labels.
    pub tags: Vec<String>,
}

/// What `/typed/chat` publishes, in order: every variant, and text that JSON must escape.
pub fn script() -> Vec<ChatEvent> {
    vec![
        ChatEvent::Joined { user: "ada".into() },
        ChatEvent::Message(Message {
            id: 1,
            user: "ada".into(),
            text: "hello \"world\"\nsecond line, ünïcødé 🎉".into(),
            reply_to: None,
            tags: vec![],
        }),
        ChatEvent::Ping,
        ChatEvent::Message(Message {
            id: 2,
            user: "grace".into(),
            text: "hi".into(),
            reply_to: Some(1),
            tags: vec!["greeting".into(), "short".into()],
        }),
        ChatEvent::Reactions(1, 3),
    ]
}

#[cfg(feature = "typescript")]
#[cfg(test)]
mod tests {
    /// The TypeScript in `e2e/typed/chat-event.ts` is what the enum generates today.
    #[test]
    fn the_committed_typescript_is_current() {
        let generated = typed_sse_core::typed::typescript::<super::ChatEvent>().unwrap();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../e2e/typed/chat-event.ts");
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "e2e/typed/chat-event.ts is stale: run `cargo run -p typed-sse-example-events \
             --features typescript --bin typescript > e2e/typed/chat-event.ts`"
        );
    }
}
