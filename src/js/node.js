// The package's entry point in Node (package.json "exports", condition "node"). Node's fetch
// cannot load the wasm module from a file: URL the way `init()` does in a browser, so the module
// is read from the package's own folder and instantiated here, once, when this file is
// imported: `import { SseClient } from "typed-sse"` is all a Node program needs. Calling
// `init()` afterwards is harmless (it returns the instance already made).
import { readFileSync } from "node:fs";
import { initSync } from "./typed_sse.js";

initSync({ module: readFileSync(new URL("./typed_sse_core_bg.wasm", import.meta.url)) });

export * from "./typed_sse.js";
export { default } from "./typed_sse.js";
