/** Options of `new SseClient(url, options)`. Every field is optional. */
export interface SseOptions {
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
  maxRetries?: number | null;
  /** Query parameter carrying the last event id on reconnect; `null` turns resuming off. Default `"lastEventId"`. */
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
   *  `unauthorized`). Default 30000. */
  refreshTimeoutMs?: number;
  /** The longest a server's `Retry-After` is honoured; a longer one waits this long. Default
   *  300000 (five minutes). Every duration is at most 2147483647 ms, what a browser timer holds. */
  maxRetryAfterMs?: number;
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
export type SseErrorKind =
  | "invalid_url" | "invalid_option" | "decode" | "no_content" | "unauthorized" | "http"
  | "content_type" | "network" | "idle_timeout" | "gave_up" | "listener";

/** Every error this package throws or reports: an `Error` with a `kind` and its details. */
export interface TypedSseError extends Error {
  name: "TypedSseError";
  kind: SseErrorKind;
  /** `http`, `unauthorized`: the HTTP status. */
  status?: number;
  /** `content_type`: what the server sent. */
  contentType?: string;
  /** `decode`, `listener`: the event type. */
  eventType?: string;
  /** `decode`: the data exactly as received. */
  raw?: string;
  /** `invalid_option`: the offending field. */
  field?: string;
  /** `invalid_url`: the URL as given. */
  url?: string;
  /** `idle_timeout`: the configured timeout. */
  timeoutMs?: number;
  /** `gave_up`: reconnect attempts made, and the failure that used the last one. */
  attempts?: number;
  last?: TypedSseError;
}

/** The connection state, as passed to `onState` listeners. */
export type SseState =
  | { state: "connecting" }
  | { state: "open" }
  | { state: "reconnecting"; attempt: number; delayMs: number; reason: SseErrorKind; error: TypedSseError }
  | { state: "offline" }
  | { state: "paused" }
  | { state: "closed"; reason: "requested" | SseErrorKind; error?: TypedSseError };

export type SseReadyState = SseState["state"];

export interface SseClient {
  /** Calls `listener(data, meta)` for every event of `type`; returns an unsubscribe function.
   *  `T` is the type of the decoded data (`any` when not given, as `JSON.parse` returns). */
  on<T = any>(type: string, listener: (data: T, meta: EventMeta) => void): () => void;
  /** Calls `listener` on every state change; returns an unsubscribe function. */
  onState(listener: (state: SseState) => void): () => void;
  /** Calls `listener` with every error; returns an unsubscribe function. */
  onError(listener: (error: TypedSseError) => void): () => void;
  /** The current state's name. */
  readonly readyState: SseReadyState;
  /** The current state. */
  readonly state: SseState;
}
