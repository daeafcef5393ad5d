// The Yew, Leptos and Dioxus example apps (examples/*-app, built by `npm test`) in Chromium: they receive
// events through the hook, show reconnecting when the server drops the stream and recover, and
// unmounting the component closes the connection, as the server's stats show. Their streamed
// answer POSTs a JSON prompt with a bearer token through the hook's fetch options.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, open, key, connections, unexpected, SERVER } from "./helpers.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const app of ["yew", "leptos", "dioxus"]) {
  test(`${app}: events arrive, a drop shows reconnecting then open, a new URL starts afresh, unmounting closes`, async () => {
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

    // A new URL: the old connection closes and the new one starts from scratch. It sends no
    // resume point (the old stream's id means nothing to another URL, and would tell another
    // origin where this page was in the first stream), and the old stream's events leave the
    // page: the list empties before the new stream's events fill it.
    assert.ok((await page.locator("#events li").count()) >= 3);
    await page.evaluate(() => {
      window.__fewest = Infinity;
      new MutationObserver(() => {
        window.__fewest = Math.min(window.__fewest, document.querySelectorAll("#events li").length);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.click("#switch");
    let switched = [];
    for (let i = 0; i < 60 && switched.length === 0; i++) {
      switched = await connections(`${k}-b`);
      if (switched.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(switched.length, 1, "the new URL is connected once");
    assert.equal(switched[0].resumed_via, "none", `the new URL got the old stream's id ${switched[0].last_event_id}`);
    assert.equal(switched[0].last_event_id, null);
    await page.waitForFunction(() => document.querySelector("#state").dataset.state === "open", null, { timeout: 10000 });
    await page.waitForFunction(() => document.querySelectorAll("#events li").length >= 2, null, { timeout: 10000 });
    assert.equal(await page.evaluate(() => window.__fewest), 0, "the old stream's events were cleared");
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

// The `max_tokens` the apps ask for (examples/*-app/src/lib.rs, MAX_TOKENS).
const ANSWER_TOKENS = 48;

// The server's answer to `prompt`, from a request of the test's own on another key: its tokens'
// texts in order, checked against the `done` event's whole text.
async function serverAnswer(prompt, maxTokens) {
  const k = key("answer-check");
  const { token } = await (await fetch(`${SERVER}/token?key=${k}`, { method: "POST", headers: { "X-Typed-SSE": "1" } })).json();
  const response = await fetch(`${SERVER}/v1/completions?key=${k}&interval_ms=0`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}` },
    body: JSON.stringify({ prompt, max_tokens: maxTokens }),
  });
  assert.equal(response.status, 200);
  const events = [];
  for (const block of (await response.text()).split("\n\n")) {
    const lines = block.split("\n");
    const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, ""));
    const type = lines.find((l) => l.startsWith("event:"))?.slice(6).trim();
    if (data.length > 0) events.push({ type, data: JSON.parse(data.join("\n")) });
  }
  const tokens = events.filter((e) => e.type === "token").map((e) => e.data.text);
  const done = events.find((e) => e.type === "done")?.data;
  assert.equal(tokens.length, maxTokens);
  assert.equal(done?.text, tokens.join(""), "the done event's text is the tokens in order");
  return tokens;
}

for (const app of ["yew", "leptos", "dioxus"]) {
  test(`${app}: the streamed answer POSTs a JSON prompt with a bearer token and shows it token by token, as text`, async () => {
    const k = key(`${app}-example`);
    // Every text the answer shows, recorded in the page from its first script on, so that no
    // step slips between polls.
    const { page, errors } = await open(browser, `/examples/${app}-app/index.html?key=${k}`, {
      init: () => {
        window.__answers = [];
        new MutationObserver(() => {
          const text = document.querySelector("#answer")?.textContent;
          if (text !== undefined && text !== window.__answers.at(-1)) window.__answers.push(text);
        }).observe(document, { subtree: true, childList: true, characterData: true });
      },
    });
    // The server's `done` event, named a terminal event, ends the answer: the badge says
    // "done" (reason done), after one request.
    await page.waitForFunction(() => document.querySelector("#answer-state")?.dataset.state === "closed", null, { timeout: 20000 });
    assert.equal(await page.textContent("#answer-state"), "done");

    const prompt = await page.textContent("#prompt");
    const tokens = await serverAnswer(prompt, ANSWER_TOKENS);
    const shown = await page.textContent("#answer");
    assert.equal(shown, tokens.join(""), "the page shows the server's answer");

    // Token by token: every text shown was the answer's first n tokens, n growing, many steps.
    const prefixes = tokens.map((_, i) => tokens.slice(0, i + 1).join(""));
    const steps = (await page.evaluate(() => window.__answers)).filter((t) => t !== "");
    assert.ok(steps.length >= 5, `the answer grew in ${steps.length} step(s)`);
    const ns = steps.map((t) => prefixes.indexOf(t) + 1);
    assert.ok(ns.every((n) => n > 0), "every text shown is a run of whole tokens from the start");
    assert.ok(ns.every((n, i) => i === 0 || n > ns[i - 1]), `the answer only grows: ${ns}`);

    // The corpus's markup shows as typed: no element was made of it, no handler ran.
    assert.match(shown, /<b>bold<\/b>/);
    assert.match(shown, /<img src=x onerror=/);
    assert.equal(await page.locator("#answer *").count(), 0);
    assert.equal(await page.evaluate(() => window.__typedSseXss), undefined);

    // What the server saw: the hook's method, header and JSON body, once: the answer's end is
    // not a drop, so nothing was sent again.
    const conns = await connections(`${k}-answer`);
    assert.equal(conns.length, 1, `the server saw ${conns.length} completion request(s)`);
    const [answer] = conns;
    assert.equal(answer.method, "POST");
    assert.equal(answer.status, 200);
    assert.match(answer.authorization, /^Bearer tok-\d+-/);
    assert.equal(answer.content_type, "application/json");
    assert.equal(answer.body_bytes, Buffer.byteLength(JSON.stringify({ prompt, max_tokens: ANSWER_TOKENS })));
    assert.equal(answer.events_sent, ANSWER_TOKENS + 1, "every token, then done");
    assert.deepEqual(unexpected(errors), []);
  });
}

// The Leptos app rendered on the server (Leptos `ssr`: examples/leptos-app/src/bin/ssr_page.rs)
// and hydrated in the browser (the `hydrate` build): the server's HTML shows `connecting` and
// made no connection; hydration takes over that very HTML (no second copy of the app) and the
// hook's effect, which did nothing on the server, connects once; events arrive; nothing is
// logged as an error (a hydration mismatch panics in Leptos, or logs).
test("leptos, server-rendered then hydrated: the hook connects once after hydration, events arrive, no hydration error", async () => {
  const k = key("leptos-hydrate");
  const path = `/examples/leptos-app/hydrate/index.html?key=${k}`;
  const html = await (await fetch(`${SERVER}${path}`)).text();
  assert.match(html, /<body><main>/, "the app's HTML is the first thing in <body>, where hydration starts");
  assert.match(html, /<span id="state" data-state="connecting">connecting<\/span>/, "the server rendered the state `connecting`");
  assert.doesNotMatch(html, /<li>/, "nothing was received on the server");
  assert.deepEqual(await connections(k), [], "rendering connects to nothing");

  const warnings = [];
  const { page, errors } = await open(browser, path, {
    // Marks the server's <main> once the HTML is parsed, before any module script runs.
    init: () => {
      document.addEventListener("readystatechange", () => {
        const main = document.querySelector("main");
        if (document.readyState === "interactive" && main) main.dataset.fromServer = "yes";
      });
    },
  });
  page.on("console", (m) => { if (m.type() === "warning") warnings.push(m.text()); });
  await page.waitForFunction(() => document.querySelectorAll("#events li").length >= 3, null, { timeout: 20000 });
  assert.equal(await page.getAttribute("#state", "data-state"), "open");
  assert.match(await page.textContent("#latest"), /^(ACME|INIT|ZED|WASM) \d+\.\d\d$/);
  // Hydrated, not mounted again: one <main>, the server's.
  assert.equal(await page.locator("main").count(), 1);
  assert.equal(await page.getAttribute("main", "data-from-server"), "yes");

  const conns = await connections(k);
  assert.equal(conns.length, 1, `the server saw ${conns.length} connection(s) for the ticker`);
  assert.equal(conns[0].closed_ms, null, "and it stays open");
  assert.deepEqual(unexpected(errors), []);
  assert.deepEqual(warnings.filter((w) => /hydrat/i.test(w)), [], "no hydration warning");
  await page.close();
});
