// Gives a wasm-pack build of the package its entry points: `node scripts/package-entry.mjs DIR TARGET`.
//
// wasm-pack builds the wasm core as `typed_sse_core.js` (`--out-name typed_sse_core`). The public
// API is JavaScript (src/js/client.js: `SseClient`, `TypedEventSource`) over that core, so:
// - `typed_sse.js` is client.js bundled with the ES modules it imports (hub.js, options.js,
//   iterator.js, errors.js, meta.js; the core stays an import), plus for the `web` target the
//   core's `init` exports;
// - `typed_sse.d.ts` is src/js/types.d.ts, plus the same `init` exports' types;
// - for `web`, `node.js` (src/js/node.js) is the entry point in Node: it loads the wasm file
//   itself, so `import { SseClient } from "typed-sse"` works in a plain Node ES module with no
//   init() and no hand-loaded wasm file. Browsers and bundlers resolve to typed_sse.js.
// package.json points "main", "types" and "exports" at these files.
// - the React, Vue and Svelte bindings (src/js/bindings/) are copied as they are, with their
//   types, as the subpath exports `typed-sse/react`, `typed-sse/vue` and `typed-sse/svelte`;
//   each framework is an optional peer dependency, and the entry point above imports none.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { rolldown } from "rolldown";

const [dir, target] = process.argv.slice(2);
if (!dir || !target) throw new Error("usage: node scripts/package-entry.mjs DIR TARGET");
const CORE = "typed_sse_core";
const source = (name) => readFileSync(new URL(`../src/js/${name}`, import.meta.url), "utf8");

const manifestPath = join(dir, "package.json");
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
if (manifest.main !== `${CORE}.js` && manifest.module !== `${CORE}.js`) {
  throw new Error(`package-entry: expected wasm-pack's --out-name ${CORE} in ${manifestPath}`);
}

const web = target === "web";
const initJs = web ? `export { default, initSync } from "./${CORE}.js";\n` : "";
const initTypes = web
  ? `export { default, initSync } from "./${CORE}.js";\nexport type { InitInput, InitOutput, SyncInitInput } from "./${CORE}.js";\n`
  : "";
/** src/js/client.js and the modules it imports, as one ES module that imports the wasm core
 *  (`./typed_sse_core.js`, which wasm-pack wrote next to it). Not minified: the last step
 *  (scripts/shrink-package.mjs) minifies every file of the package. */
async function bundleEntry() {
  const core = `./${CORE}.js`;
  const bundle = await rolldown({
    input: fileURLToPath(new URL("../src/js/client.js", import.meta.url)),
    external: [core],
    platform: "browser",
    logLevel: "warn",
  });
  const { output } = await bundle.generate({ format: "esm" });
  await bundle.close();
  if (output.length !== 1) throw new Error(`package-entry: bundling client.js gave ${output.length} files, expected one`);
  return output[0].code;
}

writeFileSync(join(dir, "typed_sse.js"), (await bundleEntry()) + initJs);
writeFileSync(join(dir, "typed_sse.d.ts"), source("types.d.ts") + initTypes);

const files = ["typed_sse.js", "typed_sse.d.ts"];
if (web) {
  copyFileSync(new URL("../src/js/node.js", import.meta.url), join(dir, "node.js"));
  files.push("node.js");
}
// The framework bindings: plain ES modules that import the package by its own name.
const BINDINGS = ["react", "vue", "svelte"];
for (const name of [...BINDINGS, "sse-store"]) {
  for (const ext of [".js", ".d.ts"]) {
    copyFileSync(new URL(`../src/js/bindings/${name}${ext}`, import.meta.url), join(dir, `${name}${ext}`));
    files.push(`${name}${ext}`);
  }
}
manifest.peerDependencies = { react: "^18.0.0 || ^19.0.0", vue: "^3.5.0", svelte: "^5.0.0" };
manifest.peerDependenciesMeta = Object.fromEntries(BINDINGS.map((name) => [name, { optional: true }]));
delete manifest.main;
delete manifest.module;
manifest[web ? "main" : "module"] = "typed_sse.js";
manifest.types = "typed_sse.d.ts";
manifest.files = [...new Set([...(manifest.files ?? []), ...files])];
const wasm = `./${CORE}_bg.wasm`;
manifest.exports = {
  ".": { types: "./typed_sse.d.ts", ...(web ? { node: "./node.js" } : {}), default: "./typed_sse.js" },
  ...Object.fromEntries(BINDINGS.map((name) => [`./${name}`, { types: `./${name}.d.ts`, default: `./${name}.js` }])),
  [wasm]: wasm,
  "./package.json": "./package.json",
};
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`package entry: ${dir}/typed_sse.js (${target})`);
