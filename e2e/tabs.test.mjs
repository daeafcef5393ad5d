// One connection for every tab (`shared: true`) and a resume point kept in storage
// (`storageKey`), in headless Chromium against the test server: pages of one browser context,
// so that they share Web Locks, BroadcastChannel, storage and the six connections per origin
// that HTTP/1.1 allows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connections, inNode, key, launch, SERVER, statsUntil } from "./helpers.mjs";

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// `count` pages of the JS API test page, in one context.
async function pages(browser, count) {
  const context = await browser.newContext();
  const list = [];
  for (let i = 0; i < count; i++) {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${SERVER}/e2e/js-api.html`);
    await page.waitForFunction(() => window.ready === true);
    list.push({ page, errors });
  }
  return { context, list };
}

// Starts a client in `page` that records the `n` of every numbered event (with the time it
// arrived) in `window.seen`.
function follow(page, url, options) {
  return page.evaluate(
    ({ url, options }) => {
      window.seen = [];
      window.times = [];
      window.client = new window.sse.SseClient(url, options);
      window.client.on("message", (data) => {
        window.seen.push(data.n);
        window.times.push(Date.now());
      });
    },
    { url, options },
  );
}

const seen = (page) => page.evaluate(() => window.seen);
const role = (page) => page.evaluate(() => window.client.role);

async function until(check, ms = 20_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

test("eight pages with `shared`: one connection, and every page gets every event in order", async () => {
  const browser = await launch();
  try {
    const { list } = await pages(browser, 8);
    const k = key("tabs-eight");
    const url = `${SERVER}/sse/numbered?key=${k}&total=200&interval_ms=5&delay_ms=1500`;
    await Promise.all(list.map(({ page }) => follow(page, url, { shared: true })));
    const done = await until(async () => (await Promise.all(list.map(({ page }) => seen(page)))).every((s) => s.length >= 200));
    const all = await Promise.all(list.map(({ page }) => seen(page)));
    assert.ok(done, `not every page got 200 events: ${all.map((s) => s.length)}`);
    for (const s of all) assert.deepEqual(s, range(1, 200));
    const roles = await Promise.all(list.map(({ page }) => role(page)));
    assert.deepEqual(roles.toSorted(), ["follower", "follower", "follower", "follower", "follower", "follower", "follower", "holder"]);
    assert.equal((await connections(k)).length, 1, "one connection for eight pages");
    for (const { errors } of list) assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

// The holder's page goes away mid-stream, closed or crashed: another page takes over and resumes
// from the last id relayed; the others lose nothing and get nothing twice.
for (const how of ["closed", "crashed"]) {
  test(`the holder's page ${how} mid-stream: another takes over from the last id, nothing lost or repeated`, async () => {
    const browser = await launch();
    try {
      const { context, list } = await pages(browser, 4);
      const k = key(`tabs-take-over-${how}`);
      const total = 300;
      const url = `${SERVER}/sse/numbered?key=${k}&total=${total}&interval_ms=10&delay_ms=1000`;
      await Promise.all(list.map(({ page }) => follow(page, url, { shared: true })));
      assert.ok(await until(async () => (await seen(list[0].page)).length >= 80));
      const roles = await Promise.all(list.map(({ page }) => role(page)));
      const holder = list[roles.indexOf("holder")];
      assert.ok(holder, `a holder among ${roles}`);
      const rest = list.filter((p) => p !== holder);
      const gone = Date.now();
      if (how === "closed") {
        await holder.page.close();
      } else {
        // The renderer killed: its answer never comes (the session dies with it).
        const cdp = await context.newCDPSession(holder.page);
        const crashed = new Promise((resolve) => holder.page.once("crash", resolve));
        cdp.send("Page.crash").catch(() => {});
        await Promise.race([crashed, new Promise((resolve) => setTimeout(resolve, 5000))]);
      }
      const done = await until(async () => (await Promise.all(rest.map(({ page }) => seen(page)))).every((s) => s.length >= total));
      const all = await Promise.all(rest.map(({ page }) => seen(page)));
      assert.ok(done, `not every page got ${total} events: ${all.map((s) => s.length)}`);
      for (const s of all) assert.deepEqual(s, range(1, total), "nothing lost, nothing repeated");
      const conns = await statsUntil(k, (cs) => cs.length >= 2);
      assert.equal(conns.length, 2, "one take-over");
      const resumedFrom = Number(conns[1].last_event_id);
      assert.ok(resumedFrom >= 80 && resumedFrom < total, `resumed with the last id: ${conns[1].last_event_id}`);
      assert.equal(conns[1].resumed_via, "header");
      const newRoles = await Promise.all(rest.map(({ page }) => role(page)));
      assert.equal(newRoles.filter((r) => r === "holder").length, 1, String(newRoles));
      // The take-over: from the holder's end to the next event in the remaining pages.
      const times = await rest[0].page.evaluate((from) => window.times[window.seen.indexOf(from + 1)], resumedFrom);
      console.log(`take-over after the holder ${how}: ${times - gone} ms`);
      assert.ok(times - gone < 1500, `taken over within about a second: ${times - gone} ms`);
      for (const { errors } of rest) assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
}

test("seven pages: unshared, the seventh stays connecting (six connections per origin); shared, all seven flow", async () => {
  const browser = await launch();
  try {
    const { list } = await pages(browser, 7);
    const plain = key("tabs-seven-plain");
    const plainUrl = `${SERVER}/sse/numbered?key=${plain}&total=100000&interval_ms=100`;
    await Promise.all(list.map(({ page }) => follow(page, plainUrl, {})));
    await new Promise((r) => setTimeout(r, 2500));
    const states = await Promise.all(list.map(({ page }) => page.evaluate(() => window.client.state.state)));
    assert.deepEqual(states.toSorted(), ["connecting", "open", "open", "open", "open", "open", "open"]);
    await Promise.all(list.map(({ page }) => page.evaluate(() => window.client.close())));

    const shared = key("tabs-seven-shared");
    const sharedUrl = `${SERVER}/sse/numbered?key=${shared}&total=100000&interval_ms=50`;
    await Promise.all(list.map(({ page }) => follow(page, sharedUrl, { shared: true })));
    const flowing = await until(async () => (await Promise.all(list.map(({ page }) => seen(page)))).every((s) => s.length >= 5));
    assert.ok(flowing, "all seven get events");
    assert.equal((await connections(shared)).length, 1);
    await Promise.all(list.map(({ page }) => page.evaluate(() => window.client.close())));
  } finally {
    await browser.close();
  }
});

for (const [name, options] of [["native transport", {}], ["shared", { shared: true }]]) {
  test(`a reload with storageKey resumes from the stored id (${name})`, async () => {
    const browser = await launch();
    try {
      const { list } = await pages(browser, 1);
      const { page } = list[0];
      const k = key("tabs-reload");
      const url = `${SERVER}/sse/numbered?key=${k}&total=100000&interval_ms=20`;
      const opts = { ...options, storageKey: `feed-${k}` };
      await follow(page, url, opts);
      assert.ok(await until(async () => (await seen(page)).length >= 20));
      await page.reload();
      await page.waitForFunction(() => window.ready === true);
      const kept = JSON.parse(await page.evaluate((key) => sessionStorage.getItem(key), opts.storageKey));
      assert.equal(kept.url, url, "kept with its URL");
      const stored = Number(kept.id);
      assert.ok(stored >= 20, `stored: ${stored}`);
      await follow(page, url, opts);
      assert.ok(await until(async () => (await seen(page)).length >= 1));
      const first = (await seen(page))[0];
      assert.equal(first, stored + 1, "the first event after the reload follows the stored id");
      const conns = await statsUntil(k, (cs) => cs.length >= 2);
      assert.equal(conns[1].last_event_id, String(stored), "the server saw the stored id");
      await page.evaluate(() => window.client.close());
    } finally {
      await browser.close();
    }
  });
}

test("a POST with a body refuses `shared`; Node falls back to a connection of its own", async () => {
  const browser = await launch();
  try {
    const { list } = await pages(browser, 1);
    const refused = await list[0].page.evaluate((server) => {
      try {
        new window.sse.SseClient(`${server}/sse/messages`, { shared: true, method: "POST", body: { a: 1 } });
        return null;
      } catch (e) {
        return { kind: e.kind, field: e.field };
      }
    }, SERVER);
    assert.deepEqual(refused, { kind: "invalid_option", field: "shared" });
  } finally {
    await browser.close();
  }
  const k = key("tabs-node");
  const r = inNode(`
    const c = new SseClient(server + "/sse/numbered?key=${k}&total=3", { shared: true });
    const seen = [];
    await new Promise((resolve) => c.on("message", (data) => { seen.push(data.n); if (data.n === 3) resolve(); }));
    const out = { seen, role: c.role };
    c.close();
    return out;
  `);
  assert.deepEqual(r, { seen: [1, 2, 3], role: "own" });
});

// The name of the shared stream's lock (and channel), as any script of the origin can list it.
const lockName = (page) =>
  page.evaluate(async () => (await navigator.locks.query()).held.map((l) => l.name).find((n) => n.startsWith("typed-sse ")));

test("an unchanged id is relayed once per chunk, not once per event; the lock's name shows no header", async () => {
  const browser = await launch();
  try {
    const { list } = await pages(browser, 2);
    const n = 50_000;
    const url = `${SERVER}/sse/tiny?n=${n}&key=${key("tabs-tiny")}`;
    const options = { shared: true, headers: { authorization: "Bearer s3cret-token" } };
    await list[0].page.evaluate(({ url, options }) => {
      window.client = new window.sse.SseClient(url, options);
    }, { url, options });
    assert.ok(await until(async () => (await role(list[0].page)) === "holder"));
    const name = await lockName(list[0].page);
    assert.ok(name, "a typed-sse lock is held");
    assert.ok(!name.includes("s3cret") && !name.includes("tiny"), `the name is a hash: ${name}`);
    // A listener on the channel (as any page of the origin can open) counts the ids relayed.
    await list[1].page.evaluate((name) => {
      window.relayed = { events: 0, ids: 0 };
      new BroadcastChannel(name).onmessage = ({ data }) => {
        if (typeof data[0] !== "number") return;
        for (let at = 3; at < data.length; at += 3) {
          window.relayed.events++;
          if (data[at] !== null) window.relayed.ids++;
        }
      };
    }, name);
    await list[1].page.evaluate(({ url, options }) => {
      window.client = new window.sse.SseClient(url, options);
    }, { url, options });
    // The events (`data: x`, not JSON) reach the follower as decoding errors: what is counted
    // here is what crosses the channel.
    assert.ok(await until(async () => (await list[1].page.evaluate(() => window.relayed.events)) > 1000));
    const { events, ids } = await list[1].page.evaluate(() => window.relayed);
    assert.ok(events > 1000, `events relayed: ${events}`);
    assert.ok(ids * 100 < events, `ids relayed: ${ids} for ${events} events`);
    for (const { errors } of list) assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("a forged message on the channel (a huge position, an id with a line break) is ignored", async () => {
  const browser = await launch();
  try {
    const { list } = await pages(browser, 2);
    const url = `${SERVER}/sse/numbered?key=${key("tabs-forged")}&total=100000&interval_ms=20`;
    await Promise.all(list.map(({ page }) => follow(page, url, { shared: true })));
    assert.ok(await until(async () => (await Promise.all(list.map(({ page }) => seen(page)))).every((s) => s.length >= 5)));
    const roles = await Promise.all(list.map(({ page }) => role(page)));
    const holder = list[roles.indexOf("holder")];
    const follower = list[roles.indexOf("follower")];
    assert.ok(holder && follower, String(roles));
    const name = await lockName(holder.page);
    await holder.page.evaluate((name) => {
      const forged = new BroadcastChannel(name);
      forged.postMessage(["open", 1e300, "x\ny"]);
      forged.postMessage([1e300, "message", "{\"n\":0}", "x"]);
      forged.close();
    }, name);
    const before = (await seen(follower.page)).length;
    assert.ok(await until(async () => (await seen(follower.page)).length >= before + 20, 5000), "the follower still gets events");
    const s = await seen(follower.page);
    assert.deepEqual(s, range(1, s.length), "nothing forged delivered, nothing lost");
    for (const { errors } of list) assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("a stream kept alive by comments alone: followers hear them and do not time out", async () => {
  const browser = await launch();
  try {
    const { list } = await pages(browser, 3);
    const url = `${SERVER}/sse/comments?every_ms=100&key=${key("tabs-comments")}`;
    await Promise.all(list.map(({ page }) => page.evaluate((url) => {
      window.comments = 0;
      window.states = [];
      window.client = new window.sse.SseClient(url, { shared: true, idleTimeoutMs: 600 });
      window.client.onComment(() => window.comments++);
      window.client.onError((e) => window.states.push(e.kind));
    }, url)));
    await new Promise((r) => setTimeout(r, 2500));
    const out = await Promise.all(list.map(({ page }) => page.evaluate(() => ({
      comments: window.comments, errors: window.states, state: window.client.state.state, role: window.client.role,
    }))));
    for (const o of out) {
      assert.deepEqual(o.errors, [], `${o.role}: no idle timeout`);
      assert.equal(o.state, "open", o.role);
      assert.ok(o.comments >= 10, `${o.role} heard ${o.comments} comments`);
    }
  } finally {
    await browser.close();
  }
});

test("one storageKey for two URLs: the second starts from its start, not from the first's id", async () => {
  const browser = await launch();
  try {
    const { list } = await pages(browser, 1);
    const { page } = list[0];
    const [a, b] = [key("tabs-room-1"), key("tabs-room-2")];
    const url = (k) => `${SERVER}/sse/numbered?key=${k}&total=100000&interval_ms=20`;
    const opts = { storageKey: "room", storageArea: "local" };
    await follow(page, url(a), opts);
    assert.ok(await until(async () => (await seen(page)).length >= 20));
    await page.evaluate(() => window.client.close());
    await follow(page, url(b), opts);
    assert.ok(await until(async () => (await seen(page)).length >= 1));
    assert.equal((await seen(page))[0], 1, "the second URL starts from its first event");
    const conns = await statsUntil(b, (cs) => cs.length >= 1);
    assert.equal(conns[0].last_event_id ?? null, null, "no id sent to the second URL");
    await page.evaluate(() => window.client.close());
    // The first URL, opened again, resumes from its own id (the key now holds the second's).
    await follow(page, url(a), opts);
    assert.ok(await until(async () => (await seen(page)).length >= 1));
    assert.equal((await seen(page))[0], 1, "the key keeps one URL's id: the first starts over");
    await page.evaluate(() => window.client.close());
  } finally {
    await browser.close();
  }
});
