// The JavaScript side of the npm API. JS listeners are attached to the native EventSource by a
// Hub, so an event reaches them without entering wasm: the wasm side (the supervisor) only reads
// the Hub's counters when it needs them (an idle tick, a failure, a resume).

export function describe(value) {
  if (value instanceof Error) return value.message;
  try {
    return String(value);
  } catch (_) {
    return Object.prototype.toString.call(value);
  }
}

/** Calls the user's `refreshUrl()` and passes the URL it returns (or resolves to) to
 *  `done(url, "")`, or `done(undefined, message)` when it throws, rejects or gives no string.
 *  Always later, never during this call. Returns an AbortController: once it is aborted (the
 *  client closed or moved on), `done` is not called. */
export function refreshUrl(refresh, done) {
  const controller = new AbortController();
  new Promise((resolve) => resolve(refresh()))
    .then(
      (url) => (typeof url === "string" ? [url, ""] : [undefined, "refreshUrl must return a URL string"]),
      (error) => [undefined, describe(error)],
    )
    .then((answer) => {
      if (!controller.signal.aborted) done(...answer);
    });
  return controller;
}

// What a listener receives besides the data. `id` and `origin` are read from the native event
// only when asked for: two DOM reads per event that most listeners never need.
class Meta {
  #event;
  #hub;
  constructor(type, event, raw, hub) {
    this.type = type;
    this.raw = raw;
    this.#event = event;
    this.#hub = hub;
  }
  get id() {
    return this.#event.lastEventId;
  }
  get origin() {
    // The same for every event of a connection: read once.
    return (this.#hub.origin ??= this.#event.origin);
  }
  toJSON() {
    return { type: this.type, id: this.id, origin: this.origin, raw: this.raw };
  }
}

export class Hub {
  // `json`: decode data with JSON.parse. The client's error listeners live here too: a decode
  // error made here reaches them with its raw text without entering wasm (wasm memory never
  // shrinks, and a hostile 16 MB event would have stayed in it for good), and every other error
  // comes from wasm through `emitError`.
  constructor(json) {
    this.json = json;
    this.errorListeners = []; // replaced (not mutated) on change, like the lists in `types`
    this.types = new Map(); // type -> array of { id, listener }, replaced (not mutated) on change
    this.handlers = new Map(); // type -> the function attached to `es`
    this.es = null;
    this.lastEvent = null;
    this.activity = 0;
    this.nextId = 1;
  }

  add(type, listener) {
    const id = this.nextId++;
    const list = this.types.get(type);
    this.types.set(type, list ? [...list, { id, listener }] : [{ id, listener }]);
    if (!list && this.es) this.listen(type);
    return id;
  }

  remove(id) {
    for (const [type, list] of this.types) {
      const kept = list.filter((entry) => entry.id !== id);
      if (kept.length !== list.length) {
        this.types.set(type, kept);
        return;
      }
    }
  }

  // An idempotent unsubscribe function; harmless after the client is freed.
  unsubscriber(id) {
    let done = false;
    return () => {
      if (!done) {
        done = true;
        this.remove(id);
      }
    };
  }

  listen(type) {
    const handler = (ev) => this.dispatch(type, ev);
    this.handlers.set(type, handler);
    this.es.addEventListener(type, handler);
  }

  attach(es) {
    this.detach();
    this.es = es;
    this.origin = undefined;
    this.lastEvent = null;
    for (const type of this.types.keys()) this.listen(type);
  }

  detach() {
    if (!this.es) return;
    for (const [type, handler] of this.handlers) this.es.removeEventListener(type, handler);
    this.handlers.clear();
    this.es = null;
  }

  clear() {
    this.detach();
    this.types.clear();
    this.lastEvent = null;
    this.errorListeners = [];
  }

  // Adds an error listener; returns an idempotent unsubscribe function.
  onError(listener) {
    const entry = { listener };
    this.errorListeners = [...this.errorListeners, entry];
    return () => {
      this.errorListeners = this.errorListeners.filter((e) => e !== entry);
    };
  }

  emitError(error) {
    for (const { listener } of this.errorListeners) {
      try {
        listener(error);
      } catch (e) {
        // Reporting to the error listeners again could loop: log it instead.
        console.error(e);
      }
    }
  }

  dispatch(type, ev) {
    const es = this.es;
    this.activity++;
    this.lastEvent = ev;
    const list = this.types.get(type);
    if (!list || list.length === 0) return;
    const raw = ev.data;
    let data = raw;
    if (this.json) {
      try {
        data = JSON.parse(raw);
      } catch (e) {
        this.emitError(makeError("decode", `could not decode \`${type}\` event: ${describe(e)}`, { eventType: type, raw }));
        return;
      }
    }
    const meta = new Meta(type, ev, raw, this);
    for (const { listener } of list) {
      // A listener may have closed the client: the rest of this event is not delivered.
      if (this.es !== es) return;
      try {
        listener(data, meta);
      } catch (e) {
        this.emitError(makeError("listener", `a listener for \`${type}\` threw: ${describe(e)}`, { eventType: type }));
      }
    }
  }
}

// Calls `listener(arg)`; returns the thrown value, or undefined.
export function callGuarded(listener, arg) {
  try {
    listener(arg);
  } catch (e) {
    return e === undefined ? null : e;
  }
  return undefined;
}

// An idempotent unsubscribe function for listeners kept on the wasm side (state, errors).
export function unsubscriber(off, id) {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    try {
      off(id);
    } catch (_) {
      // the client was freed: every listener is gone already
    }
  };
}

// A TypedSseError: an Error with a `kind` and the error's details as properties.
export function makeError(kind, message, details) {
  const error = new Error(message);
  error.name = "TypedSseError";
  error.kind = kind;
  if (details) Object.assign(error, details);
  return error;
}
