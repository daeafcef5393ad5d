//! What the Yew and Leptos hooks share: their options and the bounded event buffer.

use std::collections::VecDeque;

use crate::{Builder, ReconnectPolicy};

/// Options of `use_event_source` (Yew and Leptos alike).
///
/// Defaults: no buffer (only the latest value), the default [`ReconnectPolicy`], no credentials.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct UseEventSourceOptions {
    /// Keep the last `n` events in order, besides the latest value (0: none). A latest value
    /// alone collapses a burst into its last event; the buffer keeps every one of them.
    pub buffer: usize,
    /// How to reconnect.
    pub reconnect: ReconnectPolicy,
    /// Send credentials cross-origin.
    pub with_credentials: bool,
}

impl UseEventSourceOptions {
    /// Keeps the last `n` events.
    pub fn buffer(mut self, n: usize) -> Self {
        self.buffer = n;
        self
    }

    /// The reconnect policy.
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = policy;
        self
    }

    /// Sends credentials cross-origin.
    pub fn with_credentials(mut self, yes: bool) -> Self {
        self.with_credentials = yes;
        self
    }

    pub(crate) fn apply(&self, builder: Builder) -> Builder {
        builder
            .reconnect(self.reconnect.clone())
            .with_credentials(self.with_credentials)
    }
}

/// Appends `value`, dropping the oldest entries beyond `capacity`.
pub(crate) fn push_bounded<T>(buffer: &mut VecDeque<T>, capacity: usize, value: T) {
    if capacity == 0 {
        return;
    }
    while buffer.len() >= capacity {
        buffer.pop_front();
    }
    buffer.push_back(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buffer_keeps_the_last_n_in_order() {
        let mut b = VecDeque::new();
        for i in 0..5 {
            push_bounded(&mut b, 3, i);
        }
        assert_eq!(b, [2, 3, 4]);
        let mut none = VecDeque::new();
        push_bounded(&mut none, 0, 1);
        assert!(none.is_empty());
    }
}
