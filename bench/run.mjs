// `npm run bench`: throughput, latency, bundle size and memory, side by side in one Chromium
// session. Writes bench/results.json, bench/throughput.svg and the generated part of
// BENCHMARKS.md. SERVER_URL is set by scripts/bench.sh, which builds everything first.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT, CLIENTS, STAGES, BUNDLE_BUDGET_GZIP, bundleSize, openBenchPage, throughput, latency, memory, cpuProfile } from "./measure.mjs";

const server = process.env.SERVER_URL;
if (!server) throw new Error("SERVER_URL is not set: run `npm run bench`");
const log = (...a) => console.error(...a);

const { browser, page } = await openBenchPage(server, { rustClients: true });
const results = { browser: browser.version, date: new Date().toISOString().slice(0, 10) };
try {
  log("throughput: 200,000 small events, 5 rounds of 4 clients ...");
  const small = await throughput(page, server, { size: "small", n: 200_000, rounds: 5 });
  log("throughput: 20,000 large events, 5 rounds ...");
  const large = await throughput(page, server, { size: "large", n: 20_000, rounds: 5 });
  log("latency at 100 and 1,000 events/s ...");
  const lat100 = await latency(page, server, { perSec: 100, n: 1_000 });
  const lat1000 = await latency(page, server, { perSec: 1000, n: 5_000 });
  log("memory: 10,000 open/close cycles and 1,000 reconnects ...");
  const mem = await memory(page, server, { cycles: 10_000, reconnects: 1_000 });
  log("CPU profile of 20,000 large events (builds that keep function names) ...");
  await page.eval(`loadRustClients("prof")`);
  const profile = await cpuProfile(page, server, { size: "large", n: 20_000, clients: ["native", "typed_sse_rust", "gloo_net"] });

  const sizes = {
    package: bundleSize(join(ROOT, "pkg")),
    hello: bundleSize(join(ROOT, "bench/out/hello")),
    gloo_net: bundleSize(join(ROOT, "bench/out/gloo")),
    rust_api_app: bundleSize(join(ROOT, "bench/out/rust")),
  };
  const settingsFile = join(ROOT, "bench/out/sizes.json");
  const settings = existsSync(settingsFile) ? JSON.parse(readFileSync(settingsFile, "utf8")) : [];

  Object.assign(results, {
    throughput: {
      small: Object.fromEntries(CLIENTS.map((c) => [c, Math.round(small[c].median)])),
      large: Object.fromEntries(CLIENTS.map((c) => [c, Math.round(large[c].median)])),
    },
    throughput_detail: { small, large },
    latency_ms: { native: lat1000.native, typed_sse_js: lat1000.typed_sse_js },
    latency_detail_ms: { "100": lat100, "1000": lat1000 },
    bundle_bytes: sizes.package,
    bundle_comparison: sizes,
    bundle_settings: settings,
    memory: mem,
    cpu_profile_large: profile,
  });
} finally {
  await browser.close();
}

writeFileSync(join(ROOT, "bench/results.json"), JSON.stringify(results, null, 2) + "\n");
writeFileSync(join(ROOT, "bench/throughput.svg"), chart(results));
updateMarkdown(results);
log("wrote bench/results.json, bench/throughput.svg, BENCHMARKS.md");

function chart(r) {
  const label = { native: "native EventSource + JSON.parse", typed_sse_js: "typed-sse JS API", typed_sse_rust: "typed-sse Rust API", gloo_net: "gloo-net + serde_json" };
  const color = { native: "#8a93a8", typed_sse_js: "#5b9dff", typed_sse_rust: "#3ecf8e", gloo_net: "#f5b84a" };
  const W = 760, bar = 22, gap = 6, left = 250, groupGap = 40;
  let y = 50;
  const parts = [];
  for (const [size, title] of [["small", "~90 B events"], ["large", "~2 KB events"]]) {
    const max = Math.max(...CLIENTS.map((c) => r.throughput_detail[size][c].max));
    parts.push(`<text x="10" y="${y - 12}" font-weight="600">${title} (events/s, median of 5; whiskers: min-max)</text>`);
    for (const c of CLIENTS) {
      const d = r.throughput_detail[size][c];
      const sx = (v) => left + (v / max) * (W - left - 90);
      parts.push(`<text x="10" y="${y + 15}">${label[c]}</text>`);
      parts.push(`<rect x="${left}" y="${y}" width="${(sx(d.median) - left).toFixed(1)}" height="${bar}" fill="${color[c]}"/>`);
      parts.push(`<line x1="${sx(d.min).toFixed(1)}" x2="${sx(d.max).toFixed(1)}" y1="${y + bar / 2}" y2="${y + bar / 2}" stroke="#222" stroke-width="2"/>`);
      const ratio = d.ratio.toFixed(2);
      parts.push(`<text x="${(sx(d.max) + 6).toFixed(1)}" y="${y + 15}">${Math.round(d.median).toLocaleString("en")} (${ratio}x)</text>`);
      y += bar + gap;
    }
    y += groupGap;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" font-size="15" font-weight="700">Throughput in headless ${r.browser}, ${r.date}</text>
${parts.join("\n")}
</svg>
`;
}

function updateMarkdown(r) {
  const file = join(ROOT, "BENCHMARKS.md");
  const kb = (b) => (b / 1024).toFixed(1);
  const t = r.throughput_detail;
  const row = (size, c) => {
    const d = t[size][c];
    return `${Math.round(d.median).toLocaleString("en")} (${Math.round(d.min).toLocaleString("en")}-${Math.round(d.max).toLocaleString("en")}) | ${d.ratio.toFixed(2)}x`;
  };
  const name = { native: "(a) native EventSource + JSON.parse", typed_sse_js: "(b) typed-sse JS API, JSON", typed_sse_rust: "(c) typed-sse Rust API, struct", gloo_net: "(d) gloo-net EventSource + serde_json" };
  const s = r.bundle_comparison;
  const sizeRow = (label, b) => `| ${label} | ${kb(b.wasm_raw)} | ${kb(b.wasm_gzip)} | ${kb(b.js_raw)} | ${kb(b.js_gzip)} | **${kb(b.wasm_gzip + b.js_gzip)}** |`;
  const lat = r.latency_detail_ms;
  const m = r.memory;
  const p = r.cpu_profile_large;
  const PROFILED = Object.keys(p);
  const md = `<!-- bench:start (generated by \`npm run bench\`; edit bench/run.mjs, not this part) -->
Run: ${r.date}, headless ${r.browser}, 2 cores, driven over a DevTools-protocol pipe with no
Network domain. Command: \`npm run bench\`.

### Throughput

One response per run, events/s from opening the client to its last decoded event. Median of 5
interleaved runs after a warm-up (min-max), the order rotated every round and the heap collected
before each run. The ratio is the median, over the rounds, of the
client's rate divided by (a)'s rate in the same round. (c) and (d) are built with
\`opt-level = 3\`, as an application that cares about speed would build them. The npm package
(b) is built for size, but its per-event path is JavaScript (\`src/js/glue.js\`), so that
does not slow it down.

| client | 200,000 × ~90 B | ratio | 20,000 × ~2 KB | ratio |
| --- | ---: | ---: | ---: | ---: |
${CLIENTS.map((c) => `| ${name[c]} | ${row("small", c)} | ${row("large", c)} |`).join("\n")}

![throughput](bench/throughput.svg)

### Where the time goes: CPU profile, ~2 KB events

A sampling profile (DevTools \`Profiler\` domain, 100 µs) of one run of 20,000 events per client,
self time in µs per event, grouped by stage. (c) and (d) are profiled in \`--profiling\` builds:
the same \`opt-level = 3\` code, keeping function names. The profiler slows every client down
a little, so compare the rows, not the totals with the table above. It is one run per client on
a noisy 2-core machine: the browser's stage and the garbage collector move by several µs from run
to run, the wasm stages much less. The functions behind each stage are in \`bench/results.json\` (\`cpu_profile_large\`).

| stage | ${PROFILED.map((c) => name[c].replace(/ EventSource.*| API.*/, "")).join(" | ")} |
| --- | ${PROFILED.map(() => "---:").join(" | ")} |
${STAGES.filter(([k]) => PROFILED.some((c) => (p[c].stages[k] || 0) >= 0.05)).map(([k, label]) => `| ${label} | ${PROFILED.map((c) => (p[c].stages[k] || 0).toFixed(2)).join(" | ")} |`).join("\n")}
| **total, µs per event** | ${PROFILED.map((c) => `**${p[c].us_per_event.toFixed(2)}**`).join(" | ")} |

### Latency

From the server's send time (in the event) to the listener call, ms. Native and typed-sse run at
the same time, on two connections to the same stream.

| rate | native p50 | native p99 | typed-sse JS p50 | typed-sse JS p99 | p99 added |
| --- | ---: | ---: | ---: | ---: | ---: |
${["100", "1000"].map((k) => `| ${k}/s | ${lat[k].native.p50.toFixed(2)} | ${lat[k].native.p99.toFixed(2)} | ${lat[k].typed_sse_js.p50.toFixed(2)} | ${lat[k].typed_sse_js.p99.toFixed(2)} | ${(lat[k].typed_sse_js.p99 - lat[k].native.p99).toFixed(2)} |`).join("\n")}

### Bundle size

wasm-pack \`--release\`, wasm-opt from the npm \`binaryen\` package; KB = 1024 bytes; gzip -9.
Budget for the package: ${kb(BUNDLE_BUDGET_GZIP)} KB gzipped, wasm + JS together.

| build | wasm | wasm gz | JS | JS gz | total gz |
| --- | ---: | ---: | ---: | ---: | ---: |
${sizeRow("typed-sse npm package (JS API)", s.package)}
${sizeRow("typed-sse Rust API in an app (bench/rust-client)", s.rust_api_app)}
${sizeRow("gloo-net + serde_json (bench/gloo-client)", s.gloo_net)}
${sizeRow("hello-world (bench/hello)", s.hello)}
${r.bundle_settings.length ? `
What each setting buys, for the npm package (one setting changed from the default profile):

| setting | wasm gz | JS gz | total gz | vs default |
| --- | ---: | ---: | ---: | ---: |
${r.bundle_settings.map((x) => `| ${x.setting} | ${kb(x.wasm_gzip)} | ${kb(x.js_gzip)} | ${kb(x.wasm_gzip + x.js_gzip)} | ${x.setting === "default profile" ? "" : `${(((x.wasm_gzip + x.js_gzip) - (r.bundle_settings[0].wasm_gzip + r.bundle_settings[0].js_gzip)) / 1024).toFixed(1)} KB`} |`).join("\n")}
` : ""}
### Memory

Wasm linear memory and the JS heap after a forced garbage collection (\`HeapProfiler.collectGarbage\`),
each measured after a warm-up of a tenth of the run.

| run | wasm growth | JS heap growth |
| --- | ---: | ---: |
| ${m.cycles.toLocaleString("en")} open/close cycles (\`new SseClient\`, \`close\`, \`free\`) | ${m.wasm_growth_bytes} B | ${(m.js_heap_growth_bytes / 1024).toFixed(1)} KB |
| ${m.reconnects.toLocaleString("en")} forced reconnects of one client | ${m.reconnect_wasm_growth_bytes} B | ${(m.reconnect_js_heap_growth_bytes / 1024).toFixed(1)} KB |
<!-- bench:end -->`;
  const text = readFileSync(file, "utf8");
  const start = text.indexOf("<!-- bench:start");
  const end = text.indexOf("<!-- bench:end -->");
  const next = start >= 0 && end > start
    ? text.slice(0, start) + md + text.slice(end + "<!-- bench:end -->".length)
    : text.replace("\n## Decoding event data in wasm", `\n## Throughput, latency, size, memory\n\n${md}\n\n## Decoding event data in wasm`);
  writeFileSync(file, next);
}
