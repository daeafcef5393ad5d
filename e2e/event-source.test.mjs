// TypedEventSource as a drop-in EventSource, in Chromium and in Node, against the test server.
//
// The page code in e2e/compat/pages.js was written for the native EventSource. Each test runs
// one of its functions unchanged, once with the browser's EventSource and once with
// TypedEventSource bound to the same parameter, with the same URL and second argument (the
// native class ignores `transport`, `initialDelayMs` and the other members it does not know),
// and checks both logs: the native one against what the HTML standard says (so the page code
// itself is checked), and TypedEventSource's against the native one, with either transport.
// Then the extras only TypedEventSource has: `error` events carrying a TypedSseError,
// `statechange` events, and readyState while reconnecting or after giving up.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, open, key, unexpected, SERVER, statsUntil, runInNode } from "./helpers.mjs";

let browser, page, errors;

before(async () => {
  browser = await launch();
  ({ page, errors } = await open(browser, "/e2e/compat/compat.html"));
  await page.waitForFunction(() => window.ready === true);
});
after(async () => { await browser?.close(); });

// The transports TypedEventSource is checked with, as its second argument's `transport`.
const TRANSPORTS = ["native", "fetch"];

// Runs pages[name](ctor, path, init) in the page, with ctor the native EventSource
// ("native") or TypedEventSource ("typed"); a function that throws or hangs gives a log
// saying so, which no expected log matches.
function runPage(name, which, path, init) {
  return page.evaluate(async ({ name, which, path, init }) => {
    const ctor = which === "native" ? window.EventSource : window.sse.TypedEventSource;
    if (typeof ctor !== "function") return [["no constructor", which]];
    const timeout = new Promise((resolve) => setTimeout(() => resolve([["test timed out"]]), 8_000));
    try {
      return await Promise.race([window.pages[name](ctor, path, init), timeout]);
    } catch (e) {
      return [["threw", String(e), e?.kind ?? null, e?.field ?? null]];
    }
  }, { name, which, path, init });
}

// Both runs of one page function; asserts the native log is `expected` and the typed one
// equals it.
async function compare(name, path, init, expected, message) {
  const native = await runPage(name, "native", path, init);
  assert.deepEqual(native, expected, `${message}: the native EventSource (checks the test itself)`);
  const typed = await runPage(name, "typed", path, init);
  assert.deepEqual(typed, native, `${message}: TypedEventSource must log what EventSource logs`);
  return typed;
}

// What the ticker page logs for /sse/named (see server/src/scenarios.rs `named`).
function tickerLog(url) {
  return [
    ["constructed", 0, url, false],
    ["constants", 0, 1, 2, 0, 1, 2],
    ["open", "open", 1, true, true],
    ["tick", "ACME", 10.5, '{"symbol":"ACME","price":10.5}', "1", SERVER, true, "tick"],
    ["news", "ACME beats estimates", "2", "string"],
    ["message", { n: 3 }, "3", SERVER, "string", true, "message", true],
    ["message shape", true, true, false, false, true, 0, null, 2, false],
    ["message copy", true, "3", SERVER, null, true, true, "3", SERVER],
    ["tick", "INIT", 3.25, '{"symbol":"INIT","price":3.25}', "4", SERVER, true, "tick"],
    ["closed", 2, "6", "{}"],
  ];
}

const CLOSE_EARLY_LOG = [["open"], ["message", 1], ["message", 2], ["closed", 2], ["later", 2]];

const RECONNECT_LOG = [
  ["open", 1], ["message", 1, "1"], ["message", 2, "2"], ["message", 3, "3"],
  ["error", 0], ["waiting", 0],
  ["open", 1], ["message", 4, "4"], ["message", 5, "5"], ["message", 6, "6"],
  ["closed", 2],
];

const LISTENERS_LOG = [
  ["property", true, "function", null],
  ["handler", 1], ["twice", 1], ["once", 1], ["signal", 1], ["all", 1],
  ["handler", 2], ["twice", 2], ["signal", 2], ["all", 2],
  ["twice", 3], ["signal", 3], ["all", 3],
  ["twice", 4], ["all", 4],
  ["twice", 5], ["all", 5],
  ["twice", 6], ["all", 6],
];

function attributesLog(url, withCredentials) {
  return [
    ["url", url, "string"],
    ["withCredentials", withCredentials],
    ["readyState", 0],
    ["static", 0, 1, 2],
    ["instance", 0, 1, 2],
    ["handlers", null, null, null],
    ["eventTarget", true, "function", "function"],
    ["closed", 2],
    ["closed again", 2],
  ];
}

// The drop-in form first ("default"): `new EventSource(url)` with no second argument (the default
// transport, the browser's EventSource); then each transport by name.
const VARIANTS = [["default", undefined], ...TRANSPORTS.map((t) => [t, { transport: t }])];

for (const [transport, init] of VARIANTS) {

  test(`ticker page: same open/message/named events, ids, origin, raw data and close (${transport})`, async () => {
    const path = `/sse/named?key=${key(`es-ticker-${transport}`)}`;
    await compare("ticker", path, init, tickerLog(`${SERVER}${path}`), "ticker page");
  });

  test(`attributes: absolute url, withCredentials, constants, readyState 2 after close() (${transport})`, async () => {
    const path = `/sse/hold?key=${key(`es-attributes-${transport}`)}`;
    await compare("attributes", path, init, attributesLog(`${SERVER}${path}`, false), "default init");
    await compare("attributes", path, { ...init, withCredentials: true },
      attributesLog(`${SERVER}${path}`, true), "withCredentials: true");
    // A relative path with dot segments resolves against the page (/e2e/compat/compat.html).
    const k = key(`es-relative-${transport}`);
    await compare("attributes", `../../sse/hold?key=${k}`, init, attributesLog(`${SERVER}/sse/hold?key=${k}`, false), "relative url");
  });

  test(`no event after close(), even with the rest of the burst already received (${transport})`, async () => {
    const path = `/sse/messages?n=10&key=${key(`es-close-${transport}`)}`;
    await compare("closeEarly", path, init, CLOSE_EARLY_LOG, "close inside a handler");
  });

  test(`the server ends the stream: onerror sees CONNECTING, the feed resumes after the last id (${transport})`, async () => {
    // retry: 300 for the native class and for fetch; initialDelayMs 300 for the typed native
    // transport, which cannot see retry:. 30 ms into the wait every one is still CONNECTING.
    const nk = key(`es-reconnect-native-${transport}`);
    const tk = key(`es-reconnect-typed-${transport}`);
    const withDelay = { ...init, initialDelayMs: 300, jitter: 0 };
    const native = await runPage("reconnecting", "native", `/sse/retry?ms=300&n=3&key=${nk}`, withDelay);
    assert.deepEqual(native, RECONNECT_LOG, "the native EventSource (checks the test itself)");
    const typed = await runPage("reconnecting", "typed", `/sse/retry?ms=300&n=3&key=${tk}`, withDelay);
    assert.deepEqual(typed, native, "TypedEventSource must log what EventSource logs");
    const conns = await statsUntil(tk, (cs) => cs.length >= 2);
    assert.equal(conns.length, 2, `one reconnect: ${JSON.stringify(conns)}`);
    assert.equal(conns[0].last_event_id, null);
    assert.equal(conns[1].last_event_id, "3", "the second connection resumes after id 3");
    assert.equal(conns[1].resumed_via, init?.transport === "fetch" ? "header" : "query");
  });

  for (const [status, path] of [[204, "/sse/status?code=204"], [404, "/sse/status?code=404"]]) {
    test(`a ${status} fails for good: one error with readyState CLOSED, no open (${transport})`, async () => {
      const k = key(`es-refused-${status}-${transport}`);
      await compare("refused", `${path}&key=${k}`, init, [["error", 2]], `a ${status}`);
    });
  }

  test(`listeners: handler properties, duplicates, once, { signal } and removeEventListener (${transport})`, async () => {
    const path = `/sse/messages?n=6&interval_ms=30&key=${key(`es-listeners-${transport}`)}`;
    await compare("listeners", path, init, LISTENERS_LOG, "listener bookkeeping");
  });
}

const HANDLER_RESET_LOG = [["cleared", null], ["listener", 1], ["handler", 1], ["listener", 2], ["handler", 2]];

for (const transport of TRANSPORTS) {
  const init = { transport };
  test(`a handler property set to null is removed, and set again runs after later listeners (${transport})`, async () => {
    const path = `/sse/messages?n=2&interval_ms=30&key=${key(`es-handler-reset-${transport}`)}`;
    await compare("handlerReset", path, init, HANDLER_RESET_LOG, "handler reset");
  });
}

// TypedEventSource's extras, in the page: `fn` runs with `TypedEventSource` and a `done`
// callback; a hang gives { timedOut: true }.
function typed(fn, args) {
  return page.evaluate(async ({ source, args, server }) => {
    const TypedEventSource = window.sse.TypedEventSource;
    const body = new Function("TypedEventSource", "args", "server", `return (${source})(TypedEventSource, args, server);`);
    const timeout = new Promise((resolve) => setTimeout(() => resolve({ timedOut: true }), 8_000));
    try {
      return await Promise.race([body(TypedEventSource, args, server), timeout]);
    } catch (e) {
      return { threw: String(e), kind: e?.kind ?? null };
    }
  }, { source: fn.toString(), args, server: SERVER });
}

test("TypedEventSource with no error listener (or onerror cleared) prints the first error of each kind; an error listener or logErrors: false keeps it quiet", async () => {
  const r = await typed(async (TypedEventSource, { url }) => {
    const printed = [];
    const original = console.error;
    console.error = (e) => printed.push(e instanceof Error ? `${e.kind}` : String(e));
    // A 503 retried once (maxReconnects: 1), then given up: two errors each.
    const run = (init, listen) => new Promise((resolve) => {
      const es = new TypedEventSource(url, { initialDelayMs: 10, jitter: 0, maxReconnects: 1, ...init });
      if (listen) es.onerror = () => {};
      // Set, then cleared: nobody listens any more, so the errors are printed again.
      if (listen === "cleared") es.onerror = null;
      es.addEventListener("statechange", (e) => { if (e.state.state === "closed") resolve(); });
    });
    try {
      await run({}, false);
      const loud = printed.splice(0);
      await run({}, "cleared");
      const cleared = printed.splice(0);
      await run({}, true);
      await run({ logErrors: false }, false);
      return { loud, cleared, quiet: printed.splice(0) };
    } finally {
      console.error = original;
    }
  }, { url: `${SERVER}/sse/status?code=503&key=${key("tes-unheard")}` });
  assert.deepEqual(r, { loud: ["http", "gave_up"], cleared: ["http", "gave_up"], quiet: [] });
});

for (const transport of TRANSPORTS) {
  test(`TypedEventSource: a 204's error event carries a no_content TypedSseError, readyState 2 (${transport})`, async () => {
    const r = await typed((TypedEventSource, { url, transport }) => new Promise((resolve) => {
      const es = new TypedEventSource(url, { transport });
      es.addEventListener("error", (e) => resolve({
        readyState: es.readyState, isEvent: e instanceof Event, type: e.type,
        name: e.error?.name, isError: e.error instanceof Error, kind: e.error?.kind,
        state: es.state && { state: es.state.state, reason: es.state.reason },
      }));
    }), { url: `${SERVER}/sse/status?code=204&key=${key(`tes-204-${transport}`)}`, transport });
    assert.deepEqual(r, {
      readyState: 2, isEvent: true, type: "error", name: "TypedSseError", isError: true, kind: "no_content",
      state: { state: "closed", reason: "no_content" },
    });
  });

  test(`TypedEventSource: a 404's error is kind http with the status, readyState 2 (${transport})`, async () => {
    const r = await typed((TypedEventSource, { url, transport }) => new Promise((resolve) => {
      const es = new TypedEventSource(url, { transport });
      es.onerror = (e) => resolve({ readyState: es.readyState, kind: e.error?.kind, status: e.error?.status });
    }), { url: `${SERVER}/sse/status?code=404&key=${key(`tes-404-${transport}`)}`, transport });
    assert.deepEqual(r, { readyState: 2, kind: "http", status: 404 });
  });

  test(`TypedEventSource: errors while retrying have readyState 0, giving up has 2 (${transport})`, async () => {
    const r = await typed((TypedEventSource, { url, transport }) => new Promise((resolve) => {
      const es = new TypedEventSource(url, { transport, maxReconnects: 1, initialDelayMs: 20, jitter: 0 });
      const errors = [];
      es.onerror = (e) => {
        errors.push({ readyState: es.readyState, kind: e.error?.kind, status: e.error?.status ?? e.error?.last?.status });
        if (es.readyState === TypedEventSource.CLOSED) setTimeout(() => resolve({ errors, state: es.state.state, reason: es.state.reason }), 200);
      };
    }), { url: `${SERVER}/sse/status?code=503&key=${key(`tes-503-${transport}`)}`, transport });
    assert.deepEqual(r, {
      errors: [
        { readyState: 0, kind: "http", status: 503 },
        { readyState: 2, kind: "gave_up", status: 503 },
      ],
      state: "closed",
      reason: "gave_up",
    });
  });

  test(`TypedEventSource: a server drop gives a network error at readyState 0; statechange carries .state (${transport})`, async () => {
    const k = key(`tes-drop-${transport}`);
    const r = await typed((TypedEventSource, { url, transport }) => new Promise((resolve) => {
      const es = new TypedEventSource(url, { transport, initialDelayMs: 100, jitter: 0 });
      const states = [];
      const errors = [];
      const seen = [];
      es.addEventListener("statechange", (e) => {
        states.push({ isEvent: e instanceof Event, state: e.state?.state, attempt: e.state?.attempt, reason: e.state?.reason, same: JSON.stringify(e.state) === JSON.stringify(es.state) });
      });
      es.addEventListener("error", (e) => errors.push({ readyState: es.readyState, kind: e.error?.kind, name: e.error?.name }));
      es.addEventListener("message", (e) => {
        seen.push(e.lastEventId);
        if (seen.length === 6) {
          const before = states.length;
          es.close();
          const after = { readyState: es.readyState, state: es.state };
          // A statechange to closed dispatched inside close() itself is allowed; nothing after.
          const during = states.slice(before).map((s) => `${s.state}:${s.reason}`);
          const count = states.length + errors.length;
          setTimeout(() => resolve({ states: states.slice(0, before), during, errors, seen, after, eventsAfterClose: states.length + errors.length - count }), 300);
        }
      });
    }), { url: `${SERVER}/sse/retry?ms=100&n=3&key=${k}`, transport });
    assert.deepEqual(r.seen, ["1", "2", "3", "4", "5", "6"]);
    assert.deepEqual(r.errors, [{ readyState: 0, kind: "network", name: "TypedSseError" }]);
    // The first attempt may be announced as "connecting" although the state already read so.
    const names = r.states.map((s) => s.state).filter((s, i) => !(i === 0 && s === "connecting"));
    assert.deepEqual(names, ["open", "reconnecting", "connecting", "open"], JSON.stringify(r.states));
    assert.ok(r.states.every((s) => s.isEvent && s.same), `each statechange is an Event whose .state is the state: ${JSON.stringify(r.states)}`);
    const reconnecting = r.states.find((s) => s.state === "reconnecting");
    assert.deepEqual([reconnecting.attempt, reconnecting.reason], [1, "network"]);
    assert.deepEqual(r.after, { readyState: 2, state: { state: "closed", reason: "requested" } });
    assert.ok(r.during.length === 0 || (r.during.length === 1 && r.during[0] === "closed:requested"), `inside close(): ${r.during}`);
    assert.equal(r.eventsAfterClose, 0, "no statechange or error after close() returned");
  });

  test(`TypedEventSource: addEventListener { signal } removes a statechange/error listener too (${transport})`, async () => {
    const r = await typed((TypedEventSource, { url, transport }) => new Promise((resolve) => {
      const es = new TypedEventSource(url, { transport, maxReconnects: 2, initialDelayMs: 20, jitter: 0 });
      const controller = new AbortController();
      let signalled = 0;
      let all = 0;
      es.addEventListener("error", () => { signalled++; controller.abort(); }, { signal: controller.signal });
      const aborted = AbortSignal.abort();
      es.addEventListener("error", () => { signalled += 100; }, { signal: aborted });
      es.addEventListener("error", () => {
        all++;
        if (es.readyState === TypedEventSource.CLOSED) resolve({ signalled, all });
      });
    }), { url: `${SERVER}/sse/status?code=503&key=${key(`tes-signal-${transport}`)}`, transport });
    assert.deepEqual(r, { signalled: 1, all: 3 }, "two retries then gave_up: three errors; the aborted listeners heard one and none");
  });
}

for (const transport of TRANSPORTS) {
  test(`TypedEventSource: readyState stays CONNECTING while offline, then open fires again (${transport})`, async () => {
    const url = `${SERVER}/sse/hold?key=${key(`tes-offline-${transport}`)}`;
    // The source and its log live in the page under a name of this test's own, and the source
    // is closed however the test ends: nothing of it leaks into the next test.
    const name = `offline-${transport}`;
    try {
      const opened = await page.evaluate(({ url, transport, name }) => {
        const es = new window.sse.TypedEventSource(url, { transport, initialDelayMs: 50 });
        const log = [];
        window[name] = { es, log };
        es.onopen = () => log.push(["open", es.readyState]);
        es.onerror = () => log.push(["error", es.readyState]);
        es.addEventListener("statechange", (e) => log.push(["statechange", e.state.state, es.readyState]));
        return window.within(10_000, new Promise((resolve) => es.addEventListener("open", () => resolve(true))), false);
      }, { url, transport, name });
      assert.equal(opened, true, "the first connection did not open");
      let offline;
      try {
        await page.context().setOffline(true);
        offline = await page.evaluate((name) => window.within(5_000, new Promise((resolve) => {
          const { es } = window[name];
          const check = () => (es.state.state === "offline" ? resolve(es.readyState) : setTimeout(check, 20));
          check();
        }), "never offline"), name);
      } finally {
        await page.context().setOffline(false);
      }
      assert.equal(offline, 0, "readyState while the state is offline");
      const r = await page.evaluate((name) => window.within(10_000, new Promise((resolve) => {
        const { es, log } = window[name];
        const check = () => (es.readyState === 1 ? resolve([...log]) : setTimeout(check, 20));
        check();
      }), "never reopened"), name);
      assert.notEqual(r, "never reopened");
      const statechanges = r.filter(([t]) => t === "statechange");
      assert.ok(statechanges.every(([, state, readyState]) => readyState === (state === "open" ? 1 : 0)),
        `readyState is OPEN in open and CONNECTING in every other state: ${JSON.stringify(r)}`);
      assert.deepEqual(r.filter(([t]) => t === "open"), [["open", 1], ["open", 1]], `open fires once per connection: ${JSON.stringify(r)}`);
      assert.ok(statechanges.some(([, state]) => state === "offline"), JSON.stringify(r));
    } finally {
      await page.evaluate((name) => window[name]?.es.close(), name);
    }
  });
}

test("TypedEventSource: SseClient options pass through init (lastEventId resumes the first connection)", async () => {
  const k = key("tes-options");
  const r = await typed((TypedEventSource, { url }) => new Promise((resolve) => {
    const es = new TypedEventSource(url, { lastEventId: "4" });
    es.onmessage = (e) => {
      if (e.lastEventId === "5") { es.close(); resolve({ data: e.data, type: typeof e.data }); }
    };
  }), { url: `${SERVER}/sse/messages?n=5&key=${k}` });
  assert.deepEqual(r, { data: '{"n":5}', type: "string" }, "decode is always text");
  const conns = await statsUntil(k, (cs) => cs.length >= 1);
  assert.equal(conns[0].last_event_id, "4");
});

test("TypedEventSource: init refuses decode (data is always text); init's signal closes it like close()", async () => {
  const k = key("tes-init");
  const r = await typed((TypedEventSource, { url }) => new Promise((resolve) => {
    let refused = null;
    try { new TypedEventSource(url, { decode: "json" }).close(); } catch (e) { refused = { name: e.name, kind: e.kind, field: e.field }; }
    const controller = new AbortController();
    const es = new TypedEventSource(url, { signal: controller.signal });
    const seen = [];
    es.onmessage = (e) => {
      seen.push(e.lastEventId);
      if (e.lastEventId === "2") {
        controller.abort();
        const readyState = es.readyState;
        setTimeout(() => resolve({ refused, seen, readyState, later: es.readyState, state: [es.state.state, es.state.reason] }), 300);
      }
    };
  }), { url: `${SERVER}/sse/messages?n=20&interval_ms=30&key=${k}` });
  assert.deepEqual(r.refused, { name: "TypedSseError", kind: "invalid_option", field: "decode" });
  assert.deepEqual(r.seen, ["1", "2"], "no event after the abort");
  assert.equal(r.readyState, 2, "CLOSED at once");
  assert.equal(r.later, 2);
  assert.deepEqual(r.state, ["closed", "aborted"]);
  const conns = await statsUntil(k, (cs) => cs.length >= 1 && cs.every((c) => c.closed_ms !== null));
  assert.ok(conns.length >= 1 && conns.every((c) => c.closed_ms !== null), `the server saw the connection end: ${JSON.stringify(conns)}`);
});

// ---- Node: the same page code with TypedEventSource (the fetch transport, no EventSource) ----

const PAGES = new URL("./compat/pages.js", import.meta.url).href;

// Runs every [name, url, init] of `runs` through pages.js with TypedEventSource in a fresh Node
// process whose node_modules has the package; returns their logs.
function inNode(runs) {
  return runInNode(`
import { TypedEventSource } from "typed-sse";
import * as pages from ${JSON.stringify(PAGES)};
const runs = ${JSON.stringify(runs)};
const logs = [];
for (const [name, url, init] of runs) {
  const timeout = new Promise((resolve) => setTimeout(() => resolve([["test timed out"]]), 8000).unref());
  try {
    logs.push(await Promise.race([pages[name](TypedEventSource, url, init), timeout]));
  } catch (e) {
    logs.push([["threw", String(e), e?.kind ?? null]]);
  }
}
console.log(JSON.stringify({ logs, hasEventSource: typeof globalThis.EventSource }));
process.exit(0);
`, 60_000);
}

test("Node: the same page code with TypedEventSource logs what Chromium's EventSource logs", async () => {
  const named = `${SERVER}/sse/named?key=${key("node-es-ticker")}`;
  const hold = `${SERVER}/sse/hold?key=${key("node-es-attributes")}`;
  const rk = key("node-es-reconnect");
  const runs = [
    ["ticker", named],
    ["attributes", hold],
    ["closeEarly", `${SERVER}/sse/messages?n=10&key=${key("node-es-close")}`],
    ["reconnecting", `${SERVER}/sse/retry?ms=300&n=3&key=${rk}`, { initialDelayMs: 300, jitter: 0 }],
    ["refused", `${SERVER}/sse/status?code=204&key=${key("node-es-204")}`],
    ["refused", `${SERVER}/sse/status?code=404&key=${key("node-es-404")}`],
    ["listeners", `${SERVER}/sse/messages?n=6&interval_ms=30&key=${key("node-es-listeners")}`],
    ["handlerReset", `${SERVER}/sse/messages?n=2&interval_ms=30&key=${key("node-es-handler-reset")}`],
  ];
  const { logs } = inNode(runs);
  const expected = [
    tickerLog(named), attributesLog(hold, false), CLOSE_EARLY_LOG, RECONNECT_LOG,
    [["error", 2]], [["error", 2]], LISTENERS_LOG, HANDLER_RESET_LOG,
  ];
  runs.forEach(([name], i) => assert.deepEqual(logs[i], expected[i], `Node, ${name} (${runs[i][1]})`));
  const conns = await statsUntil(rk, (cs) => cs.length >= 2);
  assert.equal(conns[1]?.resumed_via, "header", "Node resumes with the Last-Event-ID header");
  assert.equal(conns[1]?.last_event_id, "3");
});

test("no console errors on the compatibility page (besides the browser's log of the statuses provoked above)", () => {
  assert.deepEqual(unexpected(errors, [404, 503]), []);
});
