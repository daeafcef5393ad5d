// Gives the `web` build of the package its Node entry point: `node scripts/node-entry.mjs DIR`.
// Copies src/js/node.js into DIR and points package.json's "exports" at it for Node, so that
// `import { SseClient } from "typed-sse"` works in a plain Node ES module with no init() and no
// hand-loaded wasm file. Browsers and bundlers keep resolving to the usual module.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) throw new Error("usage: node scripts/node-entry.mjs DIR");
const manifestPath = join(dir, "package.json");
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const main = manifest.main; // e.g. typed_sse.js
copyFileSync(new URL("../src/js/node.js", import.meta.url), join(dir, "node.js"));
manifest.files = [...new Set([...(manifest.files ?? []), "node.js"])];
manifest.exports = {
  ".": {
    types: `./${manifest.types}`,
    node: "./node.js",
    default: `./${main}`,
  },
  [`./${main.replace(/\.js$/, "_bg.wasm")}`]: `./${main.replace(/\.js$/, "_bg.wasm")}`,
  "./package.json": "./package.json",
};
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`node entry: ${manifestPath} exports node.js for Node`);
