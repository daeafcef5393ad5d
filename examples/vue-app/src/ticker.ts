import { computed, onScopeDispose, ref, watch, type MaybeRefOrGetter } from "vue";
import { useEventSource } from "typed-sse/vue";
import type { SseState } from "typed-sse";

export interface Tick {
  symbol: string;
  price: number;
  change: number;
}

// "reconnecting in 0.7 s (attempt 1, network)", `elapsed` ms after the state began.
function badge(state: SseState, elapsed: number): string {
  if (state.state === "reconnecting") {
    const left = Math.max(0, state.delayMs - elapsed) / 1000;
    return `reconnecting in ${left.toFixed(1)} s (attempt ${state.attempt}, ${state.reason})`;
  }
  return state.state === "closed" ? `closed: ${state.reason}` : state.state;
}

/** The ticks at `url` (a new value reconnects), and a badge that counts down every 100 ms
 *  while reconnecting. */
export function useTicker(url: MaybeRefOrGetter<string>) {
  const { state, data, buffer, error } = useEventSource<Tick>(url, "tick", { buffer: 20, maxDelayMs: 5000 });
  const since = ref(Date.now());
  const now = ref(Date.now());
  let timer: ReturnType<typeof setInterval> | undefined;
  watch(state, (s) => {
    since.value = now.value = Date.now();
    clearInterval(timer);
    if (s.state === "reconnecting") timer = setInterval(() => (now.value = Date.now()), 100);
  });
  onScopeDispose(() => clearInterval(timer));
  const text = computed(() => badge(state.value, now.value - since.value));
  return { state, data, buffer, error, badge: text };
}
