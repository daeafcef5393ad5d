// typed-sse/svelte: `eventSourceStore`, a Svelte store over one `SseClient` (see sse-store.js for
// the lifecycle rules). It follows Svelte's store contract (`subscribe` calls `run` at once and
// returns an unsubscribe function), so it needs nothing from Svelte itself: `$source` in a
// component subscribes, and the last subscriber leaving closes the connection.
import { createSseStore } from "./sse-store.js";

/** A readable store of `{ state, data, meta, buffer, error, lastEventId }` for the events of
 *  `type` at `url`, with `close()`, `open()` and `setUrl(url)`. */
export function eventSourceStore(url, type, options) {
  const store = createSseStore(String(url), type, options);
  return {
    subscribe(run) {
      run(store.getSnapshot());
      return store.subscribe(() => run(store.getSnapshot()));
    },
    close: store.close,
    open: store.open,
    setUrl(next) {
      store.setTarget(String(next));
    },
  };
}
