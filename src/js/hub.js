// The JS listeners of one client and the per-event path to them. JS listeners are attached to
// the native EventSource by the hub, so an event reaches them without entering wasm: the wasm
// side (the supervisor) only reads the hub's counters when it needs them (an idle tick, a
// failure, a resume). On fetch, wasm parses the stream and hands each chunk's events to
// `deliver` in one call.
//
// The hub is an ordinary module: client.js makes one per client and hands it to the wasm core,
// which calls its methods (src/js/mod.rs, `Hub`). Everything else wasm needs from JS (error
// objects, listener checks, `refreshUrl`) is a method here too, so that no wasm-bindgen snippet
// has to import another module.
import {
  describe, listenerError, makeError, reportUncaught, UnheardReporter, wasmError, watchRejection,
} from "./errors.js";
import { checkDecoders, checkListener, eventType, fail, listenerOptions } from "./options.js";
import { NativeMeta, StreamMeta } from "./meta.js";

export class Hub {
  // `json`: decode data with JSON.parse (unless a listener brings its own `decode`). The
  // client's error listeners live here too: a decode error made here reaches them with its raw
  // text without entering wasm (wasm memory never shrinks, and a hostile 16 MB event would have
  // stayed in it for good), and every other error comes from wasm through `emitError`.
  constructor({ json = true, logErrors = true } = {}) {
    this.json = json;
    // Whether an error that no listener hears is printed, and how (`UnheardReporter`).
    this.logErrors = logErrors;
    this.unheard = new UnheardReporter();
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
    const id = ev.lastEventId;
    if (id !== "") this.lastEvent = ev;
    const list = this.types.get(type);
    const epoch = this.epoch;
    if (list !== undefined && list.length !== 0) this.dispatch(type, list, new NativeMeta(type, ev, id, this), UNPARSED);
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
    if (listeners.length === 0) {
      // Nobody listens: a user's exception goes where an uncaught one would, anything else
      // to the console (unless `logErrors: false`), so that no failure is silent.
      if (thrown !== NOT_THROWN) reportUncaught(thrown, error);
      else if (this.logErrors) this.unheard.report(error);
    }
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

  // ---- what wasm calls besides the hub's own work (src/js/mod.rs) ----

  /** The TypedSseError for an error made in wasm (src/js/convert.rs). */
  wasmError(kind, text, details) {
    return wasmError(kind, text, details);
  }

  /** Throws an `invalid_option` TypedSseError unless `listener` is a function. */
  checkListener(listener) {
    checkListener(listener);
  }

  /** An idempotent unsubscribe function for a listener kept on the wasm side (state,
   *  comments): `off(id)` removes it. */
  unsubscriber(off, id) {
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

  /** Calls the user's `refreshUrl()` and passes the URL it returns (or resolves to) to
   *  `done(url, "")`, or `done(undefined, message)` when it throws, rejects or gives no string.
   *  Always later, never during this call. Returns an AbortController: once it is aborted (the
   *  client closed or moved on), `done` is not called. */
  refreshUrl(refresh, done) {
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
}

// What `dispatch` holds before JSON.parse ran, and after it threw.
const UNPARSED = Symbol("unparsed");
// Where a batch's type or id is "as the previous event" (src/shell/batch.rs).
const SAME = 0xffffffff;
const FAILED = Symbol("failed");
// `emitError`'s `thrown` when no user's function threw (`throw undefined` is possible).
const NOT_THROWN = Symbol("not thrown");
