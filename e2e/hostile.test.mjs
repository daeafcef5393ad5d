// What a hostile server, a careless listener or an unusual caller does to the JS API, in a real
// Node process (which must survive) and in Chromium, against the test server: listeners that
// throw, events named as the class's own, a redirect, a `fetch` wrapper written the usual way,
// options that give fetch what it cannot use, network errors and their causes, and listeners
// of ever new event types.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { launch, open, key, SERVER, connections, statsUntil, runInNode, unexpected } from "./helpers.mjs";

// Runs `body` (the inside of an async function with `SseClient`, `TypedEventSource`, `server`
// and `sleep` in scope) in a fresh Node process whose node_modules has the package; returns
// what it returned, with `warnings`: the TypedSseErrors the process was warned of. The process
// must live to print it: a listener's exception that ended it fails the test.
function inNode(body, timeoutMs = 30_000) {
  return runInNode(`
import { SseClient, TypedEventSource } from "typed-sse";
const server = process.env.SERVER_URL;
const warnings = [];
process.on("warning", (w) => {
  if (w.name !== "TypedSseError") return;
  const cause = w.cause instanceof Error ? w.cause.message : String(w.cause);
  warnings.push({ kind: w.kind, eventType: w.eventType ?? null, cause });
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const timeout = (ms) => new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), ms).unref());
const result = await Promise.race([timeout(20000), (async () => { ${body} })()]);
await sleep(50); // warnings are emitted on a later tick
console.log(JSON.stringify({ result, warnings }));
process.exit(0);
`, timeoutMs);
}

// A port on 127.0.0.1 where nothing listens.
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let browser, page, pageErrors;

before(async () => {
  browser = await launch();
  ({ page, errors: pageErrors } = await open(browser, "/e2e/js-api.html"));
  await page.waitForFunction(() => window.ready === true);
});
after(async () => { await browser?.close(); });

// Runs `fn(args)` in the page with `window.sse`; what reached the window's `error` event is
// collected in `window.reported` (and kept out of the console: the test reads it instead).
// `fn` puts what it opens in `window.sources`, closed at the end however it ends: a test that
// times out leaves no connection behind (a page has six per origin).
const run = (fn, args) => page.evaluate(async ({ source, args }) => {
  window.reported = [];
  window.sources = [];
  const onError = (e) => {
    e.preventDefault();
    window.reported.push(e.error instanceof Error ? e.error.message : String(e.error));
  };
  window.addEventListener("error", onError);
  const timeout = new Promise((resolve) => setTimeout(() => resolve({ timedOut: true }), 10_000));
  try {
    const body = new Function("args", `return (${source})(args);`);
    const result = await Promise.race([body(args), timeout]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { result, reported: window.reported };
  } finally {
    window.removeEventListener("error", onError);
    for (const source of window.sources) source.close();
  }
}, { source: fn.toString(), args: { ...args, server: SERVER } });

const origin = (url) => new URL(url).origin;
// The test server under its other loopback name: where /sse/redirect sends a client.
const OTHER_ORIGIN = origin(SERVER).replace("127.0.0.1", "localhost");

// ---- a listener that throws ------------------------------------------------------------------

test("Node: a TypedEventSource listener that throws is a warning; the process lives, later events arrive", async () => {
  const k = key("hostile-node-tes-throw");
  const r = inNode(`
    const es = new TypedEventSource(server + "/sse/malformed?key=${k}");
    const seen = [];
    // The README's migration example: JSON.parse throws on the second, malformed, event.
    es.onmessage = (e) => seen.push(JSON.parse(e.data).n);
    es.addEventListener("message", () => { throw new Error("listener bug"); });
    const handler = { handleEvent() { throw new Error("handleEvent bug"); } };
    es.addEventListener("message", handler);
    await new Promise((resolve) => es.addEventListener("message", (e) => e.lastEventId === "3" && resolve()));
    es.close();
    return { seen, readyState: es.readyState };
  `);
  assert.deepEqual(r.result, { seen: [1, 3], readyState: 2 });
  const causes = r.warnings.map((w) => [w.kind, w.eventType, w.cause]);
  assert.equal(causes.filter(([, , c]) => c === "listener bug").length, 3, JSON.stringify(causes));
  assert.equal(causes.filter(([, , c]) => c === "handleEvent bug").length, 3, JSON.stringify(causes));
  const json = causes.filter(([kind, type, c]) => kind === "listener" && type === "message" && /JSON/.test(c));
  assert.equal(json.length, 1, JSON.stringify(causes));
});

test("Node: SseClient's listeners, state, comment and error listeners and decoders that throw: reported, never fatal", async () => {
  const k = key("hostile-node-client-throw");
  const r = inNode(`
    const url = server + "/sse/messages?n=5&interval_ms=30&keepalive_ms=10&key=${k}";
    // No error listener: every exception goes to the environment (a warning in Node).
    const bare = new SseClient(url);
    const seen = [];
    bare.on("message", (d) => { seen.push(d.n); if (d.n === 2) throw new Error("on bug"); });
    let stateThrown = false;
    bare.onState(() => { if (!stateThrown) { stateThrown = true; throw new Error("state bug"); } });
    let commentThrown = false;
    bare.onComment(() => { if (!commentThrown) { commentThrown = true; throw new Error("comment bug"); } });
    const decode = (raw) => { const d = JSON.parse(raw); if (d.n === 3) throw new Error("decoder bug"); return d.n; };
    const iterated = [];
    for await (const { data } of bare.events("message", { decode })) {
      iterated.push(data);
      if (data === 5) break;
    }
    bare.close();
    // With an error listener: the errors go there, and only its own exception is a warning.
    const heard = new SseClient(url.replace("${k}", "${k}-heard"));
    const errors = [];
    heard.onError((e) => { errors.push([e.kind, e.eventType, e.cause?.message]); throw new Error("error listener bug"); });
    heard.on("message", (d) => { if (d.n === 1) throw new Error("on bug"); });
    const last = await new Promise((resolve) => heard.on("message", (d) => d.n === 5 && resolve(d.n)));
    heard.close();
    return { seen, iterated, errors, last };
  `);
  assert.deepEqual(r.result.seen, [1, 2, 3, 4, 5]);
  assert.deepEqual(r.result.iterated, [1, 2, 4, 5], "the decoder's failure skips its event only");
  assert.equal(r.result.last, 5);
  assert.deepEqual(r.result.errors, [["listener", "message", "on bug"]]);
  const got = r.warnings.map((w) => [w.kind, w.eventType, w.cause]);
  for (const expected of [
    ["listener", "message", "on bug"],
    ["listener", "state", "state bug"],
    ["listener", "comment", "comment bug"],
    ["decode", null, "decoder bug"],
    ["listener", "error", "error listener bug"],
  ]) {
    const found = got.filter(([kind, , cause]) => kind === expected[0] && cause === expected[2]);
    assert.equal(found.length, 1, `${JSON.stringify(expected)} in ${JSON.stringify(got)}`);
    if (expected[1] !== null) assert.equal(found[0][1], expected[1]);
  }
  assert.equal(got.length, 5, JSON.stringify(got));
});

test("Chromium: throwing listeners reach the window's error event; the stream goes on", async () => {
  const k = key("hostile-chromium-throw");
  const { result, reported } = await run(async ({ server, k }) => {
    const { SseClient, TypedEventSource } = window.sse;
    const url = `${server}/sse/messages?n=4&interval_ms=20&key=${k}`;
    const es = new TypedEventSource(url, { transport: "fetch" });
    es.onmessage = () => { throw new Error("tes bug"); };
    const client = new SseClient(url.replace(k, `${k}-client`));
    client.on("message", (d) => { if (d.n === 2) throw new Error("on bug"); });
    const withErrors = new SseClient(url.replace(k, `${k}-errors`));
    window.sources.push(es, client, withErrors);
    withErrors.onError(() => { throw new Error("error listener bug"); });
    withErrors.on("message", (d) => { if (d.n === 1) throw new Error("quiet bug"); });
    const last = (source, on) => new Promise((resolve) => on(source, resolve));
    const [a, b, c] = await Promise.all([
      last(es, (s, done) => s.addEventListener("message", (e) => e.lastEventId === "4" && done(e.lastEventId))),
      last(client, (s, done) => s.on("message", (d) => d.n === 4 && done(d.n))),
      last(withErrors, (s, done) => s.on("message", (d) => d.n === 4 && done(d.n))),
    ]);
    es.close();
    client.close();
    withErrors.close();
    return [a, b, c];
  }, { k });
  assert.deepEqual(result, ["4", 4, 4], "the later events arrived");
  assert.deepEqual(reported.filter((m) => m === "tes bug").length, 4, JSON.stringify(reported));
  assert.deepEqual(reported.filter((m) => m !== "tes bug").sort(), ["error listener bug", "on bug"]);
});

// ---- events named as the class's own ---------------------------------------------------------

// Logs what the listeners of open, error, statechange and message see of /sse/reserved-names,
// plus an `onerror` written for the class's own errors (it reads `event.error.kind`).
const RESERVED = async ({ server, k, transport }) => {
  const Ctor = transport === "native" ? EventSource : window.sse.TypedEventSource;
  const es = new Ctor(`${server}/sse/reserved-names?key=${k}`, transport === "native" ? undefined : { transport });
  window.sources.push(es);
  const log = [];
  const note = (name) => (e) => {
    if (e instanceof MessageEvent) log.push([name, e.data, e.lastEventId, e.origin === new URL(server).origin]);
    else if (name !== "statechange") log.push([name, "Event"]);
  };
  for (const name of ["open", "error", "statechange", "message"]) es.addEventListener(name, note(name));
  es.onerror = (e) => log.push(["onerror", e.error.kind]);
  await new Promise((resolve) => es.addEventListener("message", resolve));
  es.close();
  return log;
};
const RESERVED_LOG = [
  ["open", "Event"],
  ["open", "open", "1", true],
  ["error", "error", "2", true],
  ["statechange", "statechange", "3", true],
  ["message", '{"n":4}', "4", true],
];

for (const transport of ["native", "fetch"]) {
  test(`Chromium: server events named open, error, statechange are MessageEvents, as native (${transport})`, async () => {
    const native = await run(RESERVED, { k: key("hostile-reserved-native"), transport: "native" });
    assert.deepEqual(native.result, RESERVED_LOG, "the native EventSource (checks the test itself)");
    assert.equal(native.reported.length, 1, "the native onerror read e.error.kind of a MessageEvent");
    const k = key(`hostile-reserved-${transport}`);
    const typed = await run(RESERVED, { k, transport });
    assert.deepEqual(typed.result, native.result);
    assert.equal((await connections(k)).length, 1, "a server event named error is no connection failure");
    assert.equal(typed.reported.length, 1, JSON.stringify(typed.reported));
    assert.match(typed.reported[0], /kind/);
  });
}

test("Node: a server event named error reaches an onerror that reads event.error.kind; the process lives", async () => {
  const r = inNode(`
    const es = new TypedEventSource(server + "/sse/reserved-names?key=${key("hostile-node-reserved")}");
    const log = [];
    for (const name of ["open", "error", "statechange"]) {
      es.addEventListener(name, (e) => e instanceof MessageEvent && log.push([name, e.data, e.lastEventId]));
    }
    es.onerror = (e) => log.push(["onerror", e.error.kind]);
    const last = await new Promise((resolve) => es.addEventListener("message", (e) => resolve(e.data)));
    es.close();
    return { log, last };
  `);
  assert.deepEqual(r.result, {
    log: [["open", "open", "1"], ["error", "error", "2"], ["statechange", "statechange", "3"]],
    last: '{"n":4}',
  });
  assert.deepEqual(r.warnings.map((w) => [w.kind, w.eventType]), [["listener", "error"]]);
  assert.match(r.warnings[0].cause, /kind/);
});

// ---- origin after a redirect -----------------------------------------------------------------

const redirected = (k) => `${SERVER}/sse/redirect?key=${k}&to=${encodeURIComponent(`/sse/messages?n=2&key=${k}`)}`;

test("Chromium: after a redirect, origin is the final URL's, as native (both transports, both classes)", async () => {
  const r = await run(async ({ urls }) => {
    const { SseClient, TypedEventSource } = window.sse;
    const first = (source) => new Promise((resolve) => {
      window.sources.push(source);
      source.addEventListener("message", (e) => { source.close(); resolve(e.origin); });
    });
    const native = await first(new EventSource(urls[0]));
    const typedNative = await first(new TypedEventSource(urls[1]));
    const typedFetch = await first(new TypedEventSource(urls[2], { transport: "fetch" }));
    const client = new SseClient(urls[3], { transport: "fetch" });
    window.sources.push(client);
    const meta = await new Promise((resolve) => client.on("message", (d, m) => { client.close(); resolve(m.origin); }));
    return { native, typedNative, typedFetch, meta };
  }, { urls: [0, 1, 2, 3].map((i) => redirected(key(`hostile-redirect-${i}`))) });
  assert.deepEqual(r.result, { native: OTHER_ORIGIN, typedNative: OTHER_ORIGIN, typedFetch: OTHER_ORIGIN, meta: OTHER_ORIGIN });
});

test("Node: after a redirect, origin is the final URL's", async () => {
  const k = key("hostile-node-redirect");
  const r = inNode(`
    const es = new TypedEventSource(${JSON.stringify(redirected(k))});
    const tes = await new Promise((resolve) => es.onmessage = (e) => { es.close(); resolve(e.origin); });
    const c = new SseClient(${JSON.stringify(redirected(`${k}-client`))});
    const meta = await new Promise((resolve) => c.on("message", (d, m) => { c.close(); resolve(m.origin); }));
    return { tes, meta };
  `);
  assert.deepEqual(r.result, { tes: OTHER_ORIGIN, meta: OTHER_ORIGIN });
  const conns = await statsUntil(k, (cs) => cs.length >= 2);
  assert.deepEqual(conns.map((c) => c.status), [307, 200], "the server redirected, then streamed");
});

// ---- a fetch wrapper written the usual way ---------------------------------------------------

test("Node: the usual fetch wrapper keeps Accept and Last-Event-ID: a reconnect resumes", async () => {
  const k = key("hostile-node-wrapper");
  const r = inNode(`
    const c = new SseClient(server + "/sse/retry?ms=10&n=3&key=${k}", {
      initialDelayMs: 10, jitter: 0,
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, Authorization: "Bearer wrapped" } }),
    });
    const ids = await new Promise((resolve) => { const xs = []; c.on("message", (d, m) => { xs.push(m.id); if (xs.length === 6) resolve(xs); }); });
    c.close();
    return ids;
  `);
  assert.deepEqual(r.result, ["1", "2", "3", "4", "5", "6"], "the second connection continued after id 3");
  const conns = await statsUntil(k, (cs) => cs.length >= 2);
  assert.equal(conns[0].accept, "text/event-stream");
  assert.equal(conns[0].authorization, "Bearer wrapped");
  assert.deepEqual([conns[1].last_event_id, conns[1].resumed_via], ["3", "header"]);
});

// ---- options that give fetch what it cannot use ----------------------------------------------

test("Node: a headers function with invalid headers, or a fetch that gives no Response, closes as invalid_option at once", async () => {
  const k = key("hostile-node-misuse");
  const r = inNode(`
    const attempt = (name, options) => new Promise((resolve) => {
      let calls = 0;
      const counted = (f) => (...args) => { calls++; return f(...args); };
      const o = { ...options, maxReconnects: 3, initialDelayMs: 10, jitter: 0 };
      if (o.headers) o.headers = counted(o.headers);
      if (o.fetch) o.fetch = counted(o.fetch);
      const c = new SseClient(server + "/sse/messages?key=${k}-" + name, o);
      c.onState((s) => s.state === "closed" && resolve({
        reason: s.reason, field: s.error?.field ?? null, calls,
        secret: /top-secret/.test(s.error?.message), message: s.error?.message,
      }));
    });
    return {
      value: await attempt("value", { headers: () => ({ Authorization: "Bearer top-secret\\nx" }) }),
      name: await attempt("name", { headers: async () => ({ "Bad Name": "x" }) }),
      notObject: await attempt("string", { headers: () => "Bearer x" }),
      object: await attempt("object", { fetch: async () => ({ ok: true }) }),
      string: await attempt("fetch-string", { fetch: () => "nope" }),
      throws: await attempt("throws", { fetch: (input, init) => { init.headers.set("X-A", "1"); return fetch(input, init); } }),
    };
  `);
  for (const [name, field] of [["value", "headers"], ["name", "headers"], ["notObject", "headers"],
    ["object", "fetch"], ["string", "fetch"], ["throws", "fetch"]]) {
    const got = r.result[name];
    assert.deepEqual([got.reason, got.field, got.calls, got.secret], ["invalid_option", field, 1, false], `${name}: ${JSON.stringify(got)}`);
  }
  assert.match(r.result.value.message, /`headers`: the headers function returned headers fetch cannot send/);
  assert.match(r.result.value.message, /values are not shown/);
  assert.match(r.result.object.message, /not a Response/);
  assert.match(r.result.throws.message, /init\.headers\.set is not a function/);
  for (const name of ["value", "name", "string"]) {
    assert.equal((await connections(`${k}-${name}`)).length, 0, `${name}: no request left the client`);
  }
});

test("Node: async listeners whose promise rejects are reported as a throw would be; the process lives, later events arrive", async () => {
  const k = key("hostile-node-async-reject");
  const r = inNode(`
    const es = new TypedEventSource(server + "/sse/malformed?key=${k}");
    const seen = [];
    // JSON.parse throws inside an async listener: a rejected promise, which Node's default
    // (--unhandled-rejections=throw) turns into the end of the process.
    es.onmessage = async (e) => seen.push(JSON.parse(e.data).n);
    es.addEventListener("message", { handleEvent: async () => { throw new Error("async handleEvent bug"); } });
    await new Promise((resolve) => es.addEventListener("message", (e) => e.lastEventId === "3" && resolve()));
    es.close();
    const c = new SseClient(server + "/sse/malformed?key=${k}-client", { decode: "text" });
    let stateThrown = false;
    c.onState(async () => { if (!stateThrown) { stateThrown = true; throw new Error("async state bug"); } });
    c.on("message", async (d) => JSON.parse(d));
    const ids = [];
    await new Promise((resolve) => c.on("message", (d, meta) => { ids.push(meta.id); if (meta.id === "3") resolve(); }));
    c.close();
    return { seen, ids };
  `);
  assert.deepEqual(r.result, { seen: [1, 3], ids: ["1", "2", "3"] });
  const causes = r.warnings.map((w) => [w.kind, w.eventType, w.cause]);
  const json = causes.filter(([kind, type, c]) => kind === "listener" && type === "message" && /JSON/.test(c));
  assert.equal(json.length, 2, JSON.stringify(causes));
  assert.equal(causes.filter(([, , c]) => c === "async handleEvent bug").length, 3, JSON.stringify(causes));
  assert.equal(causes.filter(([kind, type, c]) => kind === "listener" && type === "state" && c === "async state bug").length, 1, JSON.stringify(causes));
});

test("Node: a header value with a control character, or a fetch giving an opaque Response, is invalid_option at once", async () => {
  const k = key("hostile-node-misuse-2");
  const r = inNode(`
    const attempt = (name, options) => new Promise((resolve) => {
      let calls = 0;
      const counted = (f) => (...args) => { calls++; return f(...args); };
      const o = { ...options, maxReconnects: 3, initialDelayMs: 10, jitter: 0 };
      if (o.headers) o.headers = counted(o.headers);
      if (o.fetch) o.fetch = counted(o.fetch);
      const c = new SseClient(server + "/sse/messages?key=${k}-" + name, o);
      c.onState((s) => s.state === "closed" && resolve({
        reason: s.reason, field: s.error?.field ?? null, calls,
        secret: /top-secret/.test(s.error?.message), message: s.error?.message,
      }));
    });
    let fixed;
    try {
      new SseClient(server + "/sse/messages", { headers: { Authorization: "Bearer top-secret\u0001" } });
    } catch (e) {
      fixed = { kind: e.kind, field: e.field, secret: /top-secret/.test(e.message), message: e.message };
    }
    return {
      fixed,
      soh: await attempt("soh", { headers: () => ({ Authorization: "Bearer top-secret\u0001" }) }),
      del: await attempt("del", { headers: async () => ({ "X-A": "a\u007fb" }) }),
      opaque: await attempt("opaque", { fetch: async () => Response.error() }),
      zero: await attempt("zero", { fetch: async () => ({ status: 0, headers: new Headers(), body: null }) }),
      fraction: await attempt("fraction", { fetch: async () => ({ status: 200.5, headers: new Headers(), body: null }) }),
    };
  `);
  assert.deepEqual(r.result.fixed.kind, "invalid_option", JSON.stringify(r.result.fixed));
  assert.deepEqual([r.result.fixed.field, r.result.fixed.secret], ["headers", false], JSON.stringify(r.result.fixed));
  assert.match(r.result.fixed.message, /control character/);
  for (const [name, field] of [["soh", "headers"], ["del", "headers"], ["opaque", "fetch"], ["zero", "fetch"], ["fraction", "fetch"]]) {
    const got = r.result[name];
    assert.deepEqual([got.reason, got.field, got.calls, got.secret], ["invalid_option", field, 1, false], `${name}: ${JSON.stringify(got)}`);
  }
  assert.match(r.result.opaque.message, /status 0/);
  for (const name of ["soh", "del"]) {
    assert.equal((await connections(`${k}-${name}`)).length, 0, `${name}: no request left the client`);
  }
});

test("Node: a terminalEvents function that throws, with no error listener, is a warning with its cause", async () => {
  const r = inNode(`
    const c = new SseClient(server + "/unused", {
      method: "POST",
      body: {},
      fetch: async () => new Response("data: 1\\n\\ndata: 2\\n\\n", { headers: { "Content-Type": "text/event-stream" } }),
      reconnect: false,
      terminalEvents: (type, data) => { if (data === "1") throw new Error("predicate bug"); return data === "2"; },
    });
    const got = [];
    await new Promise((resolve) => {
      c.on("message", (d) => got.push(d));
      c.onState((s) => s.state === "closed" && resolve());
    });
    return { got };
  `);
  assert.deepEqual(r.result, { got: [1, 2] });
  assert.deepEqual(r.warnings.map((w) => [w.kind, w.cause]), [["listener", "predicate bug"]]);
});

// ---- network errors and header values in messages --------------------------------------------

test("Node: a host that does not resolve and a refused connection read differently, with the cause kept", async () => {
  const port = await closedPort();
  const r = inNode(`
    const failure = (url) => new Promise((resolve) => {
      const c = new SseClient(url, { reconnect: false });
      c.onError((e) => resolve({ kind: e.kind, message: e.message, cause: e.cause instanceof Error, causeMessage: e.cause?.message }));
    });
    return {
      host: await failure("http://no-such-host.invalid/sse/messages"),
      refused: await failure("http://127.0.0.1:${port}/sse/messages"),
    };
  `);
  const { host, refused } = r.result;
  assert.equal(host.kind, "network");
  assert.equal(refused.kind, "network");
  assert.match(host.message, /ENOTFOUND|EAI_AGAIN/, host.message);
  assert.match(refused.message, /ECONNREFUSED/, refused.message);
  assert.deepEqual([host.cause, refused.cause], [true, true], "the error Node's fetch threw is the cause");
  assert.notEqual(host.message, refused.message);
});

test("Node: a header value is never quoted in an error message", async () => {
  const r = inNode(`
    let constructed;
    try {
      new SseClient(server + "/sse/messages", { headers: { Authorization: "Bearer top-secret\\nx" } });
    } catch (e) {
      constructed = { kind: e.kind, field: e.field, message: e.message };
    }
    // A fetch wrapper that adds a bad value: Node's fetch rejects, quoting it.
    const wrapped = await new Promise((resolve) => {
      const c = new SseClient(server + "/sse/messages", {
        reconnect: false,
        fetch: async (input, init) => fetch(input, { ...init, headers: { ...init.headers, Authorization: "Bearer top-secret\\nx" } }),
      });
      c.onError((e) => resolve({ kind: e.kind, message: e.message, cause: e.cause === undefined ? null : String(e.cause) }));
    });
    return { constructed, wrapped };
  `);
  const { constructed, wrapped } = r.result;
  assert.deepEqual([constructed.kind, constructed.field], ["invalid_option", "headers"]);
  assert.match(constructed.message, /"Authorization"/);
  assert.doesNotMatch(constructed.message, /top-secret/);
  assert.equal(wrapped.kind, "network");
  assert.doesNotMatch(wrapped.message, /top-secret/);
  assert.doesNotMatch(String(wrapped.cause), /top-secret/, "nor in a cause that would be logged with it");
});

// ---- ever new event types, and URLs given as objects -----------------------------------------

test("Node: 200,000 listeners of distinct types added and removed leave the heap where it was", async () => {
  const r = inNode(`
    const { setFlagsFromString } = await import("node:v8");
    const { runInNewContext } = await import("node:vm");
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc");
    const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
    const es = new TypedEventSource(server + "/sse/hold?key=${key("hostile-node-types")}");
    const client = new SseClient(server + "/sse/hold?key=${key("hostile-node-types-client")}");
    await new Promise((resolve) => es.addEventListener("ready", resolve, { once: true }));
    const N = 200000;
    const before = heap();
    for (let i = 0; i < N; i++) {
      const listener = () => {};
      es.addEventListener("type-" + i, listener);
      es.removeEventListener("type-" + i, listener);
    }
    const tes = heap() - before;
    for (let i = 0; i < N; i++) {
      const off = client.on("type-" + i, () => {});
      off();
    }
    const sse = heap() - before - tes;
    es.close();
    client.close();
    return { tesMB: tes / 1e6, clientMB: sse / 1e6 };
  `, 120_000);
  console.log(`Node heap after 200,000 add/remove pairs: TypedEventSource +${r.result.tesMB.toFixed(2)} MB, SseClient +${r.result.clientMB.toFixed(2)} MB`);
  assert.ok(r.result.tesMB < 2, `TypedEventSource kept ${r.result.tesMB} MB`);
  assert.ok(r.result.clientMB < 2, `SseClient kept ${r.result.clientMB} MB`);
});

test("Chromium: listeners of distinct types removed by removeEventListener, once or a signal leave the heap where it was", async () => {
  // Node's own EventTarget takes quadratic time to add listeners with a signal: the signal and
  // `once` cases run here, with the native transport, which listens on each EventSource too.
  const cdp = await page.context().newCDPSession(page);
  const heap = async () => {
    await cdp.send("HeapProfiler.collectGarbage");
    return (await cdp.send("Runtime.getHeapUsage")).usedSize;
  };
  await run(async ({ server, k }) => {
    window.es = new window.sse.TypedEventSource(`${server}/sse/hold?key=${k}`);
    await new Promise((resolve) => window.es.addEventListener("ready", resolve, { once: true }));
  }, { k: key("hostile-chromium-types") });
  // The signal's listeners are all alive at once, and a browser's EventTarget looks a type up
  // in a list: fewer of them. (Before, each type kept about 300 bytes.)
  const grew = [];
  for (const [how, n] of [["remove", 100000], ["once", 100000], ["signal", 10000]]) {
    const before = await heap();
    await page.evaluate(({ how, n }) => {
      const { es } = window;
      if (how === "signal") {
        const controller = new AbortController();
        for (let i = 0; i < n; i++) es.addEventListener(`s-${i}`, () => {}, { signal: controller.signal });
        controller.abort();
      }
      for (let i = 0; i < n && how !== "signal"; i++) {
        const listener = () => {};
        es.addEventListener(`${how}-${i}`, listener, { once: how === "once" });
        if (how === "remove") es.removeEventListener(`${how}-${i}`, listener);
        else es.dispatchEvent(new Event(`${how}-${i}`));
      }
    }, { how, n });
    grew.push([how, n, ((await heap()) - before) / 1e6]);
  }
  await page.evaluate(() => window.es.close());
  console.log(`Chromium heap after listeners of distinct types ([how, count, MB]): ${JSON.stringify(grew)}`);
  for (const [how, n, mb] of grew) assert.ok(mb < n * 30e-6, `${how}: ${mb} MB kept for ${n} types`);
});

test("TypedEventSource takes `location` or any object with a toString as its URL, as EventSource does", async () => {
  const k = key("hostile-url-object");
  const r = await run(async ({ server, k }) => {
    const { TypedEventSource } = window.sse;
    // The page itself is no event stream: both fail on it, after reading the same URL.
    const outcome = (Ctor) => new Promise((resolve) => {
      const es = new Ctor(location);
      window.sources.push(es);
      es.onerror = () => { resolve([es.url, es.readyState]); es.close(); };
    });
    const native = await outcome(EventSource);
    const typed = await outcome(TypedEventSource);
    const es = new TypedEventSource({ toString: () => `${server}/sse/messages?n=1&key=${k}` });
    window.sources.push(es);
    const data = await new Promise((resolve) => es.onmessage = (e) => { es.close(); resolve(e.data); });
    let symbol;
    try { new TypedEventSource(Symbol("x")); } catch (e) { symbol = e.kind; }
    return { native, typed, href: location.href, data, symbol };
  }, { k });
  assert.deepEqual(r.result.native, [r.result.href, 2]);
  assert.deepEqual(r.result.typed, r.result.native);
  assert.equal(r.result.data, '{"n":1}');
  assert.equal(r.result.symbol, "invalid_url");
  const n = inNode(`
    const es = new TypedEventSource({ toString: () => server + "/sse/messages?n=1&key=${k}-node" });
    return await new Promise((resolve) => es.onmessage = (e) => { es.close(); resolve(e.data); });
  `);
  assert.equal(n.result, '{"n":1}');
});

test("no console errors on the page (besides the browser's own logs of the failures provoked above)", () => {
  const mime = /^EventSource's response has a MIME type \("text\/html"\) that is not "text\/event-stream"/;
  assert.deepEqual(unexpected(pageErrors).filter((e) => !mime.test(e)), []);
});
