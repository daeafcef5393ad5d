// A resumable event store for the MCP TypeScript SDK's Streamable HTTP server transport
// (its `EventStore` interface): every message the server sends on a stream (a POST's response
// stream, or the GET notification stream) is kept under an id `<stream>_<n>`, so a client that
// comes back with `Last-Event-ID` gets exactly the messages after it, in order.
//
// Unlike the SDK's in-memory example, `n` is a counter rising across the store: the example
// orders ids by `Date.now()` then a random suffix, so two events of one millisecond can replay
// out of order. An id the store cannot resume from (never issued, or older than what it still
// keeps) is refused: `getStreamIdForEventId` answers `undefined`, and the SDK answers 400.
//
// Bounded: at most `maxEventsPerStream` messages per stream (the oldest dropped first) and
// `maxStreams` streams (the stream written least recently dropped first).

// The first of `events` (ordered by `n`) with a number above `n`: a binary search, so a replay
// of a long stream costs n log n, not n².
function firstAfter(events, n) {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid].n > n) hi = mid;
    else lo = mid + 1;
  }
  return events[lo];
}

export class ResumableEventStore {
  #streams = new Map(); // stream id -> { events: [{ n, message }], droppedUpTo: n }
  #next = 0;
  #maxEventsPerStream;
  #maxStreams;

  constructor({ maxEventsPerStream = 10_000, maxStreams = 1_000 } = {}) {
    this.#maxEventsPerStream = maxEventsPerStream;
    this.#maxStreams = maxStreams;
  }

  async storeEvent(streamId, message) {
    let stream = this.#streams.get(streamId);
    if (stream) {
      // Re-inserted: the map's order is the order streams were last written.
      this.#streams.delete(streamId);
    } else {
      stream = { events: [], droppedUpTo: 0 };
      while (this.#streams.size >= this.#maxStreams) {
        this.#streams.delete(this.#streams.keys().next().value);
      }
    }
    this.#streams.set(streamId, stream);
    const n = ++this.#next;
    stream.events.push({ n, message });
    if (stream.events.length > this.#maxEventsPerStream) {
      stream.droppedUpTo = stream.events.shift().n;
    }
    return `${streamId}_${n}`;
  }

  // The stream and position of `eventId`, if every message after it is still kept.
  #find(eventId) {
    const cut = typeof eventId === "string" ? eventId.lastIndexOf("_") : -1;
    if (cut <= 0 || !/^[1-9][0-9]{0,15}$/.test(eventId.slice(cut + 1))) return undefined;
    const streamId = eventId.slice(0, cut);
    const n = Number(eventId.slice(cut + 1));
    const stream = this.#streams.get(streamId);
    if (!stream) return undefined;
    const known = n === stream.droppedUpTo || firstAfter(stream.events, n - 1)?.n === n;
    return known ? { streamId, stream, n } : undefined;
  }

  async getStreamIdForEventId(eventId) {
    return this.#find(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId, { send }) {
    const found = this.#find(lastEventId);
    if (!found) throw new Error(`cannot resume after event id ${String(lastEventId).slice(0, 100)}`);
    // Read live, not copied: `send` awaits, and a message stored meanwhile must be replayed too
    // (the SDK writes live only what reaches a stream registered after the replay, and skips
    // what the replay delivered).
    let after = found.n;
    for (;;) {
      const next = firstAfter(found.stream.events, after);
      if (!next) break;
      after = next.n;
      await send(`${found.streamId}_${next.n}`, next.message);
    }
    return found.streamId;
  }
}
