// esbuild for the browser, as its docs show: bundle, ES module output. esbuild does not follow
// `new URL("typed_sse_core_bg.wasm", import.meta.url)`, so the wasm file is copied beside the
// bundle, where the package looks for it.
import * as esbuild from "esbuild";
import { copyFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

await esbuild.build({ entryPoints: ["src/index.js"], bundle: true, format: "esm", platform: "browser", outdir: "dist", logLevel: "warning" });
copyFileSync(fileURLToPath(import.meta.resolve("typed-sse/typed_sse_core_bg.wasm")), "dist/typed_sse_core_bg.wasm");
