// Copies the ```js and ```ts blocks of the README and of docs/ into e2e/out/readme/, where `tsc`
// (e2e/ts/tsconfig.json) type-checks them against the built package: what a reader copies keeps
// compiling. The module scripts of ```html blocks are checked too.
//
// A block whose fence names a file (```js client.mjs, ```html index.html) is also written under
// that name to e2e/out/readme/run/, where e2e/readme.test.mjs runs it: the quick starts run as
// written. A block that imports a `node:` module is run, not type-checked (the check has the
// DOM's types, not Node's).
//
// It also checks that the README's options table has a row for every field of `SseOptions`.
//
// Rust blocks are checked elsewhere: src/lib.rs includes the same files as doc tests.
import { readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}e2e/out/readme/`;

// The documents whose JavaScript and TypeScript blocks are checked, and how many blocks each
// must have at least (so that a broken fence cannot make a document's checks vanish).
export const DOCUMENTS = {
  "README.md": 3,
  "docs/js-api.md": 3,
  "docs/transports.md": 3,
  "docs/llm.md": 1,
};

const fence = /^```(js|ts|html)([^\n]*)\n([\s\S]*?)^```$/gm;

/** Every checked block: { doc, lang, name (the file its fence names, or ""), code }. */
export function blocks() {
  const all = [];
  for (const [doc, least] of Object.entries(DOCUMENTS)) {
    const text = readFileSync(`${root}${doc}`, "utf8");
    const found = [...text.matchAll(fence)].map(([, lang, info, code]) => ({ doc, lang, name: info.trim(), code }));
    if (found.filter((b) => b.lang !== "html").length < least) {
      throw new Error(`${doc} has fewer than ${least} JS/TS blocks: a fence is broken or the quick starts are gone`);
    }
    all.push(...found);
  }
  return all;
}

/** The README's options table names every field of `SseOptions` (src/js/types.d.ts), and no other. */
export function checkOptionsTable() {
  const types = readFileSync(`${root}src/js/types.d.ts`, "utf8");
  const body = types.split("export interface SseOptions {")[1]?.split("\n}")[0];
  if (!body) throw new Error("src/js/types.d.ts has no `export interface SseOptions`: update e2e/readme-snippets.mjs");
  const fields = [...body.matchAll(/^  (\w+)\?:/gm)].map(([, name]) => name).sort();
  const readme = readFileSync(`${root}README.md`, "utf8");
  const table = readme.split("\n## Options\n")[1]?.split("\n## ")[0] ?? "";
  const rows = [...table.matchAll(/^\| `(\w+)` \|/gm)].map(([, name]) => name).sort();
  const missing = fields.filter((f) => !rows.includes(f));
  const extra = rows.filter((r) => !fields.includes(r));
  if (missing.length || extra.length) {
    throw new Error(`README "Options" table: missing ${missing.join(", ") || "none"}; not options: ${extra.join(", ") || "none"}`);
  }
  return fields.length;
}

function main() {
  const options = checkOptionsTable();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(`${out}run`, { recursive: true });
  let checked = 0;
  blocks().forEach(({ doc, lang, name, code }, i) => {
    if (name) writeFileSync(`${out}run/${name}`, code);
    const sources = lang === "html"
      ? [...code.matchAll(/<script type="module">\n([\s\S]*?)<\/script>/g)].map(([, js]) => ["js", js])
      : /from "node:/.test(code) ? [] : [[lang, code]];
    for (const [ext, source] of sources) {
      // Each block is its own module; `export {}` keeps top-level await and names local to it.
      const file = `${doc.replace(/[/.]/g, "-")}-${i + 1}.${ext}`;
      writeFileSync(`${out}${file}`, `${source}\nexport {};\n`);
      checked += 1;
    }
  });
  console.log(`${checked} JS/TS blocks of ${Object.keys(DOCUMENTS).join(", ")} written for type-checking; the README's options table names all ${options} options`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
