import type { SseDecoders } from "typed-sse";
import type { EventData, EventSourceSnapshot, UseEventSourceOptions } from "./sse-store.js";

export type { EventData, EventSourceSnapshot, UseEventSourceOptions } from "./sse-store.js";

/** A Svelte store (`$source` in a component) of one stream, with `close`, `open` and `setUrl`. */
export interface EventSourceStore<T> {
  /** Svelte's store contract: calls `run` with the snapshot now and after every change;
   *  returns the unsubscribe function. The first subscriber connects; the last one leaving
   *  closes the connection. */
  subscribe(run: (snapshot: EventSourceSnapshot<T>) => void): () => void;
  /** Closes the connection now; nothing reconnects until `open()` or a new URL. */
  close(): void;
  /** Connects again after `close()` or after the stream ended. */
  open(): void;
  /** Connects to `url` instead (once, if it differs), from scratch: no `Last-Event-ID`, the
   *  old data and buffer cleared. */
  setUrl(url: string | URL): void;
}

/** A store of the events of `type` (default `"message"`, or a union's decoders) at `url`. It
 *  connects when subscribed (not when created, and not for a subscription that ends in the
 *  same task, such as `get(store)` or server rendering). */
export declare function eventSourceStore<T = any>(url: string | URL, type?: string, options?: UseEventSourceOptions<T>): EventSourceStore<T>;
export declare function eventSourceStore<D extends SseDecoders>(url: string | URL, decoders: D, options?: Omit<UseEventSourceOptions, "decode">): EventSourceStore<EventData<D, never>>;
