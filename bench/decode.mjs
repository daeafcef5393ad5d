// Prints the decode comparison (markdown) for BENCHMARKS.md. Run by `npm run bench:decode`,
// which builds the wasm module and starts the server first.
import { Browser } from "./cdp.mjs";

const server = process.env.SERVER_URL;
if (!server) throw new Error("SERVER_URL is not set");
const browser = await Browser.launch();
try {
  const page = await browser.newPage();
  await page.goto(`${server}/bench/decode/index.html`);
  const r = await page.eval("runDecodeBench(7)");
  console.log(`Chromium: ${browser.version}; ${new Date().toISOString().slice(0, 10)}; median of 7 interleaved rounds (min-max), ns per event\n`);
  console.log(`| method | ~${r.bytes.small} B | ~${r.bytes.large} B |`);
  console.log("| --- | ---: | ---: |");
  for (const m of Object.keys(r.results.small)) {
    const cell = (x) => `${x.median_ns.toFixed(0)} (${x.min_ns.toFixed(0)}-${x.max_ns.toFixed(0)})`;
    console.log(`| ${m} | ${cell(r.results.small[m])} | ${cell(r.results.large[m])} |`);
  }
} finally {
  await browser.close();
}
