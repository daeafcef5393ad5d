// Wasm memory that one hostile input leaves taken, fetch transport, in Chromium and in Node: the
// growth of `memory.buffer.byteLength` from a fresh instance to the end of the stream (wasm
// memory never shrinks, so this is what a page or a process keeps for good). Each input runs in
// a fresh page or process. Figures go to BENCHMARKS.md ("Hostile inputs").
//
//   source scripts/lib.sh; build_package web pkg
//   start_server 0 --serve "e2e=$ROOT/e2e"
//   SERVER_URL="$SERVER_URL" node bench/hostile-memory.mjs
import { launch, open, runInNode, SERVER } from "../e2e/helpers.mjs";

const CASES = [
  ["one 16 MB event", "/sse/big?bytes=16000000", {}],
  ["an event with a 15 MB type, a 15 MB id and 15 MB of data (maxEventBytes 50,000,000)", "/sse/big-fields?bytes=15000000", { maxEventBytes: 50_000_000 }],
  ["an endless line at the default cap (16 MiB)", "/sse/endless?bytes=20000000", {}],
  ["3,000,000 tiny events (`data: x`)", "/sse/tiny?n=3000000", {}],
  ["one event of 5,000,000 bytes that are not UTF-8 (15 MB as text)", "/sse/big?bytes=5000000&invalid=1", {}],
  ["one event of 16,000,000 bytes that are not UTF-8 (48 MB as text: over the cap)", "/sse/big?bytes=16000000&invalid=1", {}],
];

// The inside of an async function with `SseClient`, `server` and `wasmBytes` in scope.
const body = (path, options) => `
  const before = wasmBytes();
  const c = new SseClient(server + "${path}&key=hostile-memory", { transport: "fetch", reconnect: false, decode: "text", ...${JSON.stringify(options)} });
  let events = 0;
  c.on("message", () => { events++; });
  const closed = await new Promise((resolve) => c.onState((s) => { if (s.state === "closed") resolve(s); }));
  const after = wasmBytes();
  c.close();
  return { before, after, events, reason: closed.reason };
`;

const MiB = (b) => (b / 1048576).toFixed(1);
const rows = [];
const browser = await launch();
try {
  for (const [name, path, options] of CASES) {
    const { page } = await open(browser, "/e2e/js-api.html");
    await page.waitForFunction(() => window.ready === true);
    const chromium = await page.evaluate(
      new Function("args", `return (async ({ server }) => { const SseClient = window.sse.SseClient; const wasmBytes = () => window.wasm.memory.buffer.byteLength; ${body(path, options)} })(args);`),
      { server: SERVER },
    );
    await page.close();
    const node = runInNode(`
import init, { SseClient } from "typed-sse";
const wasm = await init();
const wasmBytes = () => wasm.memory.buffer.byteLength;
const server = process.env.SERVER_URL;
const result = await (async () => { ${body(path, options)} })();
console.log(JSON.stringify(result));
process.exit(0);
`, 120_000);
    rows.push({ name, chromium, node });
    console.log(name, JSON.stringify({ chromium, node }));
  }
} finally {
  await browser.close();
}
console.log("\n| input | Chromium: wasm memory growth | Node: wasm memory growth |\n|---|---:|---:|");
for (const { name, chromium, node } of rows) {
  console.log(`| ${name} | +${MiB(chromium.after - chromium.before)} MiB (${chromium.events} events, ${chromium.reason}) | +${MiB(node.after - node.before)} MiB (${node.events} events, ${node.reason}) |`);
}
