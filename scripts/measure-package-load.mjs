// What loading the wasm costs a page, for docs/package.md and BENCHMARKS.md: the package's
// browser entry as built (the wasm file fetched beside it, `WebAssembly.instantiateStreaming`,
// top-level await) against the same entry with the wasm inlined as base64 (what a bundler that
// cannot follow `new URL(..., import.meta.url)` would need). Bytes gzipped, and in headless
// Chromium over loopback, cold cache, the time from navigation to the import resolving and to
// the first event from the test server (median of RUNS, alternating).
//   source scripts/lib.sh; bash scripts/package.sh; start_server 0
//   SERVER_URL=$SERVER_URL node scripts/measure-package-load.mjs
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { launch } from "../e2e/helpers.mjs";

const SERVER = process.env.SERVER_URL;
const RUNS = Number(process.env.RUNS ?? 15);
const pkg = new URL("../pkg/", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "typed-sse-load-"));
cpSync(pkg, join(dir, "url"), { recursive: true });
cpSync(pkg, join(dir, "inline"), { recursive: true });
const wasm = readFileSync(join(pkg, "typed_sse_core_bg.wasm")).toString("base64");
const entry = readFileSync(join(pkg, "typed_sse.js"), "utf8");
const inlined = entry.replace(/await (\w+)\(\{module_or_path:(\w+)\}\)/, (m, init) =>
  `await ${init}({module_or_path:Uint8Array.from(atob("${wasm}"),c=>c.charCodeAt(0))})`);
if (inlined === entry) throw new Error("the entry's init call was not found");
writeFileSync(join(dir, "inline/typed_sse.js"), inlined);
rmSync(join(dir, "inline/typed_sse_core_bg.wasm"));
const page = `<!doctype html><script type="module">
const t0 = performance.now();
const { SseClient } = await import("./typed_sse.js");
const ready = performance.now();
const q = new URLSearchParams(location.search);
const c = new SseClient(q.get("server") + "/sse/messages?n=1&key=load", { maxReconnects: 0 });
c.on("message", () => { window.__t = { ready, first: performance.now(), nav: t0 }; c.close(); });
</script>`;
for (const v of ["url", "inline"]) writeFileSync(join(dir, v, "index.html"), page);

const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
const site = createServer((req, res) => {
  try {
    const body = readFileSync(join(dir, new URL(req.url, "http://x").pathname));
    res.writeHead(200, { "content-type": types[extname(req.url.split("?")[0])] ?? "application/octet-stream", "cache-control": "no-store" }).end(body);
  } catch { res.writeHead(404).end(); }
});
await new Promise((r) => site.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${site.address().port}`;
const browser = await launch();
const times = { url: { ready: [], first: [] }, inline: { ready: [], first: [] } };
for (let i = 0; i < RUNS; i++) {
  for (const v of i % 2 ? ["inline", "url"] : ["url", "inline"]) {
    const context = await browser.newContext();
    const p = await context.newPage();
    await p.goto(`${base}/${v}/index.html?server=${encodeURIComponent(SERVER)}`);
    await p.waitForFunction(() => window.__t);
    const t = await p.evaluate(() => ({ ready: window.__t.ready, first: window.__t.first }));
    times[v].ready.push(t.ready);
    times[v].first.push(t.first);
    await context.close();
  }
}
await browser.close();
site.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gz = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
for (const v of ["url", "inline"]) {
  const bytes = gz(join(dir, v, "typed_sse.js")) + (v === "url" ? gz(join(dir, v, "typed_sse_core_bg.wasm")) : 0);
  console.log(`${v}: ${bytes} B gzipped (JS + wasm); import resolved ${median(times[v].ready).toFixed(1)} ms, first event ${median(times[v].first).toFixed(1)} ms after navigation (median of ${RUNS})`);
}
rmSync(dir, { recursive: true, force: true });
