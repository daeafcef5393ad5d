// hub.js: listeners, the per-event paths (a native connection, a fetch chunk), errors and where
// an error goes when nobody listens. The hub runs here without wasm: an EventTarget stands for
// the native connection; Chromium and the e2e tests prove the wiring to the real ones.
import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { Hub } from "../../src/js/hub.js";
import { SseConfigError, SseStreamError } from "../../src/js/errors.js";

const SAME = 0xffffffff;
const message = (type, data, lastEventId = "") => new MessageEvent(type, { data, lastEventId });

/** `console.error`'s calls while `fn` runs. */
function consoleErrors(fn) {
  const seen = [];
  const original = console.error;
  console.error = (...args) => seen.push(args);
  try {
    fn();
  } finally {
    console.error = original;
  }
  return seen;
}

test("a native connection's events reach the listeners of their type, decoded once", () => {
  const hub = new Hub({ json: true });
  const es = new EventTarget();
  const got = [];
  hub.add("tick", (data, meta) => got.push(["a", data, meta.id, meta.type, meta.raw]));
  hub.add("tick", (data) => got.push(["b", data]));
  hub.attach(es);
  es.dispatchEvent(message("tick", '{"n":1}', "7"));
  es.dispatchEvent(message("other", '{"n":2}'));
  assert.deepEqual(got, [["a", { n: 1 }, "7", "tick", '{"n":1}'], ["b", { n: 1 }]]);
  assert.equal(hub.activity, 1);
  assert.equal(hub.lastEvent.lastEventId, "7");
});

test("a listener that unsubscribes is no longer called; the last one gone, the type is not listened for", () => {
  const hub = new Hub({ json: false });
  const es = new EventTarget();
  hub.attach(es);
  const got = [];
  const off = hub.add("tick", (data) => got.push(data));
  es.dispatchEvent(message("tick", "1"));
  off();
  off();
  es.dispatchEvent(message("tick", "2"));
  assert.deepEqual(got, ["1"]);
  assert.equal(hub.handlers.has("tick"), false);
});

test("a fetch chunk's events, in one call, with types and ids carried over", () => {
  const hub = new Hub({ json: true });
  hub.attachStream("http://127.0.0.1");
  const got = [];
  hub.add("tick", (data, meta) => got.push([data, meta.id, meta.origin]));
  // Two `tick` events: the second's type and id are "as the previous event".
  const names = "tick1";
  const values = '{"n":1}{"n":2}';
  hub.deliver(values, names, new Uint32Array([0, 4, 0, 7, 4, 1, SAME, 0, 7, 7, SAME, 0]));
  assert.deepEqual(got, [[{ n: 1 }, "1", "http://127.0.0.1"], [{ n: 2 }, "1", "http://127.0.0.1"]]);
});

test("malformed JSON is a decode error with its raw text, and the stream goes on", () => {
  const hub = new Hub({ json: true });
  const es = new EventTarget();
  hub.attach(es);
  const errors = [];
  const got = [];
  hub.onError((e) => errors.push(e));
  hub.add("tick", (data) => got.push(data));
  es.dispatchEvent(message("tick", "{oops"));
  es.dispatchEvent(message("tick", "2"));
  assert.deepEqual(got, [2]);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof SseStreamError);
  assert.deepEqual([errors[0].kind, errors[0].eventType, errors[0].raw], ["decode", "tick", "{oops"]);
});

test("with no error listener, an error goes to console.error once; logErrors: false keeps it quiet", () => {
  const hub = new Hub({ json: true });
  const es = new EventTarget();
  hub.attach(es);
  hub.add("tick", () => {});
  const seen = consoleErrors(() => es.dispatchEvent(message("tick", "{oops")));
  assert.equal(seen.length, 1);
  // In Node, one line (a browser gets the error object: e2e/js-api.test.mjs).
  assert.match(seen[0][0], /^TypedSseError: could not decode `tick` event: /);
  // An error from wasm (a network failure) too.
  const network = hub.wasmError("network", "offline", {});
  assert.equal(consoleErrors(() => hub.emitError(network)).length, 1);
  // A listener takes them instead.
  const off = hub.onError(() => {});
  assert.equal(consoleErrors(() => hub.emitError(network)).length, 0);
  off();
  const quiet = new Hub({ json: true, logErrors: false });
  assert.equal(consoleErrors(() => quiet.emitError(network)).length, 0);
});

test("unheard errors: the first of each kind printed, the rest summed up once per 10 s; a clean end not at all", () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const hub = new Hub({ json: true });
    const es = new EventTarget();
    hub.attach(es);
    hub.add("tick", () => {});
    const storm = consoleErrors(() => {
      for (let i = 0; i < 5_000; i++) es.dispatchEvent(message("tick", "{oops"));
    });
    assert.equal(storm.length, 1, "one line for 5,000 bad events, not one each");
    assert.match(storm[0][0], /^TypedSseError: could not decode `tick` event: /);
    // Another kind is printed once too.
    assert.equal(consoleErrors(() => hub.emitError(hub.wasmError("http", "", { status: 500 }))).length, 1);
    // The summary, once, when the interval has passed.
    const summary = consoleErrors(() => mock.timers.tick(10_000));
    assert.equal(summary.length, 1);
    assert.match(summary[0][0], /^TypedSseError: 4999 more `decode` errors in the last 10 s; listen with onError/);
    assert.equal(consoleErrors(() => mock.timers.tick(60_000)).length, 0, "nothing more to sum up");
    // A stream that ended cleanly is retried silently, as EventSource does; another network
    // failure still prints.
    const fresh = new Hub({ json: true });
    const ended = consoleErrors(() => {
      for (let i = 0; i < 5; i++) fresh.emitError(fresh.wasmError("network", "the stream ended", {}));
    });
    assert.equal(ended.length, 0);
    assert.equal(consoleErrors(() => fresh.emitError(fresh.wasmError("network", "offline", {}))).length, 1);
  } finally {
    mock.timers.reset();
  }
});

test("a listener that throws is reported as a listener error; the next listener still runs", () => {
  const hub = new Hub({ json: false });
  const es = new EventTarget();
  hub.attach(es);
  const errors = [];
  const got = [];
  hub.onError((e) => errors.push(e));
  hub.add("tick", () => {
    throw new Error("boom");
  });
  hub.add("tick", (data) => got.push(data));
  es.dispatchEvent(message("tick", "x"));
  assert.deepEqual(got, ["x"]);
  assert.deepEqual([errors[0].kind, errors[0].eventType, errors[0].message], ["listener", "tick", "a listener for `tick` threw: boom"]);
});

test("wrong arguments throw an SseConfigError naming what is wrong", () => {
  const hub = new Hub();
  assert.throws(() => hub.add(1, () => {}), (e) => e instanceof SseConfigError && e.field === "type");
  assert.throws(() => hub.add("t", null), (e) => e instanceof SseConfigError && e.field === "listener");
  assert.throws(() => hub.onError("no"), (e) => e instanceof SseConfigError);
});

test("[DONE] on a native connection ends the answer without being delivered", () => {
  const hub = new Hub({ json: false });
  const es = new EventTarget();
  hub.attach(es);
  let finished = 0;
  const got = [];
  hub.add("message", (data) => got.push(data));
  hub.setTerminal(true, ["stop"], () => finished++);
  es.dispatchEvent(message("message", "a"));
  es.dispatchEvent(message("message", "[DONE]"));
  assert.deepEqual([got, finished], [["a"], 1]);
  es.dispatchEvent(message("stop", "last"));
  assert.equal(finished, 2);
});
