// The JavaScript API of the npm package, in Chromium against the test server: options checking,
// listeners, errors, unsubscribing, freeing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, open, key, connections, unexpected, SERVER } from "./helpers.mjs";

let browser, page, errors;

before(async () => {
  browser = await launch();
  ({ page, errors } = await open(browser, "/e2e/js-api.html"));
  await page.waitForFunction(() => window.ready === true);
});
after(async () => { await browser?.close(); });

// Evaluates `fn(args)` in the page.
const run = (fn, args) => page.evaluate(fn, { ...args, server: SERVER });

test("bad options throw a TypedSseError that names the field", async () => {
  const cases = await run(({ server }) => {
    const attempt = (options) => {
      try {
        new window.sse.SseClient(`${server}/sse/hold`, options).free();
        return null;
      } catch (e) {
        return { name: e.name, kind: e.kind, field: e.field, message: e.message, isError: e instanceof Error };
      }
    };
    return {
      negative: attempt({ initialDelayMs: -5 }),
      fractional: attempt({ maxDelayMs: 1.5 }),
      type: attempt({ withCredentials: "yes" }),
      decode: attempt({ decode: "xml" }),
      unknown: attempt({ initialDelay: 100 }),
      jitter: attempt({ jitter: 2 }),
      retries: attempt({ maxRetries: -1 }),
      refresh: attempt({ refreshUrl: "https://example.com" }),
      notObject: attempt(42),
      fine: attempt({ maxRetries: null, jitter: 0, decode: "text", resumeParam: null, idleTimeoutMs: undefined }),
    };
  });
  const expect = {
    negative: "initialDelayMs", fractional: "maxDelayMs", type: "withCredentials", decode: "decode",
    unknown: "initialDelay", jitter: "jitter", retries: "maxRetries", refresh: "refreshUrl", notObject: "options",
  };
  for (const [name, field] of Object.entries(expect)) {
    const e = cases[name];
    assert.ok(e, `${name} must throw`);
    assert.equal(e.isError, true);
    assert.equal(e.name, "TypedSseError");
    assert.equal(e.kind, "invalid_option", name);
    assert.equal(e.field, field, name);
    assert.match(e.message, new RegExp(`\`${field}\``));
  }
  assert.match(cases.negative.message, /non-negative/);
  assert.equal(cases.fine, null, "valid options must not throw");
});

test("an invalid URL throws invalid_url", async () => {
  const e = await run(() => {
    try { new window.sse.SseClient("http://[nope"); return null; } catch (e) { return { kind: e.kind, url: e.url }; }
  });
  assert.deepEqual(e, { kind: "invalid_url", url: "http://[nope" });
});

test("listeners get decoded data and meta; states and lastEventId follow", async () => {
  const k = key("js-basic");
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/messages?n=3&key=${k}`);
    const initial = c.readyState;
    const states = [];
    const got = [];
    c.onState((s) => states.push(s.state));
    await new Promise((resolve) => c.on("message", (data, meta) => {
      got.push({ data, meta: { type: meta.type, id: meta.id, origin: meta.origin, raw: meta.raw }, json: JSON.parse(JSON.stringify(meta)) });
      if (got.length === 3) resolve();
    }));
    const info = { readyState: c.readyState, lastEventId: c.lastEventId, url: c.url, dispose: typeof c[Symbol.dispose] };
    c.close();
    info.after = c.readyState;
    info.state = c.state;
    c.free();
    return { initial, states, got, info };
  }, { k });
  assert.deepEqual(r.got.map((g) => g.data), [{ n: 1 }, { n: 2 }, { n: 3 }]);
  assert.deepEqual(r.got[2].meta, { type: "message", id: "3", origin: SERVER, raw: '{"n":3}' });
  assert.deepEqual(r.got[2].json, r.got[2].meta, "meta serialises with every field");
  // onState reports changes from the moment it is registered; `readyState` has the state before.
  assert.equal(r.initial, "connecting");
  assert.deepEqual(r.states, ["open", "closed"]);
  assert.equal(r.info.readyState, "open");
  assert.equal(r.info.lastEventId, "3");
  assert.equal(r.info.url, `${SERVER}/sse/messages?n=3&key=${k}`);
  assert.equal(r.info.dispose, "function");
  assert.equal(r.info.after, "closed");
  assert.deepEqual(r.info.state, { state: "closed", reason: "requested" });
});

test("a throwing listener does not stop the others, and is reported", async () => {
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/messages?n=5&key=${k}`);
    const errors = [];
    const good = [];
    c.onError((e) => errors.push({ kind: e.kind, eventType: e.eventType, message: e.message }));
    c.on("message", () => { throw new Error("listener bug"); });
    await new Promise((resolve) => c.on("message", (d) => { good.push(d.n); if (good.length === 5) resolve(); }));
    c.free();
    return { errors, good };
  }, { k: key("js-throw") });
  assert.deepEqual(r.good, [1, 2, 3, 4, 5]);
  assert.equal(r.errors.length, 5);
  assert.deepEqual(r.errors[0], { kind: "listener", eventType: "message", message: "a listener for `message` threw: listener bug" });
});

test("malformed JSON goes to onError with the raw text, and the stream goes on", async () => {
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/malformed?key=${k}`);
    const errors = [];
    const got = [];
    c.onError((e) => errors.push({ kind: e.kind, raw: e.raw, eventType: e.eventType }));
    await new Promise((resolve) => c.on("message", (d) => { got.push(d.n); if (got.length === 2) resolve(); }));
    c.free();
    return { errors, got };
  }, { k: key("js-malformed") });
  assert.deepEqual(r.got, [1, 3]);
  assert.deepEqual(r.errors, [{ kind: "decode", raw: '{"n": oops', eventType: "message" }]);
});

test("decode: text hands over the raw string", async () => {
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/unicode?key=${k}`, { decode: "text" });
    const text = await new Promise((resolve) => c.on("text", (d) => resolve(d)));
    c.free();
    return text;
  }, { k: key("js-text") });
  assert.equal(r, "héllo wörld, 日本語, emoji 🎉\nsecond line\n\nafter a blank line");
});

test("the unsubscribe function stops one listener; free() closes the connection", async () => {
  const k = key("js-off");
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/messages?n=6&interval_ms=80&key=${k}`);
    const first = [];
    const second = [];
    const off = c.on("message", (d) => { first.push(d.n); if (d.n === 2) off(); });
    await new Promise((resolve) => c.on("message", (d) => { second.push(d.n); if (d.n === 6) resolve(); }));
    off(); // idempotent
    c.free();
    off(); // harmless after free()
    return { first, second };
  }, { k });
  assert.deepEqual(r.first, [1, 2]);
  assert.deepEqual(r.second, [1, 2, 3, 4, 5, 6]);
  let closed = false;
  for (let i = 0; i < 50 && !closed; i++) {
    const conns = await connections(k);
    closed = conns.length === 1 && conns[0].closed_ms !== null;
    if (!closed) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(closed, "the server must see the connection end after free()");
});

test("reconnect options and failure reasons reach JS: 503 then give up, refreshUrl after 401", async () => {
  const r = await run(async ({ server, k }) => {
    const failing = new window.sse.SseClient(`${server}/sse/status?code=503&key=${k}-a`, { initialDelayMs: 20, maxRetries: 2, jitter: 0 });
    const states = [];
    const final = await new Promise((resolve) => failing.onState((s) => { states.push(s.state === "reconnecting" ? `${s.state}:${s.attempt}:${s.reason}` : s.state); if (s.state === "closed") resolve(s); }));
    failing.free();
    const refreshed = new window.sse.SseClient(`${server}/sse/auth?token=old&key=${k}-b`, {
      initialDelayMs: 20,
      refreshUrl: async () => `${server}/sse/auth?token=good&key=${k}-b`,
    });
    const token = await new Promise((resolve) => refreshed.on("ready", (d) => resolve(d)));
    refreshed.free();
    return { states, final: { state: final.state, reason: final.reason, kind: final.error.kind, attempts: final.error.attempts, last: final.error.last.status }, token };
  }, { k: key("js-reconnect") });
  assert.deepEqual(r.states, ["reconnecting:1:http", "connecting", "reconnecting:2:http", "connecting", "closed"]);
  assert.deepEqual(r.final, { state: "closed", reason: "gave_up", kind: "gave_up", attempts: 2, last: 503 });
  assert.equal(r.token, "good");
});

test("no console errors on the test page (besides the browser's log of the 401/503 provoked above)", () => {
  assert.deepEqual(unexpected(errors, [401, 503]), []);
});
