// The Node apps bundled into one file each, as for a Lambda-style deployment: esbuild (CommonJS
// output, its default for Node, and ES module output) and rolldown (ES module output), into
// out/<name>/. The wasm file is not copied: e2e/consumers.test.mjs runs each bundle first
// without it (the error must say what to do), then with it copied beside the bundle.
import { build } from "esbuild";
import { rolldown } from "rolldown";

const common = { bundle: true, platform: "node", logLevel: "warning" };
await build({ ...common, entryPoints: ["../node-cjs/app.cjs"], outfile: "out/esbuild-cjs/app.cjs" });
await build({ ...common, entryPoints: ["../node-esm/app.mjs"], format: "esm", outfile: "out/esbuild-esm/app.mjs" });
const bundle = await rolldown({ input: "../node-esm/app.mjs", platform: "node", logLevel: "warn" });
await bundle.write({ file: "out/rolldown/app.mjs", format: "esm" });
await bundle.close();
