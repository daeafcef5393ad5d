// What the React, Vue and Svelte bindings share: a store over one `SseClient` at a time, with
// no framework in it. Each binding is a few lines that connect this store to its framework's
// reactivity (typed-sse/react, typed-sse/vue, typed-sse/svelte).
//
// Lifecycle rules, the same for the three:
// - Creating a store does nothing. It connects when it gets its first subscriber and closes when
//   its last one leaves, and both are decided a microtask later: a subscriber that leaves and
//   comes back within the same task (React's StrictMode mounts, unmounts and mounts again at
//   once; Svelte's `get(store)`) neither opens nor closes anything. So at most one connection is
//   open at any time, and none is opened for a component that never stays mounted.
// - A new URL (or event type) closes the connection and opens one to the new URL, once, from
//   scratch: no Last-Event-ID, and the last stream's data, meta and buffer are cleared. Only a
//   reconnection to the same URL and type (`open()` after `close()` or after the end) resumes
//   a GET stream from the last event id it received. Options are read
//   when a connection is made: a new options object with the same URL does not reconnect, and
//   a function option (`headers`, `refreshUrl`, `fetch`, `terminalEvents`) is called through
//   the latest options given, so it never sees stale values.
// - A snapshot changes at most once per microtask, however many events arrive in it, and the
//   `buffer` keeps every one of the last `buffer` events (a burst is not collapsed into its
//   last event).
//
// The package is imported through its own name ("typed-sse"), so that a bundler or Node picks
// the same entry point (export condition) for the bindings as for the application. Every entry
// point has its wasm instantiated by the time the import resolves (top-level await in the
// browser's, synchronously in Node's): a client can be made at once, with no `init()`.
import * as typedSse from "typed-sse";

/** The most events a store's buffer may keep. */
export const MAX_BUFFER = 10_000;

// The request methods that may be sent again: only their streams resume when reconnected.
const REPEATABLE = new Set(["GET", "HEAD"]);

// The package's own class, so that `instanceof SseConfigError` holds as for the client's.
const bindingError = (message, field) => new typedSse.SseConfigError("invalid_option", message, { field });

function checkBuffer(buffer) {
  if (buffer === undefined || buffer === null) return 0;
  if (!Number.isInteger(buffer) || buffer < 0 || buffer > MAX_BUFFER) {
    throw bindingError(`invalid option \`buffer\`: expected a whole number of events from 0 to ${MAX_BUFFER}, got ${String(buffer)}`, "buffer");
  }
  return buffer;
}

// The identity of an event type argument: a type's name, or the names of a union's decoders
// (a new decoders object with the same names every render is the same target).
const typeKey = (type) =>
  type === undefined || type === null ? "message" : typeof type === "string" ? type : Object.keys(type).sort().join("\n");

const CONNECTING = Object.freeze({ state: "connecting" });
const CLOSED = Object.freeze({ state: "closed", reason: "requested" });

/** A store of one stream's state, latest event, buffer and last error. See the module comment. */
export class SseStore {
  #url;
  #type;
  #options;
  #client = null;
  #clientTarget = ""; // url and type key the current client was made for
  #lastEventId = ""; // the resume point of the last client closed
  #lastTarget = ""; // the url and type key that resume point (and the data) belong to
  #listeners = new Set();
  #stopped = false; // close() was called, and open() not since
  #syncQueued = false;
  #notifyQueued = false;
  #snapshot;
  #dirty = false;
  // What the snapshot is made of.
  #state = CONNECTING;
  #data = undefined;
  #meta = undefined;
  #buffer = [];
  #error = null;
  #capacity;

  constructor(url, type, options) {
    this.#url = url;
    this.#type = type;
    this.#options = options ?? {};
    this.#capacity = checkBuffer(this.#options.buffer);
    this.#snapshot = this.#build();
  }

  /** The current snapshot: the same object until something changes. */
  getSnapshot = () => {
    if (this.#dirty) {
      this.#dirty = false;
      this.#snapshot = this.#build();
    }
    return this.#snapshot;
  };

  /** Calls `listener()` after changes (at most once per microtask); returns an unsubscribe
   *  function. The first subscriber connects, the last one leaving closes (a microtask later). */
  subscribe = (listener) => {
    const entry = () => listener();
    this.#listeners.add(entry);
    this.#queueSync();
    return () => {
      if (this.#listeners.delete(entry)) this.#queueSync();
    };
  };

  /** Connects to `url` (and event `type`) instead, once, if either differs (after `close()`
   *  too). */
  setTarget(url, type = this.#type) {
    if (url !== this.#url || typeKey(type) !== typeKey(this.#type)) this.#stopped = false;
    this.#url = url;
    this.#type = type;
    this.#queueSync();
  }

  /** The options the next connection is made with (and the functions every call goes to). */
  setOptions(options) {
    const next = options ?? {};
    if (next.buffer !== this.#options.buffer) {
      this.#capacity = checkBuffer(next.buffer);
      if (this.#buffer.length > this.#capacity) this.#buffer.splice(0, this.#buffer.length - this.#capacity);
    }
    this.#options = next;
  }

  /** Closes the connection now; subscribers stay, and nothing reconnects until `open()` or a
   *  new URL. */
  close = () => {
    this.#stopped = true;
    if (this.#client !== null) this.#disconnect();
    // Not connected yet (the first subscriber's microtask not run yet): it will not, and the
    // state says so.
    else if (this.#state.state !== "closed") this.#setState(CLOSED);
  };

  /** Connects again after `close()` or after the stream ended (a failure, `done`), resuming
   *  a GET stream from the last event id. */
  open = () => {
    this.#stopped = false;
    if (this.#client !== null && this.#client.state.state === "closed") this.#disconnect();
    this.#queueSync();
  };

  /** Closes now and stays closed whatever the subscribers do: for a scope that is gone. */
  destroy() {
    this.#listeners.clear();
    this.close();
  }

  #build() {
    return Object.freeze({
      state: this.#state,
      data: this.#data,
      meta: this.#meta,
      buffer: Object.freeze(this.#buffer.slice()),
      error: this.#error,
      lastEventId: this.#client?.lastEventId ?? this.#lastEventId,
    });
  }

  #changed() {
    this.#dirty = true;
    if (this.#notifyQueued) return;
    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      for (const listener of [...this.#listeners]) {
        // A subscriber removed by an earlier one in this round has left: not called.
        if (!this.#listeners.has(listener)) continue;
        try {
          listener();
        } catch (e) {
          // One subscriber's exception must not keep the others from hearing the change.
          queueMicrotask(() => {
            throw e;
          });
        }
      }
    });
  }

  #queueSync() {
    if (this.#syncQueued) return;
    this.#syncQueued = true;
    queueMicrotask(() => {
      this.#syncQueued = false;
      this.#sync();
    });
  }

  // Makes the connection what the subscribers and the target ask for.
  #sync() {
    const wanted = this.#listeners.size > 0 && !this.#stopped;
    const target = `${this.#url}\n${typeKey(this.#type)}`;
    if (!wanted) {
      this.#disconnect();
      return;
    }
    if (this.#client !== null && this.#clientTarget === target) return;
    this.#disconnect();
    this.#connect(target);
  }

  #disconnect() {
    const client = this.#client;
    if (client === null) return;
    // Its last events and states are not this store's any more.
    this.#client = null;
    this.#lastEventId = client.lastEventId;
    client.close();
    this.#setState(client.state);
  }

  #fail(error) {
    this.#error = error;
    this.#state = Object.freeze({ state: "closed", reason: error?.kind ?? "invalid_option", error });
    this.#changed();
  }

  #setState(state) {
    this.#state = state;
    this.#changed();
  }

  #connect(target) {
    if (target !== this.#lastTarget) {
      // Another stream: the last one's resume point, event and buffer are not this one's (an
      // id sent to another URL, another origin even, would leak one stream's cursor to it).
      this.#lastTarget = target;
      this.#lastEventId = "";
      this.#data = undefined;
      this.#meta = undefined;
      this.#buffer = [];
      this.#changed();
    }
    const { buffer: _buffer, decode, ...given } = this.#options;
    const options = { ...given };
    // Function options go to the latest options given, so a closure made by a later render
    // (a fresh token, say) is the one called.
    for (const [name, value] of Object.entries(given)) {
      if (typeof value !== "function") continue;
      options[name] = (...args) => {
        const latest = this.#options[name];
        return (typeof latest === "function" ? latest : value)(...args);
      };
    }
    if (typeof decode === "string") options.decode = decode;
    const method = String(given.method ?? "GET").toUpperCase();
    if (this.#lastEventId !== "" && REPEATABLE.has(method)) options.lastEventId = this.#lastEventId;
    let client;
    try {
      client = new typedSse.SseClient(this.#url, options);
    } catch (e) {
      this.#fail(e);
      return;
    }
    this.#client = client;
    this.#clientTarget = target;
    this.#error = null;
    const mine = () => this.#client === client;
    client.onState((state) => {
      if (mine()) this.#setState(state);
    });
    client.onError((error) => {
      if (!mine()) return;
      this.#error = error;
      this.#changed();
    });
    const type = this.#type ?? "message";
    const listener = (data, meta) => {
      if (!mine()) return;
      this.#data = data;
      this.#meta = meta;
      if (this.#capacity > 0) {
        if (this.#buffer.length >= this.#capacity) this.#buffer.shift();
        this.#buffer.push(data);
      }
      this.#changed();
    };
    if (typeof type === "string") client.on(type, listener, typeof decode === "function" ? { decode } : undefined);
    else client.on(type, listener);
    this.#setState(client.state);
  }
}

/** A store for the events of `type` (or of a union's decoders) at `url`. */
export function createSseStore(url, type, options) {
  return new SseStore(url, type, options);
}
