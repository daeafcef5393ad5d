// Streamed LLM answers through the JS API, in Chromium and in Node, against the test server's
// byte-exact OpenAI-style (`/v1/chat/completions`) and Anthropic-style (`/v1/messages`) streams
// and its resumable `/v1/completions`: with only `method` and `body` set (and, for Anthropic,
// its terminal event named), one POST per answer, the whole text, `closed` with reason `done`
// and no error; Anthropic with nothing named ends as `ended` after one POST; a cut mid-answer
// without ids ends as `ended` without a second POST; a 429 is retried after its Retry-After;
// the resumable endpoint with `resume: "repeat"` completes across cuts, no token missing or
// repeated.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, open, key, connections, statsUntil, unexpected, runInNode, SERVER } from "./helpers.mjs";

let browser, page, errors;

before(async () => {
  browser = await launch();
  ({ page, errors } = await open(browser, "/e2e/js-api.html"));
  await page.waitForFunction(() => window.ready === true);
});
after(async () => { await browser?.close(); });

// What every scenario has in scope besides `SseClient`, `server` and `k`: `closed(client)`, the
// closed state (or "timeout" after 15 s), and `watch(client)`, which collects its errors.
const PRELUDE = `
const closed = (c) => new Promise((resolve) => {
  const t = setTimeout(() => resolve({ state: "timeout", readyState: c.state.state }), 15000);
  const done = (s) => { clearTimeout(t); resolve(JSON.parse(JSON.stringify(s))); };
  if (c.state.state === "closed") return done(c.state);
  c.onState((s) => { if (s.state === "closed") done(s); });
});
const watch = (c) => { const es = []; c.onError((e) => es.push({ kind: e.kind, status: e.status, body: e.body })); return es; };
`;

// Runs `body` (the inside of an async function) with `SseClient`, `server` and `k` in scope, in
// the page (Chromium) or in a fresh Node process that imports the package by name.
async function inChromium(body, k) {
  return page.evaluate(({ src, server, k }) => {
    // eslint-disable-next-line no-new-func
    const run = new Function("SseClient", "server", "k", `return (async () => { ${src} })();`);
    return run(window.sse.SseClient, server, k);
  }, { src: PRELUDE + body, server: SERVER, k });
}

function inNode(body, k) {
  return runInNode(`
import { SseClient } from "typed-sse";
const server = process.env.SERVER_URL;
const k = ${JSON.stringify(k)};
${PRELUDE}
const result = await (async () => { ${body} })();
console.log(JSON.stringify(result));
process.exit(0);
`);
}

const RUNTIMES = { chromium: inChromium, node: inNode };
const PROMPT = "Tell me about streams";
// MCP's priming event (an id, empty data), then a named event.
const PRIMED = 'id: prime-1\ndata:\n\nevent: note\ndata: {"a":1}\n\n';
const TOKENS = 8;

// The answer's text, from one raw request of the test's own (on another key), read whole.
async function expectedText() {
  const response = await fetch(`${SERVER}/v1/chat/completions?key=${key("llm-expected")}&interval_ms=0`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: PROMPT }], max_tokens: TOKENS }),
  });
  assert.equal(response.status, 200);
  let text = "";
  for (const line of (await response.text()).split("\n")) {
    if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
    text += JSON.parse(line.slice(6)).choices[0].delta.content ?? "";
  }
  assert.ok(text.length > 0);
  return text;
}

const posts = async (k) => (await connections(k)).filter((c) => c.method === "POST");

// Waits for the server to see every connection of `k` end, then returns its POSTs.
const settledPosts = async (k) => {
  await statsUntil(k, (cs) => cs.length > 0 && cs.every((c) => c.closed_ms !== null));
  return posts(k);
};

const OPENAI = (query) => `
  const c = new SseClient(server + "/v1/chat/completions?key=" + k + "&interval_ms=5${query}", {
    method: "POST",
    body: { messages: [{ role: "user", content: ${JSON.stringify(PROMPT)} }], max_tokens: ${TOKENS} },
  });
  const errors = watch(c);
  let text = "";
  c.on("message", (chunk) => { text += chunk.choices[0].delta.content ?? ""; });
  const state = await closed(c);
  return { text, state, errors, lastEventId: c.lastEventId };
`;

const ANTHROPIC = (query, options) => `
  const c = new SseClient(server + "/v1/messages?key=" + k + "&interval_ms=5${query}", {
    method: "POST",
    body: { model: "m", max_tokens: ${TOKENS}, stream: true, messages: [{ role: "user", content: ${JSON.stringify(PROMPT)} }] },
    ${options}
  });
  const errors = watch(c);
  const end = closed(c);
  // One for await over a union of named events; ping and the others are skipped.
  const types = [];
  let text = "";
  for await (const event of c.events({
    content_block_delta: (raw) => JSON.parse(raw),
    message_stop: (raw) => JSON.parse(raw),
  })) {
    types.push(event.type);
    if (event.type === "content_block_delta") text += event.data.delta.text;
  }
  return { text, types, state: await end, errors };
`;

for (const [runtime, run] of Object.entries(RUNTIMES)) {
  test(`${runtime}: an OpenAI-style answer with only method and body: one POST, the whole text, closed done, no error`, async () => {
    const k = key(`llm-openai-${runtime}`);
    const r = await run(OPENAI(""), k);
    assert.deepEqual(r.state, { state: "closed", reason: "done" });
    assert.deepEqual(r.errors, [], "[DONE] is neither decoded nor an error, the end not a drop");
    assert.equal(r.text, await expectedText());
    assert.equal((await settledPosts(k)).length, 1, "exactly one POST");
  });

  test(`${runtime}: an Anthropic-style answer with message_stop named: one POST, the text through one union iterator, closed done`, async () => {
    const k = key(`llm-anthropic-${runtime}`);
    const r = await run(ANTHROPIC("", `terminalEvents: ["message_stop"],`), k);
    assert.deepEqual(r.state, { state: "closed", reason: "done" });
    assert.deepEqual(r.errors, []);
    assert.equal(r.text, await expectedText());
    assert.equal(r.types.at(-1), "message_stop", "the terminal event is delivered, last");
    assert.equal(r.types.filter((t) => t === "content_block_delta").length, TOKENS);
    assert.equal((await settledPosts(k)).length, 1);
  });

  test(`${runtime}: an Anthropic-style answer with nothing named closes as ended after one POST`, async () => {
    const k = key(`llm-anthropic-unnamed-${runtime}`);
    const r = await run(ANTHROPIC("", ""), k);
    assert.deepEqual(r.state, { state: "closed", reason: "ended" });
    assert.deepEqual(r.errors, [], "ended is not an error");
    assert.equal(r.text, await expectedText());
    assert.equal((await settledPosts(k)).length, 1);
  });

  for (const abort of [0, 1]) {
    test(`${runtime}: a cut mid-answer without ids (${abort ? "connection broken" : "clean end"}) closes as ended, with no second POST`, async () => {
      const k = key(`llm-cut-${abort}-${runtime}`);
      const r = await run(OPENAI(`&cut_after=3&abort=${abort}`), k);
      assert.deepEqual(r.state, { state: "closed", reason: "ended" });
      assert.deepEqual(r.errors, []);
      assert.equal(r.lastEventId, "");
      assert.ok((await expectedText()).startsWith(r.text) && r.text.length > 0, "the start of the answer");
      // Longer than the policy's first delay: a second POST would have come by now.
      await new Promise((res) => setTimeout(res, 1500));
      assert.equal((await settledPosts(k)).length, 1, "the request was not sent again");
    });
  }

  test(`${runtime}: a 429 before the answer is retried after its Retry-After, with the provider's error body`, async () => {
    const k = key(`llm-429-${runtime}`);
    const started = Date.now();
    const r = await run(OPENAI("&fail=1&retry_after=1"), k);
    assert.deepEqual(r.state, { state: "closed", reason: "done" });
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].kind, "http");
    assert.equal(r.errors[0].status, 429);
    assert.ok(JSON.parse(r.errors[0].body).error, `a JSON error body: ${r.errors[0].body}`);
    assert.equal(r.text, await expectedText());
    const sent = await settledPosts(k);
    assert.deepEqual(sent.map((c) => c.status), [429, 200]);
    assert.ok(sent[1].opened_ms - sent[0].opened_ms >= 1000, "not before Retry-After");
    assert.ok(Date.now() - started >= 1000);
  });

  test(`${runtime}: the resumable endpoint with resume: "repeat" completes across cuts, no token missing or repeated`, async () => {
    const k = key(`llm-resume-${runtime}`);
    const r = await run(`
      const token = async () => (await (await fetch(server + "/token?key=" + k, { method: "POST", headers: { "X-Typed-SSE": "1" } })).json()).token;
      const cut = () => fetch(server + "/control/cut?key=" + k, { method: "POST", headers: { "X-Typed-SSE": "1" } });
      const c = new SseClient(server + "/v1/completions?key=" + k + "&interval_ms=40", {
        method: "POST",
        body: { prompt: ${JSON.stringify(PROMPT)}, max_tokens: 30 },
        headers: async () => ({ Authorization: "Bearer " + (await token()) }),
        initialDelayMs: 50,
        resume: "repeat",
        terminalEvents: ["done"],
      });
      const errors = watch(c);
      const indexes = [];
      let text = "", done = null;
      c.on("token", (t) => {
        indexes.push(t.index);
        text += t.text;
        // Two cuts mid-answer.
        if (t.index === 5 || t.index === 17) cut();
      });
      c.on("done", (d) => { done = d; });
      const state = await closed(c);
      return { indexes, text, done, state, errors: errors.map((e) => e.kind) };
    `, k);
    assert.deepEqual(r.state, { state: "closed", reason: "done" });
    assert.deepEqual(r.indexes, Array.from({ length: 30 }, (_, i) => i), "no token missing or repeated");
    assert.equal(r.text, r.done.text);
    assert.deepEqual(r.errors, ["network", "network"], "each cut is reported as the drop it is");
    const sent = await settledPosts(k);
    assert.equal(sent.length, 3, "the answer, then one resume per cut");
    assert.deepEqual(sent.slice(1).map((c) => c.resumed_via), ["header", "header"]);
  });
}

test("chromium: TypedEventSource, given only method and body, dispatches no error at the end of an answer", async () => {
  const k = key("llm-typed-event-source");
  const r = await page.evaluate(async ({ server, k, prompt }) => {
    const es = new window.sse.TypedEventSource(`${server}/v1/chat/completions?key=${k}&interval_ms=5`, {
      method: "POST", body: { messages: [{ role: "user", content: prompt }] },
    });
    const seen = [];
    es.onerror = (e) => seen.push(`error:${e.error?.kind}`);
    es.onmessage = (e) => seen.push(JSON.parse(e.data).object);
    await new Promise((resolve) => {
      const t = setTimeout(resolve, 10_000);
      es.addEventListener("statechange", (e) => { if (e.state.state === "closed") { clearTimeout(t); resolve(); } });
    });
    return { seen, readyState: es.readyState, state: es.state };
  }, { server: SERVER, k, prompt: PROMPT });
  assert.ok(r.seen.length > 2 && r.seen.every((s) => s === "chat.completion.chunk"), `${r.seen}`);
  assert.equal(r.readyState, 2);
  assert.deepEqual(r.state, { state: "closed", reason: "done" });
  assert.equal((await settledPosts(k)).length, 1);
});

for (const [runtime, run] of Object.entries(RUNTIMES)) {
  test(`${runtime}: a user's Accept header is kept, with text/event-stream added when it is missing`, async () => {
    for (const [given, sent] of [
      ["application/json, text/event-stream", "application/json, text/event-stream"],
      ["application/json", "application/json, text/event-stream"],
    ]) {
      const k = key(`llm-accept-${runtime}`);
      const r = await run(`
        const c = new SseClient(server + "/v1/chat/completions?key=" + k + "&interval_ms=0", {
          method: "POST", body: { prompt: "hi" }, headers: { Accept: ${JSON.stringify(given)} },
        });
        return await closed(c);
      `, k);
      assert.deepEqual(r, { state: "closed", reason: "done" });
      const [conn] = await settledPosts(k);
      assert.equal(conn.accept, sent);
    }
  });

  test(`${runtime}: a terminalEvents function ends the answer at the event it names; one that throws is reported and counts as no`, async () => {
    const k = key(`llm-predicate-${runtime}`);
    const r = await run(`
      const c = new SseClient(server + "/v1/chat/completions?key=" + k + "&interval_ms=5", {
        method: "POST",
        body: { messages: [{ role: "user", content: ${JSON.stringify(PROMPT)} }], max_tokens: ${TOKENS} },
        doneMarker: false,
        terminalEvents: (type, data) => {
          if (data.includes('"role":"assistant"')) throw new Error("boom");
          return type === "message" && data.includes('"finish_reason":"stop"');
        },
      });
      const errors = watch(c);
      let text = "", chunks = 0;
      c.on("message", (chunk) => { chunks++; text += chunk.choices[0].delta.content ?? ""; });
      const state = await closed(c);
      return { text, chunks, state, errors: errors.map((e) => e.kind) };
    `, k);
    assert.deepEqual(r.state, { state: "closed", reason: "done" });
    assert.deepEqual(r.errors, ["listener"], "the throw, once; [DONE] never reached a decoder");
    assert.equal(r.text, await expectedText());
    assert.equal(r.chunks, TOKENS + 2, "the role chunk, the tokens, the last chunk (delivered), nothing after it");
    assert.equal((await settledPosts(k)).length, 1);
  });

  test(`${runtime}: under JSON decoding an event with empty data is skipped, not an error, and its id is the resume point`, async () => {
    // The client's decoding rule, fed the bytes of MCP's priming event (an id, empty data)
    // through the \`fetch\` option; the MCP peer's own tests (e2e/mcp.test.mjs) use the SDK.
    const r = await run(`
      const body = ${JSON.stringify(PRIMED)};
      const c = new SseClient(server + "/unused", {
        fetch: async () => new Response(body, { headers: { "Content-Type": "text/event-stream" } }),
        reconnect: false,
      });
      const errors = watch(c);
      const got = [];
      c.on("message", (d) => got.push(["message", d]));
      c.on("note", (d, meta) => got.push(["note", d, meta.id]));
      const state = await closed(c);
      return { got, errors, lastEventId: c.lastEventId, state };
    `, key("llm-empty"));
    assert.deepEqual(r.got, [["note", { a: 1 }, "prime-1"]]);
    // No decode error: only the end of a GET stream with reconnect: false (a drop, then gave_up).
    assert.deepEqual(r.errors.map((e) => e.kind), ["network", "gave_up"]);
    assert.equal(r.lastEventId, "prime-1");
  });
}

test("chromium, native EventSource: terminal events end a GET stream as done, with or without a listener of their own", async () => {
  const r = await page.evaluate(async ({ server, keys }) => {
    const closed = (c) => new Promise((resolve) => {
      if (c.state.state === "closed") return resolve(JSON.parse(JSON.stringify(c.state)));
      const t = setTimeout(() => resolve({ state: "timeout" }), 10_000);
      c.onState((s) => { if (s.state === "closed") { clearTimeout(t); resolve(JSON.parse(JSON.stringify(s))); } });
    });
    // /sse/named: tick 1, news 2, message 3, tick 4, other 5, done 6, then the end.
    const a = new window.sse.SseClient(`${server}/sse/named?key=${keys[0]}`, { terminalEvents: ["other"] });
    const ticks = [];
    a.on("tick", (d, meta) => ticks.push(meta.id));
    a.on("done", () => ticks.push("done"));
    const b = new window.sse.SseClient(`${server}/sse/named?key=${keys[1]}`, { terminalEvents: ["done"] });
    const end = closed(b);
    const types = [];
    for await (const event of b.events({ tick: JSON.parse, done: JSON.parse })) types.push(`${event.type}:${event.meta.id}`);
    // A listener of the terminal type added and removed again: the end is still heard.
    const c = new window.sse.SseClient(`${server}/sse/named?key=${keys[2]}`, { terminalEvents: ["other"] });
    const cTicks = [];
    c.on("tick", (d, meta) => cTicks.push(meta.id));
    c.on("other", () => cTicks.push("other"))();
    return {
      a: { state: await closed(a), ticks, lastEventId: a.lastEventId },
      b: { state: await end, types },
      c: { state: await closed(c), ticks: cTicks },
    };
  }, { server: SERVER, keys: [key("llm-native-other"), key("llm-native-union"), key("llm-native-removed")] }).catch((e) => ({ error: String(e) }));
  assert.deepEqual(r.a?.state, { state: "closed", reason: "done" }, JSON.stringify(r));
  assert.deepEqual(r.a.ticks, ["1", "4"], "nothing after the terminal event");
  assert.deepEqual(r.b.state, { state: "closed", reason: "done" });
  assert.deepEqual(r.b.types, ["tick:1", "tick:4", "done:6"]);
  assert.deepEqual(r.c.state, { state: "closed", reason: "done" }, "removing the terminal type's listener keeps the end");
  assert.deepEqual(r.c.ticks, ["1", "4"]);
});

test("chromium: no unexpected console errors", () => {
  // Chromium logs the 429s, and the connections the server broke on purpose, itself.
  const provoked = (e) => e === "Failed to load resource: net::ERR_INCOMPLETE_CHUNKED_ENCODING";
  assert.deepEqual(unexpected(errors, [429]).filter((e) => !provoked(e)), []);
});
