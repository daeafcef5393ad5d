// The npm package in plain Node (no browser, no EventSource): a Node ES module imports
// "typed-sse" by name, as from node_modules, and streams from the test server through the fetch
// transport: headers, POST, a fresh bearer token per connection, reconnect with the real
// Last-Event-ID header, and close().
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { key, connections, inNode, runInNode } from "./helpers.mjs";

test("Node: a POST with headers streams typed events; close() ends the connection", async () => {
  const k = key("node-post");
  const r = inNode(`
    const c = new SseClient(server + "/sse/messages?n=3&key=${k}", {
      method: "POST", body: { prompt: "hi" }, headers: { "X-Trace": "node-test" },
    });
    const got = await new Promise((resolve) => { const xs = []; c.on("message", (d, meta) => { xs.push([d.n, meta.id]); if (xs.length === 3) resolve(xs); }); });
    const state = c.state.state;
    c.close();
    return { got, state, after: c.state.state };
  `);
  assert.deepEqual(r.got, [[1, "1"], [2, "2"], [3, "3"]]);
  assert.deepEqual([r.state, r.after], ["open", "closed"]);
  let conns = [];
  for (let i = 0; i < 50; i++) {
    conns = await connections(k);
    if (conns.length && conns[0].closed_ms !== null) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.equal(conns.length, 1);
  assert.equal(conns[0].method, "POST");
  assert.equal(conns[0].content_type, "application/json");
  assert.equal(conns[0].body_bytes, JSON.stringify({ prompt: "hi" }).length);
  assert.equal(conns[0].accept, "text/event-stream");
  assert.notEqual(conns[0].closed_ms, null, "close() aborted the request");
});

test("Node: every reconnect carries a fresh bearer token and the Last-Event-ID header", async () => {
  const k = key("node-bearer");
  const r = inNode(`
    let tokens = 0;
    const c = new SseClient(server + "/sse/bearer?total=10&cut=3&key=${k}", {
      initialDelayMs: 10, jitter: 0,
      headers: async () => {
        tokens++;
        const { token } = await (await fetch(server + "/token?key=${k}", { method: "POST", headers: { "X-Typed-SSE": "1" } })).json();
        return { Authorization: "Bearer " + token };
      },
    });
    const ids = await new Promise((resolve) => { const xs = []; c.on("message", (d) => { xs.push(d.n); if (xs.length === 10) resolve(xs); }); });
    c.close();
    return { ids, tokens };
  `);
  assert.deepEqual(r.ids, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const conns = await connections(k);
  assert.equal(conns.length, 4, "a connection per 3 events");
  assert.equal(r.tokens, 4, "the headers function ran before every connection");
  assert.equal(new Set(conns.map((c) => c.authorization)).size, 4, "each with its own token");
  conns.slice(1).forEach((c, i) => {
    assert.equal(c.resumed_via, "header");
    assert.equal(c.last_event_id, String((i + 1) * 3));
  });
});

test("Node: a 200 with another content type stops as content_type, where fetch is the default", async () => {
  const k = key("node-content-type");
  const r = inNode(`
    const c = new SseClient(server + "/sse/content-type?key=${k}");
    return await new Promise((resolve) => c.onState((s) => {
      if (s.state === "closed") resolve({ reason: s.reason, kind: s.error.kind });
    }));
  `);
  assert.deepEqual(r, { reason: "content_type", kind: "content_type" });
});

test("Node: a server that is down is not silent: its first failure is printed on stderr (the rest summed up), unless logErrors: false", async () => {
  // A port nobody listens on: one this process held and let go.
  const free = await new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const program = (options) => `
    import { SseClient } from "typed-sse";
    const client = new SseClient("http://127.0.0.1:${free}/events", ${options});
    await new Promise((resolve) => client.onState((s) => { if (s.state === "reconnecting" && s.attempt === 3) resolve(); }));
    client.close();
    console.log(JSON.stringify({ state: client.state.state }));
  `;
  const loud = runInNode(program("{ initialDelayMs: 20, maxDelayMs: 20 }"), 30_000, { stderr: true });
  assert.equal(loud.result.state, "closed");
  const printed = loud.stderr.split("\n").filter((l) => l.startsWith("TypedSseError: network error: fetch failed"));
  // The first failure printed; the next ones of the same kind are summed up every 10 s (the
  // program ends before that), not printed one by one at every attempt.
  assert.equal(printed.length, 1, loud.stderr);
  assert.match(printed[0], /ECONNREFUSED/);
  const quiet = runInNode(program("{ initialDelayMs: 20, maxDelayMs: 20, logErrors: false }"), 30_000, { stderr: true });
  assert.deepEqual([quiet.result.state, quiet.stderr], ["closed", ""]);
});

test("Node: asking for the native transport, which Node lacks, is an invalid_option naming it", async () => {
  const r = inNode(`
    try {
      new SseClient(server + "/sse/messages", { transport: "native" });
      return "constructed";
    } catch (e) {
      return { kind: e.kind, field: e.field, message: e.message };
    }
  `);
  assert.equal(r.kind, "invalid_option", JSON.stringify(r));
  assert.equal(r.field, "transport");
  assert.match(r.message, /no EventSource/);
});

test("Node: close() while the headers function is pending lets the process exit at once", async () => {
  // No process.exit here: the process ends when nothing is pending. A timer of the headers
  // function's timeout (refreshTimeoutMs, 30 s by default) left running kept it alive that long.
  const started = Date.now();
  const r = runInNode(`
import { SseClient } from "typed-sse";
let calls = 0;
const c = new SseClient(process.env.SERVER_URL + "/sse/hold?key=${key("node-close-pending")}", {
  headers: () => { calls++; return new Promise(() => {}); },
});
await new Promise((resolve) => setTimeout(resolve, 100));
c.close();
console.log(JSON.stringify({ calls, state: c.state.state }));
`, 60_000);
  assert.deepEqual(r, { calls: 1, state: "closed" });
  assert.ok(Date.now() - started < 10_000, `the process took ${Date.now() - started} ms to exit`);
});

test("Node: a URL that is not http(s), or a relative one, is an invalid_url naming the fix; so is a refreshed one", () => {
  const r = runInNode(`
import { SseClient, SseConfigError } from "typed-sse";
const server = process.env.SERVER_URL;
const refuse = (url) => {
  try { new SseClient(url).close(); return "accepted"; }
  catch (e) { return { config: e instanceof SseConfigError, kind: e.kind, message: e.message }; }
};
const thrown = ["localhost:8787/events", "htp:/bad", "/events"].map(refuse);
// A refreshed URL goes through the same check: the client closes with invalid_url.
const c = new SseClient(server + "/sse/auth?token=old&key=node-bad-refresh", {
  initialDelayMs: 20, refreshUrl: async () => "localhost:8787/events",
});
const closed = await Promise.race([
  new Promise((resolve) => c.onState((s) => { if (s.state === "closed") resolve({ reason: s.reason, kind: s.error?.kind, message: s.error?.message }); })),
  new Promise((resolve) => setTimeout(() => resolve("still open"), 10000).unref()),
]);
c.close();
console.log(JSON.stringify({ thrown, closed }));
process.exit(0);
`);
  const [hostPort, typo, relative] = r.thrown;
  for (const t of r.thrown) assert.deepEqual([t.config, t.kind], [true, "invalid_url"], JSON.stringify(t));
  assert.match(hostPort.message, /the scheme `localhost:` is not http or https: did you mean `http:\/\/localhost:8787\/events`\?/);
  assert.match(typo.message, /the scheme `htp:` is not http or https/);
  assert.doesNotMatch(typo.message, /did you mean/);
  assert.match(relative.message, /a relative URL needs a page to resolve against: in Node, pass an absolute http\(s\) URL/);
  assert.equal(r.closed.kind, "invalid_url", JSON.stringify(r.closed));
  assert.match(r.closed.message, /did you mean `http:\/\/localhost:8787\/events`/);
});

test("Node: the public classes keep their names in the minified package", async () => {
  const r = inNode(`
    const { TypedEventSource, SseConfigError } = await import("typed-sse");
    return [SseClient.name, TypedEventSource.name, SseConfigError.name];
  `);
  assert.deepEqual(r, ["SseClient", "TypedEventSource", "SseConfigError"]);
});
