// The React, Vue and Svelte bindings (typed-sse/react, /vue, /svelte) through their example apps
// (examples/*-app, built with Vite from the packed package by scripts/framework-apps.sh) in
// headless Chromium against the test server: live events, the reconnecting countdown after a
// drop, one connection under React's StrictMode (React 19 and 18), a new URL connected once,
// unmounting closing the connection; every connection counted on the server (/stats). Then,
// in Node with the apps' own node_modules: no connection during server rendering (React's
// renderToString, Vue's renderToString), and Vue's scope and Svelte's subscribers deciding when
// a connection opens and closes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { launch, open, key, connections, statsUntil, unexpected, SERVER } from "./helpers.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// No two of `conns` were ever open at once: each closed before the next one opened.
function assertOneAtATime(conns) {
  const sorted = [...conns].sort((a, b) => a.opened_ms - b.opened_ms);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1];
    assert.ok(previous.closed_ms !== null && previous.closed_ms <= sorted[i].opened_ms,
      `connection ${i} opened at ${sorted[i].opened_ms} while connection ${i - 1} was open (closed ${previous.closed_ms})`);
  }
}

const APPS = [
  { name: "React 19 (StrictMode)", path: "react-app/dist/index.html", strict: true },
  { name: "React 18 (StrictMode)", path: "react-app/dist/react18/index.html", strict: true },
  { name: "Vue", path: "vue-app/dist/index.html" },
  { name: "Svelte", path: "svelte-app/dist/index.html" },
];

for (const app of APPS) {
  test(`${app.name}: one connection, live events, a countdown after a drop, a new URL once, closed on unmount`, async () => {
    const k = key(app.path.split("/")[0]);
    const { page, errors } = await open(browser, `/examples/${app.path}?key=${k}`);
    await page.waitForFunction(() => document.querySelectorAll("#events li").length >= 3, null, { timeout: 15000 });
    assert.equal(await page.getAttribute("#state", "data-state"), "open");
    assert.match(await page.textContent("#latest"), /^(ACME|INIT|ZED|WASM) \d+\.\d\d$/);
    if (app.strict) {
      // StrictMode did mount, unmount and mount the component (a development build)...
      assert.equal(await page.evaluate(() => window.__mounts), 2, "StrictMode ran the effects twice");
    }
    // ...and the server saw one connection, still open: the countdown re-renders with new
    // inline options every 100 ms, and none reconnects.
    await sleep(300);
    let conns = await connections(k);
    assert.equal(conns.length, 1, `the server saw ${conns.length} connections for one component`);
    assert.equal(conns[0].closed_ms, null);

    // The badge, watched from inside the page so that no step of the countdown slips by.
    await page.evaluate(() => {
      window.__badges = [];
      new MutationObserver(() => {
        const badge = document.querySelector("#state");
        if (badge?.dataset.state === "reconnecting" && badge.textContent !== window.__badges.at(-1)) {
          window.__badges.push(badge.textContent);
        }
      }).observe(document.body, { subtree: true, attributes: true, childList: true, characterData: true });
    });
    const drop = await fetch(`${SERVER}/control/drop`, { method: "POST", headers: { "X-Typed-SSE": "1" } });
    assert.equal(drop.status, 204);
    await page.waitForFunction(() => window.__badges.length > 0, null, { timeout: 10000 });
    await page.waitForFunction(() => document.querySelector("#state").dataset.state === "open", null, { timeout: 15000 });
    const badges = await page.evaluate(() => window.__badges);
    for (const text of badges) assert.match(text, /^reconnecting in \d+\.\d s \(attempt 1, network\)$/);
    const seconds = badges.map((t) => Number(t.match(/in (\d+\.\d) s/)[1]));
    assert.ok(seconds.length >= 2, `the countdown showed ${seconds.join(", ")}`);
    assert.ok(seconds.every((s, i) => i === 0 || s < seconds[i - 1]), `the countdown only goes down: ${seconds.join(", ")}`);
    const before = await page.locator("#events li").count();
    await page.waitForFunction((n) => document.querySelectorAll("#events li").length >= Math.min(n + 2, 20), before, { timeout: 10000 });
    conns = await connections(k);
    assert.equal(conns.length, 2, "one reconnect");
    assertOneAtATime(conns);
    assert.equal(conns[1].resumed_via, "query", "the reconnect resumes from the last event id");

    // A new URL: connected once, from scratch (no Last-Event-ID: the old stream's resume point
    // is not the new one's); the old URL's connection closed.
    await page.click("#switch");
    let switched = await statsUntil(`${k}-b`, (c) => c.length > 0);
    await page.waitForFunction(() => document.querySelector("#state").dataset.state === "open", null, { timeout: 10000 });
    await sleep(300);
    switched = await connections(`${k}-b`);
    assert.equal(switched.length, 1, `the new URL was connected ${switched.length} times`);
    assert.equal(switched[0].resumed_via, "none", "a new URL does not get the old one's id");
    const old = await statsUntil(k, (c) => c.every((x) => x.closed_ms !== null));
    assert.ok(old.every((c) => c.closed_ms !== null), "the old URL's connection is closed");
    // (Not assertOneAtATime here: the page closes the old connection in the same task as it
    // opens the new one, and the server may notice the old socket's end a few ms after the new
    // request arrives.)

    // Unmounting closes the connection, and nothing reconnects afterwards.
    await page.click("#toggle");
    await page.waitForFunction(() => !document.querySelector("#state"), null, { timeout: 5000 });
    const closed = await statsUntil(`${k}-b`, (c) => c.every((x) => x.closed_ms !== null));
    assert.ok(closed.every((c) => c.closed_ms !== null), "unmounting the component closes its connection");
    await sleep(1500);
    assert.equal((await connections(`${k}-b`)).length, 1, "nothing connects after unmounting");

    // Mounted again, now that the package is loaded (the first mount also waited for it): still
    // one new connection, under StrictMode too; and unmounted again, closed.
    await page.click("#toggle");
    await page.waitForFunction(() => document.querySelector("#state")?.dataset.state === "open", null, { timeout: 10000 });
    if (app.strict) assert.equal(await page.evaluate(() => window.__mounts), 4, "StrictMode ran the effects twice again");
    await sleep(300);
    const again = await connections(`${k}-b`);
    assert.equal(again.length, 2, `mounting again made ${again.length - 1} connections`);
    assertOneAtATime(again);
    await page.click("#toggle");
    const closedAgain = await statsUntil(`${k}-b`, (c) => c.every((x) => x.closed_ms !== null));
    assert.ok(closedAgain.every((c) => c.closed_ms !== null), "unmounting again closes the connection");
    assert.deepEqual(unexpected(errors), []);
  });
}

// Runs `program` (an ES module) with node in examples/APP, whose node_modules has the packed
// package and the framework, with SERVER_URL set; returns its last line of output, parsed.
test("React: `?shared` tabs of the example app read one connection, and another tab takes over, resuming, when the holder closes", async () => {
  const k = key("react-shared");
  // One browser context: tabs of one origin share Web Locks and BroadcastChannel.
  const context = await browser.newContext();
  try {
    const pages = [];
    for (let i = 0; i < 3; i++) {
      const page = await context.newPage();
      await page.goto(`${SERVER}/examples/react-app/dist/index.html?key=${k}&shared`);
      pages.push(page);
    }
    for (const page of pages) {
      await page.waitForFunction(() => document.querySelectorAll("#events li").length >= 3, null, { timeout: 15000 });
    }
    const open = (conns) => conns.filter((c) => c.closed_ms === null);
    let conns = await connections(k);
    assert.equal(open(conns).length, 1, `three tabs, ${open(conns).length} open connections: ${JSON.stringify(conns)}`);
    const first = conns.length;
    // The first tab asked for the lock first, so it holds the connection: closing it hands the
    // stream to another tab, which resumes from the last id relayed.
    await pages[0].close();
    conns = await statsUntil(k, (c) => c.length > first && open(c).length === 1);
    assert.equal(conns.length, first + 1, `a take-over opens one new connection: ${JSON.stringify(conns)}`);
    assert.equal(open(conns).length, 1);
    const taken = conns.sort((a, b) => a.opened_ms - b.opened_ms).at(-1);
    assert.notEqual(taken.resumed_via, "none", `the new holder resumes: ${JSON.stringify(taken)}`);
    for (const page of pages.slice(1)) {
      const before = await page.textContent("#latest");
      await page.waitForFunction((b) => document.querySelector("#latest").textContent !== b, before, { timeout: 15000 });
    }
  } finally {
    await context.close();
  }
});

function inApp(app, program) {
  const dir = fileURLToPath(new URL(`../examples/${app}/node_modules/.typed-sse-e2e/`, import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}run-${process.pid}-${Math.floor(Math.random() * 1e9)}.mjs`;
  writeFileSync(file, program);
  try {
    const out = execFileSync(process.execPath, [file], { env: { ...process.env, SERVER_URL: SERVER }, timeout: 30_000, stdio: "pipe" });
    return JSON.parse(String(out).trim().split("\n").pop());
  } catch (e) {
    throw new Error(`node failed in ${app}: ${String(e.stderr ?? e).split("\n").slice(-12).join("\n")}`);
  } finally {
    rmSync(file, { force: true });
  }
}

test("React: renderToString of a component with the hook makes no connection, and renders `connecting`", async () => {
  const k = key("react-ssr");
  const { html } = inApp("react-app", `
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { useEventSource } from "typed-sse/react";
function Ticker() {
  const { state, data } = useEventSource(process.env.SERVER_URL + "/sse/hold?key=${k}", "ready");
  return createElement("p", { id: "state" }, state.state, data === undefined ? "" : "!");
}
const html = renderToString(createElement(Ticker));
await new Promise((r) => setTimeout(r, 500));
console.log(JSON.stringify({ html }));
process.exit(0);
`);
  assert.equal(html, '<p id="state">connecting</p>');
  assert.equal((await connections(k)).length, 0, "server rendering made no request");
});

test("Vue: server rendering makes no connection; a bare effect scope connects once and closes when stopped", async () => {
  const ssr = key("vue-ssr");
  const scoped = key("vue-scope");
  const result = inApp("vue-app", `
import { createSSRApp, effectScope, h, ref } from "vue";
import { renderToString } from "vue/server-renderer";
import { useEventSource } from "typed-sse/vue";
const server = process.env.SERVER_URL;
const html = await renderToString(createSSRApp({
  setup() {
    const { state } = useEventSource(server + "/sse/hold?key=${ssr}", "ready");
    return () => h("p", state.value.state);
  },
}));
await new Promise((r) => setTimeout(r, 300));
const scope = effectScope();
const url = ref(server + "/sse/hold?key=${scoped}");
const source = scope.run(() => useEventSource(url, "ready"));
for (let i = 0; i < 100 && source.data.value === undefined; i++) await new Promise((r) => setTimeout(r, 50));
const opened = source.state.value.state;
scope.stop();
await new Promise((r) => setTimeout(r, 300));
console.log(JSON.stringify({ html, opened, data: source.data.value, after: source.state.value.state }));
process.exit(0);
`);
  assert.equal(result.html, "<p>connecting</p>");
  assert.equal((await connections(ssr)).length, 0, "server rendering made no request");
  assert.equal(result.opened, "open");
  assert.deepEqual(result.data, {});
  const conns = await statsUntil(scoped, (c) => c.length === 1 && c[0].closed_ms !== null);
  assert.equal(conns.length, 1);
  assert.notEqual(conns[0].closed_ms, null, "stopping the scope closes the connection");
});

test("Svelte: the first subscriber connects once, the last one leaving closes; get(store) connects nothing", async () => {
  const k = key("svelte-store");
  const result = inApp("svelte-app", `
import { get } from "svelte/store";
import { eventSourceStore } from "typed-sse/svelte";
const stats = async () => (await (await fetch(process.env.SERVER_URL + "/stats?key=${k}")).json()).connections.map((c) => c.closed_ms !== null);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const store = eventSourceStore(process.env.SERVER_URL + "/sse/hold?key=${k}", "ready");
const seen = [];
// Two subscribers, one connection; it stays open while one is left.
const off1 = store.subscribe((s) => seen.push(s.state.state));
const off2 = store.subscribe(() => {});
for (let i = 0; i < 100 && !seen.includes("open"); i++) await sleep(50);
off1();
await sleep(300);
const whileOne = await stats();
off2();
await sleep(300);
const afterLast = await stats();
// A subscription that ends in the same task (get) connects nothing.
const peek = get(store).state.state;
await sleep(300);
const afterGet = await stats();
console.log(JSON.stringify({ seen, whileOne, afterLast, peek, afterGet }));
process.exit(0);
`);
  assert.ok(result.seen.includes("open"), `states: ${result.seen}`);
  assert.deepEqual(result.whileOne, [false], "one connection for two subscribers, open while one is left");
  assert.deepEqual(result.afterLast, [true], "the last subscriber leaving closes it");
  assert.equal(result.peek, "closed");
  assert.deepEqual(result.afterGet, [true], "get() made no connection");
});

test("Svelte: server rendering of a component that reads the store makes no connection", async () => {
  const k = key("svelte-ssr");
  const component = `<script>
  import { eventSourceStore } from "typed-sse/svelte";
  const source = eventSourceStore(process.env.SERVER_URL + "/sse/hold?key=${k}", "ready");
</script>
<p>{$source.state.state}</p>`;
  const { body } = inApp("svelte-app", `
import { compile } from "svelte/compiler";
import { render } from "svelte/server";
import { writeFileSync, rmSync } from "node:fs";
import { eventSourceStore } from "typed-sse/svelte";
// The package loaded first (a store connected and closed on another key), so that nothing
// below waits for it: the render's subscription is what decides.
const warm = eventSourceStore(process.env.SERVER_URL + "/sse/hold?key=${k}-warm", "ready");
let open = false;
const off = warm.subscribe((s) => { open ||= s.state.state === "open"; });
for (let i = 0; i < 100 && !open; i++) await new Promise((r) => setTimeout(r, 50));
off();
const { js } = compile(${JSON.stringify(component)}, { generate: "server", filename: "Ssr.svelte" });
const file = new URL("./ssr-" + process.pid + ".js", import.meta.url);
writeFileSync(file, js.code);
try {
  const { body } = render((await import(file.href)).default);
  await new Promise((r) => setTimeout(r, 500));
  console.log(JSON.stringify({ body }));
} finally {
  rmSync(file, { force: true });
}
process.exit(0);
`);
  assert.match(body, /<p>connecting<\/p>/);
  assert.equal((await connections(k)).length, 0, "server rendering made no request");
});

test("The bindings' buffer keeps the last N events of a burst in order; bad options are typed errors", async () => {
  const k = key("bindings-burst");
  const bad = key("bindings-bad");
  const result = inApp("svelte-app", `
import { eventSourceStore } from "typed-sse/svelte";
import { SseConfigError } from "typed-sse";
const server = process.env.SERVER_URL;
// 200 events written at once, then the stream holds.
const store = eventSourceStore(server + "/sse/numbered?key=${k}&total=200", "message", { buffer: 5 });
let last;
let notifications = 0;
const off = store.subscribe((s) => { last = s; notifications++; });
for (let i = 0; i < 200 && last.data?.n !== 200; i++) await new Promise((r) => setTimeout(r, 50));
off();
let thrown;
try { eventSourceStore(server + "/sse/hold", "ready", { buffer: 10001 }); } catch (e) { thrown = { name: e.name, config: e instanceof SseConfigError, kind: e.kind, field: e.field, message: e.message }; }
const wrong = eventSourceStore(server + "/sse/hold?key=${bad}", "ready", { initialDelayMs: -5 });
let wrongState;
const offWrong = wrong.subscribe((s) => { wrongState = { state: s.state, kind: s.error?.kind, field: s.error?.field }; });
await new Promise((r) => setTimeout(r, 300));
offWrong();
console.log(JSON.stringify({ buffer: last.buffer.map((d) => d.n), data: last.data, notifications, thrown, wrongState }));
process.exit(0);
`);
  assert.deepEqual(result.buffer, [196, 197, 198, 199, 200], "the last five, in order");
  assert.deepEqual(result.data, { n: 200 });
  assert.ok(result.notifications < 200, `a burst of 200 events notified ${result.notifications} times`);
  assert.deepEqual(result.thrown, {
    name: "TypedSseError", config: true, kind: "invalid_option", field: "buffer",
    message: "invalid option `buffer`: expected a whole number of events from 0 to 10000, got 10001",
  });
  assert.equal(result.wrongState.state.state, "closed");
  assert.equal(result.wrongState.state.reason, "invalid_option");
  assert.equal(result.wrongState.kind, "invalid_option");
  assert.equal(result.wrongState.field, "initialDelayMs");
  assert.equal((await connections(bad)).length, 0);
});

test("The bindings: a new URL starts from scratch (no Last-Event-ID, no old data); the same URL reopened resumes; a subscriber removed mid-notification is not called", async () => {
  const a = key("bindings-switch-a");
  const b = key("bindings-switch-b");
  const result = inApp("svelte-app", `
import { eventSourceStore } from "typed-sse/svelte";
const server = process.env.SERVER_URL;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const store = eventSourceStore(server + "/sse/numbered?key=${a}&total=3", "message", { transport: "fetch", buffer: 5 });
let last;
// The first subscriber removes the second during a notification: the second must not hear it.
let second = 0;
let offSecond = () => {};
let removing = false;
const off = store.subscribe((s) => { last = s; if (removing) offSecond(); });
offSecond = store.subscribe(() => { second++; });
for (let i = 0; i < 100 && last.data?.n !== 3; i++) await sleep(50);
const onA = { data: last.data, buffer: last.buffer.map((d) => d.n), lastEventId: last.lastEventId };
removing = true;
const heardBefore = second;
store.setUrl(server + "/sse/numbered?key=${b}&total=1");
await sleep(0);
const afterSwitch = { data: last.data ?? null, buffer: last.buffer.length, lastEventId: last.lastEventId };
for (let i = 0; i < 100 && last.data?.n !== 1; i++) await sleep(50);
const secondHeard = second - heardBefore;
// Closed and opened again on the same URL: that one resumes.
store.close();
await sleep(50);
store.open();
await sleep(500);
off();
await sleep(50);
console.log(JSON.stringify({ onA, afterSwitch, onB: { data: last.data, buffer: last.buffer.map((d) => d.n) }, secondHeard }));
process.exit(0);
`);
  assert.equal(result.onA.lastEventId, "3");
  assert.deepEqual(result.onA.buffer, [1, 2, 3]);
  assert.deepEqual(result.afterSwitch, { data: null, buffer: 0, lastEventId: "" }, "the old stream's data is gone");
  assert.deepEqual(result.onB, { data: { n: 1 }, buffer: [1] });
  assert.equal(result.secondHeard, 0, "a subscriber removed during a notification was called");
  const onB = await connections(b);
  assert.equal(onB.length, 2, JSON.stringify(onB));
  assert.equal(onB[0].resumed_via, "none", "the new URL got the old one's Last-Event-ID");
  assert.equal(onB[1].resumed_via, "header", "the same URL reopened resumes");
});

test("The bindings take the LLM options: a POST answer by union, retried after a 503 with the latest options' headers function, ended by its terminal event", async () => {
  const k = key("bindings-llm");
  const result = inApp("svelte-app", `
// The store every binding is made of (React's hook calls setOptions on every render).
import { createSseStore } from "../typed-sse/sse-store.js";
const server = process.env.SERVER_URL;
const store = createSseStore(server + "/v1/messages?key=${k}&interval_ms=0&fail=1&code=503&retry_after=1",
  { content_block_delta: JSON.parse, message_stop: JSON.parse }, {
    method: "POST",
    body: { messages: [{ role: "user", content: "Hello there" }], max_tokens: 6 },
    headers: () => ({ Authorization: "Bearer first-render" }),
    terminalEvents: ["message_stop"],
    buffer: 100,
  });
const states = [];
const off = store.subscribe(() => states.push(store.getSnapshot().state.state));
for (let i = 0; i < 100 && !states.includes("reconnecting"); i++) await new Promise((r) => setTimeout(r, 20));
// A later render's options: same URL, so no reconnect, but its headers function is the one called.
store.setOptions({ method: "POST", body: {}, headers: () => ({ Authorization: "Bearer later-render" }), terminalEvents: ["message_stop"], buffer: 100 });
for (let i = 0; i < 200 && store.getSnapshot().state.state !== "closed"; i++) await new Promise((r) => setTimeout(r, 20));
const s = store.getSnapshot();
off();
console.log(JSON.stringify({ states, state: s.state, types: s.buffer.map((e) => e.type), text: s.buffer.filter((e) => e.type === "content_block_delta").map((e) => e.data.delta.text).join("") }));
process.exit(0);
`);
  assert.equal(result.state.state, "closed");
  assert.equal(result.state.reason, "done", "the terminal event ends the answer");
  assert.ok(result.states.includes("reconnecting"));
  assert.deepEqual(result.types, [...Array(6).fill("content_block_delta"), "message_stop"]);
  assert.ok(result.text.length > 0);
  const conns = await connections(k);
  assert.deepEqual(conns.map((c) => [c.method, c.status]), [["POST", 503], ["POST", 200]]);
  assert.equal(conns[0].authorization, "Bearer first-render");
  assert.equal(conns[1].authorization, "Bearer later-render", "the retry called the latest headers function");
  assert.equal(conns[1].content_type, "application/json");
  assert.equal(conns[1].body_bytes, Buffer.byteLength(JSON.stringify({ messages: [{ role: "user", content: "Hello there" }], max_tokens: 6 })),
    "the body is the one the connection was made with: options other than functions are read when connecting");
});

test("The bindings: close() stays closed until a new URL, which connects once", async () => {
  const k = key("bindings-close");
  const result = inApp("svelte-app", `
import { eventSourceStore } from "typed-sse/svelte";
const server = process.env.SERVER_URL;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const store = eventSourceStore(server + "/sse/hold?key=${k}", "ready");
let last;
const off = store.subscribe((s) => { last = s; });
for (let i = 0; i < 100 && last.state.state !== "open"; i++) await sleep(50);
store.close();
await sleep(300);
const closed = last.state;
store.setUrl(server + "/sse/hold?key=${k}-b");
for (let i = 0; i < 100 && last.state.state !== "open"; i++) await sleep(50);
const reopened = last.state.state;
off();
await sleep(300);
console.log(JSON.stringify({ closed, reopened }));
process.exit(0);
`);
  assert.deepEqual(result.closed, { state: "closed", reason: "requested" });
  assert.equal(result.reopened, "open");
  const first = await connections(k);
  assert.equal(first.length, 1);
  assert.notEqual(first[0].closed_ms, null);
  const second = await statsUntil(`${k}-b`, (c) => c.length === 1 && c[0].closed_ms !== null);
  assert.equal(second.length, 1, "the new URL connected once");
  assert.notEqual(second[0].closed_ms, null, "and closed with its last subscriber");
});
