//! Stream endpoints for the browser tests, under `/sse/` (their routes are in
//! [`crate::routes`]). Each takes `key=K` (default `default`) so a test can read what the server
//! saw at `/stats?key=K`, and most take `keepalive_ms` (default 200): the keep-alive comment
//! interval, which is also how fast the server notices that a client went away.
//!
//! Every scenario answers `POST` as well as `GET` and starts from a [`Scenario`]
//! (see [`crate::scenario`]).
//!
//! Every numeric parameter has a range (see [`crate::limits`]); outside it the answer is `400`.
//! Events are generated as they are sent, never collected up front.
//!
//! [`Scenario`]: crate::scenario

pub(crate) mod bytes;
pub(crate) mod failures;
pub(crate) mod streams;

pub use failures::error_kind;
pub use streams::UNICODE_TEXT;
