// typed-sse/vue: `useEventSource`, a composable over one `SseClient` (see sse-store.js for the
// lifecycle rules). Vue is a peer dependency of this entry point only.
import { getCurrentInstance, getCurrentScope, onMounted, onScopeDispose, shallowRef, toValue, watch } from "vue";
import { createSseStore } from "./sse-store.js";

/** Refs of the state, the latest event, the last `buffer` events and the last error of the
 *  events of `type` at `url` (a string, a ref or a getter: a new value reconnects), with
 *  `close()` and `open()`. Closed when the effect scope (the component) is disposed. */
export function useEventSource(url, type, options) {
  const store = createSseStore(String(toValue(url)), type, options);
  const first = store.getSnapshot();
  const state = shallowRef(first.state);
  const data = shallowRef(first.data);
  const meta = shallowRef(first.meta);
  const buffer = shallowRef(first.buffer);
  const error = shallowRef(first.error);
  const lastEventId = shallowRef(first.lastEventId);
  let unsubscribe = null;
  const start = () => {
    unsubscribe ??= store.subscribe(() => {
      const s = store.getSnapshot();
      state.value = s.state;
      data.value = s.data;
      meta.value = s.meta;
      buffer.value = s.buffer;
      error.value = s.error;
      lastEventId.value = s.lastEventId;
    });
  };
  watch(() => String(toValue(url)), (next) => store.setTarget(next));
  // In a component, connect once mounted (never during server rendering, where nothing mounts);
  // in a bare effect scope, at once.
  if (getCurrentInstance()) onMounted(start);
  else start();
  if (getCurrentScope()) {
    onScopeDispose(() => {
      unsubscribe?.();
      store.destroy();
    });
  }
  return { state, data, meta, buffer, error, lastEventId, close: store.close, open: store.open };
}
