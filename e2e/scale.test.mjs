// Resuming across servers: two typed-sse-server instances on one Redis (the demo stream on
// typed-sse-axum's Redis store) behind nginx. Clients follow `/events` through nginx while
// numbered chat messages are published through either instance; the instance serving them is
// killed with SIGKILL, again and again; they reconnect through nginx to the other one and resume
// with 0 lost and 0 repeated (native and fetch transports in Chromium, the fetch transport in
// Node). Then fifty clients after one kill (their reconnect times, spread by the jitter), and a
// client whose id the stream has trimmed away (the typed gap, not a silent skip: native and fetch
// in Chromium, fetch in Node).
//
// Every process (redis-server, the instances, nginx) is started here on free 127.0.0.1 ports and
// stopped at the end. SCALE_EVENTS and SCALE_KILLS change the size (defaults 10000 and 10).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, startInNode as startNode } from "./helpers.mjs";
import { HAVE_NGINX, startRedis, startInstance, restartInstance, startNginx, nginxLog, stop, stopAll, until, sleep } from "./scale/cluster.mjs";

const EVENTS = Number(process.env.SCALE_EVENTS ?? 10_000);
const KILLS = Number(process.env.SCALE_KILLS ?? 10);

/** nginx in front of `instances`: no buffering (events leave as they come), the client's Host
 *  passed on (the server answers only requests naming this machine), and a refused connection
 *  retried on the other instance; `max_fails=0` so that a restarted instance is used again at
 *  once. */
export function balancerConf(instances) {
  return `
  upstream instances {
${instances.map((i) => `    server 127.0.0.1:${i.port} max_fails=0;`).join("\n")}
  }
  server {
    listen 127.0.0.1:PORT;
    location = /nginx-ready { return 204; }
    location / {
      proxy_pass http://instances;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 1h;
      proxy_connect_timeout 2s;
      proxy_next_upstream error timeout;
    }
  }`;
}

let redis, instances, nginx, browser;

before(async () => {
  if (!HAVE_NGINX) return;
  redis = await startRedis();
  // A history far longer than the run: no client may be told of a gap here.
  const args = ["--store", redis.url, "--history", "200000"];
  instances = [await startInstance({ args }), await startInstance({ args })];
  nginx = await startNginx(balancerConf(instances));
  browser = await launch();
});

// The Node clients started by a test: killed at the end even if it failed.
const nodes = [];
function startInNode(program, options) {
  const node = startNode(program, options);
  nodes.push(node);
  return node;
}

after(async () => {
  for (const { child } of nodes) child.kill("SIGKILL");
  await browser?.close();
  await stopAll();
});

/** Appends chat message `n` (text `"n"`) through `instance`. */
async function publish(instance, n) {
  const r = await fetch(`${instance.url}/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-typed-sse": "1" },
    body: JSON.stringify({ name: "scale", text: String(n) }),
  });
  if (!r.ok) throw new Error(`publishing ${n} through ${instance.port}: ${r.status} ${await r.text()}`);
  return (await r.json()).id;
}

/** The open `/events` connections of `key` on `instance` (0 when it is down). */
async function openOn(instance, key) {
  try {
    const r = await fetch(`${instance.url}/stats?key=${key}`);
    return (await r.json()).connections.filter((c) => c.status === 200 && c.closed_ms === null).length;
  } catch {
    return 0;
  }
}

/** Where each key's client is connected now: `{ key: index of the instance }`. */
async function placement(keys) {
  const out = {};
  for (const [i, instance] of instances.entries()) {
    for (const key of keys) if (await openOn(instance, key) > 0) out[key] = i;
  }
  return out;
}

/** Fails unless `nums` is exactly 1..n: the first wrong place is named. */
function assertExactly(nums, n, who) {
  const wrong = nums.findIndex((v, i) => v !== i + 1);
  assert.ok(wrong === -1 && nums.length === n,
    `${who}: ${nums.length} events; ${wrong === -1 ? "" : `at ${wrong}: ${nums.slice(Math.max(0, wrong - 2), wrong + 3)} (lost or repeated)`}`);
}

// What a page or a Node process runs: follow `url`, collect the chat numbers, count reconnects
// and gap events. `policy`: the reconnect options.
const follow = (policy = "initialDelayMs: 100, maxDelayMs: 1000") => `
  const rec = { nums: [], reconnects: 0, gaps: 0, errors: [], opens: [] };
  const c = new SseClient(url, { transport, ${policy} });
  c.on("chat", (d) => rec.nums.push(Number(d.text)));
  c.onGap(() => { rec.gaps += 1; });
  c.onState((s) => {
    if (s.state === "reconnecting") rec.reconnects += 1;
    if (s.state === "open") rec.opens.push(Date.now());
  });
  c.onError((e) => rec.errors.push(e.kind));
`;

test(`${KILLS} SIGKILLs of the serving instance over ${EVENTS} events: native, fetch (Chromium) and Node resume with 0 lost, 0 repeated`, { skip: !HAVE_NGINX && "nginx is not installed" }, async () => {
  const keys = ["scale-native", "scale-fetch", "scale-node"];
  const page = await browser.newPage();
  await page.goto(`${nginx.url}/e2e/js-api.html`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate(({ base, follow }) => {
    window.recs = {};
    for (const transport of ["native", "fetch"]) {
      const key = transport === "fetch" ? "scale-fetch" : "scale-native";
      // eslint-disable-next-line no-new-func
      window.recs[key] = new Function("SseClient", "url", "transport", `${follow}; return rec;`)(
        window.sse.SseClient, `${base}/events?key=${key}`, transport);
    }
  }, { base: nginx.url, follow: follow() });
  const node = startInNode(`
    import { SseClient } from "typed-sse";
    const url = process.env.FOLLOW_URL, transport = "fetch", total = Number(process.env.EVENTS);
    ${follow()}
    await new Promise((resolve) => c.on("chat", (d) => { if (Number(d.text) === total) resolve(); }));
    await new Promise((resolve) => setTimeout(resolve, 300)); // anything repeated after the last
    c.close();
    console.log(JSON.stringify(rec));
  `, { env: { FOLLOW_URL: `${nginx.url}/events?key=scale-node`, EVENTS: String(EVENTS) }, timeoutMs: 300_000 });
  await until(async () => Object.keys(await placement(keys)).length === keys.length, 15_000, "every client connected");

  const killedUnder = Object.fromEntries(keys.map((k) => [k, 0]));
  const kills = []; // [time, keys on the victim]
  let alive = [...instances];
  let restarting = Promise.resolve();
  const every = Math.floor(EVENTS / (KILLS + 2));
  const started = Date.now();
  for (let n = 1; n <= EVENTS; n++) {
    if (n % every === 0 && n / every <= KILLS + 1) {
      await restarting;
      // Every client is connected somewhere before the kill; the victim is where most are.
      await until(async () => Object.keys(await placement(keys)).length === keys.length, 15_000, "every client reconnected");
      const where = await placement(keys);
      const counts = [0, 1].map((i) => Object.values(where).filter((w) => w === i).length);
      const v = counts[0] >= counts[1] ? 0 : 1;
      for (const key of keys) if (where[key] === v) killedUnder[key] += 1;
      const victim = instances[v];
      alive = [instances[1 - v]];
      kills.push([Date.now(), keys.filter((k) => where[k] === v)]);
      await stop(victim.proc, "SIGKILL");
      // Publishing goes on through the survivor; the victim comes back once its clients are
      // on the survivor, so that the next kill finds them all in one place.
      restarting = (async () => {
        await until(async () => Object.keys(await placement(keys)).length === keys.length, 15_000, "every client on the survivor");
        instances[v] = await restartInstance(victim);
        alive = [...instances];
      })();
    }
    await publish(alive[n % alive.length], n);
  }
  const publishMs = Date.now() - started;
  await restarting;

  const [nodeRec] = await Promise.all([
    node.result,
    page.waitForFunction((total) => Object.values(window.recs).every((r) => r.nums.at(-1) === total || r.nums.length >= total), EVENTS, { timeout: 120_000 })
      .catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(await page.evaluate(() => Object.fromEntries(Object.entries(window.recs).map(([k, r]) => [k, { n: r.nums.length, last: r.nums.at(-1), errors: r.errors }]))))}\n${nginxLog(nginx)}`); }),
  ]);
  await sleep(300);
  const recs = { ...await page.evaluate(() => window.recs), "scale-node": nodeRec };
  await page.close();
  console.log(`# ${EVENTS} events published in ${publishMs} ms; kills under each client: ${JSON.stringify(killedUnder)}; reconnects: ${JSON.stringify(Object.fromEntries(Object.entries(recs).map(([k, r]) => [k, r.reconnects])))}`);
  // What a kill costs: from the SIGKILL to the client's next open, through nginx.
  for (const key of keys) {
    const back = kills.filter(([, on]) => on.includes(key)).map(([t]) => recs[key].opens.find((o) => o > t) - t);
    console.log(`# ${key}: back after a kill in ${JSON.stringify(quartiles(back))} ms`);
  }
  for (const key of keys) {
    const r = recs[key];
    assertExactly(r.nums, EVENTS, key);
    assert.equal(r.gaps, 0, `${key}: no gap with a long history`);
    assert.ok(killedUnder[key] >= KILLS, `${key}: killed under it ${killedUnder[key]} times`);
    assert.ok(r.reconnects >= KILLS, `${key}: ${r.reconnects} reconnects`);
  }
});

/** min, quartiles and max of `values`. */
export function quartiles(values) {
  const s = [...values].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.round(q * (s.length - 1)))];
  return { min: s[0], q1: at(0.25), median: at(0.5), q3: at(0.75), max: s.at(-1) };
}

test("fifty clients after a kill: reconnects spread by the jitter, none lost", { skip: !HAVE_NGINX && "nginx is not installed" }, async () => {
  const CLIENTS = 50, TOTAL = 400;
  const key = "scale-fifty";
  // One Node process, fifty clients with the default policy: a first delay of 1000 ms, half of
  // it jitter, so between 500 and 1000 ms.
  const node = startInNode(`
    import { SseClient } from "typed-sse";
    const total = Number(process.env.TOTAL);
    const clients = [];
    for (let i = 0; i < ${CLIENTS}; i++) {
      const url = process.env.FOLLOW_URL, transport = "fetch";
      ${follow("")}
      clients.push(new Promise((resolve) => c.on("chat", (d) => { if (Number(d.text) === total) resolve([c, rec]); })));
    }
    const done = await Promise.all(clients);
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const [c] of done) c.close();
    console.log(JSON.stringify(done.map(([, rec]) => rec)));
  `, { env: { FOLLOW_URL: `${nginx.url}/events?key=${key}`, TOTAL: String(TOTAL) }, timeoutMs: 120_000 });
  const count = async () => (await openOn(instances[0], key)) + (await openOn(instances[1], key));
  await until(async () => (await count()) === CLIENTS, 20_000, "fifty clients connected");
  // All on one instance first: kill the other's share away without counting it.
  const share = [await openOn(instances[0], key), await openOn(instances[1], key)];
  const v = share[0] >= share[1] ? 0 : 1;
  let n = 1;
  for (; n <= TOTAL / 2; n++) await publish(instances[n % 2], n);
  const killedAt = Date.now();
  await stop(instances[v].proc, "SIGKILL");
  for (; n <= TOTAL; n++) await publish(instances[1 - v], n);
  const recs = await node.result;
  instances[v] = await restartInstance(instances[v]);
  // The reconnect time: from the kill to the client's next open, for the clients it cut.
  const times = recs.filter((r) => r.reconnects > 0).map((r) => r.opens.find((t) => t > killedAt) - killedAt);
  const q = quartiles(times);
  console.log(`# fifty clients: ${share[v]} on the killed instance; reconnect ms after the kill: ${JSON.stringify(q)}`);
  assert.equal(times.length, share[v]);
  assert.ok(times.length >= CLIENTS / 4, `${times.length} clients were cut`);
  for (const [i, r] of recs.entries()) assertExactly(r.nums, TOTAL, `client ${i}`);
  // Equal jitter: the first delay is between 500 and 1000 ms; spread over most of that range.
  assert.ok(q.min >= 450, `min ${q.min}`);
  assert.ok(q.max - q.min >= 200, `spread ${q.max - q.min} ms`);
});

// What a page or a Node process runs to come back after `last`: the typed gaps and the chat
// numbers, in the order they arrived, until chat message `until`.
const comeBack = `
  const c = new SseClient(url, { transport, lastEventId: last });
  const seen = [];
  c.onGap((gap, meta) => seen.push({ gap, type: meta.type }));
  c.on("chat", (d) => seen.push(Number(d.text)));
  await new Promise((resolve) => c.on("chat", (d) => { if (Number(d.text) === until) resolve(); }));
  c.close();
`;

test("a client back with an id the stream has trimmed gets the typed gap, then what is held: native and fetch (Chromium), fetch (Node)", { skip: !HAVE_NGINX && "nginx is not installed" }, async () => {
  // Its own Redis and one instance keeping only 20 events.
  const small = await startRedis();
  const instance = await startInstance({ args: ["--store", small.url, "--history", "20"] });
  try {
    const first = await publish(instance, 1);
    for (let n = 2; n <= 40; n++) await publish(instance, n);
    const url = `${instance.url}/events`;
    const node = startInNode(`
      import { SseClient } from "typed-sse";
      const url = process.env.FOLLOW_URL, transport = "fetch", last = process.env.LAST, until = 40;
      ${comeBack}
      console.log(JSON.stringify(seen));
    `, { env: { FOLLOW_URL: url, LAST: first }, timeoutMs: 20_000 });
    const page = await browser.newPage();
    await page.goto(`${instance.url}/e2e/js-api.html`);
    await page.waitForFunction(() => window.ready === true);
    const inChromium = await page.evaluate(({ url, last, comeBack }) => Promise.all(["native", "fetch"].map((transport) =>
      // eslint-disable-next-line no-new-func
      new Function("SseClient", "url", "transport", "last", "until", `return (async () => { ${comeBack}; return seen; })();`)(
        window.sse.SseClient, url, transport, last, 40))), { url, last: first, comeBack });
    await page.close();
    const runs = { native: inChromium[0], fetch: inChromium[1], node: await node.result };
    for (const [who, seen] of Object.entries(runs)) {
      assert.equal(typeof seen[0], "object", `${who}: the gap comes first: ${JSON.stringify(seen.slice(0, 3))}`);
      // The client's own last id, and the oldest the stream still holds (a Redis stream id).
      assert.equal(seen[0].gap.lastEventId, first, who);
      assert.match(seen[0].gap.firstAvailable, /^\d+-\d+$/, who);
      assert.equal(seen[0].type, "typed-sse.gap", who);
      const nums = seen.slice(1);
      assert.ok(nums.every((n) => typeof n === "number"), `${who}: one gap only: ${JSON.stringify(seen)}`);
      // The demo's own ticks share the 20 places: at most 20 chat messages remain, the newest.
      assert.ok(nums.length > 0 && nums.length <= 20, `${who}: ${nums.length} replayed`);
      assert.deepEqual(nums, Array.from({ length: nums.length }, (_, i) => 41 - nums.length + i), who);
    }
  } finally {
    await stop(instance.proc);
    await stop(small.proc);
  }
});
