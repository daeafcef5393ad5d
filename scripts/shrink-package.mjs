// Shrinks a wasm-pack output directory after the build: `node scripts/shrink-package.mjs DIR`.
//
// 1. The names the wasm module and wasm-bindgen's glue use between themselves (about 80 imports
//    such as "__wbg_new_with_base_44e8…", and the exports such as "wasm_bindgen__convert__…_h3da8…")
//    become short names ("_0", "_1", …; "$0", "$1", …) in the .wasm, the glue and the .d.ts
//    alike. The hashes in those names do not compress: this saves about 3 KB gzipped.
// 2. The result is checked: the module compiles, and what it imports and exports
//    (`WebAssembly.Module.imports`/`exports`) matches what the glue and the snippets provide and
//    use. A mismatch fails the build with the names involved.
//
// Both renames touch names that only the package's own files use; the public exports keep
// theirs. Anything unexpected (a name missing from the glue, a short name already taken) stops
// the build instead of shipping a broken package.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) throw new Error("usage: node scripts/shrink-package.mjs DIR");
const files = readdirSync(dir, { recursive: true }).map(String);
const wasmFile = join(dir, files.find((f) => f.endsWith(".wasm")));
const jsFiles = files.filter((f) => f.endsWith(".js")).map((f) => join(dir, f));
const dtsFiles = files.filter((f) => f.endsWith(".d.ts")).map((f) => join(dir, f));

// --- 1. short import names ------------------------------------------------------------------

function readLeb(bytes, pos) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, pos];
}

function leb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

const utf8 = new TextDecoder();
const encodeName = (s) => { const b = Buffer.from(s, "utf8"); return [...leb(b.length), ...b]; };

/** The import section rewritten with `rename(module, field)`; returns [new payload, renames]. */
function renameImports(payload, rename) {
  let [count, pos] = readLeb(payload, 0);
  const out = [...leb(count)];
  const renames = new Map();
  const readName = () => {
    let len;
    [len, pos] = readLeb(payload, pos);
    const s = utf8.decode(payload.subarray(pos, pos + len));
    pos += len;
    return s;
  };
  const skipLeb = () => { [, pos] = readLeb(payload, pos); };
  const skipLimits = () => { const flags = payload[pos++]; skipLeb(); if (flags & 1) skipLeb(); };
  while (count--) {
    const module = readName();
    const field = readName();
    const descStart = pos;
    const kind = payload[pos++];
    if (kind === 0) skipLeb(); // function: type index
    else if (kind === 1) { pos++; skipLimits(); } // table: reftype, limits
    else if (kind === 2) skipLimits(); // memory
    else if (kind === 3) pos += 2; // global: valtype, mutability
    else if (kind === 4) { pos++; skipLeb(); } // tag: attribute, type index
    else throw new Error(`unknown import kind ${kind}`);
    const renamed = rename(module, field);
    if (renamed !== field) renames.set(field, renamed);
    out.push(...encodeName(module), ...encodeName(renamed), ...payload.subarray(descStart, pos));
  }
  if (pos !== payload.length) throw new Error("the import section did not parse to its end");
  return [Uint8Array.from(out), renames];
}

/** The export section rewritten with `rename(name)`; returns [new payload, renames]. */
function renameExports(payload, rename) {
  let [count, pos] = readLeb(payload, 0);
  const out = [...leb(count)];
  const renames = new Map();
  while (count--) {
    let len;
    [len, pos] = readLeb(payload, pos);
    const name = utf8.decode(payload.subarray(pos, pos + len));
    pos += len;
    const descStart = pos;
    pos++; // kind
    [, pos] = readLeb(payload, pos); // index
    const renamed = rename(name);
    if (renamed !== name) renames.set(name, renamed);
    out.push(...encodeName(renamed), ...payload.subarray(descStart, pos));
  }
  if (pos !== payload.length) throw new Error("the export section did not parse to its end");
  return [Uint8Array.from(out), renames];
}

const sources = new Map([...jsFiles, ...dtsFiles].map((f) => [f, readFileSync(f, "utf8")]));
const word = (name) => new RegExp(`(?<![\\w$])${name.replace(/\$/g, "\\$")}(?![\\w$])`, "g");
const inGlue = (name) => jsFiles.some((f) => word(name).test(sources.get(f)));
// A wasm export that the glue exports under the same name (a free `#[wasm_bindgen]` function
// such as `typedSseError`) is part of the glue's API, which src/js imports by name: it keeps it.
const glueApi = new Set(jsFiles.flatMap((f) =>
  [...sources.get(f).matchAll(/^export (?:async )?(?:function|class|const|let) ([\w$]+)/gm)].map((m) => m[1])));

const wasm = readFileSync(wasmFile);
const sections = [];
let importRenames = new Map();
for (let pos = 8; pos < wasm.length;) {
  const id = wasm[pos];
  const [size, start] = readLeb(wasm, pos + 1);
  let payload = wasm.subarray(start, start + size);
  if (id === 2) {
    let next = 0;
    // Only the imports from wasm-bindgen's glue module ("./typed_sse_bg.js"): the imports from
    // snippets are the real export names of the snippet files.
    [payload, importRenames] = renameImports(payload, (module, field) =>
      /^\.\/[^/]+\.js$/.test(module) ? `_${(next++).toString(36)}` : field);
  }
  if (id === 7) {
    let next = 0;
    // The exports the glue calls, but the memory (a name the glue also uses for other things)
    // and the glue's own API.
    // Any other export (none today) may be meant for someone else and keeps its name.
    let renames;
    [payload, renames] = renameExports(payload, (name) =>
      name !== "memory" && !glueApi.has(name) && inGlue(name) ? `$${(next++).toString(36)}` : name);
    importRenames = new Map([...importRenames, ...renames]);
  }
  sections.push(Buffer.from([id, ...leb(payload.length)]), Buffer.from(payload));
  pos = start + size;
}

for (const [from, to] of importRenames) {
  let seen = 0;
  for (const [f, src] of sources) {
    if (word(to).test(src)) throw new Error(`${f} already uses the name ${to}`);
    const next = src.replace(word(from), () => { if (f.endsWith(".js")) seen++; return to; });
    sources.set(f, next);
  }
  if (!seen) throw new Error(`${from} does not appear in the JS glue`);
}
writeFileSync(wasmFile, Buffer.concat([wasm.subarray(0, 8), ...sections]));
for (const f of dtsFiles) writeFileSync(f, sources.get(f));

const glueSources = new Map(jsFiles.map((f) => [f, sources.get(f)]));
for (const [f, src] of glueSources) writeFileSync(f, src);

// --- 2. the module and the glue still agree -------------------------------------------------

const module = new WebAssembly.Module(readFileSync(wasmFile));
const glue = [...glueSources].filter(([f]) => !f.includes("/snippets/")).map(([, src]) => src).join("\n");
const problems = [];
for (const { module: from, name } of WebAssembly.Module.imports(module)) {
  if (/^\.\/[^/]+\.js$/.test(from)) {
    if (!word(name).test(glue)) problems.push(`import ${name} from ${from} is not defined by the glue`);
  } else {
    const snippet = glueSources.get(join(dir, from));
    if (snippet === undefined) problems.push(`import ${name} from ${from}: no such snippet file`);
    else if (!word(name).test(snippet)) problems.push(`import ${name}: ${from} does not export it`);
  }
}
const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
for (const [, to] of importRenames) {
  if (to.startsWith("$") && !exported.has(to)) problems.push(`the glue calls ${to}, which the module does not export`);
}
for (const [, used] of glue.matchAll(/\.(\$[0-9a-z]+)(?![\w$])/g)) {
  if (!exported.has(used)) problems.push(`the glue uses .${used}, which the module does not export`);
}
if (problems.length) {
  throw new Error(`shrink-package: the wasm module and its glue disagree in ${dir}:\n  ${[...new Set(problems)].join("\n  ")}`);
}

console.log(`shrunk ${dir}: ${importRenames.size} names; imports and exports checked`);
