// The npm package's public classes, `SseClient` and `TypedEventSource`: JavaScript over the wasm
// core (`src/js/mod.rs`). The package's entry point is this file (scripts/package-entry.mjs adds
// the `init` exports of the `web` build). The work is in wasm and in the hub (`glue.js`); these
// classes give it the shape JavaScript users expect: an EventTarget, an async iterable, an
// object that needs no `free()`.
import { SseCore, typedSseError } from "./typed_sse_core.js";

/** A typed Server-Sent Events client. See the README and `SseOptions`. */
export class SseClient {
  #core; // null once released
  #hub;
  #url;
  #lastEventId = "";

  constructor(url, options) {
    if (typeof url !== "string" && !(url instanceof URL)) {
      throw typedSseError("invalid_url", `invalid URL: expected a string or a URL, got ${url === null ? "null" : typeof url}`, { url: String(url) });
    }
    const core = new SseCore(String(url), options);
    this.#core = core;
    this.#hub = core.hub;
    this.#url = core.url;
    // Once closed (close(), abort, or a failure), the client frees its wasm half at once: the
    // connection's state, closures and listeners. What remains is this small JS object, which
    // the garbage collector takes like any other: no `free()` to remember. Freed a microtask
    // later, since the close may come from inside one of the core's own calls.
    const release = () => {
      if (this.#core !== core) return;
      this.#lastEventId = core.lastEventId;
      this.#core = null;
      core.free();
    };
    if (this.#hub.ended) return release();
    this.#hub.onEnd = () => queueMicrotask(release);
    // While open, the hub (held by wasm) holds this client, so that a client nobody references
    // keeps streaming, as an open EventSource does. The end lets go of it.
    this.#hub.owner = this;
  }

  /** Calls `listener(data, meta)` for every event of `type`; returns an unsubscribe function.
   *  Given an object of decoders by type instead, calls `listener({ type, data }, meta)` for
   *  the events of those types, in stream order. */
  on(type, listener, options) {
    return typeof type === "object" && type !== null
      ? this.#hub.addUnion(type, listener, options)
      : this.#hub.add(type, listener, options);
  }

  /** The events of `type` as an async iterable of `{ data, meta }`, for `for await`. */
  events(type, options) {
    return this.#hub.events(type, options);
  }

  /** Calls `listener(state)` on every state change; returns an unsubscribe function. */
  onState(listener) {
    return this.#core?.onState(listener) ?? this.#hub.inert(listener);
  }

  /** Calls `listener(error)` with every `TypedSseError`; returns an unsubscribe function. */
  onError(listener) {
    return this.#hub.onError(listener);
  }

  /** Calls `listener(text)` with every comment line (fetch); returns an unsubscribe function. */
  onComment(listener) {
    return this.#core?.onComment(listener) ?? this.#hub.inert(listener);
  }

  get readyState() {
    return this.#core?.readyState ?? "closed";
  }

  get state() {
    return this.#core?.state ?? this.#hub.ended;
  }

  get lastEventId() {
    return this.#core?.lastEventId ?? this.#lastEventId;
  }

  get url() {
    return this.#url;
  }

  /** Closes the connection for good and releases everything the client holds. */
  close() {
    this.#core?.close();
  }

  /** The same as `close()`: nothing else is left to free. Kept for code written for 0.1. */
  free() {
    this.close();
  }

  /** `using client = new SseClient(...)` closes it at the end of the scope. */
  [Symbol.dispose ?? Symbol.for("Symbol.dispose")]() {
    this.close();
  }
}

// readyState numbers, as EventSource has them.
const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/** A drop-in `EventSource` with typed-sse's reconnect policy (and transports) underneath. */
export class TypedEventSource extends EventTarget {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSED = CLOSED;
  CONNECTING = CONNECTING;
  OPEN = OPEN;
  CLOSED = CLOSED;

  #client;
  #withCredentials;
  #closed = false; // close() was called: nothing is dispatched after it, as with EventSource
  #types = new Set(); // the event types forwarded from the client
  #handlers = new Map(); // "open" -> the `onopen` function, ...

  constructor(url, init) {
    super();
    if (init !== undefined && init !== null && typeof init === "object" && init.decode !== undefined) {
      const message = "invalid option `decode`: a TypedEventSource hands events over as " +
        "EventSource does, with `data` as text; use SseClient for decoded data";
      throw typedSseError("invalid_option", message, { field: "decode" });
    }
    // Data is text, as EventSource hands it over; anything but an object (or nothing) is left
    // for SseClient to refuse.
    const options = init === undefined || init === null ? { decode: "text" }
      : typeof init === "object" ? { ...init, decode: "text" } : init;
    this.#client = new SseClient(url, options);
    this.#withCredentials = options?.withCredentials === true || options?.credentials === "include";
    this.#client.onState((state) => {
      if (this.#closed) return;
      if (state.state === "open") this.dispatchEvent(new Event("open"));
      this.dispatchEvent(Object.assign(new Event("statechange"), { state }));
    });
    // Every error of a text client is a connection's (decode and listener errors cannot happen:
    // events are dispatched, and dispatchEvent reports a throwing listener itself). readyState
    // is already what it will be: CONNECTING before a reconnect, CLOSED when it gave up.
    // One `error` event per failure: when the client gives up, the last failure is reported
    // and then `gave_up`, which closes it; only the one that closed it is dispatched.
    this.#client.onError((error) => {
      const { state, error: closing } = this.#client.state;
      if (this.#closed || (state === "closed" && closing && closing.kind !== error.kind)) return;
      this.dispatchEvent(Object.assign(new Event("error"), { error }));
    });
    this.#forward("message");
  }

  // Dispatches the client's events of `type` as MessageEvents on this target.
  #forward(type) {
    if (this.#types.has(type)) return;
    this.#types.add(type);
    this.#client.on(type, (data, meta) => {
      const init = { data, lastEventId: meta.id, origin: meta.origin };
      this.dispatchEvent(new MessageEvent(type, init));
    });
  }

  addEventListener(type, listener, options) {
    super.addEventListener(type, listener, options);
    // A server may name its events anything, "open" and "error" included: EventSource
    // dispatches every type it receives, so every type listened for is forwarded.
    this.#forward(String(type));
  }

  #handler(type, listener) {
    if (!this.#handlers.has(type)) {
      this.addEventListener(type, (event) => this.#handlers.get(type)?.call(this, event));
    }
    this.#handlers.set(type, typeof listener === "function" ? listener : null);
  }

  get onopen() {
    return this.#handlers.get("open") ?? null;
  }

  set onopen(listener) {
    this.#handler("open", listener);
  }

  get onmessage() {
    return this.#handlers.get("message") ?? null;
  }

  set onmessage(listener) {
    this.#handler("message", listener);
  }

  get onerror() {
    return this.#handlers.get("error") ?? null;
  }

  set onerror(listener) {
    this.#handler("error", listener);
  }

  /** 0 (CONNECTING, also while reconnecting, offline or paused), 1 (OPEN) or 2 (CLOSED). */
  get readyState() {
    const state = this.#client.readyState;
    return state === "open" ? OPEN : state === "closed" ? CLOSED : CONNECTING;
  }

  /** The typed state (`SseState`), as `statechange` events carry it. */
  get state() {
    return this.#client.state;
  }

  get url() {
    return this.#client.url;
  }

  get withCredentials() {
    return this.#withCredentials;
  }

  close() {
    this.#closed = true;
    this.#client.close();
  }
}
