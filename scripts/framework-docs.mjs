// Extracts the code blocks of docs/js-frameworks.md and README.md that follow a `<!-- check: APP -->` line
// into examples/APP/docs-check/, which that example app's tsconfig.json includes: `tsc --strict`
// then checks them against the bindings' types as the packed package ships them, with the app's
// framework installed. Run by scripts/framework-apps.sh.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const root = new URL("../", import.meta.url);
const checked = (name) => [...readFileSync(new URL(name, root), "utf8").matchAll(/<!-- check: ([a-z0-9-]+) -->\n```(tsx|ts)\n([\s\S]*?)\n```/g)];
const docs = checked("docs/js-frameworks.md");
// The README's block per framework (React, Vue, Svelte): checked the same way.
const readme = checked("README.md");
if (docs.length === 0) throw new Error("framework-docs: no checked block in docs/js-frameworks.md");
if (new Set(readme.map(([, app]) => app)).size < 3) throw new Error("framework-docs: README.md lacks a checked React, Vue or Svelte block");
const blocks = [...docs, ...readme];
const apps = new Set(blocks.map(([, app]) => app));
for (const app of apps) {
  const dir = new URL(`examples/${app}/docs-check/`, root);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}
blocks.forEach(([, app, lang, code], i) => {
  // A module of its own: top-level names of two blocks do not clash.
  writeFileSync(new URL(`examples/${app}/docs-check/block-${i + 1}.${lang}`, root), `${code}\nexport {};\n`);
});
console.log(`framework docs: ${blocks.length} blocks for ${[...apps].join(", ")}`);
