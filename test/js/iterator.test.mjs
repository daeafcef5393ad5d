// iterator.js: `client.events()` over a hub, without wasm.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Hub } from "../../src/js/hub.js";
import { events } from "../../src/js/iterator.js";

const message = (type, data) => new MessageEvent(type, { data });

function open() {
  const hub = new Hub({ json: true });
  const es = new EventTarget();
  hub.attach(es);
  return { hub, send: (type, data) => es.dispatchEvent(message(type, data)) };
}

test("events arrive in order, queued until read; break ends this iterator only", async () => {
  const { hub, send } = open();
  const it = events(hub, "tick");
  send("tick", "1");
  send("tick", "2");
  const got = [];
  for await (const { data, meta } of it) {
    got.push([data, meta.type]);
    if (got.length === 2) break;
  }
  assert.deepEqual(got, [[1, "tick"], [2, "tick"]]);
  assert.equal(hub.types.has("tick"), false);
});

test("one more event than `buffer` ends the iterator with overflow, after the waiting ones", async () => {
  const { hub, send } = open();
  const it = events(hub, "tick", { buffer: 2 });
  for (const n of [1, 2, 3]) send("tick", String(n));
  assert.deepEqual((await it.next()).value.data, 1);
  assert.deepEqual((await it.next()).value.data, 2);
  await assert.rejects(it.next(), (e) => e.kind === "overflow" && e.buffer === 2);
  assert.equal((await it.next()).done, true);
});

test("a closed client ends its iterators: quietly after close(), with the error after a failure", async () => {
  const quiet = open();
  const a = events(quiet.hub, "tick");
  quiet.hub.closed({ state: "closed", reason: "requested" });
  assert.equal((await a.next()).done, true);
  const failed = open();
  const b = events(failed.hub, "tick");
  failed.send("tick", "1");
  const error = failed.hub.wasmError("http", "", { status: 500, body: "" });
  failed.hub.closed({ state: "closed", reason: "http", error });
  assert.equal((await b.next()).value.data, 1);
  await assert.rejects(b.next(), (e) => e === error);
});

test("several types, each with its decoder, in stream order; an abort ends it", async () => {
  const { hub, send } = open();
  const controller = new AbortController();
  const it = events(hub, { a: (raw) => raw.length, b: (raw) => raw.toUpperCase() }, { signal: controller.signal });
  send("a", "xyz");
  send("c", "skipped");
  send("b", "hi");
  assert.deepEqual((await it.next()).value.type, "a");
  const second = (await it.next()).value;
  assert.deepEqual([second.type, second.data], ["b", "HI"]);
  controller.abort();
  assert.equal((await it.next()).done, true);
});
