// The npm package's public classes, `SseClient` and `TypedEventSource`, and its error classes:
// JavaScript over the wasm core (`src/js/mod.rs`). The package's entry point is this file,
// bundled with the modules it imports and the wasm core's glue (scripts/package-entry.mjs, which
// adds the loading of the wasm and the compatibility `init` exports). The work is in wasm and in the hub (`hub.js`); these classes give it the
// shape JavaScript users expect: an EventTarget, an async iterable, an object that needs no
// `free()`.
import { SseCore } from "./typed_sse_core.js";
import { makeError, UnheardReporter } from "./errors.js";
import { Hub } from "./hub.js";
import { events } from "./iterator.js";
import { gaps, onGap } from "./gap.js";
import { hubSettings, readOptions } from "./options.js";
import { SseMessageEvent } from "./message-event.js";

export { SseConfigError, SseStreamError, TypedSseError } from "./errors.js";

// A client's hub, for TypedEventSource (set in SseClient's static block).
let hubOf;

/** A typed Server-Sent Events client. See the README and `SseOptions`. */
export class SseClient {
  #core; // null once released
  #hub;
  #url;
  #lastEventId = "";

  static {
    hubOf = (client) => client.#hub;
  }

  constructor(url, options) {
    if (typeof url !== "string" && !(url instanceof URL)) {
      throw makeError("invalid_url", `invalid URL: expected a string or a URL, got ${url === null ? "null" : typeof url}`, { url: String(url) });
    }
    // The options first: an `invalid_option` error comes before an `invalid_url` one.
    const read = readOptions(options);
    const hub = new Hub(hubSettings(read));
    const core = new SseCore(String(url), read, hub);
    this.#core = core;
    this.#hub = hub;
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
    return events(this.#hub, type, options);
  }

  /** Calls `listener(gap, meta)` when the server says its history no longer reaches the resume
   *  point (the reserved event `typed-sse.gap`): `gap` is `{ lastEventId, firstAvailable }`.
   *  Returns an unsubscribe function. */
  onGap(listener, options) {
    return onGap(this.#hub, () => this.lastEventId, listener, options);
  }

  /** The gaps as an async iterable of `{ data: gap, meta }`, for `for await`. */
  gaps(options) {
    return gaps(this.#hub, () => this.lastEventId, options);
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

  get state() {
    return this.#core?.state ?? this.#hub.ended;
  }

  /** "own", "holder" or "follower" (`shared`): what this client is to its connection. */
  get role() {
    return this.#core?.role ?? "own";
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

  /** `using client = new SseClient(...)` closes it at the end of the scope. */
  [Symbol.dispose ?? Symbol.for("Symbol.dispose")]() {
    this.close();
  }
}

// The `capture` flag of addEventListener's options, which, with the type and the listener, tells
// one registration from another.
const captures = (options) => (typeof options === "boolean" ? options : Boolean(options?.capture));

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
  #hub;
  #withCredentials;
  #closed = false; // close() was called: nothing is dispatched after it, as with EventSource
  #forwarded = new Map(); // event type -> what stops forwarding it from the client
  #listeners = new Map(); // event type -> [{ listener, capture, wrapper, unhook }]
  #handlers = new Map(); // "open" -> the `onopen` function, ...
  #handlerWrappers = new Map(); // "error" -> the listener that calls `onerror`, ...

  constructor(url, init) {
    super();
    // As EventSource reads its URL (a WebIDL string): `location`, or any object with a
    // `toString`, is taken as its text. A Symbol, or a toString that throws, is no URL.
    if (url !== undefined && typeof url !== "string" && !(url instanceof URL)) {
      try {
        url = `${url}`;
      } catch (e) {
        throw makeError("invalid_url", `invalid URL: it cannot be read as text (${e?.message ?? "?"})`, { url: "" });
      }
    }
    if (init !== undefined && init !== null && typeof init === "object" && init.decode !== undefined) {
      const message = "invalid option `decode`: a TypedEventSource hands events over as " +
        "EventSource does, with `data` as text; use SseClient for decoded data";
      throw makeError("invalid_option", message, { field: "decode" });
    }
    // Data is text, as EventSource hands it over; anything but an object (or nothing) is left
    // for SseClient to refuse.
    const options = init === undefined || init === null ? { decode: "text" }
      : typeof init === "object" ? { ...init, decode: "text" } : init;
    this.#client = new SseClient(url, options);
    this.#hub = hubOf(this.#client);
    this.#withCredentials = options?.withCredentials === true || options?.credentials === "include";
    this.#client.onState((state) => {
      if (this.#closed) return;
      if (state.state === "open") this.dispatchEvent(new Event("open"));
      this.dispatchEvent(Object.assign(new Event("statechange"), { state }));
    });
    // Every error of a text client is a connection's (decode and listener errors cannot happen:
    // events are dispatched, and a throwing listener is reported by its wrapper). readyState
    // is already what it will be: CONNECTING before a reconnect, CLOSED when it gave up.
    // One `error` event per failure: when the client gives up, the last failure is reported
    // and then `gave_up`, which closes it; only the one that closed it is dispatched.
    // With no `error` listener (nor `onerror`), the error goes to the console, as an
    // SseClient's does with no error listener (unless `logErrors: false`).
    const log = options?.logErrors !== false;
    const unheard = new UnheardReporter();
    this.#client.onError((error) => {
      const { state, error: closing } = this.#client.state;
      if (this.#closed || (state === "closed" && closing && closing.kind !== error.kind)) return;
      if (log && !this.#heard()) unheard.report(error);
      this.dispatchEvent(Object.assign(new Event("error"), { error }));
    });
    this.#forward("message");
  }

  // Dispatches the client's events of `type` on this target, as MessageEvent-like events
  // (message-event.js says why not MessageEvent itself).
  #forward(type) {
    if (this.#forwarded.has(type)) return;
    const off = this.#client.on(type, (data, meta) => {
      this.dispatchEvent(new SseMessageEvent(type, { data, lastEventId: meta.id, origin: meta.origin }));
    });
    this.#forwarded.set(type, off);
  }

  // Every listener is added through a wrapper of its own, for two reasons. What a listener
  // throws is reported (see `reportUncaught` in errors.js) and never rethrown: Node's EventTarget
  // rethrows it, which ends the process, where a browser's reports it and goes on. And the
  // wrappers tell when a type's last listener goes, `once` and `signal` included: the type is
  // then no longer forwarded, so a page that listens to ever new types holds nothing for them.
  addEventListener(type, listener, options) {
    type = String(type);
    // As EventTarget: null adds nothing; anything else but an object or a function is refused.
    if (listener === null || listener === undefined) return;
    if (typeof listener !== "function" && typeof listener !== "object") {
      throw new TypeError("addEventListener: the listener is neither a function nor an object");
    }
    const capture = captures(options);
    const list = this.#listeners.get(type) ?? [];
    if (list.some((r) => r.listener === listener && r.capture === capture)) return;
    const signal = typeof options === "object" && options !== null ? options.signal : undefined;
    const once = typeof options === "object" && options !== null && Boolean(options.once);
    const remove = () => this.removeEventListener(type, listener, { capture });
    const hub = this.#hub;
    const wrapper = function (event) {
      if (once) remove();
      try {
        const result = typeof listener === "function" ? listener.call(this, event) : listener.handleEvent(event);
        hub.watch(type, result);
      } catch (e) {
        hub.uncaught(type, e);
      }
    };
    // The options as given: EventTarget checks them, and removes the wrapper on `once` or on
    // the signal's abort itself; the list here follows (`remove`).
    super.addEventListener(type, wrapper, options);
    if (signal?.aborted) return;
    const record = { listener, capture, wrapper, unhook: null };
    if (signal) {
      // Once the signal fires, its listener is gone already: not searched for again (with
      // many listeners on one signal, that search made an abort quadratic).
      const aborted = () => {
        record.unhook = null;
        remove();
      };
      signal.addEventListener("abort", aborted, { once: true });
      record.unhook = () => signal.removeEventListener("abort", aborted);
    }
    this.#listeners.set(type, [...list, record]);
    // A server may name its events anything, "open" and "error" included: EventSource
    // dispatches every type it receives, so every type listened for is forwarded.
    this.#forward(type);
  }

  removeEventListener(type, listener, options) {
    type = String(type);
    const capture = captures(options);
    const list = this.#listeners.get(type);
    const record = list?.find((r) => r.listener === listener && r.capture === capture);
    if (record === undefined) return;
    super.removeEventListener(type, record.wrapper, { capture });
    record.unhook?.();
    const kept = list.filter((r) => r !== record);
    if (kept.length !== 0) {
      this.#listeners.set(type, kept);
      return;
    }
    this.#listeners.delete(type);
    // "message" stays forwarded, as it was from the start.
    if (type === "message") return;
    this.#forwarded.get(type)?.();
    this.#forwarded.delete(type);
  }

  // An `onX` property, as HTML's event handlers behave: the first function set adds a listener
  // (a wrapper that calls the current one), another function replaces it in place, and null
  // (or anything but a function) removes the listener, so that the type is no longer forwarded
  // and nothing is left registered for it; a function set again is added anew, after the
  // listeners added meanwhile.
  #handler(type, listener) {
    const wrapper = this.#handlerWrappers.get(type);
    if (typeof listener !== "function") {
      this.#handlers.delete(type);
      this.#handlerWrappers.delete(type);
      if (wrapper) this.removeEventListener(type, wrapper);
      return;
    }
    this.#handlers.set(type, listener);
    if (wrapper) return;
    const added = (event) => this.#handlers.get(type)?.call(this, event);
    this.#handlerWrappers.set(type, added);
    this.addEventListener(type, added);
  }

  // Whether an `error` event is heard: by a listener, or by `onerror` (whose listener is there
  // only while it is a function).
  #heard() {
    return this.#listeners.has("error");
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
    const state = this.#client.state.state;
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

// The classes' own names, which the package's minifier would shorten (`SseClient.name`, Node's
// console and a stack trace show them).
for (const [Class, name] of [[SseClient, "SseClient"], [TypedEventSource, "TypedEventSource"]]) {
  Object.defineProperty(Class, "name", { value: name });
}
