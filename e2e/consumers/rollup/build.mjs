// Rollup for the browser, with the two plugins a user adds: @rollup/plugin-node-resolve (Rollup
// alone does not look in node_modules; `browser: true` prefers browser builds) and
// @web/rollup-plugin-import-meta-assets, which follows the package's
// `new URL("typed_sse_core_bg.wasm", import.meta.url)` and emits the wasm file beside the bundle
// (Rollup does not copy it by itself). ES module output: the package loads its wasm with
// top-level await.
import { rollup } from "rollup";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import { importMetaAssets } from "@web/rollup-plugin-import-meta-assets";

const bundle = await rollup({ input: "src/index.js", plugins: [nodeResolve({ browser: true }), importMetaAssets()] });
await bundle.write({ dir: "dist", format: "es" });
await bundle.close();
