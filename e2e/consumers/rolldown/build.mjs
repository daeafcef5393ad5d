// rolldown (Rollup's API) for the browser: bundle, ES module output. Like esbuild and Rollup, it
// does not follow `new URL("typed_sse_core_bg.wasm", import.meta.url)`, so the wasm file is
// copied beside the bundle, where the package looks for it.
import { rolldown } from "rolldown";
import { copyFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = await rolldown({ input: "src/index.js", platform: "browser", logLevel: "warn" });
await bundle.write({ dir: "dist", format: "esm" });
await bundle.close();
copyFileSync(fileURLToPath(import.meta.resolve("typed-sse/typed_sse_core_bg.wasm")), "dist/typed_sse_core_bg.wasm");
