import { eventSourceStore, type EventSourceStore } from "typed-sse/svelte";
import type { SseState } from "typed-sse";

export interface Tick {
  symbol: string;
  price: number;
  change: number;
}

/** The ticks at `url`: connected while a component subscribes (`$ticker`), closed when the last
 *  one leaves. */
export function tickerStore(url: string): EventSourceStore<Tick> {
  return eventSourceStore<Tick>(url, "tick", { buffer: 20, maxDelayMs: 5000 });
}

/** "reconnecting in 0.7 s (attempt 1, network)", `elapsed` ms after the state began. */
export function badge(state: SseState, elapsed: number): string {
  if (state.state === "reconnecting") {
    const left = Math.max(0, state.delayMs - elapsed) / 1000;
    return `reconnecting in ${left.toFixed(1)} s (attempt ${state.attempt}, ${state.reason})`;
  }
  return state.state === "closed" ? `closed: ${state.reason}` : state.state;
}
