// The fetch transport through the JS API, in Chromium against the test server: the same
// listeners as the native transport, the real Last-Event-ID header on reconnect, the status and
// body of a refusal, retry:, comments, maxEventBytes, and close() aborting the request.
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

const run = (fn, args) => page.evaluate(fn, { ...args, server: SERVER });

test("fetch mode: listeners get decoded data and meta, as with EventSource", async () => {
  const k = key("fetch-basic");
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/messages?n=3&key=${k}`, { transport: "fetch" });
    const got = [];
    const timeout = new Promise((resolve) => setTimeout(resolve, 10_000)); // fail, do not hang
    await Promise.race([timeout, new Promise((resolve) => c.on("message", (data, meta) => {
      got.push({ data, meta: JSON.parse(JSON.stringify(meta)) });
      if (got.length === 3) resolve();
    }))]);
    const info = { readyState: c.state.state, lastEventId: c.lastEventId };
    c.close();
    return { got, info };
  }, { k });
  assert.deepEqual(r.got.map((g) => g.data), [{ n: 1 }, { n: 2 }, { n: 3 }]);
  assert.deepEqual(r.got[2].meta, { type: "message", id: "3", origin: SERVER, raw: '{"n":3}' });
  assert.equal(r.info.readyState, "open");
  assert.equal(r.info.lastEventId, "3");
});

test("fetch mode: resume across cuts through the Last-Event-ID header, no id lost or repeated", async () => {
  const k = key("fetch-resume");
  const ids = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/numbered?total=300&cut=50&key=${k}`, { transport: "fetch", initialDelayMs: 10, jitter: 0 });
    const got = [];
    const timeout = new Promise((resolve) => setTimeout(resolve, 30_000)); // fail, do not hang
    await Promise.race([timeout, new Promise((resolve) => c.on("message", (d) => { got.push(d.n); if (got.length === 300) resolve(); }))]);
    await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to show up
    c.close();
    return got;
  }, { k });
  assert.deepEqual(ids, Array.from({ length: 300 }, (_, i) => i + 1));
  const conns = await statsUntil(k, (cs) => cs.length >= 6);
  assert.equal(conns.length, 6, "one connection per 50 events");
  assert.equal(conns[0].last_event_id, null);
  conns.slice(1).forEach((c, i) => {
    assert.equal(c.last_event_id, String((i + 1) * 50));
    assert.equal(c.resumed_via, "header", "fetch sends the real Last-Event-ID header");
    assert.ok(!c.uri.includes("lastEventId="), "and no query parameter by default");
  });
});

test("fetch mode: a listener that grows wasm memory in the middle of a chunk loses none of its events", async () => {
  // A chunk's events reach JS as numbers in wasm memory; growing that memory detaches any view
  // of it. Here the first listener call copies a 32 MB string into wasm (a client for a URL
  // that long), so the memory must grow while the rest of the chunk waits.
  const k = key("fetch-grow");
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/numbered?total=300&key=${k}`, { transport: "fetch" });
    const before = window.wasm.memory.buffer.byteLength;
    const got = [];
    const timeout = new Promise((resolve) => setTimeout(resolve, 10_000)); // fail, do not hang
    await Promise.race([timeout, new Promise((resolve) => c.on("message", (d) => {
      if (got.length === 0) new window.sse.SseClient(`${server}/${"x".repeat(32 << 20)}`, { transport: "fetch" }).close();
      got.push(d.n);
      if (got.length === 300) resolve();
    }))]);
    c.close();
    return { got, grew: window.wasm.memory.buffer.byteLength > before };
  }, { k });
  assert.ok(r.grew, "the listener grew wasm memory");
  assert.deepEqual(r.got, Array.from({ length: 300 }, (_, i) => i + 1));
});

test("fetch mode: a refusal carries its status and body, read without a probe", async () => {
  const k = key("fetch-404");
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/status?code=404&key=${k}`, { transport: "fetch" });
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10_000));
    const s = await Promise.race([timeout, new Promise((resolve) => c.onState((s) => { if (s.state === "closed") resolve(s); }))]);
    return s && { reason: s.reason, status: s.error.status, body: s.error.body };
  }, { k });
  assert.equal(r.reason, "http");
  assert.equal(r.status, 404);
  assert.ok(r.body.length > 0, "the body's start comes with the error");
  const all = await (await fetch(`${SERVER}/stats?key=${k}`)).json();
  assert.equal(all.connections.length, 1, "no probe: fetch sees the status itself");
});

test("fetch mode: a 200 with another content type stops as content_type (it does not sit open)", async () => {
  const k = key("fetch-content-type");
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/content-type?key=${k}`, { transport: "fetch" });
    const states = [];
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10_000));
    const s = await Promise.race([timeout, new Promise((resolve) => c.onState((s) => {
      states.push(s.state);
      if (s.state === "closed") resolve(s);
    }))]);
    return { states, closed: s && { reason: s.reason, contentType: s.error.contentType } };
  }, { k });
  assert.deepEqual(r.closed, { reason: "content_type", contentType: "text/plain" }, `states: ${r.states}`);
  assert.ok(!r.states.includes("open"), `never open: ${r.states}`);
});

test("fetch mode: a non-ASCII last event id goes out as UTF-8, as native EventSource sends it", async () => {
  const k = key("fetch-utf8-id");
  const id = "日本-é-1";
  const state = await run(async ({ server, k, id }) => {
    const c = new window.sse.SseClient(`${server}/sse/hold?key=${k}`, { transport: "fetch", lastEventId: id });
    const opened = await Promise.race([
      new Promise((resolve) => c.onState((s) => { if (s.state === "open") resolve(true); })),
      new Promise((resolve) => setTimeout(() => resolve(c.state.state), 10_000)),
    ]);
    c.close();
    return opened;
  }, { k, id });
  assert.equal(state, true, "the request was made");
  const [conn] = await connections(k);
  assert.equal(conn.resumed_via, "header");
  assert.equal(conn.last_event_id, id);
});

test("fetch mode: an id reset (`id:` with no value) leaves the resume point where it was, however the bytes are chunked", async () => {
  const sent = await run(async () => {
    const resumeAfter = (chunks) => new Promise((resolve) => {
      let calls = 0;
      const fetch = async (url, init) => {
        if (++calls === 2) {
          resolve(init.headers["Last-Event-ID"]);
          return new Response(null, { status: 204 });
        }
        const bytes = chunks.map((c) => new TextEncoder().encode(c));
        const body = new ReadableStream({ pull: (c) => (bytes.length ? c.enqueue(bytes.shift()) : c.close()) });
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      };
      new window.sse.SseClient("/reset", { transport: "fetch", fetch, initialDelayMs: 10, jitter: 0, decode: "text" });
    });
    const events = "id: 5\ndata: 1\n\nid\ndata: 2\n\n";
    return {
      oneChunk: await resumeAfter([events]),
      twoChunks: await resumeAfter([events.slice(0, 16), events.slice(16)]),
    };
  });
  assert.deepEqual(sent, { oneChunk: "5", twoChunks: "5" });
});

test("fetch mode: close() aborts the request and the server sees the connection end", async () => {
  const k = key("fetch-close");
  await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/messages?n=100&interval_ms=50&key=${k}`, { transport: "fetch" });
    await new Promise((resolve) => c.on("message", (d) => { if (d.n === 3) resolve(); }));
    c.close();
  }, { k });
  const conns = await statsUntil(k, (cs) => cs.length === 1 && cs[0].closed_ms !== null);
  assert.equal(conns.length, 1);
  assert.notEqual(conns[0].closed_ms, null, "the server saw the connection end");
});

test("fetch mode: a POST with a JSON body and headers, as an LLM completion API gets it", async () => {
  const k = key("fetch-completion");
  const r = await run(async ({ server, k }) => {
    const token = async () => (await (await fetch(`${server}/token?key=${k}`, { method: "POST", headers: { "X-Typed-SSE": "1" } })).json()).token;
    const c = new window.sse.SseClient(`${server}/v1/completions?key=${k}&interval_ms=5`, {
      transport: "fetch", method: "POST", body: { prompt: "hello", max_tokens: 12 },
      headers: async () => ({ Authorization: `Bearer ${await token()}` }),
      resume: "repeat", terminalEvents: ["done"],
    });
    const tokens = [];
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10_000));
    const done = await Promise.race([timeout, new Promise((resolve) => {
      c.on("token", (t, meta) => tokens.push([t.index, meta.id, t.text]));
      c.on("done", (d) => resolve(d));
    })]);
    c.close();
    return { tokens, done };
  }, { k });
  assert.deepEqual(r.tokens.map(([i, id]) => [i, id]), Array.from({ length: 12 }, (_, i) => [i, String(i)]));
  assert.equal(r.done.tokens, 12);
  assert.equal(r.tokens.map(([, , text]) => text).join(""), r.done.text, "the answer is the tokens in order");
  const conns = await connections(k);
  assert.equal(conns[0].method, "POST");
  assert.equal(conns[0].content_type, "application/json");
  assert.match(conns[0].authorization, /^Bearer tok-/);
});

test("fetch mode: a 401 renews the headers once, then stops as unauthorized with the body", async () => {
  const k = key("fetch-401");
  const r = await run(async ({ server, k }) => {
    let calls = 0;
    const c = new window.sse.SseClient(`${server}/sse/bearer?key=${k}`, {
      transport: "fetch", initialDelayMs: 10,
      headers: () => { calls++; return { Authorization: "Bearer not-a-token" }; },
    });
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10_000));
    const s = await Promise.race([timeout, new Promise((resolve) => c.onState((s) => { if (s.state === "closed") resolve(s); }))]);
    return { calls, reason: s?.reason, status: s?.error.status, body: s?.error.body };
  }, { k });
  assert.equal(r.reason, "unauthorized");
  assert.equal(r.status, 401);
  assert.equal(r.calls, 2, "one renewal: the headers function ran for the first attempt and the retry");
  assert.match(r.body, /token expired/);
  assert.equal((await connections(k)).length, 2);
});

test("fetch mode: a 429's JSON body and Retry-After reach the state; the wait is at least Retry-After", async () => {
  const k = key("fetch-429");
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/status?code=429&body=json&retry_after=1&key=${k}`, { transport: "fetch", initialDelayMs: 10 });
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10_000));
    const s = await Promise.race([timeout, new Promise((resolve) => c.onState((s) => { if (s.state === "reconnecting") resolve(s); }))]);
    c.close();
    return s && { delayMs: s.delayMs, kind: s.error.kind, status: s.error.status, body: JSON.parse(s.error.body) };
  }, { k });
  assert.equal(r.kind, "http");
  assert.equal(r.status, 429);
  assert.equal(r.body.error.type, "rate_limit");
  assert.ok(r.delayMs >= 1000, `waited ${r.delayMs} ms despite Retry-After: 1`);
});

test("fetch mode: the server's retry: becomes the reconnect delay", async () => {
  const k = key("fetch-retry");
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/retry?ms=700&n=2&key=${k}`, { transport: "fetch", initialDelayMs: 10, jitter: 0 });
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10_000));
    const s = await Promise.race([timeout, new Promise((resolve) => c.onState((s) => { if (s.state === "reconnecting") resolve(s); }))]);
    c.close();
    const ignored = new window.sse.SseClient(`${server}/sse/retry?ms=700&n=2&key=${k}-b`, { transport: "fetch", initialDelayMs: 10, jitter: 0, serverRetry: false });
    const t = await Promise.race([timeout, new Promise((resolve) => ignored.onState((s) => { if (s.state === "reconnecting") resolve(s); }))]);
    ignored.close();
    return { honoured: s?.delayMs, ignored: t?.delayMs };
  }, { k });
  assert.equal(r.honoured, 700);
  assert.equal(r.ignored, 10, "serverRetry: false keeps the policy's delay");
});

test("fetch mode: comments are observable and keep an idle timeout from firing", async () => {
  const k = key("fetch-comments");
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/comments?every_ms=100&key=${k}`, { transport: "fetch", idleTimeoutMs: 400 });
    const comments = [];
    const errors = [];
    c.onComment((text) => comments.push(text));
    c.onError((e) => errors.push(e.kind));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const state = c.state.state;
    c.close();
    return { comments: comments.length, first: comments[0], errors, state };
  }, { k });
  assert.ok(r.comments >= 10, `${r.comments} comments in 1.5 s`);
  assert.equal(r.first, " keep-alive");
  assert.deepEqual(r.errors, [], "comments count as life");
  assert.equal(r.state, "open");
  assert.equal((await connections(k)).length, 1);
});

test("fetch mode: an endless line passes maxEventBytes: too_large, and the policy retries", async () => {
  const k = key("fetch-endless");
  const r = await run(async ({ server, k }) => {
    const c = new window.sse.SseClient(`${server}/sse/endless?bytes=5000000&key=${k}`, { transport: "fetch", maxEventBytes: 100000, initialDelayMs: 10 });
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10_000));
    const s = await Promise.race([timeout, new Promise((resolve) => c.onState((s) => { if (s.state === "reconnecting") resolve(s); }))]);
    c.close();
    return s && { kind: s.error.kind, limit: s.error.limit };
  }, { k });
  assert.deepEqual(r, { kind: "too_large", limit: 100000 });
  const conns = await statsUntil(k, (cs) => cs.length >= 1 && cs[0].closed_ms !== null);
  assert.notEqual(conns[0].closed_ms, null, "the connection was dropped, not read to its end");
});

test("fetch mode: a Web Worker streams typed events", async () => {
  const k = key("fetch-worker");
  const got = await run(async ({ server, k }) => {
    const source = `
      import init, { SseClient } from "${server}/pkg/typed_sse.js";
      await init();
      const c = new SseClient("${server}/sse/messages?n=3&key=${k}", { transport: "fetch" });
      const got = [];
      c.on("message", (d, meta) => { got.push([d.n, meta.id]); if (got.length === 3) { c.close(); postMessage({ got, transport: typeof EventSource }); } });
    `;
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    const worker = new Worker(url, { type: "module" });
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10_000));
    const answer = await Promise.race([timeout, new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); worker.onerror = (e) => resolve({ error: e.message }); })]);
    worker.terminate();
    return answer;
  }, { k });
  assert.deepEqual(got.got, [[1, "1"], [2, "2"], [3, "3"]]);
  const conns = await connections(k);
  assert.equal(conns.length, 1);
  assert.equal(conns[0].accept, "text/event-stream");
  assert.equal(conns[0].cache_control, "no-cache", "cache mode no-store: the browser's own header, not ours");
});

test("fetch mode: a headers function that never settles fails after refreshTimeoutMs, and nothing connects", async () => {
  const k = key("fetch-headers-hang");
  const r = await run(async ({ server, k }) => {
    const started = performance.now();
    const c = new window.sse.SseClient(`${server}/sse/messages?n=3&key=${k}`, {
      transport: "fetch", refreshTimeoutMs: 300, initialDelayMs: 60_000,
      headers: () => new Promise(() => {}),
    });
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10_000));
    const s = await Promise.race([timeout, new Promise((resolve) => c.onState((s) => { if (s.state === "reconnecting") resolve(s); }))]);
    c.close();
    return s && { reason: s.reason, message: s.error.message, after: performance.now() - started };
  }, { k });
  assert.equal(r.reason, "network");
  assert.match(r.message, /headers function did not answer within 300 ms/);
  assert.ok(r.after >= 300 && r.after < 3_000, `failed after ${r.after} ms`);
  assert.equal((await connections(k)).length, 0, "no request without its headers");
});

test("fetch mode: a refusal whose body stalls is decided on its status within a second", async () => {
  const r = await run(async ({ server }) => {
    // A custom fetch (the `fetch` option) answering 503 with a body that never comes.
    const stalled = async () => new Response(new ReadableStream({ start() {} }), { status: 503, headers: { "Retry-After": "2" } });
    const started = performance.now();
    const c = new window.sse.SseClient(`${server}/sse/messages`, { transport: "fetch", fetch: stalled, initialDelayMs: 10 });
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10_000));
    const s = await Promise.race([timeout, new Promise((resolve) => c.onState((s) => { if (s.state === "reconnecting") resolve(s); }))]);
    c.close();
    return s && { kind: s.error.kind, status: s.error.status, body: s.error.body, delayMs: s.delayMs, after: performance.now() - started };
  });
  assert.deepEqual([r.kind, r.status, r.body], ["http", 503, ""]);
  assert.ok(r.after < 3_000, `decided after ${r.after} ms`);
  assert.ok(r.delayMs >= 2_000, "Retry-After from the custom fetch's response is honoured");
});

test("fetch mode: a refusal's body preview keeps its one-second deadline when the wall clock is set back", async () => {
  const r = await run(async ({ server }) => {
    const realNow = Date.now;
    // The body's first piece arrives; when it is read, the wall clock goes back an hour and
    // the rest never comes: a deadline kept on the wall clock would wait that hour for it.
    let pulls = 0;
    const body = new ReadableStream({
      pull(controller) {
        // The first pull comes at once (the stream fills its queue), before the preview starts.
        if (pulls++ === 0) return controller.enqueue(new TextEncoder().encode("busy"));
        Date.now = () => realNow() - 3_600_000;
        return new Promise(() => {});
      },
    });
    const stalled = async () => new Response(body, { status: 503 });
    const started = performance.now();
    const c = new window.sse.SseClient(`${server}/sse/messages`, { transport: "fetch", fetch: stalled, initialDelayMs: 10 });
    try {
      const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 5_000));
      const s = await Promise.race([timeout, new Promise((resolve) => c.onState((s) => { if (s.state === "reconnecting") resolve(s); }))]);
      return s && { status: s.error.status, body: s.error.body, after: performance.now() - started };
    } finally {
      c.close();
      Date.now = realNow;
    }
  });
  assert.ok(r, "still connecting after 5 s: the deadline followed the wall clock");
  assert.deepEqual([r.status, r.body], [503, "busy"]);
  assert.ok(r.after < 3_000, `decided after ${r.after} ms`);
});

test("no console errors on the fetch test page (besides the statuses provoked above)", () => {
  assert.deepEqual(unexpected(errors, [401, 404, 429]), []);
});
