// Shared connections (`shared: true`) against one connection per tab, in headless Chromium
// driven over a plain DevTools pipe (bench/cdp.mjs: no Network domain), tabs of one browser
// context against the test server (HTTP/1.1):
// - events per second delivered to N tabs of a numbered stream, shared and unshared;
// - the take-over: from closing the holder's tab to the next event in the others.
//
//   SERVER_URL=http://127.0.0.1:PORT node bench/tabs.mjs [events]   (0: the take-over only)
//
// (scripts/lib.sh `start_server` starts the test server; the package must be built into pkg/.)
import { Browser } from "./cdp.mjs";

const SERVER = process.env.SERVER_URL;
if (!SERVER) throw new Error("SERVER_URL is not set");
const TOTAL = Number(process.argv[2] ?? 20000);
const key = (name) => `${name}-${Math.floor(Math.random() * 1e9)}`;

// In each page: a client that counts the numbered events, and the times of the first and the
// last (or of the last seen after `timeoutMs`: a stalled tab). `window.times` keeps every
// arrival time for the take-over.
const PAGE_SETUP = `
window.run = (url, options, total, timeoutMs) => new Promise((resolve) => {
  let count = 0, first = 0, last = 0;
  window.times = [];
  const client = new window.sse.SseClient(url, options);
  const done = () => { const role = client.role; client.close(); resolve({ count, first, last, role }); };
  const timer = setTimeout(done, timeoutMs);
  client.on("message", (data) => {
    last = Date.now();
    window.times.push([data.n, last]);
    if (count++ === 0) first = last;
    if (count === total) { clearTimeout(timer); done(); }
  });
  window.role = () => client.role;
});
true`;

async function tabs(browser, n) {
  const pages = [];
  for (let i = 0; i < n; i++) {
    const page = await browser.newPage();
    await page.goto(`${SERVER}/e2e/js-api.html`);
    for (let tries = 0; !(await page.eval("window.ready === true")); tries++) {
      if (tries > 200) throw new Error("the test page did not load");
      await new Promise((r) => setTimeout(r, 50));
    }
    await page.eval(PAGE_SETUP);
    pages.push(page);
  }
  return pages;
}

async function throughput(pages, options) {
  const k = key("bench-tabs");
  const url = `${SERVER}/sse/numbered?key=${k}&total=${TOTAL}&delay_ms=2000`;
  const runs = await Promise.all(
    pages.map((p) => p.eval(`window.run(${JSON.stringify(url)}, ${JSON.stringify(options)}, ${TOTAL}, 60000)`)),
  );
  const complete = runs.filter((r) => r.count === TOTAL);
  const start = Math.min(...complete.map((r) => r.first));
  const end = Math.max(...complete.map((r) => r.last));
  const stats = await (await fetch(`${SERVER}/stats?key=${k}`)).json();
  return {
    tabs: pages.length,
    complete: complete.length,
    stalled: runs.filter((r) => r.count === 0).length,
    connections: stats.connections.filter((c) => !c.probe).length,
    perTab: Math.round(TOTAL / ((end - start) / 1000)),
    total: Math.round((complete.length * TOTAL) / ((end - start) / 1000)),
  };
}

async function takeOver(browser) {
  const pages = await tabs(browser, 4);
  const k = key("bench-take-over");
  const url = `${SERVER}/sse/numbered?key=${k}&total=400&interval_ms=10&delay_ms=1000`;
  const runs = pages.map((p) => p.eval(`window.run(${JSON.stringify(url)}, { shared: true }, 400, 20000)`).catch(() => null));
  await new Promise((r) => setTimeout(r, 2500));
  const roles = await Promise.all(pages.map((p) => p.eval("window.role()")));
  const holder = pages[roles.indexOf("holder")];
  const closed = Date.now();
  await browser.send("Target.closeTarget", { targetId: holder.targetId });
  const rest = pages.filter((p) => p !== holder);
  // (The closed tab's evaluation never answers.)
  await Promise.all(runs.filter((_, i) => pages[i] !== holder));
  const stats = await (await fetch(`${SERVER}/stats?key=${k}`)).json();
  const resumed = Number(stats.connections.filter((c) => !c.probe)[1]?.last_event_id);
  const next = await rest[0].eval(`(window.times.find(([n]) => n === ${resumed + 1}) ?? [0, 0])[1]`);
  for (const p of rest) await browser.send("Target.closeTarget", { targetId: p.targetId });
  return next - closed;
}

const browser = await Browser.launch();
try {
  console.log(`${browser.version}; ${TOTAL} numbered events (~20 B of data each) per tab`);
  for (const n of TOTAL > 0 ? [6, 8] : []) {
    const pages = await tabs(browser, n);
    for (const [name, options] of [
      ["shared", { shared: true }],
      ["unshared, native EventSource", {}],
      ["unshared, fetch", { transport: "fetch" }],
    ]) {
      const r = await throughput(pages, options);
      console.log(
        `${n} tabs, ${name}: ${r.connections} connection(s), ${r.complete} tabs complete, ${r.stalled} stalled; ` +
          `${r.perTab} events/s per tab, ${r.total} events/s delivered in all`,
      );
    }
    for (const p of pages) await browser.send("Target.closeTarget", { targetId: p.targetId });
  }
  const times = [];
  for (let i = 0; i < 5; i++) times.push(await takeOver(browser));
  times.sort((a, b) => a - b);
  console.log(`take-over after the holder's tab closes (events every 10 ms): ${times.join(", ")} ms; median ${times[2]} ms`);
} finally {
  await browser.close();
}
