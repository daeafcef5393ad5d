// The demo page in Chromium, against the test server: live events, the chart, chat between two
// pages, recovery from a dropped connection and a 503 without losing an event, no script
// injection through chat, the streamed answer (fetch transport: POST, a bearer token per
// connection, resume after a cut, renewal after a 401, markup shown as text; the OpenAI and
// Anthropic wire formats in one request each), no console errors.
// Screenshots go to e2e/out/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, open, unexpected, connections, OUT } from "./helpers.mjs";

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

// ---- the streamed answer panel ------------------------------------------------------------

const ANSWER_TOKENS = 60; // what the page asks for
const allIndexes = Array.from({ length: ANSWER_TOKENS }, (_, i) => i);

/** What the answer panel shows and what the page recorded (see `window.__demoAnswer`). */
function answerState(page) {
  return page.evaluate(() => {
    const { key, indexes, reconnects, requests, renewals, done, reason } = window.__demoAnswer;
    const text = (id) => document.getElementById(id).textContent;
    return {
      key, indexes, reconnects, requests, renewals, done, reason,
      shown: text("answer"), badge: text("answer-state"), counts: text("answer-counts"), note: text("answer-note"),
    };
  });
}

/** Types `prompt`, presses Send; with `tokens`, waits until that many tokens are shown. */
async function ask(page, prompt, tokens = 0) {
  await page.fill("#prompt", prompt);
  await page.click("#ask");
  await page.waitForFunction((n) => window.__demoAnswer.indexes.length >= n, tokens, { timeout: 10000 });
}

async function answerDone(page) {
  await page.waitForFunction(() => window.__demoAnswer.done !== null
    && document.querySelector("#answer-state").dataset.state === "done", null, { timeout: 20000 });
  return answerState(page);
}

/** The page's completion connections made after the first `from` (the key is the page's own). */
async function answerConnections(page, from) {
  const key = await page.evaluate(() => window.__demoAnswer.key);
  return (await connections(key)).slice(from);
}

const connectionCount = async (page) => (await answerConnections(page, 0)).length;

/** A finished answer: every index once, in order, and the text shown is the `done` event's. */
function assertComplete(r) {
  assert.deepEqual(r.indexes, allIndexes, "every token exactly once, in order");
  assert.equal(r.done.tokens, ANSWER_TOKENS);
  assert.equal(r.shown, r.done.text, "the answer shown is the server's whole answer");
  assert.equal(r.badge, `done (${ANSWER_TOKENS} tokens)`);
  assert.equal(r.counts, `tokens: ${ANSWER_TOKENS}, requests: ${r.requests}, reconnects: ${r.reconnects}`);
}

test("answer: Send streams it token by token over a POST with a bearer token, and it ends done", async () => {
  const from = await connectionCount(a.page);
  await ask(a.page, "How do streams resume after a cut?", 3);
  const partial = await answerState(a.page);
  assert.equal(partial.done, null, "still streaming after 3 tokens");
  assert.ok(partial.shown.length > 0);
  assert.match(partial.badge, /^(open|connecting)$/);
  const r = await answerDone(a.page);
  assertComplete(r);
  assert.ok(r.shown.startsWith(partial.shown), "the answer grew at its end");
  assert.equal(r.counts, `tokens: ${ANSWER_TOKENS}, requests: 1, reconnects: 0`);
  const conns = await answerConnections(a.page, from);
  assert.equal(conns.length, 1);
  assert.equal(conns[0].method, "POST");
  assert.equal(conns[0].status, 200);
  assert.equal(conns[0].content_type, "application/json");
  assert.match(conns[0].authorization, /^Bearer tok-/);
  assert.equal(await a.page.isDisabled("#cut"), true, "nothing to cut once done");
});

test("answer: markup in tokens is shown as text and runs nothing", async () => {
  // 60 tokens go round the server's 48 words, so the answer above holds all of its markup.
  const r = await answerState(a.page);
  for (const markup of ['<img src=x onerror="window.__typedSseXss=1">', "<b>bold</b>", "&amp;"]) {
    assert.ok(r.shown.includes(markup), `${markup} is shown as typed`);
  }
  assert.equal(await a.page.evaluate(() => window.__typedSseXss), undefined);
  assert.equal(await a.page.locator("#answer img, #answer b, #answer *").count(), 0);
  assert.ok(await a.page.evaluate(() => [...document.querySelector("#answer").childNodes].every((n) => n.nodeType === Node.TEXT_NODE)));
});

test("answer: Cut mid-answer; the client resumes with a fresh token and Last-Event-ID, nothing lost or repeated", async () => {
  const from = await connectionCount(a.page);
  await ask(a.page, "Cut me off halfway, please", 5);
  await a.page.click("#cut");
  const r = await answerDone(a.page);
  assertComplete(r);
  assert.ok(r.reconnects >= 1, "the cut showed as a reconnect");
  const conns = await answerConnections(a.page, from);
  assert.ok(conns.length >= 2, `${conns.length} connections`);
  assert.equal(r.requests, conns.length, "the panel counts every request the server saw");
  assert.equal(conns[0].last_event_id, null);
  assert.equal(conns[1].resumed_via, "header", "fetch sends the real Last-Event-ID header");
  assert.ok(Number(conns[1].last_event_id) >= 4, `resumed after ${conns[1].last_event_id}`);
  assert.ok(conns.every((c) => c.status === 200));
  assert.notEqual(conns[1].authorization, conns[0].authorization, "a fresh token for the reconnect");
  await a.page.locator("#answer-panel").screenshot({ path: `${OUT}demo-answer.png` });
});

test("answer: Expire token mid-answer; the 401 renews the token once and the answer completes", async () => {
  const from = await connectionCount(a.page);
  await ask(a.page, "Expire my token while you answer", 5);
  await a.page.click("#expire");
  const r = await answerDone(a.page);
  assertComplete(r);
  assert.match(r.note, /^token renewed after 401 \((used|expired)\)$/);
  assert.equal(r.renewals, 1);
  const conns = await answerConnections(a.page, from);
  assert.deepEqual(conns.map((c) => c.status), [200, 401, 200], "cut, refused, renewed");
  assert.equal(conns[2].resumed_via, "header");
  assert.ok(Number(conns[2].last_event_id) >= 4, "the renewed connection resumed where the answer was");
  await a.page.locator("#answer-panel").screenshot({ path: `${OUT}demo-answer-renewed.png` });
});

test("answer: Expire token clicked twice within a second; the answer recovers as after one click", async () => {
  const from = await connectionCount(a.page);
  await ask(a.page, "Expire my token twice while you answer", 5);
  const clicked = Date.now();
  await a.page.click("#expire");
  // The second click lands while the spent token's 401 is being renewed: the one moment it used
  // to send a spent token again, so the renewal was refused too and the answer ended.
  await a.page.waitForFunction(() => /^401 /.test(document.querySelector("#answer-note").textContent),
    null, { timeout: 5000, polling: 5 });
  await a.page.click("#expire");
  assert.ok(Date.now() - clicked < 1000, `the clicks were ${Date.now() - clicked} ms apart`);
  const r = await answerDone(a.page);
  assertComplete(r);
  assert.match(r.note, /^token renewed after 401 \((used|expired)\)$/);
  assert.equal(r.renewals, 1);
  const conns = await answerConnections(a.page, from);
  assert.deepEqual(conns.map((c) => c.status), [200, 401, 200], "cut, refused, renewed: once");
  assert.equal(conns[2].resumed_via, "header");
});

test("answer: Expire token before Send; the first connection is refused, the renewed one answers", async () => {
  const from = await connectionCount(a.page);
  await a.page.click("#expire");
  await ask(a.page, "Start with a spent token");
  const r = await answerDone(a.page);
  assertComplete(r);
  assert.match(r.note, /^token renewed after 401 \((used|expired)\)$/);
  const conns = await answerConnections(a.page, from);
  assert.deepEqual(conns.map((c) => c.status), [401, 200]);
  assert.equal(conns[1].last_event_id, null, "nothing to resume: the answer starts at its first token");
});

test("answer: a new Send closes the answer being streamed and shows only the new one", async () => {
  const from = await connectionCount(a.page);
  await ask(a.page, "A first question", 3);
  await ask(a.page, "A second question");
  const r = await answerDone(a.page);
  assertComplete(r);
  const conns = await answerConnections(a.page, from);
  assert.equal(conns.length, 2);
  assert.notEqual(conns[0].closed_ms, null, "the first answer's request was aborted");
  assert.ok(conns[0].events_sent < ANSWER_TOKENS, "and did not run to its end");
});

/** Picks `format` in the switch, asks `prompt` and waits for the answer to close done. */
async function askIn(page, format, prompt) {
  await page.selectOption("#answer-format", format);
  await ask(page, prompt);
  return answerDone(page);
}

for (const [format, path] of [["openai", "/v1/chat/completions"], ["anthropic", "/v1/messages"]]) {
  test(`answer: the ${format} format streams the whole answer in one request and closes as done`, async () => {
    const from = await connectionCount(a.page);
    const prompt = `Answer me in the ${format} format`;
    const r = await askIn(a.page, format, prompt);
    assert.equal(r.reason, "done", "the end marker closed it, not an error");
    assert.equal(r.indexes.length, ANSWER_TOKENS);
    assert.equal(r.badge, `done (${ANSWER_TOKENS} tokens)`);
    assert.equal(r.requests, 1);
    assert.equal(r.counts, `tokens: ${ANSWER_TOKENS}, requests: 1, reconnects: 0`);
    // The same words as the resumable format gives this prompt: one corpus, one answer.
    await a.page.waitForTimeout(300); // room for a second request to show up
    const conns = await answerConnections(a.page, from);
    assert.equal(conns.length, 1, "one POST per answer");
    assert.equal(conns[0].method, "POST");
    assert.ok(conns[0].uri.startsWith(`${path}?`), conns[0].uri);
    assert.equal(conns[0].status, 200);
    const resumable = await askIn(a.page, "resumable", prompt);
    assert.equal(r.shown, resumable.done.text, "the whole answer, as the resumable format's done event has it");
    await a.page.selectOption("#answer-format", format);
    await a.page.locator("#answer-panel").screenshot({ path: `${OUT}demo-answer-${format}.png` });
  });
}

test("answer: a cut in a provider format ends the answer as ended, with no second request", async () => {
  const from = await connectionCount(a.page);
  await a.page.selectOption("#answer-format", "anthropic");
  await ask(a.page, "Cut the Anthropic-style answer", 5);
  await a.page.click("#cut");
  await a.page.waitForFunction(() => window.__demoAnswer.reason !== null, null, { timeout: 10000 });
  await a.page.waitForTimeout(500); // room for a second request to show up
  const r = await answerState(a.page);
  assert.equal(r.reason, "ended");
  assert.equal(r.done, null);
  assert.ok(r.indexes.length >= 5 && r.indexes.length < ANSWER_TOKENS, `${r.indexes.length} tokens`);
  assert.equal(r.badge, "closed: ended");
  assert.match(r.note, /may be incomplete/);
  assert.equal(r.requests, 1);
  assert.equal((await answerConnections(a.page, from)).length, 1, "the answer was not asked for again");
  await a.page.selectOption("#answer-format", "resumable");
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

test("no console errors on either page (besides the browser's log of the 503s and 401s provoked above)", () => {
  assert.deepEqual(unexpected(a.errors, [503, 401]), []);
  assert.deepEqual(unexpected(b.errors, [503]), []);
});
