// Assembles the npm package from wasm-pack's output: `node scripts/package-entry.mjs CORE OUT`.
// Run by scripts/package.sh (`npm run package`), step 4.
//
// CORE is wasm-pack's `--target web` output (`--out-name typed_sse_core`, names already shortened
// by scripts/shrink-package.mjs); OUT is an empty folder that becomes the package, ready for
// `npm pack`. One package serves every environment through its `exports` conditions
// (docs/package.md says which file each one gets and why):
//
// - `typed_sse.js`: browsers, bundlers and Web Workers. One ES module: src/js/client.js with
//   every module it imports and the core's glue, bundled by rolldown. It loads the wasm file
//   next to it (`new URL("typed_sse_core_bg.wasm", import.meta.url)`, a form Vite and webpack
//   follow and copy) with top-level await, so the classes work as soon as the import resolves:
//   no `init()` to call.
// - `node.cjs` (Node, `require`): the same API; the wasm file is read from the package folder
//   and compiled synchronously while the module loads. `node.js` (Node, `import`) re-exports it,
//   so that both reach one instance.
// - `typed_sse.d.ts` / `typed_sse.d.cts`: src/js/types.d.ts, the `init` exports' types, and the
//   `Symbol.dispose` declaration that the types need under `lib: ["ES2022", "DOM"]`.
// - the wasm file, README.md, CHANGELOG.md and both licence files.
//
// `init` (the default export) and `initSync` stay exported for code written for earlier builds:
// they return the instance already made.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { rolldown } from "rolldown";
import { absoluteLinks } from "./package-links.mjs";

// `--keep-names`: unminified, for the benchmark's CPU profiles (bench/out/pkg-prof).
const args = process.argv.slice(2);
const keepNames = args.includes("--keep-names");
const [coreDir, outDir] = args.filter((a) => a !== "--keep-names").map((p) => resolve(p));
if (!coreDir || !outDir) throw new Error("usage: node scripts/package-entry.mjs CORE_DIR OUT_DIR [--keep-names]");
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CORE = join(coreDir, "typed_sse_core.js");
const WASM = "typed_sse_core_bg.wasm";
if (!existsSync(CORE)) throw new Error(`package-entry: no ${CORE} (wasm-pack --target web --out-name typed_sse_core)`);
if (existsSync(outDir) && readdirSync(outDir).length) throw new Error(`package-entry: ${outDir} is not empty`);
mkdirSync(outDir, { recursive: true });

// --- the JavaScript entry points --------------------------------------------------------------

const client = JSON.stringify(join(ROOT, "src/js/client.js"));
const core = JSON.stringify(CORE);
const API = `export * from ${client};\nexport { default, initSync } from ${core};\n`;
// What a failed read of the wasm file in Node says: the usual cause is an app bundled into one
// file (for a Lambda, say) without the wasm file beside it.
const BUNDLED = `A bundle of your app that includes typed-sse must ship ${WASM} beside it: copy ` +
  `node_modules/typed-sse/${WASM} next to the bundle, or leave typed-sse out of the bundle ` +
  '(esbuild --external:typed-sse; rolldown, Rollup or webpack: externals) and ship node_modules/typed-sse.';
const ENTRIES = {
  // A failed load (the file missing, a CSP without 'wasm-unsafe-eval') names the likely fixes.
  "typed_sse.js": `import init from ${core};
${API}
const wasmUrl = new URL("${WASM}", import.meta.url);
try {
  await init({ module_or_path: wasmUrl });
} catch (cause) {
  throw new Error(\`typed-sse could not load its WebAssembly module from \${wasmUrl}: \${cause}. \` +
    "Serve ${WASM} next to typed_sse.js (a bundler that moves typed_sse.js must copy it), " +
    "and if the page has a Content Security Policy, allow 'wasm-unsafe-eval' in script-src.", { cause });
}
`,
  // The one Node entry that holds the code: `node.js` (below) re-exports it. A file that is
  // missing or unreadable (a bundle that took the code and left the wasm behind) names the fixes.
  "node.cjs": `import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initSync } from ${core};
${API}
let wasmPath = "${WASM}";
let bytes;
try {
  wasmPath = join(__dirname, wasmPath);
  bytes = readFileSync(wasmPath);
} catch (cause) {
  throw new Error(\`typed-sse could not read its WebAssembly module \${wasmPath}: \${cause?.message}. ${BUNDLED}\`, { cause });
}
initSync({ module: bytes });
`,
  // For bundlers that build for Node (the `module` condition, which Node itself ignores): an ES
  // module, so that an ES module bundle needs no `require` or `__dirname`; the wasm file is read
  // from beside the bundle (import.meta.url in ES module output, __dirname in CommonJS output).
  "node.mjs": `import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initSync } from ${core};
${API}
let wasmPath = "${WASM}";
let bytes;
try {
  wasmPath = import.meta.url ? fileURLToPath(new URL(wasmPath, import.meta.url)) : join(__dirname, wasmPath);
  bytes = readFileSync(wasmPath);
} catch (cause) {
  throw new Error(\`typed-sse could not read its WebAssembly module \${wasmPath}: \${cause?.message}. ${BUNDLED}\`, { cause });
}
initSync({ module: bytes });
`,
};

// wasm-bindgen copies each snippet (JS that Rust calls) to CORE/snippets/<crate>-<hash>/<path>;
// the bundle takes the file from the source tree instead, so that a snippet's own relative
// imports resolve to the modules beside it in src/.
const fromSource = {
  name: "typed-sse-sources",
  resolveId(source, importer) {
    if (source.startsWith("\0entry:")) return source;
    if (!importer || !source.startsWith(".")) return null;
    const path = resolve(dirname(importer), source);
    const snippet = relative(join(coreDir, "snippets"), path).match(/^[^/]+-[0-9a-f]{16}\/(.+)$/);
    if (snippet) return join(ROOT, snippet[1]);
    // src/js/client.js imports the core by the name it has beside it in the package.
    if (importer.startsWith(join(ROOT, "src")) && source.endsWith("/typed_sse_core.js")) return CORE;
    return null;
  },
  load(id) {
    // Named without the file's extension: an id ending in .cjs would be parsed as CommonJS.
    return id.startsWith("\0entry:") ? ENTRIES[id.slice("\0entry:".length).replace(/-([cm]?js)$/, ".$1")] : null;
  },
};

for (const file of Object.keys(ENTRIES)) {
  const node = file !== "typed_sse.js";
  const bundle = await rolldown({
    input: `\0entry:${file.replace(/\.([cm]?js)$/, "-$1")}`,
    platform: node ? "node" : "browser",
    plugins: [fromSource],
    external: [/^node:/],
    logLevel: "warn",
    // The glue's own fallback URL (`init()` with no argument) is dead code in the CommonJS
    // entry, which has no import.meta; the warning about it is expected.
    onLog(level, log, handler) {
      if (file === "node.cjs" && log.code === "EMPTY_IMPORT_META") return;
      handler(level, log);
    },
  });
  const { output } = await bundle.write({
    file: join(outDir, file),
    format: file.endsWith(".cjs") ? "cjs" : "esm",
    exports: "named",
    minify: !keepNames,
    sourcemap: true,
    // The map's sources read as the package's own paths (typed-sse/src/js/client.js), not as
    // paths on the machine that built it; their text is inside the map.
    sourcemapPathTransform: (source) => `typed-sse/${relative(ROOT, resolve(outDir, source)).replace(/^.*?\/(typed_sse_core)/, "$1")}`,
  });
  await bundle.close();
  const chunks = output.filter((o) => o.type === "chunk");
  if (chunks.length !== 1) throw new Error(`bundling ${file}: ${chunks.length} chunks, expected one`);
}

// `node.js`, Node's `import`: the CommonJS entry re-exported, not a second bundle. An app that
// `require`s the package while a module it uses imports it (the framework bindings do) then gets
// one instance: one wasm memory, one set of classes, so `instanceof SseStreamError` holds across
// them. Node (and a bundler for Node) gives a default import of CommonJS `module.exports`.
copyFileSync(join(coreDir, WASM), join(outDir, WASM));
const cjsNames = Object.keys(createRequire(import.meta.url)(join(outDir, "node.cjs")))
  .filter((k) => k !== "__esModule" && k !== "default").sort();
writeFileSync(join(outDir, "node.js"), `// Node's ES module entry: the CommonJS entry, so that \`import\` and \`require\` share one instance.
import cjs from "./node.cjs";
export const { ${cjsNames.join(", ")} } = cjs;
export default cjs.default;
`);
const browser = readFileSync(join(outDir, "typed_sse.js"), "utf8");
// Vite and webpack copy the wasm file only when they see exactly this form.
if (!/new URL\(["'`]typed_sse_core_bg\.wasm["'`],\s*import\.meta\.url\)/.test(browser)) {
  throw new Error("bundling typed_sse.js: `new URL(\"typed_sse_core_bg.wasm\", import.meta.url)` is gone");
}

// --- types ----------------------------------------------------------------------------------

// `[Symbol.dispose]()` is typed with TypeScript's `esnext.disposable` lib, which a project with
// `lib: ["ES2022", "DOM"]` (Vite's template) does not include: without this declaration the
// package's types fail there (TS2550) unless `skipLibCheck` hides it. Declared the way
// @types/node does, so that it merges with the lib's own declaration where that is present.
const dispose = `declare global {
  interface SymbolConstructor {
    /** The well-known symbol of \`using\` declarations (ES2026 explicit resource management). */
    readonly dispose: unique symbol;
  }
}
`;
const initTypes = `
/** Kept for code written for earlier builds: the module is ready when the import resolves, so
 *  this resolves at once, whatever it is given. */
export default function init(moduleOrPath?: unknown): Promise<unknown>;
/** Kept for code written for earlier builds: the module is ready when the import resolves. */
export function initSync(module?: unknown): unknown;
`;
const types = dispose + readFileSync(join(ROOT, "src/js/types.d.ts"), "utf8") + initTypes;
writeFileSync(join(outDir, "typed_sse.d.ts"), types);
writeFileSync(join(outDir, "typed_sse.d.cts"), types);

// --- the manifest and the files beside the code -----------------------------------------------

for (const f of ["LICENSE-MIT", "LICENSE-APACHE"]) copyFileSync(join(ROOT, f), join(outDir, f));

// The README and the CHANGELOG, with their links to the repository's other files pointed at this
// version's tag (scripts/package-links.mjs says why): CONTRIBUTING.md ("Releasing") tags it.
const built = JSON.parse(readFileSync(join(coreDir, "package.json"), "utf8"));
const repository = (built.repository?.url ?? built.repository ?? "").replace(/^git\+/, "").replace(/\.git$/, "");
const linkBase = `${repository}/blob/v${built.version}/`;
for (const f of ["README.md", "CHANGELOG.md"]) writeFileSync(join(outDir, f), absoluteLinks(readFileSync(join(ROOT, f), "utf8"), linkBase));

// The React, Vue and Svelte bindings (src/js/bindings/): plain ES modules, copied as they are
// with their types, as the subpath exports `typed-sse/react`, `/vue` and `/svelte`. They import
// the package by its own name, so each environment's condition above applies to them too; each
// framework is an optional peer dependency, and the main entry imports none.
const BINDINGS = ["react", "vue", "svelte"];
for (const name of [...BINDINGS, "sse-store"]) {
  for (const ext of [".js", ".d.ts"]) copyFileSync(join(ROOT, `src/js/bindings/${name}${ext}`), join(outDir, `${name}${ext}`));
}

const files = readdirSync(outDir).sort();
const manifest = {
  name: built.name,
  version: built.version,
  description: "Typed Server-Sent Events for browsers, workers and Node: EventSource or fetch (headers, POST, status, retry:), typed listeners, JSON decoding and a reconnect policy, in WebAssembly.",
  license: built.license,
  repository: built.repository,
  keywords: [...new Set([...(built.keywords ?? []), "fetch", "node"])],
  type: "module",
  // Each subpath: the types first, then Node (ESM or CommonJS), then everything else (browsers,
  // bundlers, workers). Further subpaths (framework bindings) are added beside ".".
  exports: {
    ".": {
      node: {
        // Bundlers (esbuild, webpack, Rollup's node-resolve) match `module`; Node never does.
        module: "./node.mjs",
        require: { types: "./typed_sse.d.cts", default: "./node.cjs" },
        types: "./typed_sse.d.ts",
        default: "./node.js",
      },
      types: "./typed_sse.d.ts",
      default: "./typed_sse.js",
    },
    ...Object.fromEntries(BINDINGS.map((name) => [`./${name}`, { types: `./${name}.d.ts`, default: `./${name}.js` }])),
    [`./${WASM}`]: `./${WASM}`,
    "./package.json": "./package.json",
  },
  // Ranges that never block installing the core next to an older framework (npm refuses an
  // optional peer whose installed version is out of range): what each binding needs at run
  // time is in docs/js-frameworks.md (React 18+, Vue 3.3+, Svelte 3+), and the React hook
  // says so when it runs on React 17.
  peerDependencies: { react: "*", vue: "*", svelte: ">=3" },
  peerDependenciesMeta: Object.fromEntries(BINDINGS.map((name) => [name, { optional: true }])),
  // For tools that predate `exports`.
  main: "./node.cjs",
  module: "./typed_sse.js",
  types: "./typed_sse.d.ts",
  files,
  sideEffects: false,
  engines: { node: ">=20" },
};
writeFileSync(join(outDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);

// --- what ships is checked as it is -----------------------------------------------------------

const esm = await import(pathToFileURL(join(outDir, "node.js")).href);
const cjs = createRequire(import.meta.url)(join(outDir, "node.cjs"));
const names = (m) => Object.keys(m).filter((k) => k !== "__esModule").sort().join(" ");
for (const name of ["SseClient", "TypedEventSource", "default", "initSync"]) {
  if (typeof esm[name] !== "function") throw new Error(`node.js: no ${name} export`);
}
const forBundlers = await import(pathToFileURL(join(outDir, "node.mjs")).href);
if (names(forBundlers) !== names(cjs)) throw new Error(`node.mjs exports ${names(forBundlers)} but node.cjs ${names(cjs)}`);
if (names(esm) !== names(cjs)) throw new Error(`node.js exports ${names(esm)} but node.cjs ${names(cjs)}`);
for (const name of Object.keys(esm)) {
  if (esm[name] !== cjs[name]) throw new Error(`node.js's ${name} is not node.cjs's: two instances`);
}
const browserExports = browser.match(/export\s*\{([^}]*)\}\s*;?\s*(\/\/# sourceMappingURL=\S+\s*)?$/)?.[1]
  .split(",").map((e) => e.trim().split(/\s+as\s+/).pop()).sort().join(" ");
if (browserExports !== names(esm)) throw new Error(`typed_sse.js exports ${browserExports} but node.js ${names(esm)}`);
console.log(`package: ${outDir} (${files.join(", ")})`);
