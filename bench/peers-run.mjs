// `npm run bench:peers` (scripts/bench-peers.sh; also the last step of `npm run bench`): typed-sse
// against the libraries a user would pick instead, in headless Chromium and in Node, on the same
// stream of the test server (`/sse/bench`), and their sizes as an application ships them.
// Writes bench/peers.json and the generated "Peers" section of BENCHMARKS.md (BENCH_QUICK=1:
// a short run, everything written under bench/out/ instead, so that no figure of it is ever
// published). `node bench/peers-run.mjs --render` writes the section again from bench/peers.json.
// NS, NL and ROUNDS change the events per run (~90 B and ~2 KB) and the rounds (Chromium; Node
// reads NODE_NS, NODE_NL and ROUNDS).
// CLIENTS=a,b,... (names of bench/peers.mjs BROWSER_LABEL) runs only those clients in Chromium,
// with the same pairing, and prints their rates, and their ratios to `eventsource_lib` and
// `native` when those are among them: for trying one change on a few clients. Nothing is
// written. `--render` goes first.
//
// Throughput is measured as in bench/run.mjs: one response per run, the clients one after
// another, order rotated every round, heap collected before each run, and ratios paired by
// round (the client's rate over the baseline's in the same round), whose median and min-max
// are reported.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, bundleSize, openBenchPage, pairedThroughput } from "./measure.mjs";
import { BROWSER_LABEL, PEERS, buildPeers } from "./peers.mjs";
import { NODE_LABEL } from "./node-clients.mjs";

const RENDER = process.argv.includes("--render");
const QUICK = process.env.BENCH_QUICK === "1";
const server = process.env.SERVER_URL;
if (!server && !RENDER) throw new Error("SERVER_URL is not set: run `npm run bench:peers`");
const RUN = QUICK ? { small: 10_000, large: 1_000, rounds: 2 } : { small: Number(process.env.NS || 200_000), large: Number(process.env.NL || 20_000), rounds: Number(process.env.ROUNDS || 5) };
const OUT = QUICK ? join(ROOT, "bench/out") : ROOT;
const OUT_BENCH = QUICK ? join(ROOT, "bench/out") : join(ROOT, "bench");
const log = (...a) => console.error(...a);

const BROWSER_BASELINES = ["eventsource_lib", "eventsource4_lib", "fetch_parser_js", "native"];
const NODE_BASELINES = ["eventsource", "eventsource4", "fetch_parser"];

const ONLY = process.env.CLIENTS ? process.env.CLIENTS.split(",") : null;

if (RENDER) {
  const results = JSON.parse(readFileSync(join(ROOT, "bench/peers.json"), "utf8"));
  writeMarkdown(results);
  log("rendered BENCHMARKS.md's peer section from bench/peers.json");
} else if (ONLY) {
  await measureOnly(ONLY);
} else {
  await measure();
}

async function measure() {
  log("bundling the peer libraries (rolldown, minified) ...");
  const peerSizes = await buildPeers();
  const rust = existsSync(join(ROOT, "bench/out/rust-o3"));
  const clients = Object.keys(BROWSER_LABEL).filter((c) => rust || c !== "typed_sse_fetch_rust");
  const results = { date: new Date().toISOString().slice(0, 10), run: RUN };
  const { browser, page } = await openBenchPage(server, { rustClients: rust });
  try {
    await page.eval("loadPeers()");
    results.browser = browser.version;
    for (const [size, n] of [["small", RUN.small], ["large", RUN.large]]) {
      log(`chromium: ${n.toLocaleString("en")} ${size} events, ${RUN.rounds} rounds of ${clients.length} clients ...`);
      results[`chromium_${size}`] = await pairedThroughput({
        clients, n, rounds: RUN.rounds, baselines: BROWSER_BASELINES, ...inPage(page, size, "peers"),
      });
    }
  } finally {
    await browser.close();
  }
  // Node, in a process of its own, with the browser gone.
  mkdirSync(join(ROOT, "bench/out"), { recursive: true });
  const nodeOut = join(ROOT, "bench/out/node-run.json");
  execFileSync(process.execPath, ["--expose-gc", join(ROOT, "bench/node-run.mjs"), nodeOut], { stdio: ["ignore", "inherit", "inherit"], env: process.env });
  results.node = JSON.parse(readFileSync(nodeOut, "utf8"));

  const dir = (d) => join(ROOT, d);
  results.sizes = {
    package: bundleSize(dir("pkg")),
    ...(existsSync(dir("bench/out/gloo")) && { gloo_net: bundleSize(dir("bench/out/gloo")) }),
    ...(existsSync(dir("bench/out/rust")) && { rust_api_app: bundleSize(dir("bench/out/rust")) }),
    peers: peerSizes,
  };
  mkdirSync(OUT_BENCH, { recursive: true });
  writeFileSync(join(OUT_BENCH, "peers.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeMarkdown(results);
  log(`wrote ${QUICK ? "bench/out/{peers.json,BENCHMARKS.md} (BENCH_QUICK)" : "bench/peers.json, BENCHMARKS.md"}`);
}

// How pairedThroughput runs a Chromium client: in the bench page, on a stream of its own (a fresh
// `key` per run), with the page's heap collected before each run.
function inPage(page, size, prefix) {
  let tag = 0;
  return {
    gc: () => page.send("HeapProfiler.collectGarbage"),
    run: (c, count) => page.eval(`throughput(${JSON.stringify(c)}, ${JSON.stringify(`${server}/sse/bench?n=${count}&size=${size}&key=${prefix}-${size}-${tag++}`)}, ${count}, ${size === "large"})`),
  };
}

async function measureOnly(clients) {
  const unknown = clients.filter((c) => !(c in BROWSER_LABEL));
  if (unknown.length) throw new Error(`CLIENTS: unknown ${unknown.join(", ")} (see BROWSER_LABEL in bench/peers.mjs)`);
  const baselines = ["eventsource_lib", "native"].filter((b) => clients.includes(b));
  await buildPeers();
  const { browser, page } = await openBenchPage(server, { rustClients: clients.some((c) => c.includes("rust") || c === "fetch_parser_js") });
  try {
    await page.eval("loadPeers()");
    for (const [size, n] of [["small", RUN.small], ["large", RUN.large]]) {
      const r = await pairedThroughput({ clients, n, rounds: RUN.rounds, baselines, ...inPage(page, size, "only") });
      for (const [c, v] of Object.entries(r)) {
        const vs = Object.entries(v.vs).map(([b, x]) => `vs ${b} ${x.median.toFixed(2)}× (${x.min.toFixed(2)}–${x.max.toFixed(2)})`);
        console.log(`${size} ${c}: ${Math.round(v.median)} events/s  ${vs.join("  ")}`);
      }
    }
  } finally {
    await browser.close();
  }
}

function writeMarkdown(r) {
  const n = (x) => Math.round(x).toLocaleString("en");
  const kb = (b) => (b / 1024).toFixed(1);
  const x = (v) => (v ? `${v.median.toFixed(2)}× (${v.min.toFixed(2)}–${v.max.toFixed(2)})` : "");
  const rows = (t, labels, bases) => Object.keys(t).map((c) =>
    `| ${labels[c]} | ${n(t[c].median)} (${n(t[c].min)}–${n(t[c].max)}) | ${bases.map((b) => x(t[c].vs[b])).join(" | ")} |`).join("\n");
  const table = (t, labels, bases, baseLabels) => `| client | events/s, median (min–max) | ${baseLabels.join(" | ")} |
| --- | ---: | ${bases.map(() => "---:").join(" | ")} |
${rows(t, labels, bases)}`;
  const bLabels = ["vs `eventsource` (current)", "vs `eventsource` 4", "vs fetch + eventsource-parser", "vs native"];
  const nLabels = ["vs `eventsource` (current)", "vs `eventsource` 4", "vs fetch + eventsource-parser"];
  const s = r.sizes;
  const wasmRow = (label, b) => `| ${label} | ${kb(b.wasm_gzip)} | ${kb(b.js_gzip)} | **${kb(b.wasm_gzip + b.js_gzip)}** (${(b.wasm_gzip + b.js_gzip).toLocaleString("en")} B) |`;
  const peerRow = (name) => `| \`${PEERS[name].lib}\` ${s.peers[name].version}${name === "eventsource_parser" ? " (the parser alone, as under bare fetch)" : ""} | | ${kb(s.peers[name].js_gzip)} | **${kb(s.peers[name].js_gzip)}** (${s.peers[name].js_gzip.toLocaleString("en")} B) |`;
  const md = `<!-- peers:start (generated by \`npm run bench:peers\`; edit bench/peers-run.mjs, not this part) -->
Run: ${r.date}, headless ${r.browser} and Node ${r.node.node}, 2 cores. Command: \`npm run bench:peers\`
(also the last step of \`npm run bench\`). Versions: ${Object.keys(PEERS).map((p) => `${PEERS[p].lib} ${s.peers[p].version}`).join(", ")}.

Every client reads the same stream of the test server (\`/sse/bench\`: an \`id\` and JSON \`data\` per
event, ~90 B or ~2 KB) and does the same work per event (decode the JSON, read a few fields).
Events/s from opening the client to its last event; median of ${r.run.rounds} rounds (min–max), the
clients one after another in each round, the order rotated every round, the heap collected before
each run. A ratio is the median over the rounds of the client's rate divided by the baseline's
rate in the same round (min–max of those ratios in brackets).

#### Chromium, ${r.run.small.toLocaleString("en")} × ~90 B events

${table(r.chromium_small, BROWSER_LABEL, BROWSER_BASELINES, bLabels)}

#### Chromium, ${r.run.large.toLocaleString("en")} × ~2 KB events

${table(r.chromium_large, BROWSER_LABEL, BROWSER_BASELINES, bLabels)}

#### Node, ${r.node.run.small.toLocaleString("en")} × ~90 B events

typed-sse imported as an application imports it: the packed package installed (copied) into a
folder, \`import { SseClient } from "typed-sse"\` resolved through its \`exports\` (\`bench/node-clients.mjs\`).

${table(r.node.small, NODE_LABEL, NODE_BASELINES, nLabels)}

#### Node, ${r.node.run.large.toLocaleString("en")} × ~2 KB events

${table(r.node.large, NODE_LABEL, NODE_BASELINES, nLabels)}

#### Size as an application ships it

gzip -9, KB = 1024 bytes. The JS libraries: each bundled alone with rolldown, minified, from an
entry that imports what an application imports (\`bench/peers.mjs\`); their dependencies included
(\`event-source-plus\` brings \`ofetch\`). typed-sse: the npm package's wasm and JS (\`bench/measure.mjs\`
\`bundleSize\`); the Rust rows: the wasm-pack output of an app that only streams.

| library | wasm gz | JS gz | total gz |
| --- | ---: | ---: | ---: |
${wasmRow("typed-sse npm package (both transports)", s.package)}
${s.rust_api_app ? `${wasmRow("typed-sse Rust API in an app (bench/rust-client)", s.rust_api_app)}\n` : ""}${s.gloo_net ? `${wasmRow("gloo-net + serde_json in an app (bench/gloo-client)", s.gloo_net)}\n` : ""}${Object.keys(PEERS).map(peerRow).join("\n")}
<!-- peers:end -->`;
  const file = join(ROOT, "BENCHMARKS.md");
  const text = readFileSync(file, "utf8");
  const start = text.indexOf("<!-- peers:start");
  const end = text.indexOf("<!-- peers:end -->");
  const next = start >= 0 && end > start
    ? text.slice(0, start) + md + text.slice(end + "<!-- peers:end -->".length)
    : text.replace("\n## Throughput, latency, size, memory\n", `\n## Peers: what users would pick instead\n\n${md}\n\n## Throughput, latency, size, memory\n`);
  writeFileSync(join(OUT, "BENCHMARKS.md"), next);
}
