import type { EventMeta, SseDecoders, SseOptions, SseState, SseUnion, TypedSseError } from "typed-sse";

/** Options of the framework bindings: every `SseClient` option (the fetch transport's and the
 *  LLM options included), read when a connection is made, plus `buffer`. A new options object
 *  with the same URL does not reconnect; a function option is called through the latest
 *  options given. */
export interface UseEventSourceOptions<T = any> extends Omit<SseOptions, "decode"> {
  /** Keep the last `buffer` events in order, besides the latest one (default 0: none). A burst
   *  that arrives between two renders keeps every event here; the oldest go first. A whole
   *  number from 0 to 10000, else a `TypedSseError` of kind `invalid_option` is thrown. */
  buffer?: number;
  /** `"json"` (default) or `"text"` for the whole client, or a function `(raw) => data` that
   *  runs in place of `JSON.parse` (a schema check, say); if it throws, `error` is a `decode`
   *  error and the stream goes on. */
  decode?: "json" | "text" | ((raw: string) => T);
}

/** What a binding shows of one stream. */
export interface EventSourceSnapshot<T> {
  /** The connection state: `connecting` before the first connection (and on the server),
   *  `reconnecting` with its `attempt`, `delayMs` and `reason`, `closed` with its `reason`. */
  readonly state: SseState;
  /** The latest event's data; `undefined` before the first. */
  readonly data: T | undefined;
  /** The latest event's meta (`type`, `id`, `origin`, `raw`); `undefined` before the first. */
  readonly meta: EventMeta | undefined;
  /** The last `buffer` events' data, oldest first (empty when `buffer` is 0). */
  readonly buffer: readonly T[];
  /** The last error (a decode error, a failed connection...); `null` until one, and again
   *  after a new URL or `open()`. A reconnect that succeeds leaves it: `state` tells. */
  readonly error: TypedSseError | null;
  /** The resume point: the last event id received. */
  readonly lastEventId: string;
}

/** The data type of the events of `K` (an event type's name, or a union's decoders). */
export type EventData<K, T> = K extends SseDecoders ? SseUnion<K> : T;

/** The most events a binding's buffer may keep (10000). */
export declare const MAX_BUFFER: number;
