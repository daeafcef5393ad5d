// typed-sse against an engine this project did not write: nginx with the Nchan module, on Redis.
// Messages are published over HTTP (`nchan_publisher`); clients subscribe on its EventSource
// endpoint. nginx is restarted mid-stream, and the clients resume with Nchan's own ids
// (`<time>:<tag>`): the native transport through Nchan's `last_event_id` query parameter, the
// fetch transport through the `Last-Event-ID` header. 0 lost, 0 repeated. Then a subscriber
// endpoint behind `nchan_authorize_request`, whose tokens are good for one connection only: the
// fetch transport's headers function fetches a fresh one per connection, and resumes.
//
// nginx, its Nchan module and redis-server come from Debian (scripts/setup.sh); every process is
// started here on free 127.0.0.1 ports and stopped at the end.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { launch, SERVER, startInNode as startNode } from "./helpers.mjs";
import { HAVE_NCHAN, startRedis, startNginx, restartNginx, nginxLog, stopAll, until, sleep, freePort } from "./scale/cluster.mjs";

const MESSAGES = 600;
const RESTARTS = 3;

let redis, nginx, browser, auth;
const tokens = { issued: new Set(), used: [], refused: 0 };

/** The Nchan configuration this test uses (and docs/scale.md shows). */
export function nchanConf({ redisPort, authPort, sitePort }) {
  return `
  upstream nchan_redis { nchan_redis_server redis://127.0.0.1:${redisPort}; }
  upstream app { server 127.0.0.1:${authPort}; }
  upstream site { server 127.0.0.1:${sitePort}; }
  server {
    listen 127.0.0.1:PORT;
    location = /nginx-ready { return 204; }
    # Publishing: POST /pub/<channel> with the message as the body.
    location ~ ^/pub/(\\w+)$ {
      nchan_publisher;
      nchan_channel_id $1;
      nchan_redis_pass nchan_redis;
      nchan_message_buffer_length 10000;
      nchan_message_timeout 1h;
    }
    # Subscribing: EventSource; resumes from Last-Event-ID or ?last_event_id= (Nchan's default).
    location ~ ^/sub/(\\w+)$ {
      nchan_subscriber eventsource;
      nchan_channel_id $1;
      nchan_redis_pass nchan_redis;
    }
    # The same, authorized per connection by the application.
    location ~ ^/private/(\\w+)$ {
      nchan_subscriber eventsource;
      nchan_channel_id $1;
      nchan_redis_pass nchan_redis;
      nchan_authorize_request /auth;
    }
    location = /auth {
      internal;
      proxy_pass http://app/auth;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
    }
    # Everything else (the test page, the package): the test server, so the page is same-origin.
    location / {
      proxy_pass http://site;
      proxy_set_header Host $http_host;
    }
  }`;
}

before(async () => {
  if (!HAVE_NCHAN) return;
  // The application behind nchan_authorize_request: a token is good for one connection.
  auth = createServer((req, res) => {
    if (req.url === "/token") {
      const token = `t${tokens.issued.size + tokens.used.length}-${Math.random().toString(36).slice(2)}`;
      tokens.issued.add(token);
      res.end(token);
    } else if (req.url === "/auth") {
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      if (tokens.issued.delete(token)) {
        tokens.used.push(token);
        res.statusCode = 200;
      } else {
        tokens.refused += 1;
        res.statusCode = 403;
      }
      res.end();
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  const authPort = await freePort();
  await new Promise((r) => auth.listen(authPort, "127.0.0.1", r));
  redis = await startRedis();
  const sitePort = Number(new URL(SERVER).port);
  nginx = await startNginx(nchanConf({ redisPort: redis.port, authPort, sitePort }), { nchan: true });
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
  await new Promise((r) => (auth ? auth.close(r) : r()));
});

/** Publishes `n`. Right after a restart, Nchan answers 503 until it has reconnected to Redis
 *  (the message is not stored): that is retried for up to 10 s. */
async function publish(channel, n) {
  const end = Date.now() + 10_000;
  for (;;) {
    const r = await fetch(`${nginx.url}/pub/${channel}`, { method: "POST", body: String(n) });
    if (r.status === 201 || r.status === 202) return;
    if (r.status !== 503 || Date.now() > end) throw new Error(`publishing ${n}: ${r.status} ${await r.text()}\n${nginxLog(nginx)}`);
    await sleep(50);
  }
}

/** Publishes 1..total, restarting nginx `restarts` times on the way (publishing waits for it). */
async function publishWithRestarts(channel, total, restarts, caughtUp) {
  const every = Math.floor(total / (restarts + 1));
  for (let n = 1; n <= total; n++) {
    if (n % every === 0 && n / every <= restarts) {
      // Mid-stream: the clients have what was published so far, the stream goes on after.
      await caughtUp(n - 1);
      nginx = await restartNginx(nginx);
    }
    await publish(channel, n);
  }
}

const FOLLOW = `
  const rec = { nums: [], ids: [], reconnects: 0, errors: [] };
  c.on("message", (d, meta) => { rec.nums.push(Number(d)); rec.ids.push(meta.id); });
  c.onState((s) => { if (s.state === "reconnecting") rec.reconnects += 1; });
  c.onError((e) => rec.errors.push(e.kind));
`;

function assertExactly(nums, n, who) {
  const wrong = nums.findIndex((v, i) => v !== i + 1);
  assert.ok(wrong === -1 && nums.length === n,
    `${who}: ${nums.length} messages; ${wrong === -1 ? "" : `at ${wrong}: ${nums.slice(Math.max(0, wrong - 2), wrong + 3)} (lost or repeated)`}`);
}

test(`nginx restarted ${RESTARTS} times mid-stream: native (last_event_id), fetch (Last-Event-ID) and Node resume with Nchan's ids, 0 lost, 0 repeated`, { skip: !HAVE_NCHAN && "nginx's Nchan module is not installed" }, async () => {
  const channel = "quotes";
  const page = await browser.newPage();
  await page.goto(`${nginx.url}/e2e/js-api.html`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate(({ base, channel, follow }) => {
    window.recs = {};
    const options = {
      // Nchan reads the resume point from `last_event_id` (a browser's EventSource cannot set
      // the header on its first request).
      eventsource: { transport: "native", resumeParam: "last_event_id", initialDelayMs: 100, maxDelayMs: 1000 },
      fetch: { transport: "fetch", initialDelayMs: 100, maxDelayMs: 1000 },
    };
    for (const [name, opts] of Object.entries(options)) {
      // eslint-disable-next-line no-new-func
      window.recs[name] = new Function("c", `${follow}; return rec;`)(new window.sse.SseClient(`${base}/sub/${channel}`, opts));
    }
  }, { base: nginx.url, channel, follow: FOLLOW });
  const node = startInNode(`
    import { SseClient } from "typed-sse";
    const total = Number(process.env.TOTAL);
    const c = new SseClient(process.env.FOLLOW_URL, { initialDelayMs: 100, maxDelayMs: 1000 });
    ${FOLLOW}
    await new Promise((resolve) => c.on("message", (d) => { if (Number(d) === total) resolve(); }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    c.close();
    console.log(JSON.stringify(rec));
  `, { env: { FOLLOW_URL: `${nginx.url}/sub/${channel}`, TOTAL: String(MESSAGES) }, timeoutMs: 120_000 });
  // Subscribers are in when a first message reaches the page's two (Node's is checked at the end).
  await sleep(500);
  const pageHas = (n) => page.evaluate((n) => Object.values(window.recs).every((r) => r.nums.length >= n), n);
  await publishWithRestarts(channel, MESSAGES, RESTARTS, (n) => until(() => pageHas(n), 20_000, `the page's clients at ${n}`));
  await until(() => pageHas(MESSAGES), 30_000, "every message in the page")
    .catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(await page.evaluate(() => Object.fromEntries(Object.entries(window.recs).map(([k, r]) => [k, { n: r.nums.length, errors: r.errors }]))))}\n${nginxLog(nginx)}`); });
  await sleep(300);
  const recs = { ...await page.evaluate(() => window.recs), node: await node.result };
  await page.close();
  for (const [who, r] of Object.entries(recs)) {
    assertExactly(r.nums, MESSAGES, who);
    assert.ok(r.reconnects >= RESTARTS, `${who}: ${r.reconnects} reconnects`);
    // Nchan's own message ids, `<unix time>:<tag>`, kept as they came.
    assert.ok(r.ids.every((id) => /^\d+:\d+$/.test(id)), `${who}: ${r.ids.slice(0, 3)}`);
  }
  console.log(`# nchan: ${MESSAGES} messages, ${RESTARTS} restarts; reconnects ${JSON.stringify(Object.fromEntries(Object.entries(recs).map(([k, r]) => [k, r.reconnects])))}; ids like ${recs.fetch.ids[0]}`);
});

test("nchan_authorize_request with one-use tokens: the headers function sends a fresh token per connection and resumes; a fixed token is refused", { skip: !HAVE_NCHAN && "nginx's Nchan module is not installed" }, async () => {
  const channel = "private";
  const total = 200;
  const node = startInNode(`
    import { SseClient } from "typed-sse";
    const total = Number(process.env.TOTAL);
    const headers = async () => ({ Authorization: "Bearer " + await (await fetch(process.env.TOKEN_URL)).text() });
    const c = new SseClient(process.env.FOLLOW_URL, { headers, initialDelayMs: 100, maxDelayMs: 1000 });
    ${FOLLOW}
    await new Promise((resolve) => c.on("message", (d) => { if (Number(d) === total) resolve(); }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    c.close();
    // A token already used: refused, and the client closes as unauthorized.
    const fixed = new SseClient(process.env.FOLLOW_URL, { headers: { Authorization: "Bearer " + process.env.USED }, initialDelayMs: 100 });
    const closed = await new Promise((resolve) => fixed.onState((s) => { if (s.state === "closed") resolve(s.reason); }));
    console.log(JSON.stringify({ ...rec, closed }));
  `, { env: { FOLLOW_URL: `${nginx.url}/private/${channel}`, TOKEN_URL: `http://127.0.0.1:${auth.address().port}/token`, TOTAL: String(total), USED: "t0-used" }, timeoutMs: 60_000 });
  await until(() => tokens.used.length >= 1, 10_000, "the first authorized connection");
  const usedBefore = tokens.used.length;
  await publishWithRestarts(channel, total, 2, async () => { await sleep(300); });
  const r = await node.result;
  assertExactly(r.nums, total, "node with a headers function");
  assert.ok(r.reconnects >= 2, `${r.reconnects} reconnects`);
  // One fresh token per connection, each accepted once.
  assert.ok(tokens.used.length - usedBefore >= 2, `${tokens.used.length} tokens used`);
  assert.equal(new Set(tokens.used).size, tokens.used.length);
  assert.equal(r.closed, "unauthorized");
  assert.ok(tokens.refused >= 1);
});
