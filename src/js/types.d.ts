/** Options of `new SseClient(url, options)` (and of `new TypedEventSource(url, init)`, but for
 *  `decode`). Every field is optional. */
export interface SseOptions {
  /** Aborting it closes the client, with reason `"aborted"`. Already aborted: the client is
   *  closed at once and makes no request. */
  signal?: AbortSignal;
  /** Resume from this event id: the first connection already carries it (`resumeParam` with the
   *  native transport, the `Last-Event-ID` header with fetch). No NUL, CR or LF; with fetch, no
   *  other control character and no space or tab at either end (a header cannot carry them). */
  lastEventId?: string;
  /** Send cookies cross-origin (`EventSource` `withCredentials`). Default `false`. */
  withCredentials?: boolean;
  /** How `data` reaches listeners: parsed with `JSON.parse` (default) or as the raw string. */
  decode?: "json" | "text";
  /** `false` never reconnects: the first failure closes the client. Default `true`. */
  reconnect?: boolean;
  /** Delay before the first reconnect attempt, before jitter. Default 1000. */
  initialDelayMs?: number;
  /** Growth factor of the delay per attempt, at least 1. Default 2. */
  multiplier?: number;
  /** Cap on any delay. Default 30000. */
  maxDelayMs?: number;
  /** Share of each delay that is randomised, 0 to 1. Default 0.5 ("equal jitter"). */
  jitter?: number;
  /** Reconnect attempts after a failure; `null` for unlimited (default). Resets after success. */
  maxReconnects?: number | null;
  /** Query parameter carrying the last event id on reconnect; `null` turns it off. Default
   *  `"lastEventId"` with the native transport; none with fetch, which sends `Last-Event-ID`. */
  resumeParam?: string | null;
  /** Recycle the connection when nothing arrives for this long. Off by default. */
  idleTimeoutMs?: number | null;
  /** An event type (e.g. `"heartbeat"`) that only keeps the idle timeout from firing. */
  heartbeatEvent?: string;
  /** Wait for `online` instead of spending retries while offline. Default `true`. */
  pauseWhenOffline?: boolean;
  /** Disconnect while the page is hidden, resume when shown. Default `false`. */
  pauseWhenHidden?: boolean;
  /** Called after a 401/403: returns a new URL (e.g. with a fresh token). */
  refreshUrl?: () => string | Promise<string>;
  /** How long `refreshUrl` may take before it counts as failed (the client then closes as
   *  `unauthorized`), and how long a `headers` function may take (then a network error,
   *  retried). Default 30000. */
  refreshTimeoutMs?: number;
  /** `"native"` (the browser's, the default where there is one) or `"fetch"` (headers,
   *  method, body, the real status and `retry:`; the default where there is no EventSource,
   *  as in Node, and wherever `method`, `headers`, `body`, `credentials` or `fetch` is set). */
  transport?: "native" | "fetch";
  /** Fetch: the request method. Default `"GET"`. A method fetch cannot send (`CONNECT`,
   *  `TRACE`, not a token) throws `invalid_option`. */
  method?: string;
  /** Fetch: headers for every connection, or a function (sync or async) called before every
   *  connection, so each retry carries a fresh token. With a function, a 401/403 is retried
   *  once with fresh headers before the client closes as `unauthorized`. Fixed headers that
   *  `Headers` refuses (a name with a space, a line break in a value), or with a value holding
   *  any control character but tab (`\x01`, DEL), throw `invalid_option`;
   *  a function that returns such headers closes the client with `invalid_option` (field
   *  `headers`) at once. No message shows a header value. */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** Fetch: the request body: a string as it is, or a plain object sent as JSON. Needs a
   *  `method` such as `"POST"`: a GET or HEAD with a body throws `invalid_option`. */
  body?: string | Record<string, unknown> | unknown[];
  /** Fetch: the credentials mode. Default `"same-origin"`; `withCredentials: true` means
   *  `"include"`. */
  credentials?: "omit" | "same-origin" | "include";
  /** Fetch: a function to call instead of the global `fetch` (tests, proxies, instrumentation).
   *  `init.headers` is a plain object (`Accept`, `Last-Event-ID` when resuming, `Content-Type`
   *  with a body, and the `headers` option's in lower case), so the usual wrapper
   *  `(input, init) => fetch(input, { ...init, headers: { ...init.headers, Authorization } })`
   *  keeps them. One that throws, or gives anything but a Response with a status from 200 to
   *  599 (an opaque `no-cors` one has 0), closes the client with
   *  `invalid_option` (field `fetch`) at once; a rejection is a `network` error, retried. */
  fetch?: (input: string, init: RequestInit & { headers: Record<string, string> }) => Promise<Response>;
  /** Fetch: the most bytes one event or one unterminated line may take, counted as the parser
   *  holds them (the event's type, the id it sets, its data so far and the raw line being read,
   *  `data: ` included; bytes that are not valid UTF-8 count as the U+FFFD text they become,
   *  3 bytes each); past it the connection is dropped with a `too_large` error and retried.
   *  A page keeps about twice its largest event in wasm memory, for good (an endless line at
   *  the cap: about the cap): lower it to the largest event the server sends. Default
   *  16777216 (16 MiB), from 1 to 268435456 (256 MiB). */
  maxEventBytes?: number;
  /** Fetch: whether the server's `retry:` replaces `initialDelayMs` (growth, cap, jitter and
   *  budget stay the policy's). Default `true`. */
  serverRetry?: boolean;
  /** Whether an event whose data is exactly `[DONE]` (the end of an OpenAI-style answer) ends
   *  the stream: it is not decoded nor delivered, and the client closes with reason `"done"`,
   *  which is not an error. Default `true`. */
  doneMarker?: boolean;
  /** What else ends an answer: event types (e.g. `["message_stop"]` for Anthropic) or a
   *  function of the event type and its raw data (e.g. an MCP JSON-RPC response). The terminal
   *  event is delivered, then the client closes with reason `"done"` (not an error); nothing
   *  after it is delivered or reconnected. A function is called for every event (fetch); what
   *  it throws counts as no and is reported as a `listener` error (its `cause` what it threw). */
  terminalEvents?: string[] | ((type: string, data: string) => boolean);
  /** Share one connection with every client of the same URL and request settings, in every
   *  tab and frame of this origin: one tab holds it (Web Locks) and relays each event on a
   *  `BroadcastChannel`; when it closes, crashes or is frozen, another takes over, resuming
   *  from the last id relayed. Each client keeps its own listeners, state and `close()`;
   *  `role` says which part it plays. The holder reads with fetch; a `headers` function runs
   *  in the holding tab. Without Web Locks or `BroadcastChannel` (Node), a connection of its
   *  own (`role` `"own"`). A `method` other than GET/HEAD is refused (`invalid_option`).
   *  Default `false`. See docs/tabs.md. */
  shared?: boolean;
  /** Keep the last event id in storage under this key, so that a reload or a restored tab
   *  resumes where it stopped. A `lastEventId` given wins. Default: not kept. */
  storageKey?: string;
  /** Where `storageKey` keeps it: `"session"` (`sessionStorage`, per tab; default) or
   *  `"local"` (`localStorage`, per origin). */
  storageArea?: "session" | "local";
  /** Fetch: how the stream of a request that is not safe to repeat (a `method` other than GET
   *  and HEAD) resumes after a cut, where the server supports it. `"never"` (default): a stream
   *  the server accepted (a 200 head) that then ends, drops or goes idle, with or without
   *  data, closes with reason `"ended"` (not an error; the
   *  answer may be incomplete; `lastEventId` is kept), and the request is never sent again.
   *  `"repeat"`: the same request again with `Last-Event-ID`. `"get"`: a GET to the same URL
   *  with `Last-Event-ID` (MCP's Streamable HTTP). Either needs an event id: without one the
   *  stream closes as `"ended"`. A request refused before the head (network error, 429,
   *  5xx) is retried under the policy whatever this says. Going offline or hiding the page
   *  leaves a sent request's connection open. */
  resume?: "never" | "repeat" | "get";
  /** The longest a server's `Retry-After` is honoured; a longer one waits this long. Default
   *  300000 (five minutes). Every duration is at most 2147483647 ms, what a browser timer holds. */
  maxRetryAfterMs?: number;
  /** Whether an error that nobody listens for (no `onError` listener; on a `TypedEventSource`
   *  no `error` listener nor `onerror`) is printed with `console.error`: the first error of
   *  each kind, then at most one line per kind every 10 s counting the rest, so that no failure
   *  is silent and none floods the console (a stream that the server ended cleanly is retried
   *  without a word). Default `true`; `false` drops such errors. A
   *  listener's own exception is reported anyway, as an uncaught one (`reportError` in a page,
   *  a warning in Node). */
  logErrors?: boolean;
}

/** What a listener receives besides the data. */
export interface EventMeta {
  /** The event type (`"message"` for unnamed events). */
  type: string;
  /** The last event id (empty when the server never sent one). */
  id: string;
  /** The origin of the stream. */
  origin: string;
  /** The data exactly as received. */
  raw: string;
}

/** Kinds of `TypedSseError`. */
export type SseErrorKind = TypedSseError["kind"];

/** What every `TypedSseError` has. */
interface SseErrorBase<K extends string> extends Error {
  name: "TypedSseError";
  kind: K;
}

/** `invalid_url`: the URL could not be used. Thrown by the constructor. */
export interface InvalidUrlError extends SseErrorBase<"invalid_url"> {
  /** The URL as given. */
  url: string;
}
/** `invalid_option`: an option (or an argument of `on`, `events`, `onState`...) was not valid.
 *  Thrown by the constructor and the methods; reported to `onError` only when a `headers` or
 *  `fetch` function gives what fetch cannot use (the client then closes). */
export interface InvalidOptionError extends SseErrorBase<"invalid_option"> {
  /** The offending field (`"jitter"`, `"headers"`, `"listener"`...). */
  field: string;
}
/** `decode`: an event's data could not be decoded (`JSON.parse`, or the listener's `decode`).
 *  The stream goes on. */
export interface DecodeError extends SseErrorBase<"decode"> {
  /** The event type. */
  eventType: string;
  /** The data exactly as received. */
  raw: string;
  /** What the decoder (or `JSON.parse`) threw, when it was decoded in JS. */
  cause?: unknown;
}
/** `no_content`: the server answered 204, which asks the client not to reconnect: it closes. */
export interface NoContentError extends SseErrorBase<"no_content"> {}
/** `unauthorized` (401, 403: the client closes, after `refreshUrl` or a `headers` function had
 *  their chance) and `http` (any other status: 429 and 5xx are retried, others close it). */
export interface HttpStatusError<K extends "unauthorized" | "http" = "unauthorized" | "http"> extends SseErrorBase<K> {
  /** The HTTP status. */
  status: number;
  /** The first 4 KB of the response body, where the transport can read it (fetch); empty with
   *  the native transport. */
  body: string;
}
/** `content_type`: the server answered 200 with a type other than `text/event-stream`: the
 *  client closes. */
export interface ContentTypeError extends SseErrorBase<"content_type"> {
  /** What the server sent (empty when none). */
  contentType: string;
}
/** `network`: the connection could not be made or dropped; retried under the policy. */
export interface NetworkError extends SseErrorBase<"network"> {
  /** Fetch transport: what fetch rejected with (in Node a `TypeError: fetch failed` whose own
   *  `cause` says why; the message names that too). */
  cause?: unknown;
}
/** `too_large`: one event passed `maxEventBytes`: the connection was dropped and is retried. */
export interface TooLargeError extends SseErrorBase<"too_large"> {
  /** The `maxEventBytes` limit that was passed. */
  limit: number;
}
/** `idle_timeout`: nothing arrived within `idleTimeoutMs`: the connection is recycled. */
export interface IdleTimeoutError extends SseErrorBase<"idle_timeout"> {
  /** The configured timeout. */
  timeoutMs: number;
}
/** `gave_up`: `maxReconnects` is spent: the client closes. */
export interface GaveUpError extends SseErrorBase<"gave_up"> {
  /** Reconnect attempts made. */
  attempts: number;
  /** The failure that used the last one. */
  last: SseStreamError;
}
/** `listener`: a listener (or a decoder, `terminalEvents` function...) threw; the others still
 *  receive the event. */
export interface ListenerError extends SseErrorBase<"listener"> {
  /** The event type the listener was registered for (`"state"`, `"comment"`, `"error"` for
   *  those). */
  eventType: string;
  /** What it threw. */
  cause: unknown;
}
/** `overflow`: an `events()` iterator held `buffer` unread events and one more came: it ends
 *  with this error once the waiting ones are read. */
export interface OverflowError extends SseErrorBase<"overflow"> {
  /** The event type. */
  eventType: string;
  /** The iterator's `buffer`. */
  buffer: number;
}

/** The fields that some kinds of error have. */
type SseErrorField =
  | "url" | "field" | "eventType" | "raw" | "status" | "body" | "contentType" | "limit"
  | "timeoutMs" | "attempts" | "last" | "buffer";
/** An error of one kind, whose other kinds' fields read as `undefined`: `e.status ?? ""` works
 *  on any error, and `e.kind === "http"` makes `e.status` a number. */
type Only<E> = E & { readonly [K in Exclude<SseErrorField, keyof E>]?: undefined };

/** An error in how the client was built or called: fix the code; retrying cannot help. */
export type SseConfigError = Only<InvalidUrlError> | Only<InvalidOptionError>;
/** A failure while the client ran: the network, the server's answer or the events. */
export type SseStreamError =
  | Only<DecodeError> | Only<NoContentError> | Only<HttpStatusError<"unauthorized">>
  | Only<HttpStatusError<"http">> | Only<ContentTypeError> | Only<NetworkError>
  | Only<TooLargeError> | Only<IdleTimeoutError> | Only<GaveUpError> | Only<ListenerError>
  | Only<OverflowError>;
/** Every error this package throws or reports: a union discriminated on `kind`
 *  (`if (e.kind === "http") e.status`). */
export type TypedSseError = SseConfigError | SseStreamError;

/** The error classes, for `instanceof`: `e instanceof TypedSseError` (any error of this
 *  package), `SseConfigError` (thrown: the call was wrong), `SseStreamError` (reported while the
 *  client runs). Each narrows to its union. */
export interface SseErrorClass<E extends { kind: string }> {
  new (kind: E["kind"], message: string, details?: object): E;
  readonly prototype: E;
}
export declare const TypedSseError: SseErrorClass<TypedSseError>;
export declare const SseConfigError: SseErrorClass<SseConfigError>;
export declare const SseStreamError: SseErrorClass<SseStreamError>;

/** The connection state, as passed to `onState` listeners. */
export type SseState =
  | { state: "connecting" }
  | { state: "open" }
  | { state: "reconnecting"; attempt: number; delayMs: number; reason: SseStreamError["kind"]; error: SseStreamError }
  | { state: "offline" }
  | { state: "paused" }
  | { state: "closed"; reason: SseCloseReason; error?: TypedSseError };

/** Why a client closed: `requested` (close()), `aborted` (the signal), `done` (a terminal
 *  marker: the answer is complete), `ended` (a request not safe to repeat ended or was cut and
 *  is not resumed: the answer may be incomplete), or the kind of the error that closed it
 *  (then `error` is set). */
export type SseCloseReason = "requested" | "aborted" | "done" | "ended" | SseErrorKind;

/** The name of a state: `client.state.state`. (`SseClient` has no `readyState`: that name is
 *  `TypedEventSource`'s number, as on the browser's `EventSource`.) */
export type SseStateName = SseState["state"];

/** Options of `client.on(type, listener, options)`. */
export interface ListenerOptions<T> {
  /** Aborting it removes this listener (and only it). */
  signal?: AbortSignal;
  /** Turns the raw data into what the listener receives, in place of `JSON.parse`: e.g.
   *  `(raw) => Quote.parse(JSON.parse(raw))` with zod. If it throws, the listener is not called
   *  and the client's `onError` listeners get a `decode` error with `raw` and `cause`, except
   *  for empty data (MCP's priming event), which is skipped without an error. */
  decode?: (raw: string) => T;
}

/** Options of `client.events(type, options)`. */
export interface EventsOptions<T> extends ListenerOptions<T> {
  /** Aborting it ends this iterator (done, no error). */
  signal?: AbortSignal;
  /** How many events may wait unread (default 1024). One more ends the iterator with an
   *  `overflow` error, after the waiting ones are read: no event is dropped silently. */
  buffer?: number;
}

/** Per-type decoders for one listener or iterator over several event types: each turns the raw
 *  data of its type into what the listener receives (e.g. `JSON.parse`, or a zod schema's
 *  `parse` after it). One that throws on empty data skips the event without a `decode` error
 *  (MCP's priming event); other throws are `decode` errors. */
export type SseDecoders = Record<string, (raw: string) => unknown>;

/** The events of `SseDecoders` as a discriminated union on `type`. */
export type SseUnion<D extends SseDecoders> = {
  [K in keyof D & string]: { type: K; data: ReturnType<D[K]> };
}[keyof D & string];

/** The gap signal: the server's history no longer reaches the client's resume point (the
 *  reserved event type `typed-sse.gap`, which typed-sse-axum sends before replaying what it
 *  still holds), so events were lost: refetch a snapshot. */
export interface SseGap {
  /** The last event id the client had: what it came back with (empty when it had none). */
  lastEventId: string;
  /** The oldest id the server still holds, as it said; null when its history is empty or it
   *  did not say. */
  firstAvailable: string | null;
}

/** What `client.events()` yields. */
export interface SseEvent<T> {
  data: T;
  meta: EventMeta;
}

/** A typed Server-Sent Events client: listeners, async iteration, states and errors, over the
 *  native EventSource or fetch, with a reconnect policy. `close()` releases everything: there is
 *  no `free()` to call. */
export declare class SseClient {
  /** Connects to `url`. Throws an `SseConfigError`: kind `invalid_url`, or `invalid_option`
   *  naming the field. */
  constructor(url: string | URL, options?: SseOptions | null);
  /** Calls `listener(data, meta)` for every event of `type`; returns an unsubscribe function.
   *  `T` is the type of the decoded data: the return type of `options.decode` when given, else
   *  what the listener declares (`any` when not given, as `JSON.parse` returns). */
  on<T = any>(type: string, listener: (data: T, meta: EventMeta) => void, options?: ListenerOptions<T>): () => void;
  /** One listener for several event types, each decoded by its own function:
   *  `listener({ type, data }, meta)` in stream order, typed as a union discriminated on
   *  `type`; events of other types are skipped. Returns an unsubscribe function. */
  on<D extends SseDecoders>(decoders: D, listener: (event: SseUnion<D>, meta: EventMeta) => void, options?: { signal?: AbortSignal }): () => void;
  /** The events of `type`, in order, for `for await`. `break` ends this iterator only: the
   *  client stays open. The iteration ends when the client closes: quietly after `close()`, an
   *  abort or a 204; after any other failure, by throwing that error once the events already
   *  received are read. */
  events<T = any>(type: string, options?: EventsOptions<T>): AsyncIterableIterator<SseEvent<T>>;
  /** The events of several types, each decoded by its own function, in stream order as
   *  `{ type, data, meta }` (a union discriminated on `type`); other types are skipped. Ends
   *  as `events(type)` does. */
  events<D extends SseDecoders>(decoders: D, options?: { signal?: AbortSignal; buffer?: number }): AsyncIterableIterator<SseUnion<D> & { meta: EventMeta }>;
  /** Calls `listener(gap, meta)` when the server says its history no longer reaches the resume
   *  point (the event `typed-sse.gap`); returns an unsubscribe function. */
  onGap(listener: (gap: SseGap, meta: EventMeta) => void, options?: { signal?: AbortSignal }): () => void;
  /** The gaps, in order, for `for await`; ends as `events(type)` does. */
  gaps(options?: { signal?: AbortSignal; buffer?: number }): AsyncIterableIterator<SseEvent<SseGap>>;
  /** Calls `listener` on every state change; returns an unsubscribe function. */
  onState(listener: (state: SseState) => void): () => void;
  /** Calls `listener` with every error; returns an unsubscribe function. */
  onError(listener: (error: TypedSseError) => void): () => void;
  /** Calls `listener` with the text of every comment line (fetch transport), e.g. keep-alives;
   *  returns an unsubscribe function. */
  onComment(listener: (text: string) => void): () => void;
  /** The current state; its name is `state.state` (`"open"`, `"closed"`...). */
  readonly state: SseState;
  /** What this client is to its connection: `"own"`, or with `shared` `"holder"` or
   *  `"follower"`. */
  readonly role: "own" | "holder" | "follower";
  /** The resume point: the id of the last event delivered, or before any the `lastEventId`
   *  option (empty when neither). */
  readonly lastEventId: string;
  /** The absolute URL the client was created with (without the resume parameter), as
   *  `EventSource.url`: a URL from `refreshUrl` serves the connections that follow but does
   *  not change it. */
  readonly url: string;
  /** Closes the connection for good and releases everything the client holds, in JS and wasm. */
  close(): void;
  /** `using client = new SseClient(...)` closes it at the end of the scope. */
  [Symbol.dispose](): void;
}

/** The `error` event of a `TypedEventSource`: an `Event` that also carries the error. */
export interface TypedSseErrorEvent extends Event {
  readonly error: TypedSseError;
}

/** What an `error` listener may receive: the class's own `error` event, or, as with
 *  `EventSource`, a server event named `error` (a `MessageEvent` with no `error`): read
 *  `event.error?.kind`, or test `event instanceof MessageEvent`. */
export type TypedEventSourceErrorEvent = TypedSseErrorEvent | (MessageEvent<string> & { readonly error?: undefined });

/** The `statechange` event of a `TypedEventSource`. */
export interface SseStateEvent extends Event {
  readonly state: SseState;
}

/** The class's own events; a server event named `open`, `error` or `statechange` reaches their
 *  listeners too, as a `MessageEvent` (as `EventSource` dispatches every type it receives). */
export interface TypedEventSourceEventMap {
  open: Event;
  message: MessageEvent<string>;
  error: TypedEventSourceErrorEvent;
  statechange: SseStateEvent | (MessageEvent<string> & { readonly state?: undefined });
}

/** A drop-in `EventSource`: the same interface and events, with typed-sse's reconnect policy
 *  (and, with `{ transport: "fetch" }`, headers, POST and the rest) underneath. */
export declare class TypedEventSource extends EventTarget {
  /** `url`: a string, a URL, or as with `EventSource` any object whose `toString()` gives one
   *  (`location`). `init`: `withCredentials`, and any `SseOptions` but `decode` (data is
   *  always text). */
  constructor(url: string | URL | { toString(): string }, init?: Omit<SseOptions, "decode"> | null);
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSED: 2;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
  /** 0 (CONNECTING, also while waiting to reconnect), 1 (OPEN) or 2 (CLOSED). */
  readonly readyState: 0 | 1 | 2;
  /** The typed state, as `statechange` events carry it. */
  readonly state: SseState;
  readonly url: string;
  readonly withCredentials: boolean;
  onopen: ((this: TypedEventSource, ev: Event) => any) | null;
  onmessage: ((this: TypedEventSource, ev: MessageEvent<string>) => any) | null;
  onerror: ((this: TypedEventSource, ev: TypedEventSourceErrorEvent) => any) | null;
  close(): void;
  addEventListener<K extends keyof TypedEventSourceEventMap>(type: K, listener: (this: TypedEventSource, ev: TypedEventSourceEventMap[K]) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: (this: TypedEventSource, event: MessageEvent<string>) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof TypedEventSourceEventMap>(type: K, listener: (this: TypedEventSource, ev: TypedEventSourceEventMap[K]) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: (this: TypedEventSource, event: MessageEvent<string>) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}
