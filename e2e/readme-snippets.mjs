// Copies the README's ```js and ```ts blocks into e2e/out/readme/, where `tsc` (e2e/ts/tsconfig.json)
// type-checks them against the built package: the quick starts keep compiling.
import { readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}e2e/out/readme/`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const readme = readFileSync(`${root}README.md`, "utf8");
const blocks = [...readme.matchAll(/```(js|ts)\n([\s\S]*?)```/g)];
if (blocks.length < 2) throw new Error("the README lost its JavaScript and TypeScript quick starts");
blocks.forEach(([, lang, code], i) => {
  // Each block is its own module; `export {}` keeps top-level await and names local to it.
  writeFileSync(`${out}block${i + 1}.${lang}`, `${code}\nexport {};\n`);
});
console.log(`README: ${blocks.length} JS/TS blocks written for type-checking`);
