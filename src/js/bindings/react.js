// typed-sse/react: `useEventSource`, a hook over one `SseClient` (see sse-store.js for the
// lifecycle rules). React is a peer dependency of this entry point only.
import { useEffect, useRef, useSyncExternalStore } from "react";
import { createSseStore } from "./sse-store.js";

/** The state, the latest event, the last `buffer` events and the last error of the events of
 *  `type` (default "message") at `url`, with `close()` and `open()`. */
export function useEventSource(url, type, options) {
  // React 17 has no useSyncExternalStore; the package's peer range lets such a project install
  // the package (for its core), so the hook says what it needs instead of failing obscurely.
  if (typeof useSyncExternalStore !== "function") {
    throw new Error("typed-sse/react needs React 18 or later (useSyncExternalStore); the core (`typed-sse`) works with any React");
  }
  const ref = useRef(null);
  // Creating a store does nothing (no connection): safe during render, and on the server.
  if (ref.current === null) ref.current = createSseStore(String(url), type, options);
  const store = ref.current;
  // Before the subscription's effect: the first connection already has this render's options.
  useEffect(() => {
    store.setOptions(options);
  });
  const typeKey = typeof type === "object" && type !== null ? Object.keys(type).sort().join("\n") : type;
  useEffect(() => {
    store.setTarget(String(url), type);
    // `type` itself is left out on purpose: a new decoders object with the same names is the
    // same target (store.setTarget compares the names too).
  }, [store, String(url), typeKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  return { ...snapshot, close: store.close, open: store.open };
}
