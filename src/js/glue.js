// The JavaScript side of the npm API. JS listeners are attached to the native EventSource by a
// Hub, so an event reaches them without entering wasm: the wasm side (the supervisor) only reads
// the Hub's counters when it needs them (an idle tick, a failure, a resume).

export function describe(value) {
  // Whatever a user's code threw: a getter or a proxy that throws must not escape from here.
  try {
    return value instanceof Error ? String(value.message) : String(value);
  } catch (_) {
    try {
      return Object.prototype.toString.call(value);
    } catch (_) {
      return "(a value that cannot be shown as text)";
    }
  }
}

/** Reports an exception that a user's function (a listener, a decoder) threw and that no error
 *  listener took, where the environment reports an uncaught exception from an event listener,
 *  without ending anything: the stream and the program go on.
 *  - Node (Deno and Bun too): `process.emitWarning(error)`, printed on stderr and heard by
 *    `process.on("warning")`. Node's own EventTarget rethrows a listener's exception, which
 *    ends the process: a stream's listeners must not.
 *  - Pages and workers: `reportError(thrown)`, the global `error` event and the console, as the
 *    browser's EventTarget reports a throwing listener.
 *  `error` is the TypedSseError that describes it (with `thrown` as its `cause`). */
export function reportUncaught(thrown, error) {
  try {
    const node = globalThis.process;
    if (typeof node?.emitWarning === "function" && node.versions?.node) node.emitWarning(error);
    else if (typeof globalThis.reportError === "function") globalThis.reportError(thrown);
    else console.error(error);
  } catch (_) {
    // The environment's own reporting failed (a `warning` handler threw): nowhere left to go.
  }
}

/** Reports through `report` what an async listener's promise rejects with, as its throw would
 *  be reported: an unhandled rejection ends a Node process (and is only logged in a page).
 *  Anything else a listener returns is ignored. */
export function watchRejection(result, report) {
  try {
    if (result !== null && (typeof result === "object" || typeof result === "function") &&
      typeof result.then === "function") result.then(undefined, report);
  } catch (e) {
    report(e); // a `then` that throws
  }
}

/** The `listener` TypedSseError for what a listener of `type` threw. */
export function listenerError(type, thrown) {
  return makeError("listener", `a listener for \`${type}\` threw: ${describe(thrown)}`, { eventType: type, cause: thrown });
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

// What a listener receives besides the data. On the native transport, `id` and `origin` are
// read from the MessageEvent only when asked for: two DOM reads per event that most listeners
// never need.
class NativeMeta {
  #event;
  #hub;
  constructor(type, event, hub) {
    this.type = type;
    this.raw = event.data;
    this.#event = event;
    this.#hub = hub;
  }
  get id() {
    return this.#event.lastEventId;
  }
  get origin() {
    // The same for every event of a connection: read once. An event kept from an earlier
    // connection (one waiting in an `events()` queue) answers for itself only.
    if (this.#event.target !== this.#hub.es) return this.#event.origin;
    return (this.#hub.origin ??= this.#event.origin);
  }
  toJSON() {
    return metaJson(this);
  }
}

// On fetch, every field is known when the event is. Read-only, as on the native path: a
// listener cannot change what the next listener of the same event sees.
class StreamMeta {
  #id;
  #origin;
  constructor(type, id, origin, raw) {
    this.type = type;
    this.raw = raw;
    this.#id = id;
    this.#origin = origin;
  }
  get id() {
    return this.#id;
  }
  get origin() {
    return this.#origin;
  }
  toJSON() {
    return metaJson(this);
  }
}

const metaJson = (meta) => ({ type: meta.type, id: meta.id, origin: meta.origin, raw: meta.raw });

export class Hub {
  // `json`: decode data with JSON.parse (unless a listener brings its own `decode`). The
  // client's error listeners live here too: a decode error made here reaches them with its raw
  // text without entering wasm (wasm memory never shrinks, and a hostile 16 MB event would have
  // stayed in it for good), and every other error comes from wasm through `emitError`.
  constructor(json) {
    this.json = json;
    this.errorListeners = []; // replaced (not mutated) on change, like the lists in `types`
    this.types = new Map(); // type -> array of { id, listener, decode }, replaced on change
    this.handlers = new Map(); // type -> the function attached to `es`
    this.es = null;
    // Bumped whenever the connection changes or ends: a dispatch under way stops delivering
    // when a listener closes the client or the connection is replaced.
    this.epoch = 0;
    this.lastEvent = null;
    this.activity = 0;
    this.nextId = 1;
    // The closed state, once closed; what ends each `events()` iterator meanwhile.
    this.ended = null;
    this.enders = new Set();
    // The unsubscribe functions of listeners with a signal.
    this.offs = new Set();
    // The JS client, while it is open: the hub is held by wasm, so an open client stays alive
    // without any other reference, as an open EventSource does. Dropped at the end, after
    // `onEnd` (the client's release of its wasm half) is called.
    this.owner = null;
    this.onEnd = null;
    // What ends an answer, for the events the hub sees itself (see `setTerminal`).
    this.doneMarker = false;
    this.terminalTypes = [];
    this.terminalTest = null;
    this.finish = null;
  }

  // The end of an answer. On the native transport the hub's listeners see events without
  // wasm, so the hub checks `data: [DONE]` (`done`) and the terminal types itself; on fetch,
  // wasm checks those before the events reach `deliver`, and the hub runs only a terminal
  // predicate (`terminal` as a function of the type and the raw data). `finish` closes the
  // client as done.
  setTerminal(done, terminal, finish) {
    this.doneMarker = done;
    this.terminalTypes = Array.isArray(terminal) ? terminal : [];
    this.terminalTest = typeof terminal === "function" ? terminal : null;
    this.finish = finish;
    // The first native connection opens while the client is built, before this call.
    if (this.es) this.listenEnds();
  }

  // Native: the types that end an answer are heard even without a listener of their own.
  listenEnds() {
    if (!this.finish) return;
    const ends = this.doneMarker ? ["message", ...this.terminalTypes] : this.terminalTypes;
    for (const type of ends) if (!this.handlers.has(type)) this.listen(type);
  }

  // Whether the native connection listens to `type` for the end of the answer (listenEnds).
  endsOn(type) {
    return !!this.finish && ((this.doneMarker && type === "message") || this.terminalTypes.includes(type));
  }

  // Whether the event ends the answer: "marker" ([DONE]: not delivered), "last" (delivered,
  // then the end) or "" (neither). A predicate that throws is reported and counts as no.
  isTerminal(type, raw, native) {
    if (native && this.doneMarker && raw === "[DONE]") return "marker";
    if (native && this.terminalTypes.includes(type)) return "last";
    if (this.terminalTest) {
      try {
        if (this.terminalTest(type, raw)) return "last";
      } catch (e) {
        this.emitError(makeError("listener", `the terminalEvents function threw for a \`${type}\` event: ${describe(e)}`, { eventType: type, cause: e }), e);
      }
    }
    return "";
  }

  // `on(decoders, listener)`: one listener for several event types, each decoded by its own
  // function, called in stream order with `{ type, data }`; types not named are skipped.
  addUnion(decoders, listener, options) {
    checkDecoders(decoders);
    checkListener(listener);
    const { signal } = listenerOptions(options, false);
    if (options?.decode !== undefined) fail("decode", "give each type its decoder in the first argument");
    const offs = Object.entries(decoders).map(([type, decode]) =>
      this.add(type, (data, meta) => listener({ type, data }, meta), { decode, signal }));
    return () => offs.forEach((off) => off());
  }

  // `client.on(type, listener, { signal, decode })`: returns an idempotent unsubscribe function.
  add(type, listener, options) {
    eventType(type);
    checkListener(listener);
    const { signal, decode } = listenerOptions(options, false);
    if (this.ended || signal?.aborted) return () => {};
    const id = this.nextId++;
    const entry = { id, listener, decode };
    const list = this.types.get(type);
    this.types.set(type, list ? [...list, entry] : [entry]);
    if (!list && this.es && !this.handlers.has(type)) this.listen(type);
    let done = false;
    const off = () => {
      if (done) return;
      done = true;
      // Not searched for once the signal fired (see TypedEventSource's listeners in client.js).
      if (!signal?.aborted) signal?.removeEventListener("abort", off);
      this.offs.delete(off);
      this.remove(type, id);
    };
    if (signal) {
      signal.addEventListener("abort", off, { once: true });
      // Unhooked from the signal when the client closes: a long-lived signal keeps nothing.
      this.offs.add(off);
    }
    return off;
  }

  // A listener given to a closed and released client: checked, then never called.
  inert(listener) {
    checkListener(listener);
    return () => {};
  }

  remove(type, id) {
    const list = this.types.get(type);
    if (list === undefined) return;
    const kept = list.filter((entry) => entry.id !== id);
    if (kept.length !== 0) {
      this.types.set(type, kept);
      return;
    }
    // Its last listener gone, the type is forgotten and no longer listened for on the
    // connection: a page that listens to ever new types and lets them go holds nothing for them.
    this.types.delete(type);
    // Still heard for the end of the answer (a terminal type, `message` for [DONE]).
    if (this.endsOn(type)) return;
    const handler = this.handlers.get(type);
    if (handler === undefined) return;
    this.handlers.delete(type);
    this.es?.removeEventListener(type, handler);
  }

  // `client.events(type, { signal, buffer, decode })`: an async iterator of `{ data, meta }`.
  // Events wait in a bounded queue until read; one more than `buffer` finishes the iterator
  // with an `overflow` error once the waiting ones are read, rather than dropping any quietly.
  events(type, options) {
    const union = typeof type === "object" && type !== null;
    if (union) checkDecoders(type);
    else eventType(type);
    const { signal, decode, buffer } = listenerOptions(options, true);
    if (union && decode !== undefined) fail("decode", "give each type its decoder in the first argument");
    const queue = [];
    const readers = []; // pending next() calls, in order: { resolve, reject }
    let end = null; // { error } or {} once finished
    let off = () => {};
    const abort = () => finish({});
    const finish = (outcome) => {
      if (end) return;
      end = outcome;
      off();
      this.enders.delete(finish);
      signal?.removeEventListener("abort", abort);
      while (readers.length) settle();
    };
    // Hands the first pending reader what is next: an event, the end, or the error that ended it.
    const settle = () => {
      const { resolve, reject } = readers.shift();
      if (queue.length) return resolve({ value: queue.shift(), done: false });
      if (end.error) {
        const error = end.error;
        end = {}; // thrown once; done after that
        return reject(error);
      }
      resolve({ value: undefined, done: true });
    };
    const push = (data, meta, name) => {
      const item = union ? { type: name, data, meta } : { data, meta };
      if (readers.length) {
        queue.push(item);
        return settle();
      }
      if (queue.length >= buffer) {
        const what = union ? meta.type : type;
        const message = `more than ${buffer} \`${what}\` events waited unread: the iterator stopped ` +
          "here rather than drop any (read faster, or raise `buffer`)";
        return finish({ error: makeError("overflow", message, { eventType: what, buffer }) });
      }
      queue.push(item);
    };
    if (this.ended) finish(this.endOfIteration());
    else if (signal?.aborted) finish({});
    else {
      off = union
        ? this.addUnion(type, (event, meta) => push(event.data, meta, event.type))
        : this.add(type, push, decode ? { decode } : undefined);
      this.enders.add(finish);
      signal?.addEventListener("abort", abort);
    }
    return {
      next: () =>
        new Promise((resolve, reject) => {
          readers.push({ resolve, reject });
          if (queue.length || end) settle();
        }),
      // `break` in `for await`: this iterator ends; the client and its other listeners go on.
      return: () => {
        queue.length = 0;
        finish({});
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  // The client closed for good (`state` is the closed state): the iterators end, with the
  // error that closed it if any, and the client may be collected once unreferenced.
  closed(state) {
    this.ended = state;
    this.owner = null;
    this.onEnd?.();
    this.onEnd = null;
    for (const finish of [...this.enders]) finish(this.endOfIteration());
  }

  // How a closed client ends its iterators: quietly after close(), an abort, or a 204 (the
  // server's way to say the stream is over); with the error after any other failure, so that a
  // dead stream is not mistaken for a finished one.
  endOfIteration() {
    const error = this.ended.error;
    return error && error.kind !== "no_content" ? { error } : {};
  }

  listen(type) {
    // The counters the shell reads to learn what was delivered: the native path only (on fetch,
    // events come from wasm, which counts them itself).
    // An EventSource's own `open` and `error` events are plain Events: a listener for a server
    // event named "open" or "error" must not take them for messages.
    const handler = type === "open" || type === "error"
      ? (ev) => ev instanceof MessageEvent && this.deliverNative(type, ev)
      : (ev) => this.deliverNative(type, ev);
    this.handlers.set(type, handler);
    this.es.addEventListener(type, handler);
  }

  deliverNative(type, ev) {
    this.activity++;
    const end = this.finish && this.isTerminal(type, ev.data, true);
    // [DONE] is not delivered, and its id (if any) is no resume point: as on fetch and in Rust.
    if (end === "marker") return this.finish();
    // The latest event with an id: a reset (an empty id) is no resume point (src/shell).
    if (ev.lastEventId !== "") this.lastEvent = ev;
    const list = this.types.get(type);
    const epoch = this.epoch;
    if (list !== undefined && list.length !== 0) this.dispatch(type, list, new NativeMeta(type, ev, this), UNPARSED);
    // Unless a listener closed the client meanwhile.
    if (end && this.epoch === epoch) this.finish();
  }

  // A native connection: the hub's listeners go on it, and its events never enter wasm.
  attach(es) {
    this.detach();
    this.es = es;
    this.origin = undefined;
    this.lastEvent = null;
    for (const type of this.types.keys()) this.listen(type);
    this.listenEnds();
  }

  // A fetch connection: events are parsed in wasm and come through `deliver`. Called again
  // with the final URL's origin when the response came through a redirect.
  attachStream(origin) {
    this.detach();
    this.epoch++;
    this.origin = origin;
    this.cause = undefined;
  }

  // What a fetch connection's network failure threw (Node's "fetch failed" keeps the real
  // reason, a refused connection or a host that does not resolve, in its `cause`): the `cause`
  // of the `network` error that reports it, and of `gave_up`'s `last` if that follows.
  failedWith(cause) {
    this.cause = cause;
  }

  detach() {
    this.epoch++;
    if (!this.es) return;
    for (const [type, handler] of this.handlers) this.es.removeEventListener(type, handler);
    this.handlers.clear();
    this.es = null;
  }

  // A chunk's parsed events (fetch), in one call (see src/shell/batch.rs): `values` holds their
  // data, `names` their types and ids, and each event is six numbers in `records`, [type, data,
  // id] as (start, length) in UTF-16 units, a type or id start of 0xffffffff meaning "as the
  // previous event". (Parsing the chunk's data as one JSON array, one JSON.parse per chunk,
  // was measured too: checking in wasm that the array's elements are the events cost as much
  // as it saved; see BENCHMARKS.md.)
  // `ids`, when given, holds the ids instead of `names` (one big event, delivered from the
  // parser's buffers without a copy).
  deliver(values, names, records, ids = names) {
    // A view on wasm memory: a listener that calls into wasm may grow that memory, which
    // detaches the view and would drop the rest of the chunk.
    records = records.slice();
    const epoch = this.epoch;
    let type = "";
    for (let i = 0; i < records.length; i += 6) {
      // A listener may have closed the client or replaced the connection.
      if (this.epoch !== epoch) return;
      if (records[i] !== SAME) type = names.substr(records[i], records[i + 1]);
      if (records[i + 4] !== SAME) this.streamId = ids.substr(records[i + 4], records[i + 5]);
      const list = this.types.get(type);
      const test = this.terminalTest !== null && this.finish !== null;
      if (!test && (list === undefined || list.length === 0)) continue;
      const raw = values.substr(records[i + 2], records[i + 3]);
      const end = test && this.isTerminal(type, raw, false);
      if (list !== undefined && list.length !== 0) {
        this.dispatch(type, list, new StreamMeta(type, this.streamId, this.origin, raw), UNPARSED);
      }
      // The rest of the chunk is not delivered: the answer is over.
      if (end) {
        if (this.epoch === epoch) this.finish();
        return;
      }
    }
  }

  clear() {
    // Its wasm closure goes with the client.
    this.finish = null;
    for (const off of [...this.offs]) off();
    this.detach();
    this.epoch++;
    this.types.clear();
    this.lastEvent = null;
    this.errorListeners = [];
  }

  // Adds an error listener; returns an idempotent unsubscribe function.
  onError(listener) {
    checkListener(listener);
    const entry = { listener };
    this.errorListeners = [...this.errorListeners, entry];
    return () => {
      this.errorListeners = this.errorListeners.filter((e) => e !== entry);
    };
  }

  // `thrown`: what a user's function threw, when that is what `error` reports. With no error
  // listener to take it, it goes to the environment (`reportUncaught`), as an uncaught
  // exception from an event listener would.
  emitError(error, thrown = NOT_THROWN) {
    if (this.cause !== undefined) this.addCause(error);
    const listeners = this.errorListeners;
    if (listeners.length === 0 && thrown !== NOT_THROWN) reportUncaught(thrown, error);
    for (const { listener } of listeners) {
      try {
        watchRejection(listener(error), (e) => reportUncaught(e, listenerError("error", e)));
      } catch (e) {
        // Reporting to the error listeners again could loop: to the environment instead.
        reportUncaught(e, listenerError("error", e));
      }
    }
  }

  addCause(error) {
    const network = error.kind === "network" ? error : error.last?.kind === "network" ? error.last : null;
    if (network !== null) network.cause = this.cause;
    if (error.kind === "gave_up") this.cause = undefined;
  }

  // What a TypedEventSource's listener threw (client.js reaches this module's functions
  // through the hub only): reported, never thrown on.
  uncaught(type, thrown) {
    reportUncaught(thrown, listenerError(type, thrown));
  }

  // What a TypedEventSource's listener returned: a promise's rejection is reported the same way.
  watch(type, result) {
    watchRejection(result, (e) => this.uncaught(type, e));
  }

  // Calls a listener kept on the wasm side (`onState`, `onComment`; `type` is "state" or
  // "comment"): what it throws is reported as a `listener` error, and the stream goes on.
  callListener(type, listener, arg) {
    try {
      watchRejection(listener(arg), (e) => this.emitError(listenerError(type, e), e));
    } catch (e) {
      this.emitError(listenerError(type, e), e);
    }
  }

  // One event to the listeners of its type. `parsed` is its data already decoded with
  // JSON.parse, or UNPARSED: then JSON.parse runs here, once for all the listeners without a
  // decoder of their own.
  dispatch(type, list, meta, parsed) {
    const epoch = this.epoch;
    for (const { listener, decode } of list) {
      // A listener may have closed the client: the rest of this event is not delivered.
      if (this.epoch !== epoch) return;
      let data;
      if (decode) {
        try {
          data = decode(meta.raw);
        } catch (e) {
          // A decoder that refuses empty data is skipped, not reported, as under JSON
          // decoding (MCP's priming event with `decode: JSON.parse`, a union's decoder).
          if (meta.raw !== "") this.decodeFailed(type, meta.raw, e, true);
          continue;
        }
      } else if (this.json) {
        // Empty data is no JSON value: the event is skipped, not an error (MCP's priming
        // event is an id with empty data; its id still becomes the resume point).
        if (meta.raw === "") continue;
        if (parsed === UNPARSED) {
          try {
            parsed = JSON.parse(meta.raw);
          } catch (e) {
            parsed = FAILED;
            this.decodeFailed(type, meta.raw, e);
          }
        }
        if (parsed === FAILED) continue;
        data = parsed;
      } else {
        data = meta.raw;
      }
      try {
        watchRejection(listener(data, meta), (e) => this.emitError(listenerError(type, e), e));
      } catch (e) {
        this.emitError(listenerError(type, e), e);
      }
    }
  }

  // `own`: the user's `decode` threw (JSON.parse failing on the server's data is no exception
  // of the user's code, and reaches the error listeners only).
  decodeFailed(type, raw, cause, own = false) {
    const message = `could not decode \`${type}\` event: ${describe(cause)}`;
    this.emitError(makeError("decode", message, { eventType: type, raw, cause }), own ? cause : NOT_THROWN);
  }
}

// What `dispatch` holds before JSON.parse ran, and after it threw.
const UNPARSED = Symbol("unparsed");
// Where a batch's type or id is "as the previous event" (src/shell/batch.rs).
const SAME = 0xffffffff;
const FAILED = Symbol("failed");
// `emitError`'s `thrown` when no user's function threw (`throw undefined` is possible).
const NOT_THROWN = Symbol("not thrown");

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

// Throws a TypedSseError of kind `invalid_option` unless `listener` is a function.
export function checkListener(listener) {
  if (typeof listener !== "function") fail("listener", `expected a function, got ${typeName(listener)}`);
}

const typeName = (v) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v);

const eventType = (type) => {
  if (typeof type !== "string") fail("type", `expected an event type (a string), got ${typeName(type)}`);
};

// The first argument of `on(decoders, listener)` and `events(decoders)`: an object of
// per-type decoders, e.g. `{ content_block_delta: (raw) => JSON.parse(raw) }`.
const checkDecoders = (decoders) => {
  if (!isPlainObject(decoders) || Object.keys(decoders).length === 0) {
    fail("type", "expected an event type, or an object of decoders by event type");
  }
  for (const [type, decode] of Object.entries(decoders)) {
    if (typeof decode !== "function") fail(type, "expected a decoder: a function (raw: string) => data");
  }
};

const isSignal = (v) => typeof AbortSignal === "function" && v instanceof AbortSignal;

// How many events an `events()` iterator holds unread before it stops with `overflow`.
const DEFAULT_BUFFER = 1024;

// The options of `on`, and with `buffer` of `events` (`iterator`).
function listenerOptions(options, iterator) {
  if (options === undefined || options === null) return { buffer: DEFAULT_BUFFER };
  if (typeof options !== "object" || Array.isArray(options)) fail("options", `expected an object, got ${typeName(options)}`);
  const { signal, decode, buffer, ...rest } = options;
  const unknown = Object.keys(iterator || buffer === undefined ? rest : { buffer })[0];
  if (unknown !== undefined) fail(unknown, `unknown option; known options are signal, decode${iterator ? ", buffer" : ""}`);
  if (signal !== undefined && !isSignal(signal)) fail("signal", `expected an AbortSignal, got ${typeName(signal)}`);
  if (decode !== undefined && typeof decode !== "function") {
    fail("decode", "expected a function (raw: string) => data, such as (raw) => Schema.parse(JSON.parse(raw))");
  }
  if (buffer !== undefined && !whole(buffer, 1, 4294967295)) {
    fail("buffer", `expected a whole number of events from 1 to 4294967295, got ${typeof buffer === "string" ? JSON.stringify(buffer) : String(buffer)}`);
  }
  return { signal, decode, buffer: buffer ?? DEFAULT_BUFFER };
}

// A TypedSseError: an Error with a `kind` and the error's details as properties.
export function makeError(kind, message, details) {
  const error = new Error(message);
  error.name = "TypedSseError";
  error.kind = kind;
  if (details) Object.assign(error, details);
  return error;
}

// The message of an error made in wasm (src/js/convert.rs): `Error`'s `Display` in Rust
// (src/error.rs), word for word, from the kind, the details and the variant's own `text`.
const MESSAGES = {
  invalid_url: (d, t) => `invalid URL \`${d.url}\`: ${t}`,
  invalid_option: (d, t) => `invalid option \`${d.field}\`: ${t}`,
  decode: (d, t) => `could not decode \`${d.eventType}\` event: ${t}`,
  no_content: () => "the server answered 204 No Content: it asks the client not to reconnect",
  unauthorized: (d) => `unauthorized: the server answered ${d.status}`,
  http: (d) => `the server answered HTTP ${d.status}`,
  content_type: (d) => `the server answered with content type \`${d.contentType}\`, not \`text/event-stream\``,
  network: (d, t) => `network error: ${t}`,
  too_large: (d) => `an event passed the ${d.limit}-byte limit: the connection was dropped`,
  idle_timeout: (d) => `no event for ${d.timeoutMs} ms: the connection was treated as dead`,
  gave_up: (d) => `gave up after ${d.attempts} reconnect attempt(s): ${d.last.message}`,
  listener: (d, t) => `a listener for \`${d.eventType}\` threw: ${t}`,
};

export function wasmError(kind, text, details) {
  // An option is named as JS spells it: the builder's `last_event_id` is `lastEventId`.
  if (kind === "invalid_option") details.field = details.field.replace(/_(.)/g, (_, c) => c.toUpperCase());
  return makeError(kind, MESSAGES[kind]?.(details, text) ?? text, details);
}

// ---- options ------------------------------------------------------------------------------
// The options of `new SseClient(url, options)`, checked here, field by field, so that every
// error names its field. In JS rather than in wasm: the checks and their messages cost the
// package about 4 KB gzipped as Rust (string formatting), and under 1 KB as minified JS.
// `readOptions` returns the options normalised (only known fields, of the right types);
// the wasm side reads them without checking again. (Here rather than in a snippet of its own
// that imports this one: with one snippet importing another, the test runner's page load hung
// intermittently.)

const MAX_MS = 2147483647; // what a browser timer holds

const fail = (field, message) => {
  throw makeError("invalid_option", `invalid option \`${field}\`: ${message}`, { field });
};

const isPlainObject = (v) =>
  v !== null && typeof v === "object" && !Array.isArray(v) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(v));

const whole = (v, min, max) => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

const boolean = (f, v) => (typeof v === "boolean" ? v : fail(f, "expected a boolean"));

const millis = (f, v) =>
  whole(v, 0, MAX_MS) ? v : fail(f, `expected a whole, non-negative number of milliseconds, at most ${MAX_MS}, got ${String(v)}`);

const oneOf = (f, v, allowed) =>
  allowed.includes(v) ? v : fail(f, `expected ${allowed.map((a) => `"${a}"`).join(" or ")}, got ${JSON.stringify(v)}`);

const fn = (f, v, what) => (typeof v === "function" ? v : fail(f, `expected ${what}`));

// Each known option: how to check it, and what the wasm side receives.
// Fixed headers that fetch would refuse (a name with a space, a line break in a value) are
// refused here, once, rather than failing every connection as a network error retried without
// end. The browser's (or Node's) own `Headers` says what is valid.
const validHeaders = (f, v) => {
  const problem = headerProblem(v);
  if (problem !== null) fail(f, `not valid headers: ${problem}`);
  return true;
};

/** What `Headers` refuses in `headers`, naming the header but never showing a value (a value
 *  may be a token, and error messages end up in logs; Node's own message quotes it); null when
 *  it takes them. (src/transport/fetch.js refuses a headers function's answer without naming the
 *  header: the check costs the package bytes twice.) */
function headerProblem(headers) {
  let all = null;
  try {
    all = new Headers(headers);
  } catch (_) {
    // found below
  }
  // Node's Headers takes a control character other than NUL, CR and LF (\x01, DEL), which its
  // fetch then refuses at every request: refused here as well.
  if (all !== null) {
    for (const [name, value] of all) {
      if (BAD_HEADER_VALUE.test(value)) {
        return `the value of ${JSON.stringify(name)} is not a header value: it holds a control character ` +
          "(the value is not shown: it may be a secret)";
      }
    }
    return null;
  }
  if (headers === null || typeof headers !== "object") return "expected an object of header names and values";
  for (const pair of Array.isArray(headers) ? headers : Object.entries(headers)) {
    if (!Array.isArray(pair) || pair.length !== 2) break;
    const name = JSON.stringify(describe(pair[0]).slice(0, 100));
    try {
      new Headers([[pair[0], ""]]);
    } catch (_) {
      return `${name} is not a header name`;
    }
    try {
      new Headers([pair]);
    } catch (_) {
      return `the value of ${name} is not a header value: it holds a NUL, CR or LF, or a ` +
        "character past U+00FF (the value is not shown: it may be a secret)";
    }
  }
  return "expected an object of header names and values";
}

// What a header value may hold (RFC 9110's field-value: tab, visible ASCII, space, obs-text).
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

const FIELDS = {
  withCredentials: boolean,
  decode: (f, v) => oneOf(f, v, ["json", "text"]),
  reconnect: boolean,
  initialDelayMs: millis,
  maxDelayMs: millis,
  multiplier: (f, v) => (typeof v === "number" && v >= 1 && Number.isFinite(v) ? v : fail(f, "expected a number of at least 1")),
  jitter: (f, v) => (typeof v === "number" && v >= 0 && v <= 1 ? v : fail(f, "expected a number from 0 to 1")),
  maxRetries: (f, v) => (v === null || whole(v, 0, 4294967295) ? v : fail(f, "expected a whole non-negative number, or null")),
  resumeParam: (f, v) =>
    v === null || v === false ? null : typeof v === "string" && v !== "" ? v : fail(f, "expected a non-empty name, or null to turn it off"),
  idleTimeoutMs: (f, v) => (v === null ? null : Math.max(millis(f, v), 1)),
  heartbeatEvent: (f, v) => (typeof v === "string" ? v : fail(f, "expected an event type")),
  pauseWhenOffline: boolean,
  pauseWhenHidden: boolean,
  refreshUrl: (f, v) => fn(f, v, "a function returning a URL or a Promise of one"),
  refreshTimeoutMs: millis,
  maxRetryAfterMs: millis,
  transport: (f, v) => oneOf(f, v, ["fetch", "eventsource"]),
  method: (f, v) => (typeof v === "string" && v !== "" ? v : fail(f, 'expected an HTTP method such as "POST"')),
  headers: (f, v) => (typeof v === "function" || (isPlainObject(v) && validHeaders(f, v)) ? v : fail(f, "expected an object of headers, or a function returning one")),
  body: (f, v) => {
    if (typeof v === "string") return v;
    if (!isPlainObject(v) && !Array.isArray(v)) fail(f, "expected a string, or a plain object sent as JSON");
    return JSON.stringify(v);
  },
  credentials: (f, v) => oneOf(f, v, ["omit", "same-origin", "include"]),
  fetch: (f, v) => fn(f, v, "a function like the global fetch"),
  maxEventBytes: (f, v) => (whole(v, 1, 268435456) ? v : fail(f, "expected a whole number of bytes from 1 to 268435456 (256 MiB)")),
  serverRetry: boolean,
  signal: (f, v) => (isSignal(v) ? v : fail(f, `expected an AbortSignal, got ${typeName(v)}`)),
  lastEventId: (f, v) =>
    typeof v === "string" && !/[\0\r\n]/.test(v) ? v : fail(f, "expected an event id: a string without NUL, CR or LF"),
  resume: (f, v) => oneOf(f, v, ["never", "repeat", "get"]),
  doneMarker: boolean,
  terminalEvents: (f, v) =>
    typeof v === "function" || (Array.isArray(v) && v.every((t) => typeof t === "string"))
      ? v : fail(f, "expected an array of event types, or a function (type, data) => boolean"),
};

// The wasm side reads the checked options by position (src/js/options.rs, `Opt`): one array
// read per option there, instead of a string passed into JS and a property lookup.
const OPTION_ORDER = [...Object.keys(FIELDS), "contentType"];

/** The options checked and normalised, as an array in OPTION_ORDER (undefined where not set);
 *  throws a TypedSseError of kind `invalid_option`. */
export function readOptions(options) {
  const out = checkOptions(options);
  return OPTION_ORDER.map((field) => out[field]);
}

function checkOptions(options) {
  const out = {};
  if (options === undefined || options === null) return out;
  if (typeof options !== "object" || Array.isArray(options)) fail("options", "expected an object");
  for (const [field, value] of Object.entries(options)) {
    // `{ jitter: undefined }` means the default, as in most JS APIs.
    if (value === undefined) continue;
    // Own fields only: "toString" or "__proto__" are not options.
    const check = Object.hasOwn(FIELDS, field) ? FIELDS[field] : undefined;
    if (!check) fail(field, `unknown option; known options are ${Object.keys(FIELDS).join(", ")}`);
    out[field] = check(field, value);
  }
  if (out.body !== undefined && typeof options.body !== "string") out.contentType = "application/json";
  return out;
}
