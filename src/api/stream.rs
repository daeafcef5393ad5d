//! [`EventStream`]: the events of one type as a `futures::Stream`.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_channel::mpsc::UnboundedReceiver;
use futures_core::Stream;

use crate::{DecodeError, Event, Subscription};

/// The events of one type, from [`SseClient::stream`](crate::SseClient::stream).
///
/// Every event is kept, in order (bursts are not collapsed into a latest value). The stream ends
/// when the source closes; dropping it removes its listener.
///
/// ```no_run
/// use futures_util::StreamExt;
/// # async fn run() -> Result<(), typed_sse::ConfigError> {
/// let source = typed_sse::SseClient::new("/events")?;
/// let mut ticks = source.stream::<serde_json::Value>("tick");
/// while let Some(Ok(event)) = ticks.next().await {
///     println!("{}", event.data);
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct EventStream<T> {
    receiver: UnboundedReceiver<Result<Event<T>, DecodeError>>,
    _subscription: Subscription,
}

impl<T> EventStream<T> {
    pub(crate) fn new(
        receiver: UnboundedReceiver<Result<Event<T>, DecodeError>>,
        subscription: Subscription,
    ) -> Self {
        Self {
            receiver,
            _subscription: subscription,
        }
    }
}

impl<T> Stream for EventStream<T> {
    type Item = Result<Event<T>, DecodeError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.receiver).poll_next(cx)
    }
}
