// The benchmarks' smoke version, run by `npm test`: budgets with clear margins, no throughput
// (a 2-core machine is too noisy for timing assertions). Memory is checked with both transports.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, BUNDLE_BUDGET_GZIP, bundleSize, openBenchPage, memory } from "./measure.mjs";
import { CASES, inChromium, inNode } from "./hostile-memory.mjs";
import { launch } from "../e2e/helpers.mjs";

const server = process.env.SERVER_URL;
let browser, page;

before(async () => { ({ browser, page } = await openBenchPage(server)); });
after(async () => { await browser?.close(); });

test("the npm package is within its size budget (wasm + JS, gzip -9)", () => {
  const s = bundleSize(join(ROOT, "pkg"));
  const total = s.wasm_gzip + s.js_gzip;
  console.log(`package: wasm ${s.wasm_gzip} B + JS ${s.js_gzip} B gzipped = ${total} B (budget ${BUNDLE_BUDGET_GZIP} B)`);
  assert.ok(total <= BUNDLE_BUDGET_GZIP, `${total} B gzipped is over the ${BUNDLE_BUDGET_GZIP} B budget`);
});

for (const transport of ["eventsource", "fetch"]) {
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
