// The measurements behind `npm run bench` and the smoke test in `npm test`, run through a plain
// DevTools-protocol connection (see cdp.mjs for why not Playwright).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Browser } from "./cdp.mjs";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The budget for the default npm build: wasm + JS glue, gzip -9. */
export const BUNDLE_BUDGET_GZIP = 30 * 1024;

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

/** Opens the benchmark page; returns { browser, page }. */
export async function openBenchPage(server) {
  const browser = await Browser.launch();
  const page = await browser.newPage();
  await page.goto(`${server}/bench/page.html`);
  for (let i = 0; i < 100 && !(await page.eval("window.benchReady === true")); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!(await page.eval("window.benchReady === true"))) throw new Error("the benchmark page did not load");
  return { browser, page };
}

export const CLIENTS = ["native", "typed_sse_js", "typed_sse_rust", "gloo_net"];

/** Events/s per client: warm-up, then `rounds` interleaved runs; median, min, max. */
export async function throughput(page, server, { size, n, rounds }) {
  const large = size === "large";
  const url = `${server}/sse/bench?n=${n}&size=${size}&key=bench-${size}`;
  const rates = Object.fromEntries(CLIENTS.map((c) => [c, []]));
  for (const c of CLIENTS) await page.eval(`throughput(${JSON.stringify(c)}, ${JSON.stringify(url.replace(`n=${n}`, `n=${Math.ceil(n / 10)}`))}, ${Math.ceil(n / 10)}, ${large})`);
  for (let r = 0; r < rounds; r++) {
    for (const c of CLIENTS) {
      const ms = await page.eval(`throughput(${JSON.stringify(c)}, ${JSON.stringify(url)}, ${n}, ${large})`);
      rates[c].push((n / ms) * 1000);
    }
  }
  return Object.fromEntries(CLIENTS.map((c) => [c, { median: median(rates[c]), min: Math.min(...rates[c]), max: Math.max(...rates[c]) }]));
}

/** p50/p99 of server-send-to-listener latency, native against the JS API, at `perSec`. */
export async function latency(page, server, { perSec, n }) {
  const out = {};
  for (const c of ["native", "typed_sse_js"]) {
    const url = `${server}/sse/rate?n=${n}&per_sec=${perSec}&key=latency`;
    const samples = await page.eval(`latency(${JSON.stringify(c)}, ${JSON.stringify(url)}, ${n})`);
    out[c] = { p50: percentile(samples, 50), p99: percentile(samples, 99) };
  }
  return out;
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
