//! The JavaScript API (placeholder).
