// The benchmarks' smoke version, run by `npm test`: budgets with clear margins, no throughput
// (a 2-core machine is too noisy for timing assertions). Memory is checked with both transports.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, BUNDLE_BUDGET_GZIP, bundleSize, openBenchPage, memory } from "./measure.mjs";

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
