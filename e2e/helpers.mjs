// Shared by the end-to-end tests: Debian's Chromium through playwright-core, the test server's URL,
// and a page that records console errors and uncaught exceptions.
import { chromium } from "playwright-core";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const SERVER = process.env.SERVER_URL;
if (!SERVER) throw new Error("SERVER_URL is not set: run the end-to-end tests through `npm test`");

export const OUT = fileURLToPath(new URL("./out/", import.meta.url));
mkdirSync(OUT, { recursive: true });

// The one list of Chromium flags (root, headless, closed network) is webdriver.json, which
// wasm-pack test reads too.
export const FLAGS = JSON.parse(readFileSync(new URL("../webdriver.json", import.meta.url), "utf8"))[
  "goog:chromeOptions"
].args;

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: FLAGS });
}

// Opens `path` on the test server; `errors` collects console errors and uncaught exceptions.
// `init`, a function, runs in the page before its own scripts (to watch it from the start).
export async function open(browser, path, { width = 1100, height = 800, init } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  if (init) await page.addInitScript(init);
  await page.goto(`${SERVER}${path}`);
  return { page, errors };
}

export function key(name) {
  return `${name}-${Math.floor(Math.random() * 1e9)}`;
}

// The EventSource connections the server saw for `key` (typed-sse's failure probes left out).
export async function connections(key) {
  const response = await fetch(`${SERVER}/stats?key=${key}`);
  const stats = await response.json();
  return stats.connections.filter((c) => !c.probe);
}

// Polls /stats until `done(connections)` holds (at most 5 s), then returns the connections
// (probes left out).
export async function statsUntil(key, done) {
  let conns = [];
  for (let i = 0; i < 100; i++) {
    conns = await connections(key);
    if (done(conns)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return conns;
}

// Console errors other than Chromium's own log line for an HTTP status that a test provoked on
// purpose (e.g. the 503 scenario): the browser logs those itself, and no page code can stop it.
export function unexpected(errors, provokedStatuses = []) {
  return errors.filter((e) => !provokedStatuses.some((s) =>
    e.startsWith(`Failed to load resource: the server responded with a status of ${s} `)))
    // What the package prints for an error that no listener heard (a client of a test that
    // does not listen for errors): its own report, not a fault of the page. js-api.test.mjs
    // tests that printing.
    .filter((e) => !e.startsWith("TypedSseError: "));
}

const PKG = fileURLToPath(new URL("../pkg/", import.meta.url));

// A fresh directory whose node_modules has the package, as an app that installed it would have
// it (`import ... from "typed-sse"`), with `program` as app.mjs. The one place that says how a
// Node app gets the package.
function nodeApp(program) {
  const dir = mkdtempSync(join(tmpdir(), "typed-sse-node-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(PKG, join(dir, "node_modules", "typed-sse"), "dir");
  writeFileSync(join(dir, "app.mjs"), program);
  return dir;
}

// The last lines of a failed Node process's stderr: a stack through the minified package
// repeats its whole source.
function nodeFailure(stderr) {
  const lines = String(stderr).split("\n").map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l));
  return new Error(`the Node process failed: ${lines.slice(-14).join("\n")}`);
}

// Runs `program` (an ES module's source) in a fresh Node process whose node_modules has the
// package, with SERVER_URL set; returns the last line it printed, parsed as JSON (and with
// `{ stderr: true }`, what it printed on stderr as well).
export function runInNode(program, timeoutMs = 30_000, { stderr = false } = {}) {
  const dir = nodeApp(program);
  try {
    const run = spawnSync(process.execPath, ["app.mjs"], { cwd: dir, env: { ...process.env, SERVER_URL: SERVER }, timeout: timeoutMs, stdio: "pipe" });
    if (run.status !== 0) {
      const failure = nodeFailure(run.stderr);
      failure.message = failure.message.replace("failed:", `failed (${run.error?.message ?? `status ${run.status}`}):`);
      throw failure;
    }
    const out = run.stdout;
    const result = JSON.parse(String(out).trim().split("\n").pop());
    return stderr ? { result, stderr: String(run.stderr) } : result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Starts `program` like `runInNode`, but without waiting: the test goes on while it runs (e.g.
// to kill a server under it). `env` is added to the process's. Returns `{ child, result }`:
// `result` resolves to its last printed line, parsed as JSON, when it exits with 0.
export function startInNode(program, { env = {}, timeoutMs = 120_000 } = {}) {
  const dir = nodeApp(program);
  const child = spawn(process.execPath, ["app.mjs"], { cwd: dir, env: { ...process.env, SERVER_URL: SERVER, ...env }, stdio: "pipe" });
  let out = "", err = "";
  child.stdout.on("data", (d) => { out += d; });
  child.stderr.on("data", (d) => { err += d; });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const result = new Promise((resolve, reject) => {
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      if (code === 0) {
        try { resolve(JSON.parse(out.trim().split("\n").pop())); } catch (e) { reject(e); }
      } else {
        reject(nodeFailure(`${err}\n(exit ${code ?? signal})`));
      }
    });
  });
  // A test that fails before awaiting `result` must not end in an unhandled rejection.
  result.catch(() => {});
  return { child, result };
}

// Runs `body` (the inside of an async function with `SseClient` and `server` in scope) in a
// fresh Node process whose node_modules has the package, and returns what it returned.
export function inNode(body) {
  return runInNode(`
import { SseClient } from "typed-sse";
const server = process.env.SERVER_URL;
const timeout = (ms) => new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), ms).unref());
const result = await Promise.race([timeout(20000), (async () => { ${body} })()]);
console.log(JSON.stringify(result));
process.exit(0);
`);
}
