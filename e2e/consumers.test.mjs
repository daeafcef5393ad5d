// The packed tarball (dist/typed-sse-<version>.tgz, from `bash scripts/package.sh --pack`) as users
// install it: copied with npm into fresh projects in a temp folder, whose tools come from
// e2e/consumers/package-lock.json, then each project streams from the test server: a plain page
// with an import map, a page under a strict Content Security Policy, a module Web Worker, Vite
// (dev server and build), webpack 5, esbuild, rolldown, Rollup, Node (ESM, CommonJS, and a
// CommonJS app using an ES module binding), and TypeScript (strict, Vite's lib; `tsc --init`'s
// defaults), all with skipLibCheck off. None calls init().
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { homedir, tmpdir } from "node:os";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVER, launch, key } from "./helpers.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, "pkg/package.json"), "utf8"));
const TARBALL = join(ROOT, `dist/typed-sse-${version}.tgz`);
const EXPECTED = { eventsource: [1, 2, 3], fetch: [1, 2, 3], typedEventSource: [1, 2, 3] };

let dir; // the temp folder holding every consumer project and their node_modules
let site; // a static file server over `dir`, as a user's own web server
let browser;
const children = [];

function run(command, args, cwd, env = {}) {
  try {
    return String(execFileSync(command, args, { cwd, env: { ...process.env, ...env }, stdio: "pipe", timeout: 180_000 }));
  } catch (e) {
    const tail = (s) => String(s ?? "").split("\n").map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l)).slice(-20).join("\n");
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) failed:\n${tail(e.stdout)}\n${tail(e.stderr)}`);
  }
}
const npm = (args, cwd) => run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], cwd);
const tool = (name) => join(dir, "node_modules", ...name.split("/"));

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".map": "application/json" };

// Pages under /csp/ get a policy allowing only the page's own origin, the test server and
// 'wasm-unsafe-eval' (`?csp=no-wasm`: the same without 'wasm-unsafe-eval').
function policy(url) {
  const wasm = url.searchParams.get("csp") === "no-wasm" ? "" : " 'wasm-unsafe-eval'";
  return `default-src 'none'; script-src 'self'${wasm}; connect-src 'self' ${SERVER}`;
}

function serve(root) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const path = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!path.startsWith(root) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end("not found");
      return;
    }
    const headers = { "content-type": TYPES[extname(path)] ?? "application/octet-stream", "cache-control": "no-store" };
    if (url.pathname.startsWith("/csp/") && url.pathname.endsWith(".html")) headers["content-security-policy"] = policy(url);
    res.writeHead(200, headers).end(readFileSync(path));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// Opens `url` in Chromium and waits for the page's `window.__result`; returns it with the
// page's uncaught errors and console errors.
async function pageResult(url) {
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  let failed;
  const uncaught = new Promise((resolve) => { failed = resolve; });
  page.on("pageerror", (e) => { errors.push(String(e)); failed(); });
  // Chromium asks every origin for one; the dev servers have none (a 404 console error).
  await page.route("**/favicon.ico", (route) => route.fulfill({ status: 204 }));
  try {
    const sep = url.includes("?") ? "&" : "?";
    await page.goto(`${url}${sep}server=${encodeURIComponent(SERVER)}&key=${key("consumer")}`);
    // Until the page reports, or throws (a failed import reports nothing), or 20 s pass.
    await Promise.race([uncaught, page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20_000 })])
      .catch(() => {});
    const result = await page.evaluate(() => window.__result);
    return { result, errors };
  } finally {
    await page.close();
  }
}

async function streams(url) {
  const { result, errors } = await pageResult(url);
  assert.deepEqual({ result, errors }, { result: { ok: EXPECTED }, errors: [] });
}

before(async () => {
  assert.ok(existsSync(TARBALL), `${TARBALL} is missing: run bash scripts/package.sh --pack first`);
  dir = mkdtempSync(join(tmpdir(), "typed-sse-consumers-"));
  cpSync(join(ROOT, "e2e/consumers"), dir, { recursive: true });
  npm(["ci"], dir);
  // The tarball, copied into node_modules as `npm install typed-sse` would from the registry.
  npm(["install", "--no-save", TARBALL], dir);
  assert.ok(!lstatSync(join(dir, "node_modules/typed-sse")).isSymbolicLink());
  site = await serve(dir);
  browser = await launch();
});

after(async () => {
  for (const child of children) child.kill();
  await browser?.close();
  site?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const siteUrl = (path) => `http://127.0.0.1:${site.address().port}/${path}`;

test("the tarball holds the package and nothing else", () => {
  const files = run("tar", ["tzf", TARBALL], ROOT).trim().split("\n").map((f) => f.replace(/^package\//, "")).sort();
  assert.deepEqual(files, [
    "CHANGELOG.md", "LICENSE-APACHE", "LICENSE-MIT", "README.md", "node.cjs", "node.cjs.map", "node.js", "node.mjs", "node.mjs.map",
    "package.json", "react.d.ts", "react.js", "sse-store.d.ts", "sse-store.js", "svelte.d.ts", "svelte.js",
    "typed_sse.d.cts", "typed_sse.d.ts", "typed_sse.js", "typed_sse.js.map", "typed_sse_core_bg.wasm", "vue.d.ts", "vue.js",
  ]);
  // The framework bindings are optional peers that never block an install.
  const peers = JSON.parse(readFileSync(join(dir, "node_modules/typed-sse/package.json"), "utf8")).peerDependenciesMeta;
  assert.deepEqual(Object.keys(peers ?? {}).sort(), ["react", "svelte", "vue"]);
  for (const p of Object.values(peers)) assert.equal(p.optional, true);
  const manifest = JSON.parse(readFileSync(join(dir, "node_modules/typed-sse/package.json"), "utf8"));
  assert.equal(manifest.sideEffects, false);
  assert.ok(manifest.engines?.node);
});

// The README and CHANGELOG read in node_modules (or on the registry's page) link to the repository
// at the package's tag, not to relative paths the tarball does not ship; each target exists here.
test("the shipped README's and CHANGELOG's links lead out of the package, to files that exist", () => {
  const manifest = JSON.parse(readFileSync(join(dir, "node_modules/typed-sse/package.json"), "utf8"));
  const base = `${manifest.repository.url.replace(/\.git$/, "")}/blob/v${manifest.version}/`;
  let checked = 0;
  for (const f of ["README.md", "CHANGELOG.md"]) {
    // Code is never rewritten, nor read here: fenced blocks and code spans go first.
    const text = readFileSync(join(dir, "node_modules/typed-sse", f), "utf8")
      .replace(/^ {0,3}(`{3,}|~{3,})[\s\S]*?^ {0,3}\1\s*$/gm, "")
      .replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, "");
    const inline = [...text.matchAll(/\]\(\s*<?([^\s)>]+)/g)].map((m) => m[1]);
    const definitions = [...text.matchAll(/^ {0,3}\[[^\]]+\]:[ \t]*<?([^\s>]+)/gm)].map((m) => m[1]);
    for (const target of [...inline, ...definitions]) {
      if (target.startsWith("#")) continue;
      assert.match(target, /^https?:\/\//, `${f} links to ${target}, which the package does not ship`);
      if (!target.startsWith(base)) continue;
      const path = decodeURIComponent(target.slice(base.length).replace(/#.*$/, ""));
      assert.ok(existsSync(join(ROOT, path)), `${f} links to ${path}, which is not in the repository`);
      checked++;
    }
  }
  assert.ok(checked >= 10, `only ${checked} links into the repository were found`);
});

// The wasm names no path of the machine that built it (cargo's registry under the builder's
// home, the checkout): the build remaps them (NPM_RUSTFLAGS in scripts/lib.sh).
test("the wasm file embeds no build-machine path", () => {
  const wasm = readFileSync(join(dir, "node_modules/typed-sse/typed_sse_core_bg.wasm")).toString("latin1");
  for (const path of [`${homedir()}/`, "/.cargo/", ROOT]) {
    const at = wasm.indexOf(path);
    assert.equal(at, -1, `the wasm holds ${JSON.stringify(path)}: ${JSON.stringify(wasm.slice(Math.max(0, at - 20), at + 80))}`);
  }
});

test("a plain page with an import map", () => streams(siteUrl("page/index.html")));

test("a page under a CSP that allows only 'self' and 'wasm-unsafe-eval'", () => streams(siteUrl("csp/index.html")));

test("without 'wasm-unsafe-eval', the import fails with an error that names it", async () => {
  const { result, errors } = await pageResult(siteUrl("csp/index.html?csp=no-wasm"));
  assert.equal(result, undefined);
  assert.ok(errors.some((e) => e.includes("typed-sse could not load its WebAssembly module") && e.includes("'wasm-unsafe-eval'")), errors.join("\n"));
});

test("a module Web Worker", () => streams(siteUrl("worker/index.html")));

test("Vite build", async () => {
  run(process.execPath, [tool("vite/bin/vite.js"), "build", "--base", "./", "--logLevel", "warn"], join(dir, "vite"));
  await streams(siteUrl("vite/dist/index.html"));
});

test("Vite dev server", async () => {
  const url = await viteDev(join(dir, "vite"));
  await streams(url);
});

test("webpack 5", async () => {
  run(process.execPath, ["build.mjs"], join(dir, "webpack"));
  await streams(siteUrl("webpack/dist/index.html"));
});

test("esbuild", async () => {
  run(process.execPath, ["build.mjs"], join(dir, "esbuild"));
  await streams(siteUrl("esbuild/dist/index.html"));
});

test("rolldown", async () => {
  run(process.execPath, ["build.mjs"], join(dir, "rolldown"));
  await streams(siteUrl("rolldown/dist/index.html"));
});

test("Rollup, with @rollup/plugin-node-resolve and @web/rollup-plugin-import-meta-assets", async () => {
  run(process.execPath, ["build.mjs"], join(dir, "rollup"));
  await streams(siteUrl("rollup/dist/index.html"));
});

test("Node, ES module", () => {
  const out = run(process.execPath, ["app.mjs"], join(dir, "node-esm"), { SERVER_URL: SERVER, KEY: key("node-esm") });
  assert.deepEqual(JSON.parse(out.trim().split("\n").pop()), { ok: [1, 2, 3], typedEventSource: "function" });
});

test("Node, CommonJS", () => {
  const out = run(process.execPath, ["app.cjs"], join(dir, "node-cjs"), { SERVER_URL: SERVER, KEY: key("node-cjs") });
  assert.deepEqual(JSON.parse(out.trim().split("\n").pop()), { ok: [1, 2, 3], typedEventSource: "function" });
});

// The framework bindings import "typed-sse" as an ES module; a CommonJS app requires it. One
// module instance must serve both (no dual package hazard): the same classes, and an error made
// by the binding's client is an instance of the class the app required.
test("Node, CommonJS app and an ES module binding share one instance of the package", () => {
  const out = run(process.execPath, ["dual.cjs"], join(dir, "node-cjs"), { SERVER_URL: SERVER, KEY: key("node-dual") });
  assert.deepEqual(JSON.parse(out.trim().split("\n").pop()), { sameClasses: true, instanceOf: true, kind: "http" });
});

// A Node app bundled into one file (a Lambda-style deployment) by esbuild (CommonJS and ES module
// output) and rolldown. Without the wasm file beside the bundle, the start fails with an error
// that names the file and the two fixes (not a bare ENOENT); with it copied there, it streams.
test("Node, bundled into one file: a missing wasm file is named with the fixes; copied beside the bundle, it streams", () => {
  const root = join(dir, "node-bundle");
  run(process.execPath, ["build.mjs"], root);
  for (const app of ["esbuild-cjs/app.cjs", "esbuild-esm/app.mjs", "rolldown/app.mjs"]) {
    const bundle = join(root, "out", app);
    const wasm = join(dirname(bundle), "typed_sse_core_bg.wasm");
    const env = { ...process.env, SERVER_URL: SERVER, KEY: key("node-bundle") };
    const failed = spawnSync(process.execPath, [bundle], { env, stdio: "pipe", timeout: 30_000 });
    const stderr = String(failed.stderr);
    assert.notEqual(failed.status, 0, app);
    assert.ok(stderr.includes(`typed-sse could not read its WebAssembly module ${wasm}: ENOENT`), `${app}:\n${stderr}`);
    assert.ok(stderr.includes("copy node_modules/typed-sse/typed_sse_core_bg.wasm next to the bundle") &&
      stderr.includes("--external:typed-sse"), `${app}:\n${stderr}`);
    cpSync(join(dir, "node_modules/typed-sse/typed_sse_core_bg.wasm"), wasm);
    const out = run(process.execPath, [bundle], root, { SERVER_URL: SERVER, KEY: key("node-bundle") });
    assert.deepEqual(JSON.parse(out.trim().split("\n").pop()), { ok: [1, 2, 3], typedEventSource: "function" }, app);
  }
});

test("TypeScript strict, lib ES2022 + DOM, skipLibCheck false", () => {
  run(process.execPath, [tool("typescript/bin/tsc"), "-p", "ts-es2022"], dir);
});

test("TypeScript, tsc --init defaults (nodenext, ESM and CommonJS files), skipLibCheck false", () => {
  run(process.execPath, [tool("typescript/bin/tsc"), "-p", "ts-init"], dir);
});

// `npm install path/to/folder` makes node_modules/typed-sse a symlink to the folder. Vite's dev
// server then serves the package from outside the project, and refuses the wasm file (403:
// outside `server.fs.allow`). docs/package.md and the README say to install the tarball instead;
// this test keeps that advice true (it fails the day the folder form works).
test("npm install <folder> (a symlink) breaks Vite's dev server, as docs/package.md says", async () => {
  const linked = join(dir, "linked");
  cpSync(join(ROOT, "e2e/consumers/vite-link"), join(linked, "vite-link"), { recursive: true });
  cpSync(join(ROOT, "e2e/consumers/stream.js"), join(linked, "stream.js"));
  writeFileSync(join(linked, "package.json"), '{ "private": true }\n');
  npm(["install", join(ROOT, "pkg")], linked);
  assert.ok(lstatSync(join(linked, "node_modules/typed-sse")).isSymbolicLink());
  const { result, errors } = await pageResult(await viteDev(join(linked, "vite-link")));
  assert.equal(result, undefined);
  assert.ok(errors.some((e) => e.includes("typed-sse could not load its WebAssembly module") && e.includes("403")), errors.join("\n"));
});

// Starts `vite` (the consumer's own) in `root` on a free port; resolves to its URL.
function viteDev(root) {
  const child = spawn(process.execPath, [tool("vite/bin/vite.js"), "--host", "127.0.0.1", "--port", "0", "--logLevel", "info"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vite did not start:\n${output}`)), 30_000);
    const look = (chunk) => {
      output += chunk;
      // eslint-disable-next-line no-control-regex
      const url = output.replace(/\x1b\[[0-9;]*m/g, "").match(/Local:\s+(http:\/\/\S+)/)?.[1];
      if (url) { clearTimeout(timer); resolve(url); }
    };
    child.stdout.on("data", look);
    child.stderr.on("data", look);
    child.on("exit", (code) => reject(new Error(`vite exited (${code}):\n${output}`)));
  });
}
