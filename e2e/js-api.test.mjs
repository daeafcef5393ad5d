// The JavaScript API of the npm package, in Chromium against the test server: options checking,
// listeners, errors, unsubscribing, freeing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, open, key, connections, unexpected, SERVER, statsUntil } from "./helpers.mjs";

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
        new window.sse.SseClient(`${server}/sse/hold`, options).close();
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
      retries: attempt({ maxReconnects: -1 }),
      refresh: attempt({ refreshUrl: "https://example.com" }),
      notObject: attempt(42),
      transport: attempt({ transport: "websocket" }),
      method: attempt({ transport: "fetch", method: "" }),
      headers: attempt({ transport: "fetch", headers: "Bearer x" }),
      body: attempt({ transport: "fetch", body: 42 }),
      credentials: attempt({ transport: "fetch", credentials: "all" }),
      fetch: attempt({ transport: "fetch", fetch: "fetch" }),
      maxEventBytes: attempt({ transport: "fetch", maxEventBytes: 0 }),
      huge: attempt({ maxDelayMs: 4294967295 }),
      nativePost: attempt({ transport: "native", method: "POST" }),
      // Requests fetch would refuse at every connection, refused once here.
      getWithBody: attempt({ transport: "fetch", body: { prompt: "hi" } }),
      forbiddenMethod: attempt({ transport: "fetch", method: "CONNECT" }),
      badHeaderName: attempt({ transport: "fetch", headers: { "bad name": "x" } }),
      badHeaderValue: attempt({ transport: "fetch", headers: { "X-A": "a\nb" } }),
      fine: attempt({ maxReconnects: null, jitter: 0, decode: "text", resumeParam: null, idleTimeoutMs: undefined }),
    };
  });
  const expect = {
    negative: "initialDelayMs", fractional: "maxDelayMs", type: "withCredentials", decode: "decode",
    unknown: "initialDelay", jitter: "jitter", retries: "maxReconnects", refresh: "refreshUrl", notObject: "options",
    transport: "transport", method: "method", headers: "headers", body: "body", credentials: "credentials",
    fetch: "fetch", maxEventBytes: "maxEventBytes", huge: "maxDelayMs", nativePost: "method",
    getWithBody: "body", forbiddenMethod: "method", badHeaderName: "headers", badHeaderValue: "headers",
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
  assert.match(cases.huge.message, /2147483647/, "a delay past what a timer holds");
  assert.match(cases.nativePost.message, /fetch transport/);
  assert.match(cases.getWithBody.message, /GET or HEAD/);
  assert.equal(cases.fine, null, "valid options must not throw");
});

test("an invalid URL throws invalid_url, and so does one whose scheme is not http(s)", async () => {
  const r = await run(() => {
    const attempt = (url) => {
      try { new window.sse.SseClient(url).close(); return null; } catch (e) { return { kind: e.kind, url: e.url, message: e.message }; }
    };
    // A page has a base: a relative URL resolves against it, but `localhost:8787/x` is the
    // scheme `localhost:`, not a path.
    return { bad: attempt("http://[nope"), hostPort: attempt("localhost:8787/events"), typo: attempt("htp:/bad"), relative: attempt("/sse/hold") };
  });
  assert.deepEqual({ kind: r.bad.kind, url: r.bad.url }, { kind: "invalid_url", url: "http://[nope" });
  assert.equal(r.hostPort?.kind, "invalid_url");
  assert.match(r.hostPort.message, /did you mean `http:\/\/localhost:8787\/events`\?/);
  assert.equal(r.typo?.kind, "invalid_url");
  assert.match(r.typo.message, /the scheme `htp:` is not http or https/);
  assert.equal(r.relative, null, "a relative URL resolves against the page");
});

test("listeners get decoded data and meta; states and lastEventId follow", async () => {
  const k = key("js-basic");
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/messages?n=3&key=${k}`);
    const initial = c.state.state;
    const states = [];
    const got = [];
    c.onState((s) => states.push(s.state));
    await new Promise((resolve) => c.on("message", (data, meta) => {
      got.push({ data, meta: { type: meta.type, id: meta.id, origin: meta.origin, raw: meta.raw }, json: JSON.parse(JSON.stringify(meta)) });
      if (got.length === 3) resolve();
    }));
    const info = {
      readyState: c.state.state, lastEventId: c.lastEventId, url: c.url, dispose: typeof c[Symbol.dispose],
      // One way to read the state and one to close: no string `readyState` (TypedEventSource's is
      // the browser's number), no `free()`.
      members: ["readyState", "free"].filter((name) => name in c),
    };
    c.close();
    info.after = c.state.state;
    info.state = c.state;
    c.close();
    return { initial, states, got, info };
  }, { k });
  assert.deepEqual(r.got.map((g) => g.data), [{ n: 1 }, { n: 2 }, { n: 3 }]);
  assert.deepEqual(r.got[2].meta, { type: "message", id: "3", origin: SERVER, raw: '{"n":3}' });
  assert.deepEqual(r.got[2].json, r.got[2].meta, "meta serialises with every field");
  // onState reports changes from the moment it is registered; `state` has the state before.
  assert.equal(r.initial, "connecting");
  assert.deepEqual(r.states, ["open", "closed"]);
  assert.equal(r.info.readyState, "open");
  assert.equal(r.info.lastEventId, "3");
  assert.equal(r.info.url, `${SERVER}/sse/messages?n=3&key=${k}`);
  assert.equal(r.info.dispose, "function");
  assert.deepEqual(r.info.members, [], "SseClient has neither readyState nor free()");
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
    c.close();
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
    c.close();
    return { errors, got };
  }, { k: key("js-malformed") });
  assert.deepEqual(r.got, [1, 3]);
  assert.deepEqual(r.errors, [{ kind: "decode", raw: '{"n": oops', eventType: "message" }]);
});

test("with no error listener, an error is printed once with console.error; logErrors: false keeps it quiet", async () => {
  const r = await run(async ({ server, k }) => {
    const printed = [];
    const original = console.error;
    console.error = (...args) => printed.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message} (${a.kind}, ${a instanceof window.sse.SseStreamError})` : String(a))).join(" "));
    const read = async (options) => {
      const c = new window.sse.SseClient(`${server}/sse/malformed?key=${k}`, options);
      const got = [];
      await new Promise((resolve) => c.on("message", (d) => { got.push(d.n); if (got.length === 2) resolve(); }));
      c.close();
      return got;
    };
    try {
      const loud = await read();
      const logged = printed.splice(0);
      const quiet = await read({ logErrors: false });
      return { loud, logged, quiet, quietLogged: printed.splice(0) };
    } finally {
      console.error = original;
    }
  }, { k: key("js-unheard") });
  assert.deepEqual(r.loud, [1, 3]);
  assert.equal(r.logged.length, 1, JSON.stringify(r.logged));
  assert.match(r.logged[0], /^TypedSseError: could not decode `message` event: .+ \(decode, true\)$/);
  assert.deepEqual([r.quiet, r.quietLogged], [[1, 3], []]);
});

test("decode: text hands over the raw string", async () => {
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/unicode?key=${k}`, { decode: "text" });
    const text = await new Promise((resolve) => c.on("text", (d) => resolve(d)));
    c.close();
    return text;
  }, { k: key("js-text") });
  assert.equal(r, "héllo wörld, 日本語, emoji 🎉\nsecond line\n\nafter a blank line");
});

test("the unsubscribe function stops one listener; close() closes the connection", async () => {
  const k = key("js-off");
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/messages?n=6&interval_ms=80&key=${k}`);
    const first = [];
    const second = [];
    const off = c.on("message", (d) => { first.push(d.n); if (d.n === 2) off(); });
    await new Promise((resolve) => c.on("message", (d) => { second.push(d.n); if (d.n === 6) resolve(); }));
    off(); // idempotent
    c.close();
    off(); // harmless after close()
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
  assert.ok(closed, "the server must see the connection end after close()");
});

test("reconnect options and failure reasons reach JS: 503 then give up, refreshUrl after 401", async () => {
  const r = await run(async ({ server, k }) => {
    const failing = new window.sse.SseClient(`${server}/sse/status?code=503&key=${k}-a`, { initialDelayMs: 20, maxReconnects: 2, jitter: 0 });
    const states = [];
    const final = await new Promise((resolve) => failing.onState((s) => { states.push(s.state === "reconnecting" ? `${s.state}:${s.attempt}:${s.reason}` : s.state); if (s.state === "closed") resolve(s); }));
    failing.close();
    const refreshed = new window.sse.SseClient(`${server}/sse/auth?token=old&key=${k}-b`, {
      initialDelayMs: 20,
      refreshUrl: async () => `${server}/sse/auth?token=good&key=${k}-b`,
    });
    const token = await new Promise((resolve) => refreshed.on("ready", (d) => resolve(d)));
    refreshed.close();
    return { states, final: { state: final.state, reason: final.reason, kind: final.error.kind, attempts: final.error.attempts, last: final.error.last.status }, token };
  }, { k: key("js-reconnect") });
  assert.deepEqual(r.states, ["reconnecting:1:http", "connecting", "reconnecting:2:http", "connecting", "closed"]);
  assert.deepEqual(r.final, { state: "closed", reason: "gave_up", kind: "gave_up", attempts: 2, last: 503 });
  assert.equal(r.token, "good");
});

test("an idle timeout recycles a silent connection", async () => {
  const k = key("js-idle");
  const r = await run(async ({ server, k }) => {
    // /sse/hold sends one `ready` event, then only comments, which EventSource does not surface.
    // Before the constructor, which connects: the timeout counts from there.
    const started = Date.now();
    const c = new window.sse.SseClient(`${server}/sse/hold?key=${k}`, { idleTimeoutMs: 300, initialDelayMs: 50 });
    const errors = [];
    const timeout = new Promise((resolve) => setTimeout(resolve, 15_000)); // fail, do not hang
    await Promise.race([timeout, new Promise((resolve) => c.onError((e) => { errors.push({ kind: e.kind, timeoutMs: e.timeoutMs, at: Date.now() - started }); if (errors.length === 2) resolve(); }))]);
    c.close();
    return errors;
  }, { k });
  assert.deepEqual(r.map((e) => [e.kind, e.timeoutMs]), [["idle_timeout", 300], ["idle_timeout", 300]]);
  assert.ok(r[0].at >= 300, `recycled after ${r[0].at} ms, before the timeout`);
  const conns = await statsUntil(k, (cs) => cs.length >= 2 && cs.every((c) => c.closed_ms !== null));
  assert.ok(conns.length >= 2, `one connection per timeout: ${JSON.stringify(conns)}`);
  assert.ok(conns.every((c) => c.closed_ms !== null), "every recycled connection is closed on the server");
  // The server's view: it counts from when the request arrived, after the client's connect
  // (from which the client counts its timeout, checked above to the millisecond); on a busy
  // machine the request has been seen to arrive 50 ms late, so this bound only catches a
  // recycle far too early, or one that never came.
  const silent = conns[0].closed_ms - conns[0].opened_ms;
  assert.ok(silent >= 150 && silent < 300 * 1.25 + 400, `the first connection lived ${silent} ms`);
});

test("resume across cuts: every id exactly once, in order, each connection resuming", async () => {
  const k = key("js-resume");
  const ids = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/numbered?total=500&cut=50&key=${k}`, { initialDelayMs: 10, jitter: 0 });
    const got = [];
    const timeout = new Promise((resolve) => setTimeout(resolve, 30_000)); // fail, do not hang
    await Promise.race([timeout, new Promise((resolve) => c.on("message", (d, meta) => { got.push([d.n, meta.id]); if (got.length === 500) resolve(); }))]);
    await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to show up
    c.close();
    return got;
  }, { k });
  assert.deepEqual(ids.map(([n]) => n), Array.from({ length: 500 }, (_, i) => i + 1));
  assert.deepEqual(ids.map(([, id]) => id), ids.map(([n]) => String(n)), "meta.id follows the server's ids");
  const conns = await statsUntil(k, (cs) => cs.length >= 10);
  assert.equal(conns.length, 10, "one connection per 50 events");
  assert.equal(conns[0].last_event_id, null);
  conns.slice(1).forEach((c, i) => {
    assert.equal(c.last_event_id, String((i + 1) * 50), `connection ${i + 1} resumes after the last id delivered`);
    assert.equal(c.resumed_via, "query");
  });
});

test("the backoff starts over after a connection that opened", async () => {
  const k = key("js-reset");
  const r = await run(async ({ server, k }) => {
    // Two 503s, then a connection that streams three events and ends, then ones that stream
    // nothing more (everything was delivered) and end at once.
    const c = new window.sse.SseClient(`${server}/sse/flaky?fail=2&code=503&n=3&end=1&key=${k}`, { initialDelayMs: 40, multiplier: 2, jitter: 0 });
    const seen = [];
    const timeout = new Promise((resolve) => setTimeout(resolve, 15_000)); // fail, do not hang
    await Promise.race([timeout, new Promise((resolve) => {
      c.on("message", (d) => seen.push(`event:${d.n}`));
      c.onState((s) => {
        if (s.state === "reconnecting") seen.push(`attempt:${s.attempt}:${s.delayMs}:${s.reason}`);
        if (seen.filter((x) => x.startsWith("attempt")).length === 5) resolve();
      });
    })]);
    c.close();
    return seen;
  }, { k });
  assert.deepEqual(r, [
    "attempt:1:40:http", "attempt:2:80:http",
    "event:1", "event:2", "event:3",
    "attempt:1:40:network", // reset: that connection opened
    "attempt:1:40:network", "attempt:1:40:network", // so did these, though they delivered nothing
  ]);
  const conns = await statsUntil(k, (cs) => cs.length >= 5);
  assert.ok(conns.length >= 5, JSON.stringify(conns));
  assert.equal(conns[3].last_event_id, "3", "the connection after the reset resumes after event 3");
});

test("a hostile 16 MB malformed event does not stay in wasm memory; the error has all of it", async () => {
  const k = key("js-big-malformed");
  const r = await run(async ({ server, k }) => {
    const bytes = () => window.wasm.memory.buffer.byteLength;
    const before = bytes();
    const c = new window.sse.SseClient(`${server}/sse/big?bytes=16000000&malformed=1&key=${k}`, { reconnect: false });
    c.on("message", () => {});
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 30_000)); // fail, do not hang
    const error = await Promise.race([timeout, new Promise((resolve) => c.onError((e) => { if (e.kind === "decode") resolve(e); }))]);
    c.close();
    return { growth: bytes() - before, raw: error && error.raw.length, head: error && error.raw.slice(0, 20) };
  }, { k });
  console.log(`wasm memory growth after a 16 MB malformed event: ${r.growth} B`);
  assert.equal(r.raw, 15_999_998, "the decode error carries the whole raw text");
  assert.equal(r.head, '{"size":16000000,"fi');
  assert.ok(r.growth <= 2 * 1024 * 1024, `wasm memory grew by ${r.growth} B`);
});

test("a hundred malformed 1 MB events in a row leave wasm memory flat after the first", async () => {
  const k = key("js-many-malformed");
  const r = await run(async ({ server, k }) => {
    const bytes = () => window.wasm.memory.buffer.byteLength;
    const c = new window.sse.SseClient(`${server}/sse/big?bytes=1000000&count=100&malformed=1&key=${k}`, { reconnect: false });
    c.on("message", () => {});
    const sizes = [];
    const timeout = new Promise((resolve) => setTimeout(resolve, 60_000)); // fail, do not hang
    await Promise.race([timeout, new Promise((resolve) => c.onError((e) => {
      if (e.kind !== "decode") return;
      sizes.push(bytes());
      if (sizes.length === 100) resolve();
    }))]);
    c.close();
    return sizes;
  }, { k });
  console.log(`wasm memory: ${r[0]} B after the first malformed 1 MB event, ${r[99]} B after the 100th`);
  assert.equal(r.length, 100, "every malformed event is reported");
  assert.equal(r[99] - r[0], 0, `wasm memory grew by ${r[99] - r[0]} B after the first`);
});

test("a refresher that never settles ends as unauthorized after refreshTimeoutMs", async () => {
  const k = key("js-refresh-hang");
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/auth?token=old&key=${k}`, {
      initialDelayMs: 20,
      jitter: 0,
      refreshTimeoutMs: 300,
      refreshUrl: () => new Promise(() => {}),
    });
    const states = [];
    let reconnectingAt = 0;
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10_000)); // fail, do not hang
    const final = await Promise.race([timeout, new Promise((resolve) => c.onState((s) => {
      states.push(s.state);
      if (s.state === "reconnecting") reconnectingAt = performance.now();
      if (s.state === "closed") resolve({ reason: s.reason, status: s.error.status, after: performance.now() - reconnectingAt });
    }))]);
    return { states, final };
  }, { k });
  assert.deepEqual(r.states, ["reconnecting", "closed"]);
  assert.equal(r.final.reason, "unauthorized");
  assert.equal(r.final.status, 401);
  // 20 ms of backoff, then the refresher's 300 ms.
  assert.ok(r.final.after >= 300 && r.final.after < 2_000, `closed ${r.final.after} ms after reconnecting`);
  const conns = await statsUntil(k, (cs) => cs.length >= 1);
  assert.equal(conns.length, 1, "no connection after the refresher timed out");
});

test("no console errors on the test page (besides the browser's log of the 401/503 provoked above)", () => {
  assert.deepEqual(unexpected(errors, [401, 503]), []);
});
