import type { SseDecoders } from "typed-sse";
import type { EventData, EventSourceSnapshot, UseEventSourceOptions } from "./sse-store.js";

export type { EventData, EventSourceSnapshot, UseEventSourceOptions } from "./sse-store.js";

/** What `useEventSource` returns: the snapshot of the stream, with `close` and `open`. */
export interface UseEventSourceResult<T> extends EventSourceSnapshot<T> {
  /** Closes the connection now; nothing reconnects until `open()` or a new URL. */
  close(): void;
  /** Connects again after `close()` or after the stream ended, resuming a GET stream from
   *  the last event id. */
  open(): void;
}

/** Connects to `url` once the component is mounted and receives the events of `type` (default
 *  `"message"`; or several types at once, given decoders by type: `data` is then a union
 *  discriminated on `type`). Under `<StrictMode>` at most one connection is open at any time;
 *  unmounting closes it; a new `url` (or type) reconnects, once, from scratch (no
 *  `Last-Event-ID`, the old data and buffer cleared); new `options` objects do not reconnect. No connection during server
 *  rendering: the state there is `connecting`. */
export declare function useEventSource<T = any>(url: string | URL, type?: string, options?: UseEventSourceOptions<T>): UseEventSourceResult<T>;
export declare function useEventSource<D extends SseDecoders>(url: string | URL, decoders: D, options?: Omit<UseEventSourceOptions, "decode">): UseEventSourceResult<EventData<D, never>>;
