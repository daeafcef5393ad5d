// gap.js: the `typed-sse.gap` event as a typed signal (`onGap`, `gaps()`), over a hub, without wasm.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Hub } from "../../src/js/hub.js";
import { GAP_EVENT, gapOf, gaps, onGap } from "../../src/js/gap.js";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/gaps.json", import.meta.url), "utf8"));

// A native-transport hub: events dispatched on an EventTarget, with the id they carry.
function open() {
  const hub = new Hub({ json: true });
  const es = new EventTarget();
  hub.attach(es);
  const send = (type, data, lastEventId = "") => es.dispatchEvent(new MessageEvent(type, { data, lastEventId }));
  return { hub, send };
}

test("the gap's data reads as typed-sse-core reads it (the shared fixture)", () => {
  for (const { data, last, first_available } of fixture) {
    assert.deepEqual(gapOf(data, last, () => last), { lastEventId: last, firstAvailable: first_available }, data);
  }
});

test("onGap: the typed gap with the client's resume point; other listeners do not see it as theirs", () => {
  const { hub, send } = open();
  const seen = [];
  onGap(hub, () => "5-0", (gap, meta) => seen.push([gap, meta.type]));
  hub.add("tick", (data) => seen.push(data));
  send(GAP_EVENT, '{"last_event_id":"5-0","first_available":"8-0"}');
  send("tick", "8", "8-0");
  assert.deepEqual(seen, [[{ lastEventId: "5-0", firstAvailable: "8-0" }, GAP_EVENT], 8]);
});

test("onGap: mid-stream, the last id the connection delivered; unsubscribing stops it", () => {
  const { hub, send } = open();
  const seen = [];
  const off = onGap(hub, () => "stale", (gap) => seen.push(gap.lastEventId));
  send(GAP_EVENT, "{}", "12-0");
  off();
  send(GAP_EVENT, "{}", "13-0");
  assert.deepEqual(seen, ["12-0"]);
  assert.throws(() => onGap(hub, () => "", "not a function"), { kind: "invalid_option" });
});

test("gaps(): an async iterator of { data: gap, meta }, the id taken as the event arrives", async () => {
  const { hub, send } = open();
  let resumePoint = "1-0";
  const it = gaps(hub, () => resumePoint);
  send(GAP_EVENT, '{"first_available":"4-0"}');
  resumePoint = "4-0"; // moved on by the replayed events before the gap is read
  const { value, done } = await it.next();
  assert.equal(done, false);
  assert.deepEqual(value.data, { lastEventId: "1-0", firstAvailable: "4-0" });
  assert.equal(value.meta.type, GAP_EVENT);
  await it.return();
  assert.equal(hub.types.has(GAP_EVENT), false);
});
