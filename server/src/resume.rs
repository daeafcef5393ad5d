//! Where a reconnecting client wants to resume from: the `Last-Event-ID` header (sent by the
//! browser's own reconnect) or the `lastEventId` query parameter (sent by typed-sse, whose new
//! native `EventSource` cannot set the header).

use axum::http::HeaderMap;

/// The resume point and where it came from.
pub fn last_event_id(
    headers: &HeaderMap,
    query: &std::collections::HashMap<String, String>,
) -> (Option<String>, &'static str) {
    // The header's bytes are the id in UTF-8, as browsers send it (`to_str` would refuse any
    // byte past ASCII, and with it a non-ASCII id).
    if let Some(v) = headers
        .get("last-event-id")
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
    {
        return (Some(v.to_owned()), "header");
    }
    match query.get("lastEventId") {
        Some(v) => (Some(v.clone()), "query"),
        None => (None, "none"),
    }
}

/// Whether the request is typed-sse's failure probe rather than an `EventSource` connection.
pub fn is_probe(headers: &HeaderMap) -> bool {
    headers
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("max-age=0"))
}
