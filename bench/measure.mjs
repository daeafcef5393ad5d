// The measurements behind `npm run bench` and the smoke test in `npm test`, run through a plain
// DevTools-protocol connection (see cdp.mjs for why not Playwright).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Browser } from "./cdp.mjs";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The budget for the npm package: wasm + JS glue, gzip -9, as `build_package` makes it
 *  (scripts/lib.sh). `npm test` fails above it. */
// The package with both transports, the JS idioms (TypedEventSource, events(), signals,
// decoders), the hostile-input checks and streamed answers (terminal markers, the rule for
// requests not safe to repeat, typed unions). It measured 49,302 B after the cuts of
// BENCHMARKS.md, "Bundle size: cuts toward 42 KiB" (51,034 B before them), and 50,480 B once
// large events are gathered in pieces (+~750 B), the wasm loads itself (+~200 B), URLs that are
// not http(s) are refused with a hint (+347 B) and unheard errors are rate-limited (+312 B of
// JS). The package's front-door work aims at 42 KiB. This guards against growth, with ~0.7 KB
// of room, while that target stays open. Sharing one connection across tabs (`shared`, the
// resume point in storage) took it to 54,777 B (+4,297 B: wasm +3,628, JS +669; BENCHMARKS.md,
// "Shared connections"). Merged with the same round's other work (the core crate's split, whose
// cross-crate calls rustc does not inline before LTO, +~270 B; the typed gap, +165 B of JS; the
// CORS and could-not-connect messages, +544 B) it is 56,096 B, and 56,776 B once the relay
// between tabs is hardened (+680 B) (BENCHMARKS.md, "Bundle size: the round's merge"), hence
// 56 KiB, ~0.55 KB of room.
export const BUNDLE_BUDGET_GZIP = 56 * 1024;

const gz = (path) => gzipSync(readFileSync(path), { level: 9 }).length;

/** Raw and gzip -9 sizes of a wasm-pack output directory: the .wasm, and all the JS it loads. */
export function bundleSize(dir) {
  const files = readdirSync(dir, { recursive: true }).map(String);
  const wasm = files.find((f) => f.endsWith(".wasm"));
  // What a browser loads: node.js is the Node entry point (scripts/package-entry.mjs), never fetched;
  // the framework bindings (typed-sse/react, /vue, /svelte) only by an app that imports one.
  const notLoaded = new Set(["node.js", "react.js", "vue.js", "svelte.js", "sse-store.js"]);
  const js = files.filter((f) => f.endsWith(".js") && !notLoaded.has(f));
  const size = (f) => statSync(join(dir, f)).size;
  return {
    wasm_raw: size(wasm),
    wasm_gzip: gz(join(dir, wasm)),
    js_raw: js.reduce((s, f) => s + size(f), 0),
    js_gzip: js.reduce((s, f) => s + gz(join(dir, f)), 0),
  };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** Opens the benchmark page (with the Rust clients and eventsource-parser when `rustClients`);
 *  returns { browser, page }. */
export async function openBenchPage(server, { rustClients = false } = {}) {
  const browser = await Browser.launch();
  const page = await browser.newPage();
  await page.goto(`${server}/bench/page.html`);
  for (let i = 0; i < 100 && !(await page.eval("window.benchReady === true")); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!(await page.eval("window.benchReady === true"))) throw new Error("the benchmark page did not load");
  if (rustClients) await page.eval("loadClients()");
  return { browser, page };
}

/** The throughput clients (bench/page.mjs): (a)-(d) over the browser's EventSource, then the
 *  fetch transport's comparison and its limit. */
export const CLIENTS = [
  "native", "typed_sse_js", "typed_sse_rust", "gloo_net",
  "fetch_parser_js", "typed_sse_fetch_js", "typed_sse_fetch_rust", "fetch_bytes_only",
];
/** The baseline of the fetch clients' second ratio (`vs_fetch_parser`). */
export const FETCH_BASELINE = "fetch_parser_js";

/** Events/s per client: warm-up, then `rounds` interleaved runs; median, min, max, and the
 *  median of each run's ratio to the native run of the same round (drift on a noisy machine
 *  moves both alike, so the paired ratio is steadier than a ratio of medians); `vs_fetch_parser`
 *  is the same paired ratio to fetch + eventsource-parser. */
export async function throughput(page, server, { size, n, rounds, clients = CLIENTS }) {
  const large = size === "large";
  const url = (count) => `${server}/sse/bench?n=${count}&size=${size}&key=bench-${size}`;
  const run = (c, count) => page.eval(`throughput(${JSON.stringify(c)}, ${JSON.stringify(url(count))}, ${count}, ${large})`);
  const rates = Object.fromEntries(clients.map((c) => [c, []]));
  const ratios = Object.fromEntries(clients.map((c) => [c, []]));
  const vsFetch = Object.fromEntries(clients.map((c) => [c, []]));
  for (const c of clients) await run(c, Math.ceil(n / 10));
  for (let r = 0; r < rounds; r++) {
    // Rotate who goes first, and start every run from a collected heap, so that no client
    // always inherits the previous one's garbage or a cold cache.
    const order = clients.map((_, i) => clients[(i + r) % clients.length]);
    for (const c of order) {
      await page.send("HeapProfiler.collectGarbage");
      rates[c].push((n / (await run(c, n))) * 1000);
    }
    for (const c of clients) {
      if (rates.native) ratios[c].push(rates[c][r] / rates.native[r]);
      if (rates[FETCH_BASELINE]) vsFetch[c].push(rates[c][r] / rates[FETCH_BASELINE][r]);
    }
  }
  return Object.fromEntries(clients.map((c) => [c, {
    median: median(rates[c]), min: Math.min(...rates[c]), max: Math.max(...rates[c]),
    ...(rates.native && { ratio: median(ratios[c]) }),
    ...(rates[FETCH_BASELINE] && { vs_fetch_parser: median(vsFetch[c]) }),
  }]));
}

/** Events/s of `clients` read one after another, `rounds` times after a warm-up of a tenth of
 *  `n` each, the order rotated every round and `gc()` awaited before each run; `run(client, n)`
 *  resolves with the run's milliseconds. Per client: median, min, max, and for each of the
 *  `baselines` the median over the rounds of the client's rate divided by the baseline's rate in
 *  the same round (`vs[baseline]`), so that drift of a busy machine, which moves a round's runs
 *  alike, cancels out. */
export async function pairedThroughput({ clients, n, rounds, run, gc = async () => {}, baselines = [] }) {
  const rates = Object.fromEntries(clients.map((c) => [c, []]));
  for (const c of clients) await run(c, Math.ceil(n / 10));
  for (let r = 0; r < rounds; r++) {
    for (const c of clients.map((_, i) => clients[(i + r) % clients.length])) {
      await gc();
      rates[c].push((n / (await run(c, n))) * 1000);
    }
  }
  const bases = baselines.filter((b) => rates[b]);
  return Object.fromEntries(clients.map((c) => [c, {
    median: median(rates[c]), min: Math.min(...rates[c]), max: Math.max(...rates[c]), rates: rates[c],
    vs: Object.fromEntries(bases.map((b) => {
      const ratios = rates[c].map((x, r) => x / rates[b][r]);
      return [b, { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) }];
    })),
  }]));
}

/** Native, the JS API with either transport, and fetch + eventsource-parser (which needs the
 *  page's `loadClients()`, as `openBenchPage(server, { rustClients: true })` does). */
export const LATENCY_CLIENTS = ["native", "typed_sse_js", "typed_sse_fetch_js", "fetch_parser_js"];

/** p50/p99 of server-send-to-listener latency, the `clients` measured at the same time on one
 *  connection each at `perSec`, so a hiccup of the machine lands on all; after a warm-up of 50
 *  events each (the first connection of a kind in a page pays for compiling its path: tens of
 *  ms on the first events). Half the samples are taken with the clients in the given order and
 *  half in the reverse order: the streams tick together, and where a client's connection lies in
 *  the order moves its p50 by up to ~0.4 ms at 100 events/s on this machine, whatever the client
 *  (measured with two clients swapped). */
export async function latency(page, server, { perSec, n, clients = LATENCY_CLIENTS }) {
  const all = (order, count, tag) => page.eval(`Promise.all([${order.map((c) => {
    const url = `${server}/sse/rate?n=${count}&per_sec=${perSec}&key=latency-${tag}${c}`;
    return `latency(${JSON.stringify(c)}, ${JSON.stringify(url)}, ${count})`;
  }).join(", ")}])`);
  await all(clients, 50, "warm-up-");
  const half = Math.ceil(n / 2);
  const forward = await all(clients, half, "");
  const reversed = [...clients].reverse();
  const backward = await all(reversed, n - half, "reversed-");
  const samples = clients.map((c, i) => [...forward[i], ...backward[reversed.indexOf(c)]]);
  const summary = (samples) => ({ p50: percentile(samples, 50), p99: percentile(samples, 99) });
  return Object.fromEntries(clients.map((c, i) => [c, summary(samples[i])]));
}

async function heapAfterGc(page) {
  await page.send("HeapProfiler.collectGarbage");
  await page.send("HeapProfiler.collectGarbage");
  const { usedSize } = await page.send("Runtime.getHeapUsage");
  return usedSize;
}

/** Wasm memory and JS heap (after forced GC) before and after `cycles` open/close cycles and
 *  `reconnects` forced reconnects, each after its own warm-up, with `transport` ("eventsource"
 *  or "fetch"). */
export async function memory(page, server, { cycles, reconnects, transport = "native" }) {
  const t = JSON.stringify(transport);
  const hold = `${server}/sse/hold?key=memory-cycles-${transport}`;
  await page.eval(`openClose(${JSON.stringify(hold)}, ${Math.ceil(cycles / 10)}, ${t})`);
  const w0 = await page.eval("wasmBytes()");
  const h0 = await heapAfterGc(page);
  await page.eval(`openClose(${JSON.stringify(hold)}, ${cycles}, ${t})`);
  const w1 = await page.eval("wasmBytes()");
  const h1 = await heapAfterGc(page);

  const cut = `${server}/sse/numbered?total=100000000&cut=1&key=memory-reconnects-${transport}`;
  await page.eval(`reconnects(${JSON.stringify(cut)}, ${Math.ceil(reconnects / 10)}, ${t})`);
  const w2 = await page.eval("wasmBytes()");
  const h2 = await heapAfterGc(page);
  await page.eval(`reconnects(${JSON.stringify(cut)}, ${reconnects}, ${t})`);
  const w3 = await page.eval("wasmBytes()");
  const h3 = await heapAfterGc(page);
  return {
    transport,
    cycles,
    wasm_growth_bytes: w1 - w0,
    js_heap_growth_bytes: h1 - h0,
    reconnects,
    reconnect_wasm_growth_bytes: w3 - w2,
    reconnect_js_heap_growth_bytes: h3 - h2,
    wasm_bytes: w3,
  };
}

/** Where one run's time goes: a sampling CPU profile (DevTools `Profiler` domain, 100 µs) of
 *  `n` events for each client, after a warm-up. Self time is reported in µs per event, by
 *  function and by stage of the pipeline (`stage`), so clients of different speeds compare
 *  line by line. */
export async function cpuProfile(page, server, { size, n, clients }) {
  const large = size === "large";
  const url = `${server}/sse/bench?n=${n}&size=${size}&key=profile-${size}`;
  const run = (c) => page.eval(`throughput(${JSON.stringify(c)}, ${JSON.stringify(url)}, ${n}, ${large})`);
  await page.send("Profiler.enable");
  await page.send("Profiler.setSamplingInterval", { interval: 100 });
  const out = {};
  try {
    for (const c of clients) {
      await run(c);
      await page.send("HeapProfiler.collectGarbage");
      await page.send("Profiler.start");
      const ms = await run(c);
      const { profile } = await page.send("Profiler.stop");
      const functions = selfTime(profile, n);
      const stages = {};
      for (const f of functions) stages[stage(f.name)] = (stages[stage(f.name)] || 0) + f.us_per_event;
      out[c] = { us_per_event: (ms * 1000) / n, stages, functions: functions.slice(0, 15) };
    }
  } finally {
    await page.send("Profiler.disable");
  }
  return out;
}

/** µs per event of self time per function, largest first. The time between two samples is
 *  given to the first. */
export function selfTime(profile, n) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i + 1] ?? 0;
    const { functionName: f, url } = byId.get(profile.samples[i]).callFrame;
    const name = f.startsWith("(") ? f : `${f || "(anonymous)"} [${url.split("/").pop() || "native"}]`;
    totals.set(name, (totals.get(name) || 0) + delta);
  }
  return [...totals.entries()]
    .map(([name, us]) => ({ name, us_per_event: us / n }))
    .sort((a, b) => b.us_per_event - a.us_per_event);
}

/** The stages of the pipeline a profiled function belongs to. The fetch clients add their own:
 *  reading the body, bytes to strings, SSE parsing (in JS or in wasm), and the JS API's Hub. */
export const STAGES = [
  ["browser", "browser: stream parsing, event dispatch, call overhead ((program))"],
  ["fetch_read", "fetch: reading the body (reader.read, the reader loop in src/transport/fetch.js)"],
  ["bytes_in", "fetch: the chunk's bytes copied into wasm memory"],
  ["sse_js", "SSE parsing in JS (eventsource-parser)"],
  ["sse_wasm", "SSE parsing in wasm (typed-sse's parser and fetch reader)"],
  ["strings", "bytes to JS strings: TextDecoder (and wasm-bindgen's getStringFromWasm0)"],
  ["hub", "JS API: Hub.deliver/dispatch (JSON.parse), Meta (src/js/hub.js, meta.js: typed_sse.js)"],
  ["js_listener", "JS listener: event.data, JSON.parse, checksum"],
  ["copy", "event.data copied into wasm memory"],
  ["decode", "serde_json decoding"],
  ["alloc", "allocator (dlmalloc), freeing the struct"],
  ["wrapper", "the wrapper's own code (typed-sse or gloo-net)"],
  ["gc", "garbage collector"],
  ["other", "other"],
];

export function stage(name) {
  if (name === "(program)" || name === "(idle)") return "browser";
  if (name === "(garbage collector)") return "gc";
  if (/^(read|fetch|abort|cancel) \[native\]$|\[fetch\.js\]$/.test(name)) return "fetch_read";
  if (/^decode \[native\]$|getStringFromWasm|decodeText|cachedTextDecoder/.test(name)) return "strings";
  if (/\[index\.js\]$/.test(name)) return "sse_js";
  // The JS API's modules are bundled into the package's typed_sse.js (scripts/package-entry.mjs).
  if (/\[typed_sse\.js\]$/.test(name)) return "hub";
  if (/\[page\.mjs\]$/.test(name)) return "js_listener";
  if (/typed_sse::parse::|typed_sse::transport::fetch::reader/.test(name)) return "sse_wasm";
  if (/copy_to|prototypesetcall|Uint8Array.*(set|copy)|__wbg_set_[0-9a-f]+ \[/.test(name)) return "bytes_in";
  if (/encodeData|encodeInto|string_get|__wbg_data_/.test(name)) return "copy";
  if (/serde|DeserializeSeed/.test(name)) return "decode";
  if (/dlmalloc|lol_alloc|__rdl_|__rust_(alloc|dealloc|realloc)|drop_in_place|RawVec|finish_grow|memcpy|memset|memmove/.test(name)) return "alloc";
  if (/typed_sse|gloo|wasm_bindgen|closures|queueMicrotask|\[typed_sse_bench/.test(name)) return "wrapper";
  return "other";
}
