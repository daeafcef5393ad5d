// The libraries a user would pick instead of typed-sse, as the benchmarks load them: each bundled
// with rolldown (minified, ES module) from an entry that imports what an application imports,
// into bench/out/peers/NAME.js. The benchmark page loads those files (the test server serves
// bench/, not node_modules), and their gzip -9 sizes are what an application ships for each.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { rolldown } from "rolldown";
import { ROOT } from "./measure.mjs";

/** Each peer: the package (as package.json names it), the line an application writes, what the
 *  comparison calls it (`label`) and the library's own name (`lib`). `eventsource4` is the npm
 *  alias of `eventsource@4`. */
export const PEERS = {
  eventsource: { pkg: "eventsource", entry: `export { EventSource } from "eventsource";`, label: "`eventsource` (current major)", lib: "eventsource" },
  eventsource4: { pkg: "eventsource4", entry: `export { EventSource } from "eventsource4";`, label: "`eventsource` 4", lib: "eventsource" },
  event_source_plus: { pkg: "event-source-plus", entry: `export { EventSourcePlus } from "event-source-plus";`, label: "`event-source-plus`", lib: "event-source-plus" },
  fetch_event_source: { pkg: "@microsoft/fetch-event-source", entry: `export { fetchEventSource } from "@microsoft/fetch-event-source";`, label: "`@microsoft/fetch-event-source`", lib: "@microsoft/fetch-event-source" },
  eventsource_parser: { pkg: "eventsource-parser", entry: `export { createParser } from "eventsource-parser";`, label: "`eventsource-parser` (parser only)", lib: "eventsource-parser" },
};

/** The Chromium clients of the comparison (bench/page.mjs), and what the tables call them. */
export const BROWSER_LABEL = {
  typed_sse_js: "typed-sse `SseClient`, JSON (native EventSource)",
  typed_sse_fetch_js: "typed-sse `SseClient`, JSON (fetch)",
  typed_event_source: "typed-sse `TypedEventSource` + JSON.parse (native EventSource)",
  typed_event_source_fetch: "typed-sse `TypedEventSource` + JSON.parse (fetch)",
  typed_sse_fetch_rust: "typed-sse Rust API, fetch, struct (`opt-level = 3`)",
  eventsource_lib: "`eventsource` (current major) + JSON.parse",
  eventsource4_lib: "`eventsource` 4 + JSON.parse",
  event_source_plus: "`event-source-plus` + JSON.parse",
  fetch_event_source: "`@microsoft/fetch-event-source` + JSON.parse",
  fetch_parser_js: "fetch + eventsource-parser + JSON.parse",
  native: "the browser's EventSource + JSON.parse",
};
/** The Chromium clients of the comparison, in the tables' order. */
export const BROWSER_CLIENTS = Object.keys(BROWSER_LABEL);

/** The installed version of a peer (from its package.json in node_modules). */
export const peerVersion = (name) =>
  JSON.parse(readFileSync(join(ROOT, "node_modules", PEERS[name].pkg, "package.json"), "utf8")).version;

/** Bundles every peer into `out` (default bench/out/peers); returns, per peer, its version and
 *  the bundle's raw and gzip -9 bytes. */
export async function buildPeers(out = join(ROOT, "bench/out/peers")) {
  // The entries live under the repository, so that their imports resolve to its node_modules.
  const entries = join(out, "entries");
  mkdirSync(entries, { recursive: true });
  const sizes = {};
  for (const [name, peer] of Object.entries(PEERS)) {
    const entry = join(entries, `${name}.mjs`);
    writeFileSync(entry, `${peer.entry}\n`);
    const bundle = await rolldown({ input: entry, platform: "browser", logLevel: "warn" });
    const { output } = await bundle.generate({ format: "esm", minify: true });
    await bundle.close();
    if (output.length !== 1) throw new Error(`bundling ${peer.pkg}: ${output.length} files, expected one`);
    const code = Buffer.from(output[0].code);
    writeFileSync(join(out, `${name}.js`), code);
    sizes[name] = { version: peerVersion(name), js_raw: code.length, js_gzip: gzipSync(code, { level: 9 }).length };
  }
  return sizes;
}
