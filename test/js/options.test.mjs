// options.js: the options of `new SseClient(url, options)` and of `on`/`events`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { SseConfigError } from "../../src/js/errors.js";
import { checkListener, hubSettings, listenerOptions, OPTION_ORDER, readOptions } from "../../src/js/options.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/options.json", import.meta.url), "utf8"));

test("the options come in the order the wasm side reads them (the fixture cargo test checks too)", () => {
  assert.deepEqual(OPTION_ORDER, fixture);
  const read = readOptions({ jitter: 0.25, body: { a: 1 }, method: "POST" });
  assert.equal(read.length, fixture.length);
  assert.equal(read[fixture.indexOf("jitter")], 0.25);
  assert.equal(read[fixture.indexOf("body")], '{"a":1}');
  assert.equal(read[fixture.indexOf("contentType")], "application/json");
  assert.equal(read[fixture.indexOf("reconnect")], undefined);
});

const refused = (options) => {
  try {
    readOptions(options);
  } catch (e) {
    assert.ok(e instanceof SseConfigError);
    assert.equal(e.kind, "invalid_option");
    return { field: e.field, message: e.message };
  }
  assert.fail(`accepted ${JSON.stringify(options)}`);
};

test("every refusal is an SseConfigError naming its field", () => {
  assert.equal(refused({ jitter: 2 }).field, "jitter");
  assert.equal(refused({ initialDelay: 1 }).field, "initialDelay");
  assert.match(refused({ initialDelay: 1 }).message, /unknown option; known options are withCredentials/);
  assert.equal(refused({ maxDelayMs: -1 }).field, "maxDelayMs");
  assert.equal(refused({ headers: { "a b": "x" } }).field, "headers");
  assert.doesNotMatch(refused({ headers: { a: "sec\x01ret" } }).message, /sec.ret/);
  assert.equal(refused({ logErrors: "no" }).field, "logErrors");
  assert.equal(refused(42).field, "options");
  assert.equal(refused({ __proto__: null, toString: 1 }).field, "toString");
  assert.equal(refused({ shared: "yes" }).field, "shared");
  assert.equal(refused({ storageKey: "" }).field, "storageKey");
  assert.equal(refused({ storageKey: "k", storageArea: "disk" }).field, "storageArea");
  assert.match(refused({ storageArea: "local" }).message, /needs storageKey/);
});

test("undefined means the default; the hub's settings come from decode and logErrors", () => {
  assert.deepEqual(readOptions({ jitter: undefined }), fixture.map(() => undefined));
  assert.deepEqual(hubSettings(readOptions(undefined)), { json: true, logErrors: true });
  assert.deepEqual(hubSettings(readOptions({ decode: "text", logErrors: false })), { json: false, logErrors: false });
});

test("listener options", () => {
  assert.throws(() => checkListener(1), (e) => e instanceof SseConfigError && e.field === "listener");
  assert.equal(listenerOptions(undefined, true).buffer, 1024);
  assert.throws(() => listenerOptions({ buffer: 3 }, false), (e) => e.field === "buffer");
  assert.throws(() => listenerOptions({ buffer: 0 }, true), (e) => e.field === "buffer");
  assert.throws(() => listenerOptions({ signal: {} }, false), (e) => e.field === "signal");
});
