// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe.
//
// Benchmarks drive Chromium through this rather than Playwright or Puppeteer: those enable the
// Network domain, which ships every EventSource message to the driver and caps native
// EventSource throughput several times below what a user gets. Here only the domains a
// measurement asks for are enabled.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const FLAGS = JSON.parse(readFileSync(new URL("../webdriver.json", import.meta.url), "utf8"))[
  "goog:chromeOptions"
].args;

// The flags headless Chromium needs as root on a closed network (webdriver.json, the one list),
// and for measuring: keep timers and rendering of a background tab at full speed.
export const CHROMIUM_FLAGS = [
  ...FLAGS, "--no-default-browser-check",
  "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
  "--disable-backgrounding-occluded-windows",
];

export class Browser {
  static async launch(extraArgs = []) {
    const profile = mkdtempSync(join(tmpdir(), "typed-sse-cdp-"));
    const proc = spawn(
      CHROMIUM,
      [...CHROMIUM_FLAGS, ...extraArgs, "--remote-debugging-pipe", `--user-data-dir=${profile}`, "about:blank"],
      { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
    );
    const browser = new Browser(proc, profile);
    const { product } = await browser.send("Browser.getVersion");
    browser.version = product;
    return browser;
  }

  constructor(proc, profile) {
    this.proc = proc;
    this.profile = profile;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    this.stderr = "";
    proc.stderr.on("data", (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    let buffer = "";
    proc.stdio[4].on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let end;
      while ((end = buffer.indexOf("\0")) >= 0) {
        const message = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        if (message.id && this.pending.has(message.id)) {
          const { resolve, reject } = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.error) reject(new Error(`${message.error.message} (${message.error.code})`));
          else resolve(message.result);
        } else if (message.method) {
          for (const l of this.listeners) l(message);
        }
      }
    });
    proc.on("exit", (code) => {
      for (const { reject } of this.pending.values()) {
        reject(new Error(`Chromium exited (${code}): ${this.stderr}`));
      }
      this.pending.clear();
    });
  }

  send(method, params = {}, sessionId = undefined) {
    const id = this.nextId++;
    const message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.stdio[3].write(JSON.stringify(message) + "\0");
    });
  }

  // Opens a new tab; returns a Page.
  async newPage() {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    return new Page(this, sessionId, targetId);
  }

  async close() {
    let timer;
    try {
      await Promise.race([this.send("Browser.close"), new Promise((r) => { timer = setTimeout(r, 2000); })]);
    } catch { /* gone */ } finally {
      clearTimeout(timer);
    }
    const exited = this.proc.exitCode !== null ? Promise.resolve() : new Promise((r) => this.proc.once("exit", r));
    this.proc.kill("SIGKILL");
    await exited;
    try { rmSync(this.profile, { recursive: true, force: true, maxRetries: 3 }); } catch { /* a temp dir */ }
  }
}

export class Page {
  constructor(browser, sessionId, targetId) {
    this.browser = browser;
    this.sessionId = sessionId;
    this.targetId = targetId;
  }

  send(method, params = {}) {
    return this.browser.send(method, params, this.sessionId);
  }

  // Waits for the next event `method` of this page.
  waitFor(method, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${method}`)); }, timeoutMs);
      const listener = (m) => {
        if (m.sessionId === this.sessionId && m.method === method) { done(); resolve(m.params); }
      };
      const done = () => { clearTimeout(timer); this.browser.listeners = this.browser.listeners.filter((l) => l !== listener); };
      this.browser.listeners.push(listener);
    });
  }

  async goto(url) {
    await this.send("Page.enable");
    const loaded = this.waitFor("Page.loadEventFired");
    await this.send("Page.navigate", { url });
    await loaded;
  }

  // Evaluates `expression` in the page (awaiting a promise) and returns its JSON value.
  async eval(expression, timeoutMs = 600000) {
    const evaluation = this.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`evaluation timed out: ${expression.slice(0, 80)}`)), timeoutMs);
    });
    let result;
    try {
      result = await Promise.race([evaluation, timeout]);
    } finally {
      // A pending timer would keep Node alive long after the measurements are done.
      clearTimeout(timer);
    }
    if (result.exceptionDetails) {
      const d = result.exceptionDetails;
      throw new Error(`page threw: ${d.exception?.description || d.text}`);
    }
    return result.result.value;
  }

  async screenshot(path, width = 1000, height = 800) {
    await this.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: width < 600 });
    const { data } = await this.send("Page.captureScreenshot", { format: "png" });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path, Buffer.from(data, "base64"));
  }
}
