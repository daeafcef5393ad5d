// The benchmarks' smoke version, run by `npm test`: budgets with clear margins, no throughput
// (a 2-core machine is too noisy for timing assertions). Memory is checked with both transports,
// and every client of the peer comparison (`npm run bench:peers`), in Chromium and in Node,
// is checked to receive every event of a short stream.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, BUNDLE_BUDGET_GZIP, bundleSize, openBenchPage, memory } from "./measure.mjs";
import { BROWSER_CLIENTS, buildPeers } from "./peers.mjs";
import { installPackage, nodeClients } from "./node-clients.mjs";
import { CASES, inChromium, inNode } from "./hostile-memory.mjs";
import { launch } from "../e2e/helpers.mjs";

const server = process.env.SERVER_URL;
let browser, page, peerSizes, typedSse;

before(async () => {
  peerSizes = await buildPeers();
  typedSse = await installPackage();
  ({ browser, page } = await openBenchPage(server));
  await page.eval("loadPeers()");
});
after(async () => { await browser?.close(); });

test("the npm package is within its size budget (wasm + JS, gzip -9)", () => {
  const s = bundleSize(join(ROOT, "pkg"));
  const total = s.wasm_gzip + s.js_gzip;
  console.log(`package: wasm ${s.wasm_gzip} B + JS ${s.js_gzip} B gzipped = ${total} B (budget ${BUNDLE_BUDGET_GZIP} B)`);
  assert.ok(total <= BUNDLE_BUDGET_GZIP, `${total} B gzipped is over the ${BUNDLE_BUDGET_GZIP} B budget`);
});

test("the peer libraries bundle (rolldown, minified) into files of a plausible size", () => {
  console.log(JSON.stringify(peerSizes));
  for (const [name, s] of Object.entries(peerSizes)) {
    assert.ok(s.js_gzip > 500 && s.js_gzip < 100_000, `${name}: ${s.js_gzip} B gzipped`);
  }
});

for (const transport of ["native", "fetch"]) {
  test(`memory does not grow over 1,000 open/close cycles and 200 reconnects (${transport})`, async () => {
    const m = await memory(page, server, { cycles: 1_000, reconnects: 200, transport });
    console.log(JSON.stringify(m));
    // One 64 KiB wasm page of allocator slack; a leaked client or connection per cycle would be
    // hundreds of KB of wasm and several MB of JS heap here.
    assert.ok(m.wasm_growth_bytes <= 65_536, `wasm grew ${m.wasm_growth_bytes} B over ${m.cycles} cycles`);
    assert.ok(m.reconnect_wasm_growth_bytes <= 65_536, `wasm grew ${m.reconnect_wasm_growth_bytes} B over ${m.reconnects} reconnects`);
    assert.ok(m.js_heap_growth_bytes <= 1_048_576, `JS heap grew ${m.js_heap_growth_bytes} B over ${m.cycles} cycles`);
    assert.ok(m.reconnect_js_heap_growth_bytes <= 1_048_576, `JS heap grew ${m.reconnect_js_heap_growth_bytes} B over ${m.reconnects} reconnects`);
  });
}

// The stream's own checksum, read here with no client: the same fields the clients read, summed
// in stream order, so that a lost, repeated or reordered event shows.
async function expected(url, n) {
  const text = await (await fetch(url)).text();
  const data = text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)));
  assert.equal(data.length, n, "the stream has its events");
  return data.reduce((sum, d) => sum + d.price + (d.symbol ? d.symbol.length : d.items.reduce((s, i) => s + i.value, 0)), 0);
}

const SHORT = { small: 300, large: 30 };
for (const size of ["small", "large"]) {
  const n = SHORT[size];
  const url = (who) => `${server}/sse/bench?n=${n}&size=${size}&key=smoke-${who}-${size}`;

  test(`every Chromium client of the comparison receives every event (${n} ~${size === "small" ? "90 B" : "2 KB"} events)`, async () => {
    const want = await expected(url("expected"), n);
    for (const c of BROWSER_CLIENTS.filter((c) => c !== "typed_sse_fetch_rust")) {
      const got = await page.eval(`receive(${JSON.stringify(c)}, ${JSON.stringify(url(c))}, ${n}, ${size === "large"})`, 30000);
      assert.ok(Math.abs(got - want) < 1e-6 * Math.abs(want), `${c}: checksum ${got}, expected ${want}`);
    }
  });

  test(`every Node client of the comparison receives every event (${n} ~${size === "small" ? "90 B" : "2 KB"} events; typed-sse installed from its packed tarball)`, async () => {
    const want = await expected(url("expected-node"), n);
    const clients = nodeClients(typedSse);
    for (const [c, run] of Object.entries(clients)) {
      let timer;
      const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${c}: not ${n} events within 20 s`)), 20000); });
      const got = await Promise.race([run(url(`node-${c}`), n), late]).finally(() => clearTimeout(timer));
      assert.ok(Math.abs(got - want) < 1e-6 * Math.abs(want), `${c}: checksum ${got}, expected ${want}`);
    }
  });
}

// What one hostile input leaves of wasm memory (fetch transport), in a fresh Chromium page and a
// fresh Node process each: the budgets of bench/hostile-memory.mjs (BENCHMARKS.md, "Hostile
// inputs"), which are the targets of an event's memory (2 S + 1 MiB) or tighter.
let playwright;
after(async () => { await playwright?.close(); });
for (const [name, path, options, budget] of CASES) {
  test(`wasm memory after ${name} is within ${(budget / 1048576).toFixed(1)} MiB (fetch, Chromium and Node)`, async () => {
    playwright ??= await launch();
    const chromium = await inChromium(playwright, path, options);
    const node = inNode(path, options);
    console.log(JSON.stringify({ name, chromium, node }));
    for (const [where, r] of [["Chromium", chromium], ["Node", node]]) {
      const growth = r.after - r.before;
      assert.ok(growth <= budget, `${where}: wasm memory grew ${growth} B, over the ${budget} B budget`);
    }
  });
}
