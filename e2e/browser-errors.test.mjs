// What a network failure says in Chromium, where the browser hides why a request failed: a
// server that was never reached (a closed port) and a cross-origin request the server refuses
// by CORS (a header it does not allow), for each transport, against the test server. The page
// is served from `localhost`, the server called as `127.0.0.1`: another origin, as an app and
// its API often are.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { launch, open, key, SERVER } from "./helpers.mjs";

let browser, page;

before(async () => {
  browser = await launch();
  ({ page } = await open(browser, "/e2e/js-api.html"));
  await page.goto(`${SERVER.replace("127.0.0.1", "localhost")}/e2e/js-api.html`);
  await page.waitForFunction(() => window.ready === true);
});
after(async () => { await browser?.close(); });

// A port nothing listens on: bound, then released.
function closedPort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// The first error a client reports for `url` with `options`, as { kind, message }.
function firstError(url, options) {
  return page.evaluate(({ url, options }) => new Promise((resolve) => {
    const client = new window.sse.SseClient(url, { maxReconnects: 0, logErrors: false, ...options });
    const timer = setTimeout(() => { client.close(); resolve({ timedOut: true }); }, 10_000);
    client.onError((e) => {
      clearTimeout(timer);
      client.close();
      resolve({ kind: e.kind, message: e.message });
    });
  }), { url, options });
}

for (const transport of ["native", "fetch"]) {
  test(`a server that was never reached: "could not connect", not "lost" (${transport})`, async () => {
    const url = `http://127.0.0.1:${await closedPort()}/sse/messages`;
    const error = await firstError(url, { transport });
    assert.equal(error.kind, "network", JSON.stringify(error));
    assert.match(error.message, /^network error: could not connect to the server/, JSON.stringify(error));
    assert.doesNotMatch(error.message, /lost|CORS/, JSON.stringify(error));
  });
}

test("a cross-origin request refused by CORS names CORS and the headers to allow (fetch)", async () => {
  const url = `${SERVER}/sse/messages?n=3&key=${key("cors")}`;
  // The server allows Authorization (and answers this origin), not X-Trace-Id.
  const error = await firstError(url, { transport: "fetch", headers: { Authorization: "Bearer t", "X-Trace-Id": "1" } });
  assert.equal(error.kind, "network", JSON.stringify(error));
  assert.match(error.message, /Failed to fetch/, JSON.stringify(error));
  assert.match(error.message, /CORS/, JSON.stringify(error));
  assert.match(error.message, /Access-Control-Allow-Origin/, JSON.stringify(error));
  assert.match(error.message, /Access-Control-Allow-Headers: authorization, x-trace-id/, JSON.stringify(error));
  assert.doesNotMatch(error.message, /could not connect/, JSON.stringify(error));
  // Allowed headers only: the same request streams.
  const ok = await page.evaluate((url) => new Promise((resolve) => {
    const client = new window.sse.SseClient(url, { transport: "fetch", maxReconnects: 0, headers: { Authorization: "Bearer t" } });
    client.onError((e) => { client.close(); resolve(e.message); });
    client.on("message", () => { client.close(); resolve("streamed"); });
  }), url.replace("cors", "cors-ok"));
  assert.equal(ok, "streamed");
});
