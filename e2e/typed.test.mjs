// One event enum for both ends, in Node and in Chromium: the test server publishes the Rust enum `ChatEvent`
// (examples/shared-events) through typed-sse-axum on /typed/chat; e2e/typed/client.mjs, typed
// by the TypeScript generated from the same enum (checked by tsc --strict), receives it with
// the npm package over HTTP (Node: fetch; Chromium: the native EventSource and fetch). What it gets is, value for value, the enum's own serde JSON
// (/typed/chat/script); the type the enum does not know is skipped; the message that does not
// fit is a decode error with its raw text.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { SERVER, inNode, launch, open, unexpected } from "./helpers.mjs";

const CLIENT = pathToFileURL(new URL("./typed/client.mjs", import.meta.url).pathname).href;

async function script() {
  const response = await fetch(`${SERVER}/typed/chat/script`);
  assert.equal(response.status, 200);
  // A variant without a payload has no `data` in serde's JSON; on the wire it is `null`.
  return (await response.json()).map((event) => ({ data: null, ...event }));
}

/** What e2e/typed/client.mjs received, compared with what the server published. */
function check(r, expected) {
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
}

// Node has no EventSource: fetch only.
test("Node (fetch): the Rust enum arrives as the generated TypeScript union, value for value", async () => {
  const expected = await script();
  const r = inNode(`
    const { receive } = await import(${JSON.stringify(CLIENT)});
    return await receive(SseClient, server + "/typed/chat", ${expected.length}, { transport: "fetch" });
  `);
  check(r, expected);
});

let browser;
after(async () => { await browser?.close(); });

for (const transport of ["native", "fetch"]) {
  test(`Chromium (${transport}): the Rust enum arrives as the generated TypeScript union, value for value`, async () => {
    const expected = await script();
    browser ??= await launch();
    const { page, errors } = await open(browser, "/e2e/js-api.html");
    await page.waitForFunction(() => window.ready === true);
    const r = await page.evaluate(async ({ server, count, transport }) => {
      const { receive } = await import("/e2e/typed/client.mjs");
      return receive(window.sse.SseClient, `${server}/typed/chat`, count, { transport, logErrors: false });
    }, { server: SERVER, count: expected.length, transport });
    check(r, expected);
    assert.deepEqual(unexpected(errors), []);
    await page.close();
  });
}
