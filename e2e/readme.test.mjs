// The README's quick starts as a reader follows them: the packed package (a tarball, copied into
// node_modules, not linked) in a fresh folder with docs/try-it.md's server.mjs and the README's
// index.html and client.mjs, then the page in Chromium and the client in Node, with no `init()` anywhere. Then
// every browser example of the README and docs/ that talks to the test server (docs/transports.md's
// page example to its whole answer), in a page served by that server.
// The blocks come from the documents themselves (e2e/readme-snippets.mjs), so an example that
// stops working as written fails here. TYPED_SSE_PACKAGE names the package folder (default pkg/).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { OUT, launch } from "./helpers.mjs";
import { blocks } from "./readme-snippets.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PACKAGE = resolve(ROOT, process.env.TYPED_SSE_PACKAGE || "pkg");
// The quick starts' named files: the README's, and the server they stream from (docs/try-it.md).
const named = Object.fromEntries(blocks().filter((b) => ["README.md", "docs/try-it.md"].includes(b.doc) && b.name).map((b) => [b.name, b.code]));

let dir, server, url, browser;

// docs/transports.md's example that writes the answer into the page (tested for the whole answer).
const all = blocks();
const pageExample = () => all.find((b) => b.doc === "docs/transports.md" && b.lang === "js" && b.code.includes("document.body"));

// The browser asks for /favicon.ico by itself and logs the 404 (neither server has one).
const favicon = (message) => message.text().includes("status of 404") && message.location().url.endsWith("/favicon.ico");

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "typed-sse-readme-"));
  // npm pack, then unpack into node_modules/typed-sse: what `npm install ./typed-sse-0.1.0.tgz` puts there.
  const tarball = execFileSync("npm", ["pack", PACKAGE, "--pack-destination", dir, "--silent"], { encoding: "utf8" }).trim().split("\n").pop();
  const target = join(dir, "node_modules", "typed-sse");
  mkdirSync(target, { recursive: true });
  execFileSync("tar", ["-xzf", join(dir, tarball), "-C", target, "--strip-components=1"]);
  for (const name of ["server.mjs", "index.html", "client.mjs"]) {
    assert.ok(named[name], `neither the README nor docs/try-it.md has a \`${name}\` block`);
    writeFileSync(join(dir, name), named[name]);
  }
  // The README's server, on a free port (PORT=0); it prints its URL.
  server = spawn(process.execPath, ["server.mjs"], { cwd: dir, env: { ...process.env, PORT: "0" } });
  url = await new Promise((resolveUrl, reject) => {
    server.stdout.on("data", (chunk) => {
      const found = String(chunk).match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (found) resolveUrl(found[0]);
    });
    server.on("exit", (code) => reject(new Error(`server.mjs exited with ${code}`)));
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("README: the plain page with an import map shows ticks from server.mjs", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !favicon(m)) errors.push(m.text()); });
  await page.goto(url);
  await page.waitForFunction(() => /^#3 ACME \d+\.\d\d$/.test(document.querySelector("p")?.textContent ?? ""), null, { timeout: 15_000 })
    .catch(async (e) => assert.fail(`no third tick on the page (${await page.textContent("body")}); errors: ${errors.join("; ")}; ${e.message}`));
  await page.screenshot({ path: join(OUT, "readme-page.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("README: the Node client prints ticks from server.mjs, then exits", () => {
  // The block connects to the port the README's server listens on by default; here it is free.
  const program = named["client.mjs"].replace("http://127.0.0.1:8787/", url);
  assert.notEqual(program, named["client.mjs"], "client.mjs no longer names http://127.0.0.1:8787/");
  writeFileSync(join(dir, "client.mjs"), program);
  const out = execFileSync(process.execPath, ["client.mjs"], { cwd: dir, encoding: "utf8", timeout: 20_000 });
  const lines = out.trim().split("\n");
  assert.ok(lines.length >= 5, `expected ticks for 5 s, got:\n${out}`);
  assert.match(lines[0], /^1 ACME \d+\.\d+$/);
  assert.match(lines[4], /^5 ACME /);
});

test("docs/transports.md: the page example streams a whole answer from the test server", async () => {
  const block = pageExample();
  assert.ok(block, "docs/transports.md lost its page example");
  const runDir = join(OUT, "readme", "run");
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, "transport.html"), `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "typed-sse": "/pkg/typed_sse.js" } }</script>
<script type="module">${block.code}</script>`);
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !favicon(m)) errors.push(m.text()); });
  await page.goto(`${process.env.SERVER_URL}/e2e/out/readme/run/transport.html`);
  await page.waitForFunction(() => document.querySelector("p")?.textContent?.endsWith(" [done]"), null, { timeout: 30_000 })
    .catch(async (e) => assert.fail(`no complete answer (${await page.textContent("body")}); errors: ${errors.join("; ")}; ${e.message}`));
  const text = await page.textContent("p");
  assert.ok(text.length > " [done]".length + 20, `the answer is missing: ${text}`);
  assert.deepEqual(errors, []);
  await page.close();
});

// Every other browser example of the README and docs/ (those that talk to a path of the test
// server: /events, /v1/completions, /v1/messages): run in a page on the test server, it logs what
// it receives and throws nothing. TypeScript is stripped of its types first.
const examples = all.filter((b) => !b.name && b.lang !== "html" && b !== pageExample() && /new (SseClient|TypedEventSource)\("\//.test(b.code));
for (const [i, block] of examples.entries()) {
  const where = block.code.match(/new (?:SseClient|TypedEventSource)\("([^"]+)"/)[1];
  test(`${block.doc}: example ${i + 1} (${block.lang}, ${where}) runs against the test server`, async () => {
    const ts = (await import("typescript")).default;
    const js = block.lang === "ts"
      ? ts.transpileModule(block.code, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText
      : block.code;
    const runDir = join(OUT, "readme", "run");
    mkdirSync(runDir, { recursive: true });
    const file = `example-${i + 1}.html`;
    writeFileSync(join(runDir, file), `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "typed-sse": "/pkg/typed_sse.js" } }</script>
<script type="module">${js}</script>`);
    const page = await browser.newPage();
    const errors = [];
    const logged = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error" && !favicon(m)) errors.push(m.text());
      if (m.type() === "log") logged.push(m.text());
    });
    await page.goto(`${process.env.SERVER_URL}/e2e/out/readme/run/${file}`);
    for (let t = 0; t < 100 && logged.length < 2 && errors.length === 0; t++) await new Promise((r) => setTimeout(r, 100));
    await page.close();
    assert.deepEqual(errors, []);
    assert.ok(logged.length >= 1, "the example logged nothing in 10 s");
  });
}
