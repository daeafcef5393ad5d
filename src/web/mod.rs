//! The browser's objects as every layer above uses them: Rust closures attached to an
//! `EventTarget` or called back once from JS, released on drop (`dom`), and an event's text
//! copied out of JS into a reused buffer (`text`, with `text.js`). Nothing here decides.

pub(crate) mod dom;
pub(crate) mod text;
