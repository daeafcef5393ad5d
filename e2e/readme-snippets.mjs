// Copies the ```js and ```ts blocks of the README and of docs/ into e2e/out/readme/, where `tsc`
// (e2e/ts/tsconfig.json) type-checks them against the built package: what a reader copies keeps
// compiling. The module scripts of ```html blocks are checked too.
//
// A block whose fence names a file (```js client.mjs, ```html index.html) is also written under
// that name to e2e/out/readme/run/, where e2e/readme.test.mjs runs it: the quick starts run as
// written. A block that imports a `node:` module is run, not type-checked (the check has the
// DOM's types, not Node's).
//
// A block after a `<!-- check: APP -->` line (the README's React, Vue and Svelte blocks) is left
// to scripts/framework-docs.mjs, which checks it in that example app, where its framework's types
// are installed.
//
// It also checks that the README's options table has a row for every field of `SseOptions`.
//
// Rust blocks are checked elsewhere: src/lib.rs includes the same files as doc tests. The README's
// framework blocks (```rust,ignore: they need the crate's framework features) are checked here to
// be excerpts of docs/rust-frameworks.md's blocks, which compile as doc tests with those features.
import { readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}e2e/out/readme/`;

// The documents whose JavaScript and TypeScript blocks are checked, and how many blocks each
// must have at least (so that a broken fence cannot make a document's checks vanish).
export const DOCUMENTS = {
  "README.md": 2,
  "docs/js-api.md": 3,
  "docs/transports.md": 3,
  "docs/llm.md": 1,
  "docs/try-it.md": 1,
};

// `(?<!...)`: a block checked in an example app (see above) is not this script's.
const fence = /(?<!<!-- check: [a-z0-9-]+ -->\n)^```(js|ts|tsx|html)([^\n]*)\n([\s\S]*?)^```$/gm;

/** Every checked block: { doc, lang, name (the file its fence names, or ""), code }. */
export function blocks() {
  const all = [];
  for (const [doc, least] of Object.entries(DOCUMENTS)) {
    const text = readFileSync(`${root}${doc}`, "utf8");
    const found = [...text.matchAll(fence)].map(([, lang, info, code]) => {
      if (lang === "tsx") throw new Error(`${doc}: a \`\`\`tsx block needs a <!-- check: APP --> line before it`);
      return { doc, lang, name: info.trim(), code };
    });
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
  // A row names one option, or a few related ones: | `initialDelayMs`, `multiplier` | ...
  const rows = [...table.matchAll(/^\| (`\w+`(?:, `\w+`)*) \|/gm)]
    .flatMap(([, names]) => [...names.matchAll(/`(\w+)`/g)].map(([, name]) => name))
    .sort();
  const missing = fields.filter((f) => !rows.includes(f));
  const extra = rows.filter((r) => !fields.includes(r));
  if (missing.length || extra.length) {
    throw new Error(`README "Options" table: missing ${missing.join(", ") || "none"}; not options: ${extra.join(", ") || "none"}`);
  }
  return fields.length;
}

/** The visible lines of a Rust block (rustdoc's hidden `# ` lines left out). */
const visible = (code) => code.split("\n").filter((l) => l !== "#" && !l.startsWith("# ")).join("\n");

/** Every ```rust,ignore block of the README is a run of whole lines of a block of
 *  docs/rust-frameworks.md (which compiles), so that what it shows compiles too. */
export function checkRustFrameworkBlocks() {
  const rustBlocks = (text, info) =>
    [...text.matchAll(/^```rust([^\n]*)\n([\s\S]*?)^```$/gm)].filter(([, i]) => info(i.trim())).map(([, , code]) => code);
  const readme = rustBlocks(readFileSync(`${root}README.md`, "utf8"), (i) => i === ",ignore");
  const compiled = rustBlocks(readFileSync(`${root}docs/rust-frameworks.md`, "utf8"), (i) => i === ",no_run" || i === "")
    .map((code) => `\n${visible(code)}`);
  if (readme.length < 3) throw new Error("README.md: fewer than 3 ```rust,ignore blocks (Yew, Leptos, Dioxus): a fence is broken");
  for (const block of readme) {
    if (!compiled.some((code) => code.includes(`\n${block}`))) {
      throw new Error(`README.md: this Rust block is not an excerpt of a compiled block of docs/rust-frameworks.md:\n${block}`);
    }
  }
  return readme.length;
}

function main() {
  const options = checkOptionsTable();
  const rust = checkRustFrameworkBlocks();
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
  console.log(`${checked} JS/TS blocks of ${Object.keys(DOCUMENTS).join(", ")} written for type-checking; the README's options table names all ${options} options; its ${rust} Rust framework blocks are excerpts of docs/rust-frameworks.md`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
