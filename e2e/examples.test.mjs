// The Yew and Leptos example apps (examples/*-app, built by `npm test`) in Chromium: they receive
// events through the hook, show reconnecting when the server drops the stream and recover, and
// unmounting the component closes the connection, as the server's stats show.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, open, key, connections, unexpected, SERVER } from "./helpers.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const app of ["yew", "leptos"]) {
  test(`${app}: events arrive, a drop shows reconnecting then open, a new URL resumes, unmounting closes`, async () => {
    let k = key(`${app}-example`);
    const { page, errors } = await open(browser, `/examples/${app}-app/index.html?key=${k}`);
    await page.waitForFunction(() => document.querySelectorAll("#events li").length >= 3, null, { timeout: 15000 });
    assert.equal(await page.getAttribute("#state", "data-state"), "open");
    assert.match(await page.textContent("#latest"), /^(ACME|INIT|ZED|WASM) \d+\.\d\d$/);

    // Watch the badge from inside the page, so a short "reconnecting" cannot slip between polls.
    await page.evaluate(() => {
      window.__seen = [];
      window.__badges = [];
      new MutationObserver(() => {
        const badge = document.querySelector("#state");
        window.__seen.push(badge?.dataset.state);
        if (badge?.dataset.state === "reconnecting") window.__badges.push(badge.textContent);
      })
        .observe(document.body, { subtree: true, attributes: true, childList: true, characterData: true });
    });
    // The server refuses control requests without this header (no cross-site page can send it).
    const drop = await fetch(`${SERVER}/control/drop`, { method: "POST", headers: { "X-Typed-SSE": "1" } });
    assert.equal(drop.status, 204);
    await page.waitForFunction(() => window.__seen.includes("reconnecting"), null, { timeout: 10000 });
    // What the badge said while reconnecting (it may be open again by now).
    const badges = await page.evaluate(() => window.__badges);
    assert.ok(badges.length > 0);
    for (const text of badges) assert.match(text, /^reconnecting in \d+\.\d s \(attempt 1, network\)$/);
    await page.waitForFunction(() => document.querySelector("#state").dataset.state === "open", null, { timeout: 15000 });
    const count = await page.locator("#events li").count();
    await page.waitForFunction((n) => document.querySelector("#latest").textContent !== "" && document.querySelectorAll("#events li").length >= Math.min(n + 2, 20), count, { timeout: 10000 });

    const conns = await connections(k);
    assert.ok(conns.length >= 2, `expected a reconnect, the server saw ${conns.length} connection(s)`);
    assert.equal(conns[1].resumed_via, "query", "the reconnect resumes from the last event id");

    // A new URL: the old connection closes and the new one resumes from the last event id.
    await page.click("#switch");
    let switched = [];
    for (let i = 0; i < 60 && switched.length === 0; i++) {
      switched = await connections(`${k}-b`);
      if (switched.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(switched.length, 1, "the new URL is connected once");
    assert.equal(switched[0].resumed_via, "query");
    assert.match(switched[0].last_event_id, /^\d+$/);
    await page.waitForFunction(() => document.querySelector("#state").dataset.state === "open", null, { timeout: 10000 });
    for (let i = 0; i < 60 && !(await connections(k)).every((c) => c.closed_ms !== null); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok((await connections(k)).every((c) => c.closed_ms !== null), "the old URL's connection is closed");
    k = `${k}-b`;

    await page.click("#toggle");
    await page.waitForFunction(() => !document.querySelector("#state"), null, { timeout: 5000 });
    let closed = false;
    for (let i = 0; i < 60 && !closed; i++) {
      closed = (await connections(k)).every((c) => c.closed_ms !== null);
      if (!closed) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(closed, "unmounting the component must close its connection");
    assert.deepEqual(unexpected(errors), []);
  });
}
