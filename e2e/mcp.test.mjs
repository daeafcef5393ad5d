// MCP's Streamable HTTP transport with typed-sse as the client, in Node and in Chromium, against
// the official TypeScript SDK's server (e2e/mcp/server.mjs, started here on 127.0.0.1 with a
// resumable event store): the GET notification stream resumes across cuts; a `tools/call` POST
// streams its progress, ends, and is sent once; cut mid-stream, it completes through a GET with
// `Last-Event-ID`, the tool run once; and the `Accept` MCP requires reaches the server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { launch, open, key, runInNode } from "./helpers.mjs";
import { ResumableEventStore } from "./mcp/event-store.mjs";

let mcp, browser, page, errors;

// Starts e2e/mcp/server.mjs on a free port; resolves to its process and URL.
function startMcp() {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./mcp/server.mjs", import.meta.url)), "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the MCP server did not start")), 15_000);
    child.once("exit", (code) => reject(new Error(`the MCP server exited (${code})`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      resolve({ child, url: JSON.parse(line).url });
    });
  });
}

before(async () => {
  mcp = await startMcp();
  browser = await launch();
  ({ page, errors } = await open(browser, "/e2e/js-api.html"));
  await page.waitForFunction(() => window.ready === true);
});
after(async () => {
  await browser?.close();
  mcp?.child.kill("SIGTERM");
});

async function mcpStats(k) {
  return (await fetch(new URL(`/stats?key=${k}`, mcp.url))).json();
}

// Helpers the scenarios share, as source: they run in Node and in the page alike.
const COMMON = `
const PROTOCOL = "2025-11-25";
const ACCEPT = "application/json, text/event-stream";
const within = (ms, p) => Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), ms))]);
// The MCP handshake (plain fetch: not what is under test); returns the session's headers.
async function initialize(url) {
  const post = (headers, body) => fetch(url, { method: "POST", headers: { ...headers, "Content-Type": "application/json", Accept: ACCEPT }, body: JSON.stringify(body) });
  const r = await post({}, { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: "typed-sse-test", version: "1" } } });
  const text = await r.text();
  if (r.status !== 200) throw new Error("initialize: " + r.status + " " + text);
  const headers = { "Mcp-Session-Id": r.headers.get("mcp-session-id"), "Mcp-Protocol-Version": PROTOCOL };
  const done = await post(headers, { jsonrpc: "2.0", method: "notifications/initialized" });
  if (done.status !== 202) throw new Error("initialized: " + done.status);
  return headers;
}
// Breaks the live event streams of \`key\` made with \`method\` (a network cut).
async function cut(url, key, method) {
  const r = await fetch(new URL("/control/cut?key=" + key + "&method=" + method, url), { method: "POST", headers: { "X-Typed-SSE": "1" } });
  return (await r.json()).cut;
}
// A tools/call request body.
function call(id, name, args) {
  return { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args, _meta: { progressToken: "p" + id } } };
}
// Records a client's messages (decoded JSON-RPC), errors and states; \`closed\` resolves to the
// reason it closed with.
function watch(c) {
  const got = [], errors = [], states = [];
  c.on("message", (m) => got.push(m));
  c.onError((e) => errors.push(e.kind + ": " + e.message));
  const closed = new Promise((resolve) => c.onState((s) => {
    states.push(s.state === "closed" ? "closed:" + s.reason : s.state);
    if (s.state === "closed") resolve(s.reason);
  }));
  return { got, errors, states, closed };
}
`;

// The GET notification stream: 40 ticks, cut four times while they come.
const NOTIFICATIONS = `async ({ SseClient, url, key, transport }) => {
  const session = await initialize(url);
  const c = new SseClient(url + "?key=" + key, { transport, headers: session, initialDelayMs: 20, jitter: 0 });
  const w = watch(c);
  await within(10000, new Promise((resolve) => c.onState((s) => { if (s.state === "open") resolve(); })));
  const ticks = await fetch(url + "?key=" + key, { method: "POST", headers: { ...session, "Content-Type": "application/json", Accept: ACCEPT }, body: JSON.stringify(call(1, "tick", { count: 40, interval_ms: 25 })) });
  await ticks.text();
  const cuts = [];
  await within(20000, new Promise((resolve) => {
    c.on("message", async () => {
      const n = w.got.length;
      if (n % 8 === 0 && n < 40) cuts.push(await cut(url, key, "GET"));
      if (n === 40) resolve();
    });
  }));
  await new Promise((r) => setTimeout(r, 300)); // room for a repeat to show up
  c.close();
  return { ns: w.got.map((m) => m.params.data.n), methods: [...new Set(w.got.map((m) => m.method))], cuts, errors: w.errors, lastEventId: c.lastEventId };
}`;

// A tools/call POST that streams progress and ends: `terminal` says whether the response ends
// the stream as done (else the end of the body closes it as ended).
const TOOL_CALL = `async ({ SseClient, url, key, transport, terminal, ownDecoders }) => {
  const session = await initialize(url);
  const options = {
    transport, method: "POST", body: call(7, "count", { key, steps: 5, interval_ms: 20 }),
    headers: { ...session, Accept: ACCEPT }, initialDelayMs: 20, jitter: 0,
  };
  if (terminal) options.terminalEvents = (type, data) => type === "message" && data.includes('"id":7') && !data.includes('"method"');
  const c = new SseClient(url + "?key=" + key, options);
  const w = watch(c);
  // Listeners with decoders of their own (JSON.parse throws on the priming event's empty data).
  const own = [], union = [];
  if (ownDecoders) {
    c.on("message", (m) => own.push(m), { decode: JSON.parse });
    c.on({ message: JSON.parse }, (e) => union.push(e.data));
  }
  const reason = await within(10000, w.closed);
  await new Promise((r) => setTimeout(r, 500)); // room for a repeated POST to show up
  return { reason, got: w.got, own, union, errors: w.errors, states: w.states, lastEventId: c.lastEventId };
}`;

// A tools/call POST cut mid-stream, resumed through a GET with Last-Event-ID.
const CUT_TOOL_CALL = `async ({ SseClient, url, key, transport }) => {
  const session = await initialize(url);
  const c = new SseClient(url + "?key=" + key, {
    transport, method: "POST", body: call(9, "count", { key, steps: 20, interval_ms: 30 }),
    headers: { ...session, Accept: ACCEPT }, initialDelayMs: 20, jitter: 0, resume: "get",
    terminalEvents: (type, data) => type === "message" && data.includes('"id":9') && !data.includes('"method"'),
  });
  const w = watch(c);
  const cuts = [];
  c.on("message", async (m) => { if (m.params?.progress === 5) cuts.push(await cut(url, key, "POST")); });
  const reason = await within(15000, w.closed);
  await new Promise((r) => setTimeout(r, 500)); // room for a repeated request to show up
  return { reason, got: w.got, errors: w.errors, cuts };
}`;

function inNode(scenario, args) {
  return runInNode(`
import { SseClient } from "typed-sse";
${COMMON}
const result = await (${scenario})({ SseClient, ...${JSON.stringify(args)} });
console.log(JSON.stringify(result));
process.exit(0);
`, 40_000);
}

function inPage(scenario, args) {
  return page.evaluate(`(async () => { ${COMMON}
    return await (${scenario})({ SseClient: window.sse.SseClient, ...${JSON.stringify(args)} });
  })()`);
}

const RUNNERS = [
  ["Node", (scenario, args) => inNode(scenario, args)],
  ["Chromium", (scenario, args) => inPage(scenario, { ...args, transport: "fetch" })],
];

test("MCP event store: replays in the order stored, refuses ids it cannot resume from, keeps its bounds", async () => {
  const store = new ResumableEventStore({ maxEventsPerStream: 3, maxStreams: 2 });
  // Many events within one millisecond: the order is the store's, not the clock's.
  const a = [];
  for (let i = 0; i < 3; i++) a.push(await store.storeEvent("s-a", { i }));
  await store.storeEvent("_GET_stream", { other: true });
  const replay = async (id) => {
    const got = [];
    const stream = await store.replayEventsAfter(id, { send: async (eventId, message) => got.push([eventId, message.i]) });
    return { stream, got };
  };
  assert.equal(await store.getStreamIdForEventId(a[0]), "s-a");
  assert.deepEqual(await replay(a[0]), { stream: "s-a", got: [[a[1], 1], [a[2], 2]] });
  assert.deepEqual((await replay(a[2])).got, [], "nothing after the last");
  assert.equal(await store.getStreamIdForEventId(`_GET_stream_${a[0].split("_").pop()}`), undefined, "another stream's number");
  for (const bad of ["", "s-a", "s-a_", "s-a_0", "s-a_01", "s-a_99", "nope_1", "_1", 5, null]) {
    assert.equal(await store.getStreamIdForEventId(bad), undefined, String(bad));
    await assert.rejects(store.replayEventsAfter(bad, { send: async () => {} }));
  }
  // A fourth event drops the first: an id before what is kept can no longer be resumed from,
  // the id just before the kept ones still can.
  await store.storeEvent("s-a", { i: 3 });
  assert.equal(await store.getStreamIdForEventId(a[0]), "s-a", "the dropped event's id: all after it is kept");
  assert.deepEqual((await replay(a[0])).got.map(([, i]) => i), [1, 2, 3]);
  await store.storeEvent("s-a", { i: 4 });
  assert.equal(await store.getStreamIdForEventId(a[0]), undefined, "event 1 after it was dropped too");
  assert.deepEqual((await replay(a[1])).got.map(([, i]) => i), [2, 3, 4]);
  // A third stream drops the one written least recently (`_GET_stream`), not `s-a`.
  await store.storeEvent("s-b", {});
  assert.equal(await store.getStreamIdForEventId(a[2]), "s-a");
  const get = await store.storeEvent("s-c", {});
  assert.equal(await store.getStreamIdForEventId(a[2]), undefined, "s-a, now the oldest, is gone");
  assert.equal(await store.getStreamIdForEventId(get), "s-c");
});

for (const [where, run] of RUNNERS) {
  test(`MCP (${where}): the GET notification stream resumes across four cuts, nothing lost or repeated`, async () => {
    const k = key(`mcp-get-${where}`);
    const r = await run(NOTIFICATIONS, { url: mcp.url, key: k });
    assert.deepEqual(r.ns, Array.from({ length: 40 }, (_, i) => i + 1));
    assert.deepEqual(r.methods, ["notifications/message"]);
    assert.deepEqual(r.cuts, [1, 1, 1, 1], "each cut broke the live GET stream");
    assert.deepEqual(r.errors.filter((e) => !e.startsWith("network")), []);
    const s = await mcpStats(k);
    const gets = s.requests.filter((q) => q.method === "GET");
    assert.equal(gets.length, 5, "one GET, then one per cut");
    assert.equal(gets[0].last_event_id, null);
    gets.slice(1).forEach((g) => assert.ok(g.last_event_id, "each resume names the last event"));
    assert.ok(gets.every((g) => g.status === 200), JSON.stringify(gets));
  });

  test(`MCP (${where}): a tools/call POST streams its progress, ends as done, and is sent once`, async () => {
    const k = key(`mcp-call-${where}`);
    const r = await run(TOOL_CALL, { url: mcp.url, key: k, terminal: true });
    assert.equal(r.reason, "done", JSON.stringify(r.states));
    assert.deepEqual(r.errors, [], "the priming event (empty data) is no error");
    assert.deepEqual(r.got.slice(0, 5).map((m) => [m.method, m.params.progress]), [1, 2, 3, 4, 5].map((i) => ["notifications/progress", i]));
    assert.equal(r.got.length, 6);
    assert.deepEqual(r.got[5].result.content, [{ type: "text", text: "counted to 5" }]);
    assert.ok(r.lastEventId, "the last id is kept");
    const s = await mcpStats(k);
    assert.equal(s.calls, 1, "the tool ran once");
    const posts = s.requests.filter((q) => q.rpc?.includes("tools/call"));
    assert.equal(posts.length, 1, "the POST was sent once");
    assert.equal(posts[0].accept, "application/json, text/event-stream", "the user's Accept reached the server");
    assert.equal(posts[0].status, 200);
    assert.equal(s.requests.filter((q) => q.method === "GET").length, 0);
  });

  test(`MCP (${where}): listeners decoding with JSON.parse of their own (decode, a union) skip the priming event without an error`, async () => {
    const k = key(`mcp-own-${where}`);
    const r = await run(TOOL_CALL, { url: mcp.url, key: k, terminal: true, ownDecoders: true });
    assert.equal(r.reason, "done", JSON.stringify(r.states));
    assert.deepEqual(r.errors, [], "empty data is skipped by every decoder, not reported");
    assert.equal(r.got.length, 6);
    assert.deepEqual(r.own, r.got, "the listener's own decode saw every message");
    assert.deepEqual(r.union, r.got, "so did the union");
  });

  test(`MCP (${where}): with no terminal event named, the end of the POST's stream closes it as ended`, async () => {
    const k = key(`mcp-ended-${where}`);
    const r = await run(TOOL_CALL, { url: mcp.url, key: k, terminal: false });
    assert.equal(r.reason, "ended", JSON.stringify(r.states));
    assert.deepEqual(r.errors, []);
    assert.equal(r.got.length, 6, "every progress and the result");
    const s = await mcpStats(k);
    assert.equal(s.calls, 1, "the tool ran once");
    assert.equal(s.requests.filter((q) => q.rpc?.includes("tools/call")).length, 1, "the POST was sent once");
    assert.equal(s.requests.filter((q) => q.method === "GET").length, 0, "and nothing resumed it");
  });

  test(`MCP (${where}): a tools/call cut mid-stream completes through a GET, nothing lost, the tool run once`, async () => {
    const k = key(`mcp-cut-${where}`);
    const r = await run(CUT_TOOL_CALL, { url: mcp.url, key: k });
    assert.equal(r.reason, "done");
    assert.deepEqual(r.cuts, [1], "the cut broke the POST's stream");
    assert.deepEqual(r.errors.filter((e) => !e.startsWith("network")), []);
    const progress = r.got.filter((m) => m.method === "notifications/progress").map((m) => m.params.progress);
    assert.deepEqual(progress, Array.from({ length: 20 }, (_, i) => i + 1), "every step once, in order");
    assert.deepEqual(r.got.at(-1).result.content, [{ type: "text", text: "counted to 20" }]);
    const s = await mcpStats(k);
    assert.equal(s.calls, 1, "the tool ran once");
    assert.equal(s.requests.filter((q) => q.rpc?.includes("tools/call")).length, 1, "the POST was sent once");
    const gets = s.requests.filter((q) => q.method === "GET");
    assert.ok(gets.length >= 1, "resumed by GET");
    assert.ok(gets.every((g) => g.last_event_id && g.status === 200), JSON.stringify(gets));
  });
}

test("MCP: the page saw no console errors but the cuts' own", () => {
  assert.deepEqual(errors.filter((e) => !/ERR_(CONNECTION|INCOMPLETE|NETWORK)|network error|Failed to fetch/i.test(e)), []);
});
