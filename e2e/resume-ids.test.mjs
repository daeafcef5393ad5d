// Event ids that the format allows but a `Last-Event-ID` header cannot carry (a control
// character, spaces at either end), in plain Node through the fetch transport: the event keeps
// its id, the resume point stays at the last id a header can carry, and the reconnect reaches
// the server (Node's fetch refused the header before, so every reconnect failed, for good).
// And in Chromium, the native transport: an id reset just before a drop keeps the id before it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { key, connections, inNode, launch, open, SERVER, statsUntil } from "./helpers.mjs";

for (const [name, encoded, id] of [["a control character", "x%01y", "x\u0001y"], ["DEL", "z%7F", "z\u007f"], ["spaces around it", "%20a%20", " a "]]) {
  test(`Node: an id with ${name} is delivered, and the reconnect resumes from the id before it`, async () => {
    const k = key("node-odd-id");
    const r = inNode(`
      const c = new SseClient(server + "/sse/odd-id?id=${encoded}&key=${k}", { decode: "text", initialDelayMs: 50, maxReconnects: 3 });
      const errors = [];
      c.onError((e) => errors.push(e.kind));
      const ids = [];
      c.on("message", (data, meta) => { if (data === "odd") ids.push(meta.id); });
      const resumed = await new Promise((resolve) => c.on("message", (data) => { if (data === "resumed") resolve(true); }));
      const out = { resumed, ids, lastEventId: c.lastEventId, state: c.state.state, errors };
      c.close();
      return out;
    `);
    assert.deepEqual(r.ids, [id]);
    assert.equal(r.resumed, true);
    assert.equal(r.lastEventId, "1");
    assert.equal(r.state, "open");
    const conns = await connections(k);
    assert.equal(conns.length, 2);
    assert.equal(conns[1].last_event_id, "1");
    assert.equal(conns[1].resumed_via, "header");
  });
}

test("Node: a lastEventId no header can carry is refused up front", () => {
  const r = inNode(`
    try {
      new SseClient(server + "/sse/hold", { lastEventId: "a\\u0001" });
      return null;
    } catch (e) {
      return { kind: e.kind, field: e.field, named: e.message.includes("\`lastEventId\`") };
    }
  `);
  // Named as JS spells the option, not as the Rust builder does (last_event_id).
  assert.deepEqual(r, { kind: "invalid_option", field: "lastEventId", named: true });
});

test("Chromium, native transport, JS listeners: an id reset just before a drop resumes from the id before it", async () => {
  const browser = await launch();
  try {
    const { page } = await open(browser, "/e2e/js-api.html");
    await page.waitForFunction(() => window.ready === true);
    const k = key("js-native-id-reset");
    const r = await page.evaluate(async ({ server, k }) => {
      const c = new window.sse.SseClient(`${server}/sse/odd-id?id=&key=${k}`, { transport: "native", decode: "text", initialDelayMs: 50, maxReconnects: 3 });
      const seen = [];
      c.on("message", (data, meta) => seen.push([data, meta.id]));
      const timeout = new Promise((resolve) => setTimeout(resolve, 10_000)); // fail, do not hang
      await Promise.race([timeout, new Promise((resolve) => c.on("message", (data) => { if (data === "resumed") resolve(); }))]);
      const out = { seen, lastEventId: c.lastEventId };
      c.close();
      return out;
    }, { server: SERVER, k });
    assert.deepEqual(r.seen.slice(0, 2), [["first", "1"], ["odd", ""]]);
    assert.equal(r.lastEventId, "1");
    const conns = await statsUntil(k, (cs) => cs.length >= 2);
    assert.equal(conns[1].last_event_id, "1");
    assert.equal(conns[1].resumed_via, "query");
  } finally {
    await browser.close();
  }
});
