// `npm run bench`: throughput, latency, bundle size and memory, side by side in one Chromium
// session. Writes bench/results.json, bench/throughput.svg and the generated part of
// BENCHMARKS.md. SERVER_URL is set by scripts/bench.sh, which builds everything first.
//
// BENCH_QUICK=1 checks the harness end to end in a minute or two: a twentieth of the events, two
// rounds, a tenth of the memory cycles, and everything written under bench/out/ instead
// (results.json, throughput.svg, BENCHMARKS.md), so that no figure of it is ever published.
import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, CLIENTS, STAGES, BUNDLE_BUDGET_GZIP, bundleSize, openBenchPage, throughput, latency, memory, cpuProfile } from "./measure.mjs";

const server = process.env.SERVER_URL;
const RENDER = process.argv.includes("--render");
if (!server && !RENDER) throw new Error("SERVER_URL is not set: run `npm run bench`");
const log = (...a) => console.error(...a);
const QUICK = process.env.BENCH_QUICK === "1";
const RUN = QUICK
  ? { small: 10_000, large: 1_000, rounds: 2, cycles: 1_000, reconnects: 100, latency: [200, 500], profile: 2_000 }
  : { small: 200_000, large: 20_000, rounds: 5, cycles: 10_000, reconnects: 1_000, latency: [1_000, 5_000], profile: 20_000 };
const OUT = QUICK ? join(ROOT, "bench/out") : ROOT;
const OUT_BENCH = QUICK ? join(ROOT, "bench/out") : join(ROOT, "bench");
// The CPU profile's clients: over the browser's EventSource, and over fetch.
const PROFILED_NATIVE = ["native", "typed_sse_rust", "gloo_net"];
const PROFILED_FETCH = ["fetch_parser_js", "typed_sse_fetch_js", "typed_sse_fetch_rust", "fetch_bytes_only"];
const fmt = (x) => x.toLocaleString("en");
// What the chart, the tables and the targets call each client.
const LABEL = {
  native: "(a) native EventSource + JSON.parse",
  typed_sse_js: "(b) typed-sse JS API, JSON",
  typed_sse_rust: "(c) typed-sse Rust API, struct",
  gloo_net: "(d) gloo-net EventSource + serde_json",
  fetch_parser_js: "(e) fetch + eventsource-parser + JSON.parse",
  typed_sse_fetch_js: "(f) typed-sse JS API, fetch, JSON",
  typed_sse_fetch_rust: "(g) typed-sse Rust API, fetch, struct",
  fetch_bytes_only: "fetch reading the bytes, nothing else (the limit)",
};
const SHORT = {
  native: "(a) native", typed_sse_rust: "(c) typed-sse Rust", gloo_net: "(d) gloo-net",
  fetch_parser_js: "(e) eventsource-parser", typed_sse_fetch_js: "(f) typed-sse JS, fetch",
  typed_sse_fetch_rust: "(g) typed-sse Rust, fetch", fetch_bytes_only: "fetch bytes only",
};
const FETCH = new Set(["fetch_parser_js", "typed_sse_fetch_js", "typed_sse_fetch_rust", "fetch_bytes_only"]);

if (RENDER) {
  // `node bench/run.mjs --render`: the chart and the generated part of BENCHMARKS.md again, from
  // bench/results.json as it is (after a change to this generator), without measuring.
  const results = JSON.parse(readFileSync(join(ROOT, "bench/results.json"), "utf8"));
  writeFileSync(join(ROOT, "bench/throughput.svg"), chart(results));
  updateMarkdown(results);
  log("rendered bench/throughput.svg and BENCHMARKS.md from bench/results.json");
} else {
  await measureAll();
}

/** Every measurement, in one Chromium session; writes the results, the chart and the markdown. */
async function measureAll() {
  const { browser, page } = await openBenchPage(server, { rustClients: true });
  const results = { browser: browser.version, date: new Date().toISOString().slice(0, 10) };
  try {
    log(`throughput: ${fmt(RUN.small)} small events, ${RUN.rounds} rounds of ${CLIENTS.length} clients ...`);
    const small = await throughput(page, server, { size: "small", n: RUN.small, rounds: RUN.rounds });
    log(`throughput: ${fmt(RUN.large)} large events, ${RUN.rounds} rounds ...`);
    const large = await throughput(page, server, { size: "large", n: RUN.large, rounds: RUN.rounds });
    log("latency at 100 and 1,000 events/s ...");
    const lat100 = await latency(page, server, { perSec: 100, n: RUN.latency[0] });
    const lat1000 = await latency(page, server, { perSec: 1000, n: RUN.latency[1] });
    log(`memory: ${fmt(RUN.cycles)} open/close cycles and ${fmt(RUN.reconnects)} reconnects, each transport ...`);
    const mem = await memory(page, server, { cycles: RUN.cycles, reconnects: RUN.reconnects });
    const memFetch = await memory(page, server, { cycles: RUN.cycles, reconnects: RUN.reconnects, transport: "fetch" });
    log(`CPU profile of ${fmt(RUN.profile)} large events (builds that keep function names) ...`);
    await page.eval(`loadClients("prof")`);
    const profile = await cpuProfile(page, server, { size: "large", n: RUN.profile, clients: [...PROFILED_NATIVE, ...PROFILED_FETCH] });
    log(`CPU profile of ${fmt(RUN.small)} small events, fetch clients ...`);
    const profileSmall = await cpuProfile(page, server, { size: "small", n: RUN.small, clients: PROFILED_FETCH });

    const sizes = {
      package: bundleSize(join(ROOT, "pkg")),
      hello: bundleSize(join(ROOT, "bench/out/hello")),
      gloo_net: bundleSize(join(ROOT, "bench/out/gloo")),
      rust_api_app: bundleSize(join(ROOT, "bench/out/rust")),
    };
    const settingsFile = join(ROOT, "bench/out/sizes.json");
    const settings = existsSync(settingsFile) ? JSON.parse(readFileSync(settingsFile, "utf8")) : [];
    const parser = hostParser();

    Object.assign(results, {
      run: RUN,
      throughput: {
        small: Object.fromEntries(CLIENTS.map((c) => [c, Math.round(small[c].median)])),
        large: Object.fromEntries(CLIENTS.map((c) => [c, Math.round(large[c].median)])),
      },
      throughput_detail: { small, large },
      latency_ms: lat1000,
      latency_detail_ms: { "100": lat100, "1000": lat1000 },
      bundle_bytes: sizes.package,
      bundle_comparison: sizes,
      bundle_settings: settings,
      memory: mem,
      memory_fetch: memFetch,
      cpu_profile_large: profile,
      cpu_profile_small: profileSmall,
      eventsource_parser_version: JSON.parse(readFileSync(join(ROOT, "node_modules/eventsource-parser/package.json"), "utf8")).version,
      ...parser,
    });
  } finally {
    await browser.close();
  }

  mkdirSync(OUT_BENCH, { recursive: true });
  writeFileSync(join(OUT_BENCH, "results.json"), JSON.stringify(results, null, 2) + "\n");
  writeFileSync(join(OUT_BENCH, "throughput.svg"), chart(results));
  updateMarkdown(results);
  log(`wrote ${QUICK ? "bench/out/{results.json,throughput.svg,BENCHMARKS.md} (BENCH_QUICK)" : "bench/results.json, bench/throughput.svg, BENCHMARKS.md"}`);
}

/** The host-side parser speed that scripts/bench.sh measured (`cargo test --release -p
 *  typed-sse-core --lib parse_speed -- --ignored --nocapture`, printed into bench/out/): MB/s of
 *  stream and M events/s, for the release profile as it is and with opt-level 3. Empty when
 *  bench/run.mjs runs without scripts/bench.sh. */
function hostParser() {
  const read = (file) => {
    const path = join(ROOT, "bench/out", file);
    if (!existsSync(path)) return null;
    const out = {};
    for (const line of readFileSync(path, "utf8").split("\n")) {
      const m = line.match(/^(small|large): (\d+) events of ~(\d+) bytes \(data ~(\d+)\).*: (\d+) MB\/s, ([\d.]+) M events\/s/);
      if (m) out[m[1]] = { events: +m[2], event_bytes: +m[3], data_bytes: +m[4], mb_s: +m[5], m_events_s: +m[6] };
    }
    return out.small && out.large ? out : null;
  };
  const z = read("parse-speed.txt");
  const o3 = read("parse-speed-o3.txt");
  if (!z) return {};
  return {
    parser_host_mb_s: { small: z.small.mb_s, large: z.large.mb_s },
    ...(o3 && { parser_host_mb_s_opt3: { small: o3.small.mb_s, large: o3.large.mb_s } }),
    parser_host_detail: { release: z, ...(o3 && { release_opt_level_3: o3 }) },
  };
}

// The fetch transport's targets (its issue), checked against this run: throughput as the paired
// ratio to (e), latency as p99 added over native, memory as growth after warm-up.
function fetchTargets(r) {
  const t = r.throughput_detail;
  const vs = (size, c) => t[size][c].vs_fetch_parser;
  const rows = [];
  const ratio = (c, small, large) => {
    const [s, l] = [vs("small", c), vs("large", c)];
    rows.push([`${LABEL[c]} ≥ ${small.toFixed(1)}× (e) on ~90 B events, ≥ ${large.toFixed(1)}× on ~2 KB`,
      s >= small && l >= large, `${s.toFixed(2)}×, ${l.toFixed(2)}×`]);
  };
  ratio("typed_sse_fetch_js", 1.2, 1.0);
  ratio("typed_sse_fetch_rust", 1.5, 1.0);
  const lat = r.latency_detail_ms;
  const plus = (x) => `${x >= 0 ? "+" : ""}${x.toFixed(2)} ms`;
  const added = (c) => ["100", "1000"].map((k) => lat[k][c].p99 - lat[k].native.p99);
  const [f, e] = [added("typed_sse_fetch_js"), added("fetch_parser_js")];
  rows.push(["(f) p99 latency within 0.5 ms of native", f.every((a) => a <= 0.5),
    `${plus(f[0])} at 100/s, ${plus(f[1])} at 1,000/s (fetch itself, (e): ${plus(e[0])}, ${plus(e[1])})`]);
  const m = r.memory_fetch;
  // One 64 KiB wasm page of allocator slack, as the smoke test allows; the JS heap within 1 MB.
  const flat = m.wasm_growth_bytes <= 65_536 && m.reconnect_wasm_growth_bytes <= 65_536 &&
    m.js_heap_growth_bytes <= 1_048_576 && m.reconnect_js_heap_growth_bytes <= 1_048_576;
  rows.push([`fetch: flat memory over ${m.cycles.toLocaleString("en")} open/close cycles and ${m.reconnects.toLocaleString("en")} reconnects`, flat,
    `wasm +${m.wasm_growth_bytes} B / +${m.reconnect_wasm_growth_bytes} B, JS heap ${(m.js_heap_growth_bytes / 1024).toFixed(1)} KB / ${(m.reconnect_js_heap_growth_bytes / 1024).toFixed(1)} KB`]);
  return rows;
}

function chart(r) {
  const color = {
    native: "#8a93a8", typed_sse_js: "#5b9dff", typed_sse_rust: "#3ecf8e", gloo_net: "#f5b84a",
    fetch_parser_js: "#b08ad9", typed_sse_fetch_js: "#2f6fd6", typed_sse_fetch_rust: "#1f9e68", fetch_bytes_only: "#d0d4dc",
  };
  const W = 860, bar = 22, gap = 6, left = 330, groupGap = 40;
  let y = 50;
  const parts = [];
  for (const [size, title] of [["small", "~90 B events"], ["large", "~2 KB events"]]) {
    const max = Math.max(...CLIENTS.map((c) => r.throughput_detail[size][c].max));
    parts.push(`<text x="10" y="${y - 12}" font-weight="600">${title} (events/s, median of ${r.run.rounds}; whiskers: min-max; ratios: to (a), and for fetch clients to (e))</text>`);
    for (const c of CLIENTS) {
      const d = r.throughput_detail[size][c];
      const sx = (v) => left + (v / max) * (W - left - 200);
      parts.push(`<text x="10" y="${y + 15}">${LABEL[c].replace(/ \(the limit\)$/, "")}</text>`);
      parts.push(`<rect x="${left}" y="${y}" width="${(sx(d.median) - left).toFixed(1)}" height="${bar}" fill="${color[c]}"/>`);
      parts.push(`<line x1="${sx(d.min).toFixed(1)}" x2="${sx(d.max).toFixed(1)}" y1="${y + bar / 2}" y2="${y + bar / 2}" stroke="#222" stroke-width="2"/>`);
      const ratio = FETCH.has(c) ? `${d.ratio.toFixed(2)}x; ${d.vs_fetch_parser.toFixed(2)}x (e)` : `${d.ratio.toFixed(2)}x`;
      parts.push(`<text x="${(sx(d.max) + 6).toFixed(1)}" y="${y + 15}">${Math.round(d.median).toLocaleString("en")} (${ratio})</text>`);
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
  const outFile = join(OUT, "BENCHMARKS.md");
  const kb = (b) => (b / 1024).toFixed(1);
  const t = r.throughput_detail;
  const n = (x) => Math.round(x).toLocaleString("en");
  const cell = (size, c) => {
    const d = t[size][c];
    const vsE = FETCH.has(c) ? `${d.vs_fetch_parser.toFixed(2)}x` : "";
    return `${n(d.median)} (${n(d.min)}-${n(d.max)}) | ${d.ratio.toFixed(2)}x | ${vsE}`;
  };
  const s = r.bundle_comparison;
  const sizeRow = (label, b) => `| ${label} | ${kb(b.wasm_raw)} | ${kb(b.wasm_gzip)} | ${kb(b.js_raw)} | ${kb(b.js_gzip)} | **${kb(b.wasm_gzip + b.js_gzip)}** |`;
  const lat = r.latency_detail_ms;
  const m = r.memory;
  const mf = r.memory_fetch;
  // Stages under `min` µs per event in every column are left out (their time stays in the total).
  const profileTable = (clients, p = r.cpu_profile_large, min = 0.05) => `| stage | ${clients.map((c) => SHORT[c]).join(" | ")} |
| --- | ${clients.map(() => "---:").join(" | ")} |
${STAGES.filter(([k]) => clients.some((c) => (p[c].stages[k] || 0) >= min)).map(([k, label]) => `| ${label} | ${clients.map((c) => (p[c].stages[k] || 0).toFixed(2)).join(" | ")} |`).join("\n")}
| **total, µs per event** | ${clients.map((c) => `**${p[c].us_per_event.toFixed(2)}**`).join(" | ")} |`;
  const hp = r.parser_host_detail;
  const hostRow = (label, d) => `| ${label} | ${d.small.mb_s.toLocaleString("en")} | ${d.small.m_events_s.toFixed(2)} | ${d.large.mb_s.toLocaleString("en")} | ${d.large.m_events_s.toFixed(2)} |`;
  const latCell = (x) => `${x.p50.toFixed(2)} | ${x.p99.toFixed(2)}`;
  const addedP99 = (k, c) => (lat[k][c].p99 - lat[k].native.p99).toFixed(2);
  const memRow = (label, x) => [
    `| ${x.cycles.toLocaleString("en")} open/close cycles (\`new SseClient\`, \`close\`, \`free\`), ${label} | ${x.wasm_growth_bytes} B | ${(x.js_heap_growth_bytes / 1024).toFixed(1)} KB |`,
    `| ${x.reconnects.toLocaleString("en")} forced reconnects of one client, ${label} | ${x.reconnect_wasm_growth_bytes} B | ${(x.reconnect_js_heap_growth_bytes / 1024).toFixed(1)} KB |`,
  ].join("\n");
  const md = `<!-- bench:start (generated by \`npm run bench\`; edit bench/run.mjs, not this part) -->
Run: ${r.date}, headless ${r.browser}, 2 cores, driven over a DevTools-protocol pipe with no
Network domain. Command: \`npm run bench\`.

### Throughput

One response per run, events/s from opening the client to its last decoded event. Median of ${r.run.rounds}
interleaved runs after a warm-up (min-max), the order rotated every round and the heap collected
before each run. A ratio is the median, over the rounds, of the client's rate divided by (a)'s
rate ("vs (a)") or (e)'s rate ("vs (e)") in the same round. (c), (d) and (g) are built with
\`opt-level = 3\`, as an application that cares about speed would build them. The npm package
((b) and (f)) is built for size: on the native transport its per-event path is JavaScript
(\`src/js/glue.js\`), so that does not slow it down; on fetch it parses in wasm.

(e) to (g) and the limit read the same stream with \`fetch\`. (e) is what the \`eventsource\`
package does with eventsource-parser ${r.eventsource_parser_version} (the parser of the Vercel AI SDK):
\`TextDecoder\` over each chunk, the parser's \`feed\`, \`JSON.parse\` per event. The limit reads
the body with \`response.body.getReader()\` and does nothing with it: no client can go faster
over fetch.

| client | ${fmt(r.run.small)} × ~90 B | vs (a) | vs (e) | ${fmt(r.run.large)} × ~2 KB | vs (a) | vs (e) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${CLIENTS.map((c) => `| ${LABEL[c]} | ${cell("small", c)} | ${cell("large", c)} |`).join("\n")}

![throughput](bench/throughput.svg)

The fetch transport's targets, checked against this run:

| target | status | this run |
| --- | --- | --- |
${fetchTargets(r).map(([target, met, value]) => `| ${target} | ${met ? "**met**" : "**missed**"} | ${value} |`).join("\n")}
${hp ? `
### The parser on the host

typed-sse's SSE parser alone (\`core/src/parse\`), on the same streams as \`/sse/bench\` (ids, ~90 B or
~2 KB of data per event) fed in 64 KiB chunks, median of 5: \`cargo test --release -p typed-sse-core
--lib parse_speed -- --ignored --nocapture\`, with the release profile (\`opt-level = "z"\`, the
npm package's) and again with \`CARGO_PROFILE_RELEASE_OPT_LEVEL=3\`. MB/s of stream; no decoding.

| build | ~90 B: MB/s | M events/s | ~2 KB: MB/s | M events/s |
| --- | ---: | ---: | ---: | ---: |
${hostRow("release (`opt-level = \"z\"`)", hp.release)}${hp.release_opt_level_3 ? `\n${hostRow("`opt-level = 3`", hp.release_opt_level_3)}` : ""}
` : ""}
### Where the time goes: CPU profile, ~2 KB events

A sampling profile (DevTools \`Profiler\` domain, 100 µs) of one run of ${fmt(r.run.profile)} events per client,
self time in µs per event, grouped by stage. (c), (d) and (g) are profiled in \`--profiling\`
builds: the same \`opt-level = 3\` code, keeping function names; (f) in \`bench/out/pkg-prof\`, the
npm package's wasm with its names and its JS unminified. The profiler slows every client down
a little, so compare the rows, not the totals with the table above. It is one run per client on
a noisy 2-core machine: the browser's stage and the garbage collector move by several µs from run
to run, the wasm stages much less. A built-in such as \`JSON.parse\` counts as its caller's self
time (the listener's, or the Hub's for (f)). The functions behind each stage are in
\`bench/results.json\` (\`cpu_profile_large\`, \`cpu_profile_small\`).

Over the browser's EventSource:

${profileTable(PROFILED_NATIVE)}

Over fetch (the browser's stage includes \`(idle)\`: waiting for the network):

${profileTable(PROFILED_FETCH)}
${r.cpu_profile_small ? `
The fetch clients again on ~90 B events (one run of ${fmt(r.run.small)} each), where a fixed cost per event
shows most:

${profileTable(PROFILED_FETCH, r.cpu_profile_small, 0.01)}
` : ""}
### Latency

From the server's send time (in the event) to the listener call, ms. The four clients run at the
same time, one connection each to the same stream, after a warm-up of 50 events; half the
samples with the clients in the order of the table, half in the reverse order (the streams tick
together, and a client's place in that order alone moved its p50 by up to ~0.4 ms at 100/s).

| rate | native p50 | native p99 | JS API p50 | JS API p99 | added | JS API fetch p50 | fetch p99 | added | (e) p50 | (e) p99 |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${["100", "1000"].map((k) => `| ${k}/s | ${latCell(lat[k].native)} | ${latCell(lat[k].typed_sse_js)} | ${addedP99(k, "typed_sse_js")} | ${latCell(lat[k].typed_sse_fetch_js)} | ${addedP99(k, "typed_sse_fetch_js")} | ${latCell(lat[k].fetch_parser_js)} |`).join("\n")}

### Bundle size

wasm-pack \`--release\`, wasm-opt from the npm \`binaryen\` package; KB = 1024 bytes; gzip -9.
Budget for the package: ${kb(BUNDLE_BUDGET_GZIP)} KB gzipped, wasm + JS together.

| build | wasm | wasm gz | JS | JS gz | total gz |
| --- | ---: | ---: | ---: | ---: | ---: |
${sizeRow("typed-sse npm package (JS API, both transports)", s.package)}
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
${memRow("EventSource", m)}
${memRow("fetch", mf)}
<!-- bench:end -->`;
  const text = readFileSync(file, "utf8");
  const start = text.indexOf("<!-- bench:start");
  const end = text.indexOf("<!-- bench:end -->");
  const next = start >= 0 && end > start
    ? text.slice(0, start) + md + text.slice(end + "<!-- bench:end -->".length)
    : text.replace("\n## Decoding event data in wasm", `\n## Throughput, latency, size, memory\n\n${md}\n\n## Decoding event data in wasm`);
  writeFileSync(outFile, next);
}
