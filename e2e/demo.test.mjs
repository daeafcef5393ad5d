// The demo page in Chromium, against the test server: live events, the chart, chat between two
// pages, recovery from a dropped connection and a 503 without losing an event, no script
// injection through chat, no console errors. Screenshots go to e2e/out/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, open, unexpected, OUT } from "./helpers.mjs";

let browser, a, b;

before(async () => {
  browser = await launch();
  a = await open(browser, "/");
  b = await open(browser, "/");
  for (const { page } of [a, b]) {
    await page.waitForFunction(() => document.querySelector("#state")?.dataset.state === "open", null, { timeout: 10000 });
  }
});
after(async () => { await browser?.close(); });

/** Fails unless the ids are strictly consecutive: nothing lost, nothing twice. */
function assertContiguous(ids) {
  assert.ok(ids.length > 0);
  for (let i = 1; i < ids.length; i++) {
    assert.equal(ids[i], ids[i - 1] + 1, `id ${ids[i - 1]} was followed by ${ids[i]}`);
  }
}

test("the demo shows live events", async () => {
  await a.page.waitForFunction(() => document.querySelectorAll("#events li").length >= 4, null, { timeout: 10000 });
  const rows = await a.page.$$eval("#events li", (items) =>
    items.map((li) => [li.querySelector(".tag").textContent, li.querySelector(".body").textContent]));
  const ticks = rows.filter(([tag]) => tag === "tick");
  assert.ok(ticks.length > 0, `no tick among ${JSON.stringify(rows)}`);
  for (const [tag, body] of rows) {
    // Each kind is shown decoded, in its own format: never raw JSON, never empty.
    if (tag === "tick") assert.match(body, /^(ACME|INIT|ZED|WASM) \d+\.\d\d \([+-]\d+\.\d\d\)$/);
    else if (tag === "news") assert.match(body, /^[^{}"]+$/);
    else assert.equal(tag, "chat", `unexpected event kind ${tag}`);
  }
  assert.equal(await a.page.textContent("#state"), "open");
});

test("the price chart draws a line per symbol", async () => {
  await a.page.waitForFunction(() => document.querySelectorAll("#legend li").length === 4, null, { timeout: 10000 });
  await a.page.waitForFunction(() =>
    [...document.querySelectorAll("#chart polyline")].every((l) => (l.getAttribute("points") || "").split(" ").length >= 2),
    null, { timeout: 10000 });
  const lines = await a.page.$$eval("#chart polyline", (ls) => ls.map((l) => l.getAttribute("points").split(" ").length));
  assert.equal(lines.length, 4);
  const box = await a.page.locator("#chart").boundingBox();
  assert.ok(box.width > 300 && box.height > 100, `chart is ${box.width}x${box.height}`);
});

async function sendChat(page, text) {
  await page.fill("#chat-text", text);
  await page.click("#chat-form button[type=submit]");
}

test("a chat message posted from one page appears on the other", async () => {
  const text = `hello from A ${Math.random().toString(36).slice(2)}`;
  await sendChat(a.page, text);
  await b.page.waitForFunction((t) => [...document.querySelectorAll("#chat-log li span")].some((s) => s.textContent === t), text, { timeout: 10000 });
});

test("markup in a chat message is shown as text and runs nothing", async () => {
  const attack = `<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> ${Date.now()}`;
  await sendChat(a.page, attack);
  await b.page.waitForFunction((t) => [...document.querySelectorAll("#chat-log li span")].some((s) => s.textContent === t), attack, { timeout: 10000 });
  for (const { page } of [a, b]) {
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(await page.locator("#chat-log img, #events img, #chat-log script").count(), 0);
  }
});

test("a dropped connection shows reconnecting, comes back, and loses no event", async () => {
  const before = await a.page.evaluate(() => ({ ids: window.__demo.ids.length, states: window.__demo.states.length }));
  await a.page.click("#drop");
  await a.page.waitForFunction((n) => window.__demo.states.slice(n).includes("reconnecting"), before.states, { timeout: 10000 });
  await a.page.waitForFunction((n) => window.__demo.states.at(-1) === "open" && window.__demo.states.length > n, before.states, { timeout: 15000 });
  const count = await a.page.evaluate(() => window.__demo.ids.length);
  await a.page.waitForFunction((n) => window.__demo.ids.length >= n + 4, count, { timeout: 10000 });
  for (const { page } of [a, b]) {
    assertContiguous(await page.evaluate(() => window.__demo.ids));
  }
  assert.ok(await a.page.evaluate(() => window.__demo.reconnects) >= 1);
});

test("a server answering 503 for a few seconds is waited out, with a countdown", async () => {
  const start = await a.page.evaluate(() => window.__demo.states.length);
  await a.page.click("#fail");
  await a.page.waitForFunction(() => document.querySelector("#state").textContent.startsWith("reconnecting in"), null, { timeout: 10000 });
  const badge = await a.page.textContent("#state");
  assert.match(badge, /^reconnecting in \d+\.\d s \(attempt \d+, (http|network)\)$/);
  await a.page.screenshot({ path: `${OUT}demo-reconnecting.png` });
  await a.page.waitForFunction((n) => window.__demo.states.length > n && window.__demo.states.at(-1) === "open"
    && document.querySelector("#state").textContent === "open", start, { timeout: 30000 });
  const count = await a.page.evaluate(() => window.__demo.ids.length);
  await a.page.waitForFunction((n) => window.__demo.ids.length >= n + 4, count, { timeout: 10000 });
  assertContiguous(await a.page.evaluate(() => window.__demo.ids));
});

test("disconnect and connect buttons", async () => {
  await b.page.click("#disconnect");
  assert.equal(await b.page.textContent("#state"), "closed");
  assert.equal(await b.page.isDisabled("#connect"), false);
  await b.page.click("#connect");
  await b.page.waitForFunction(() => document.querySelector("#state").dataset.state === "open", null, { timeout: 10000 });
});

test("it fits a phone screen, and screenshots are saved", async () => {
  await a.page.screenshot({ path: `${OUT}demo.png`, fullPage: true });
  const phone = await open(browser, "/", { width: 390, height: 844 });
  await phone.page.waitForFunction(() => document.querySelectorAll("#events li").length >= 2, null, { timeout: 10000 });
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone screen`);
  await phone.page.screenshot({ path: `${OUT}demo-phone.png`, fullPage: true });
  assert.deepEqual(phone.errors, []);
});

test("no console errors on either page (besides the browser's log of the 503s provoked above)", () => {
  assert.deepEqual(unexpected(a.errors, [503]), []);
  assert.deepEqual(unexpected(b.errors, [503]), []);
});
