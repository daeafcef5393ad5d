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
export const BUNDLE_BUDGET_GZIP = 32 * 1024;

const gz = (path) => gzipSync(readFileSync(path), { level: 9 }).length;

/** Raw and gzip -9 sizes of a wasm-pack output directory: the .wasm, and all the JS it loads. */
export function bundleSize(dir) {
  const files = readdirSync(dir, { recursive: true }).map(String);
  const wasm = files.find((f) => f.endsWith(".wasm"));
  const js = files.filter((f) => f.endsWith(".js"));
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

/** Opens the benchmark page (with the Rust clients when `rustClients`); returns { browser, page }. */
export async function openBenchPage(server, { rustClients = false } = {}) {
  const browser = await Browser.launch();
  const page = await browser.newPage();
  await page.goto(`${server}/bench/page.html`);
  for (let i = 0; i < 100 && !(await page.eval("window.benchReady === true")); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!(await page.eval("window.benchReady === true"))) throw new Error("the benchmark page did not load");
  if (rustClients) await page.eval("loadRustClients()");
  return { browser, page };
}

export const CLIENTS = ["native", "typed_sse_js", "typed_sse_rust", "gloo_net"];

/** Events/s per client: warm-up, then `rounds` interleaved runs; median, min, max, and the
 *  median of each run's ratio to the native run of the same round (drift on a noisy machine
 *  moves both alike, so the paired ratio is steadier than a ratio of medians). */
export async function throughput(page, server, { size, n, rounds }) {
  const large = size === "large";
  const url = (count) => `${server}/sse/bench?n=${count}&size=${size}&key=bench-${size}`;
  const run = (c, count) => page.eval(`throughput(${JSON.stringify(c)}, ${JSON.stringify(url(count))}, ${count}, ${large})`);
  const rates = Object.fromEntries(CLIENTS.map((c) => [c, []]));
  const ratios = Object.fromEntries(CLIENTS.map((c) => [c, []]));
  for (const c of CLIENTS) await run(c, Math.ceil(n / 10));
  for (let r = 0; r < rounds; r++) {
    // Rotate who goes first, and start every run from a collected heap, so that no client
    // always inherits the previous one's garbage or a cold cache.
    const order = CLIENTS.map((_, i) => CLIENTS[(i + r) % CLIENTS.length]);
    for (const c of order) {
      await page.send("HeapProfiler.collectGarbage");
      rates[c].push((n / (await run(c, n))) * 1000);
    }
    for (const c of CLIENTS) ratios[c].push(rates[c][r] / rates.native[r]);
  }
  return Object.fromEntries(CLIENTS.map((c) => [c, {
    median: median(rates[c]), min: Math.min(...rates[c]), max: Math.max(...rates[c]), ratio: median(ratios[c]),
  }]));
}

/** p50/p99 of server-send-to-listener latency, native and the JS API measured at the same time
 *  on two connections at `perSec`, so a hiccup of the machine lands on both. */
export async function latency(page, server, { perSec, n }) {
  const url = (c) => `${server}/sse/rate?n=${n}&per_sec=${perSec}&key=latency-${c}`;
  const both = await page.eval(`Promise.all([latency("native", ${JSON.stringify(url("native"))}, ${n}), latency("typed_sse_js", ${JSON.stringify(url("js"))}, ${n})])`);
  const summary = (samples) => ({ p50: percentile(samples, 50), p99: percentile(samples, 99) });
  return { native: summary(both[0]), typed_sse_js: summary(both[1]) };
}

async function heapAfterGc(page) {
  await page.send("HeapProfiler.collectGarbage");
  await page.send("HeapProfiler.collectGarbage");
  const { usedSize } = await page.send("Runtime.getHeapUsage");
  return usedSize;
}

/** Wasm memory and JS heap (after forced GC) before and after `cycles` open/close cycles and
 *  `reconnects` forced reconnects, each after its own warm-up. */
export async function memory(page, server, { cycles, reconnects }) {
  const hold = `${server}/sse/hold?key=memory-cycles`;
  await page.eval(`openClose(${JSON.stringify(hold)}, ${Math.ceil(cycles / 10)})`);
  const w0 = await page.eval("wasmBytes()");
  const h0 = await heapAfterGc(page);
  await page.eval(`openClose(${JSON.stringify(hold)}, ${cycles})`);
  const w1 = await page.eval("wasmBytes()");
  const h1 = await heapAfterGc(page);

  const cut = `${server}/sse/numbered?total=100000000&cut=1&key=memory-reconnects`;
  await page.eval(`reconnects(${JSON.stringify(cut)}, ${Math.ceil(reconnects / 10)})`);
  const w2 = await page.eval("wasmBytes()");
  const h2 = await heapAfterGc(page);
  await page.eval(`reconnects(${JSON.stringify(cut)}, ${reconnects})`);
  const w3 = await page.eval("wasmBytes()");
  const h3 = await heapAfterGc(page);
  return {
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

/** The stages of the pipeline a profiled function belongs to. */
export const STAGES = [
  ["browser", "browser: stream parsing, event dispatch, call overhead ((program))"],
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
  if (/\[page\.mjs\]$/.test(name)) return "js_listener";
  if (/encodeData|encodeInto|string_get|__wbg_data_/.test(name)) return "copy";
  if (/serde|DeserializeSeed/.test(name)) return "decode";
  if (/dlmalloc|__rdl_|__rust_(alloc|dealloc|realloc)|drop_in_place|RawVec|finish_grow|memcpy|memset/.test(name)) return "alloc";
  if (/typed_sse|gloo|wasm_bindgen|closures|queueMicrotask|\[typed_sse_bench/.test(name)) return "wrapper";
  return "other";
}
