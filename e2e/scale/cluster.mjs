// Processes for the scale tests, each started and stopped here on free 127.0.0.1 ports: a private
// redis-server, typed-sse-server instances on it, and nginx with a configuration of the test's
// own (never the system's service). `stopAll` ends every process started here.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, chmodSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// Built by `start_server` in scripts/lib.sh (the `server` profile).
const SERVER_BIN = process.env.TYPED_SSE_SERVER_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(ROOT, "target"), "server", "typed-sse-server");
const NCHAN_MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so";

const started = new Set();
const dirs = new Set();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port free on 127.0.0.1 now (the OS picks it; the caller binds it at once). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** A temporary directory removed by `stopAll`. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `typed-sse-${prefix}-`));
  dirs.add(dir);
  return dir;
}

function track(child, name) {
  const proc = { child, name, log: "", exited: null };
  child.stdout?.on("data", (d) => { proc.log = (proc.log + d).slice(-4000); });
  child.stderr?.on("data", (d) => { proc.log = (proc.log + d).slice(-4000); });
  proc.exited = new Promise((resolve) => child.on("exit", (code, signal) => { started.delete(proc); resolve(code ?? signal); }));
  started.add(proc);
  return proc;
}

/** Stops `proc` with `signal`, then SIGKILL if it has not exited within `graceMs`. */
export async function stop(proc, signal = "SIGTERM", graceMs = 3000) {
  if (!started.has(proc)) return;
  proc.child.kill(signal);
  const timer = sleep(graceMs).then(() => "timeout");
  if (await Promise.race([proc.exited, timer]) === "timeout") {
    proc.child.kill("SIGKILL");
    await proc.exited;
  }
}

/** Polls `check` (async, truthy when done) every 25 ms for at most `ms`. */
export async function until(check, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    try { if (await check()) return; } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** A private redis-server: `{ url, port, proc }`. */
export async function startRedis() {
  const port = await freePort();
  const dir = tempDir("redis");
  const proc = track(spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "pipe" }), "redis");
  await until(() => proc.log.includes("Ready to accept connections"), 10_000, "redis-server");
  return { url: `redis://127.0.0.1:${port}`, port, proc };
}

/** A typed-sse-server instance on `port` (a free one if not given) with `args` (e.g. `--store`). */
export async function startInstance({ port, args = [] } = {}) {
  port ??= await freePort();
  const proc = track(spawn(SERVER_BIN, ["--port", String(port), "--www", join(ROOT, "www"), "--pkg", join(ROOT, "pkg"),
    "--serve", `e2e=${join(ROOT, "e2e")}`, ...args], { stdio: "pipe" }), `server:${port}`);
  const url = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${url}/stats?key=ping`)).ok, 10_000, `the server on ${port}`);
  return { port, url, proc, args };
}

/** Restarts a stopped instance on its port, with its arguments. */
export function restartInstance(instance) {
  return startInstance({ port: instance.port, args: instance.args });
}

/** nginx with `http` (the inside of the `http {}` block, `PORT` replaced by the port it listens
 *  on) and Nchan loaded when `nchan` is set: `{ url, port, conf, proc }`. */
export async function startNginx(http, { nchan = false, port } = {}) {
  port ??= await freePort();
  const dir = tempDir("nginx");
  // Workers run as nobody: they write their temporary files here.
  chmodSync(dir, 0o777);
  const conf = join(dir, "nginx.conf");
  writeFileSync(conf, `${nchan ? `load_module ${NCHAN_MODULE};\n` : ""}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${http.replaceAll("PORT", String(port))}
}
`);
  return launchNginx({ conf, dir, port });
}

async function launchNginx({ conf, dir, port }) {
  const proc = track(spawn("/usr/sbin/nginx", ["-c", conf, "-p", dir, "-e", join(dir, "error.log")], { stdio: "pipe" }), "nginx");
  const url = `http://127.0.0.1:${port}`;
  await until(async () => { await fetch(`${url}/nginx-ready`); return true; }, 10_000, `nginx on ${port}`);
  return { url, port, conf, dir, proc };
}

/** Stops nginx (fast shutdown: long-lived streams would hold a graceful one) and starts it
 *  again on the same port and configuration. */
export async function restartNginx(nginx) {
  await stop(nginx.proc, "SIGTERM");
  return launchNginx(nginx);
}

/** nginx's error log, for a failure message. */
export function nginxLog(nginx) {
  const file = join(nginx.dir, "error.log");
  return existsSync(file) ? readFileSync(file, "utf8").slice(-3000) : "";
}

/** Stops every process started here and removes their directories. */
export async function stopAll() {
  await Promise.all([...started].map((p) => stop(p)));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

// A test that crashes still leaves no process behind.
process.on("exit", () => { for (const p of started) p.child.kill("SIGKILL"); });

/** Whether nginx and its Nchan module are installed. */
export const HAVE_NGINX = existsSync("/usr/sbin/nginx");
export const HAVE_NCHAN = existsSync(NCHAN_MODULE);
