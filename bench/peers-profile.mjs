// `node bench/peers-profile.mjs` (SERVER_URL set; after `npm run bench:peers` has built
// bench/out/peers): where the time of the peer comparison's Chromium clients goes. A sampling CPU
// profile (DevTools `Profiler` domain, 100 µs) of one run per client after a warm-up, printed as
// self time in µs per event for each client's heaviest functions. CLIENTS=a,b picks the clients
// (bench/peers.mjs BROWSER_CLIENTS), SIZE=small|large (default both), N the events per run.
// Reads the package in pkg/: its JS is minified, so set PROF=1 to profile bench/out/pkg-prof
// instead (`npm run bench` builds it: the same code keeping its names). Timing only: never in
// `npm test`.
import { openBenchPage, cpuProfile } from "./measure.mjs";

const server = process.env.SERVER_URL;
if (!server) throw new Error("SERVER_URL is not set (see scripts/bench-peers.sh for how the server starts)");
const clients = (process.env.CLIENTS || "typed_event_source,typed_event_source_fetch,eventsource_lib,typed_sse_fetch_js,fetch_parser_js").split(",");
const sizes = process.env.SIZE ? [process.env.SIZE] : ["small", "large"];
const top = Number(process.env.TOP || 12);

const { browser, page } = await openBenchPage(server);
try {
  await page.eval("loadPeers()");
  if (process.env.PROF === "1") await page.eval("usePackage('/bench/out/pkg-prof/typed_sse.js')");
  for (const size of sizes) {
    const n = Number(process.env.N || (size === "small" ? 100_000 : 10_000));
    const profile = await cpuProfile(page, server, { size, n, clients });
    for (const c of clients) {
      const p = profile[c];
      console.log(`\n${c}, ${n} ${size} events: ${p.us_per_event.toFixed(2)} µs per event under the profiler; self time, µs per event:`);
      for (const f of p.functions.slice(0, top)) console.log(`  ${f.us_per_event.toFixed(3).padStart(7)}  ${f.name}`);
    }
  }
} finally {
  await browser.close();
}
