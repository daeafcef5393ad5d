// Copies the ```js and ```ts blocks of the README and of docs/ into e2e/out/readme/, where `tsc`
// (e2e/ts/tsconfig.json) type-checks them against the built package: what a reader copies keeps
// compiling. The module scripts of ```html blocks are checked too.
//
// A block whose fence names a file (```js client.mjs, ```html index.html) is also written under
// that name to e2e/out/readme/run/, where e2e/readme.test.mjs runs it: the quick starts run as
// written. A block that imports a `node:` module is run, not type-checked (the check has the
// DOM's types, not Node's).
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

function main() {
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
  console.log(`${checked} JS/TS blocks of ${Object.keys(DOCUMENTS).join(", ")} written for type-checking`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
