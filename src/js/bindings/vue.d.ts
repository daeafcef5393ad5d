import type { MaybeRefOrGetter, ShallowRef } from "vue";
import type { EventMeta, SseDecoders, SseState, TypedSseError } from "typed-sse";
import type { EventData, UseEventSourceOptions } from "./sse-store.js";

export type { EventData, EventSourceSnapshot, UseEventSourceOptions } from "./sse-store.js";

/** What `useEventSource` returns: read-only refs of the stream, with `close` and `open`. */
export interface UseEventSourceReturn<T> {
  /** The connection state (`connecting` until mounted, and on the server). */
  readonly state: Readonly<ShallowRef<SseState>>;
  /** The latest event's data; `undefined` before the first. */
  readonly data: Readonly<ShallowRef<T | undefined>>;
  /** The latest event's meta; `undefined` before the first. */
  readonly meta: Readonly<ShallowRef<EventMeta | undefined>>;
  /** The last `buffer` events' data, oldest first. */
  readonly buffer: Readonly<ShallowRef<readonly T[]>>;
  /** The last error; `null` until one, and again after a new URL or `open()`. */
  readonly error: Readonly<ShallowRef<TypedSseError | null>>;
  /** The last event id received. */
  readonly lastEventId: Readonly<ShallowRef<string>>;
  /** Closes the connection now; nothing reconnects until `open()` or a new URL. */
  close(): void;
  /** Connects again after `close()` or after the stream ended. */
  open(): void;
}

/** Receives the events of `type` (default `"message"`, or a union's decoders) at `url`: a
 *  string, a ref or a getter, whose new value reconnects, once, from scratch (no `Last-Event-ID`,
 *  the old data and buffer cleared). In a component it connects once mounted (never during server rendering); in
 *  a bare `effectScope`, at once. Closed when the scope is disposed (the component unmounted). */
export declare function useEventSource<T = any>(url: MaybeRefOrGetter<string | URL>, type?: string, options?: UseEventSourceOptions<T>): UseEventSourceReturn<T>;
export declare function useEventSource<D extends SseDecoders>(url: MaybeRefOrGetter<string | URL>, decoders: D, options?: Omit<UseEventSourceOptions, "decode">): UseEventSourceReturn<EventData<D, never>>;
