// message-event.js: the event TypedEventSource dispatches, checked against what page code written
// for EventSource reads of a MessageEvent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SseMessageEvent } from "../../src/js/message-event.js";

test("an SseMessageEvent is a MessageEvent to page code, with MessageEvent's members", () => {
  const event = new SseMessageEvent("tick", { data: '{"n":1}', lastEventId: "7", origin: "http://127.0.0.1:1" });
  assert.ok(event instanceof MessageEvent);
  assert.ok(event instanceof Event);
  assert.equal(event.type, "tick");
  assert.equal(event.data, '{"n":1}');
  assert.equal(event.lastEventId, "7");
  assert.equal(event.origin, "http://127.0.0.1:1");
  assert.deepEqual(event.ports, []);
  assert.ok(Object.isFrozen(event.ports), "ports is read-only, as MessageEvent's");
  assert.equal(event.source, null);
  assert.equal(event.bubbles, false);
  assert.equal(event.cancelable, false);
  assert.equal(SseMessageEvent.name, "SseMessageEvent");
});

test("its members are read-only, as a MessageEvent's: assigning one throws (strict mode) and changes nothing", () => {
  for (const event of [new MessageEvent("tick", { data: "a", lastEventId: "1" }), new SseMessageEvent("tick", { data: "a", lastEventId: "1" })]) {
    for (const member of ["data", "lastEventId", "origin", "ports", "source"]) {
      const before = event[member];
      assert.throws(() => { event[member] = "changed"; }, TypeError, `${member} of ${event.constructor.name}`);
      assert.equal(event[member], before);
    }
  }
});

test("it is dispatched as any event: target, currentTarget and phase as a MessageEvent's", () => {
  const target = new EventTarget();
  const seen = [];
  target.addEventListener("tick", (e) => seen.push([e.data, e.target === target, e.currentTarget === target, e.eventPhase]));
  const real = new MessageEvent("tick", { data: "a", lastEventId: "1" });
  target.dispatchEvent(real);
  target.dispatchEvent(new SseMessageEvent("tick", { data: "a", lastEventId: "1" }));
  assert.deepEqual(seen[1], seen[0]);
  assert.deepEqual(seen[0], ["a", true, true, 2]);
});

test("page code that copies or clones a MessageEvent gets the same from an SseMessageEvent", () => {
  const init = { data: "d", lastEventId: "7", origin: "http://o" };
  const copies = [new MessageEvent("tick", init), new SseMessageEvent("tick", init)].map((event) => {
    const copy = {};
    for (const k in event) copy[k] = event[k];
    const clone = new event.constructor(event.type, event);
    return {
      keys: Object.keys(copy).filter((k) => ["data", "origin", "lastEventId", "source", "ports"].includes(k)),
      copied: [copy.data, copy.lastEventId, copy.origin],
      clone: [clone instanceof MessageEvent, clone.type, clone.data, clone.lastEventId, clone.origin, clone.source, clone.ports.length],
    };
  });
  assert.deepEqual(copies[1], copies[0]);
  assert.deepEqual(copies[0].clone, [true, "tick", "d", "7", "http://o", null, 0]);
});

test("its defaults are MessageEvent's, and initMessageEvent works until it is dispatched", () => {
  const plain = new SseMessageEvent("x");
  assert.deepEqual([plain.data, plain.lastEventId, plain.origin, plain.source, plain.ports.length], [null, "", "", null, 0]);
  plain.initMessageEvent("tick", false, false, "d", "http://o", "3");
  assert.deepEqual([plain.type, plain.data, plain.origin, plain.lastEventId], ["tick", "d", "http://o", "3"]);
  const target = new EventTarget();
  target.addEventListener("tick", (e) => e.initMessageEvent("other", false, false, "changed"));
  target.dispatchEvent(plain);
  assert.deepEqual([plain.type, plain.data], ["tick", "d"]);
});
