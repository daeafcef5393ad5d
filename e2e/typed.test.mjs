// One event enum for both ends, in Node: the test server publishes the Rust enum `ChatEvent`
// (examples/shared-events) through typed-sse-axum on /typed/chat; e2e/typed/client.mjs, typed
// by the TypeScript generated from the same enum (checked by tsc --strict), receives it with
// the npm package over HTTP. What it gets is, value for value, the enum's own serde JSON
// (/typed/chat/script); the type the enum does not know is skipped; the message that does not
// fit is a decode error with its raw text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { SERVER, inNode } from "./helpers.mjs";

const CLIENT = pathToFileURL(new URL("./typed/client.mjs", import.meta.url).pathname).href;

async function script() {
  const response = await fetch(`${SERVER}/typed/chat/script`);
  assert.equal(response.status, 200);
  // A variant without a payload has no `data` in serde's JSON; on the wire it is `null`.
  return (await response.json()).map((event) => ({ data: null, ...event }));
}

for (const transport of ["fetch", "eventsource"]) {
  // Node has no EventSource: its default is fetch. `eventsource` runs only where one exists.
  if (transport === "eventsource" && typeof globalThis.EventSource !== "function") continue;
  test(`Node (${transport}): the Rust enum arrives as the generated TypeScript union, value for value`, async () => {
    const expected = await script();
    const r = inNode(`
      const { receive } = await import(${JSON.stringify(CLIENT)});
      return await receive(SseClient, server + "/typed/chat", ${expected.length}, { transport: ${JSON.stringify(transport)} });
    `);
    assert.deepEqual(r.events, expected);
    // The store's ids; the unknown type (third) and the malformed message (sixth) took one each.
    const epoch = r.ids[0].split("-")[0];
    assert.deepEqual(r.ids, [1, 2, 4, 5, 7].map((n) => `${epoch}-${n}`));
    assert.deepEqual(r.errors, [{ type: "message", raw: '{"id":3,"user":"eve","text":"cut sh' }]);
    assert.deepEqual(r.lines, [
      "ada joined",
      'ada: hello "world"\nsecond line, ünïcødé 🎉',
      "ping",
      "grace: hi (re #1) #greeting #short",
      "3 reactions on #1",
    ]);
  });
}
