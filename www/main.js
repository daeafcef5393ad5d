// The typed-sse demo. It connects to the server's /events stream with the npm package, which is
// built into /pkg/, and streams answers through the fetch transport, from /v1/completions or in
// the OpenAI or Anthropic wire format (/v1/chat/completions, /v1/messages). Server
// data is only written with textContent and DOM calls, never innerHTML.
import init, { SseClient } from "/pkg/typed_sse.js";

const MAX_EVENTS = 60;
const MAX_POINTS = 80;
const COLORS = ["#5b9dff", "#3ecf8e", "#f5b84a", "#f0616d", "#b48cff"];
const $ = (id) => document.getElementById(id);

// What the end-to-end tests read: every id received, in order, and each state seen.
const demo = { ids: [], states: [], reconnects: 0 };
window.__demo = demo;

let client = null;
const mainTimer = { id: 0 };

// ---- connection state ---------------------------------------------------------------------

/** Shows `state` in `badge`: its colour (data-state) and text, with a live countdown while a
 *  reconnect waits. `timer` holds that countdown's interval, one per badge. */
function renderBadge(badge, state, timer) {
  badge.dataset.state = state.state;
  clearInterval(timer.id);
  if (state.state === "reconnecting") {
    const deadline = performance.now() + state.delayMs;
    const tick = () => {
      const left = Math.max(0, deadline - performance.now()) / 1000;
      badge.textContent = `reconnecting in ${left.toFixed(1)} s (attempt ${state.attempt}, ${state.reason})`;
    };
    tick();
    timer.id = setInterval(tick, 100);
  } else if (state.state === "closed") {
    badge.textContent = state.reason === "requested" ? "closed" : `closed: ${state.reason}`;
  } else {
    badge.textContent = state.state;
  }
}

function showState(state) {
  demo.states.push(state.state);
  if (state.state === "reconnecting") {
    demo.reconnects += 1;
    $("reconnects").textContent = String(demo.reconnects);
  }
  renderBadge($("state"), state, mainTimer);
  $("connect").disabled = state.state !== "closed";
  $("disconnect").disabled = state.state === "closed";
}

function received(meta) {
  if (meta.id) {
    // The server's memory store gives ids `<epoch>-<n>`: n counts the stream's events.
    demo.ids.push(Number(String(meta.id).split("-").pop()));
    $("last-id").textContent = meta.id;
  }
  $("count").textContent = String(demo.ids.length);
}

// ---- event list -----------------------------------------------------------------------------

function addEvent(type, text, id) {
  const item = document.createElement("li");
  const time = document.createElement("time");
  time.textContent = new Date().toLocaleTimeString();
  const tag = document.createElement("span");
  tag.className = `tag tag-${type}`;
  tag.textContent = type;
  const body = document.createElement("span");
  body.className = "body";
  body.textContent = text;
  const idSpan = document.createElement("span");
  idSpan.className = "id";
  idSpan.textContent = id ? `#${id}` : "";
  item.append(time, tag, body, idSpan);
  const list = $("events");
  list.prepend(item);
  while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
}

// ---- price chart (SVG, no library) ----------------------------------------------------------

const series = new Map(); // symbol -> { first, points: [{ t, pct }], price, color, line, label }
const SVG = "http://www.w3.org/2000/svg";

function svg(name, attrs) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function addTick(quote) {
  let s = series.get(quote.symbol);
  if (!s) {
    const color = COLORS[series.size % COLORS.length];
    const line = svg("polyline", { fill: "none", stroke: color, "stroke-width": 2, "vector-effect": "non-scaling-stroke" });
    $("chart").append(line);
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = color;
    const label = document.createElement("span");
    item.append(swatch, label);
    $("legend").append(item);
    s = { first: quote.price, points: [], price: quote.price, color, line, label };
    series.set(quote.symbol, s);
  }
  s.price = quote.price;
  s.points.push({ t: quote.time, pct: (quote.price / s.first - 1) * 100 });
  if (s.points.length > MAX_POINTS) s.points.shift();
  const pct = s.points[s.points.length - 1].pct;
  s.label.textContent = `${quote.symbol} ${quote.price.toFixed(2)} (${pct >= 0 ? "+" : ""}${pct.toFixed(2)}%)`;
  drawChart();
}

function drawChart() {
  const all = [...series.values()].flatMap((s) => s.points);
  if (all.length === 0) return;
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t), t0 + 1);
  const span = Math.max(0.5, ...all.map((p) => Math.abs(p.pct)));
  for (const s of series.values()) {
    const points = s.points.map((p) => {
      const x = ((p.t - t0) / (t1 - t0)) * 600;
      const y = 110 - (p.pct / span) * 100;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    });
    s.line.setAttribute("points", points.join(" "));
  }
}

function resetChart() {
  series.clear();
  $("chart").replaceChildren(svg("line", { x1: 0, y1: 110, x2: 600, y2: 110, class: "axis" }));
  $("legend").replaceChildren();
}

// ---- chat -----------------------------------------------------------------------------------

function addChat(message, id) {
  const item = document.createElement("li");
  const name = document.createElement("strong");
  name.textContent = message.name;
  const text = document.createElement("span");
  text.textContent = message.text;
  item.append(name, text);
  item.dataset.id = id;
  const log = $("chat-log");
  log.append(item);
  while (log.children.length > MAX_EVENTS) log.firstElementChild.remove();
  log.scrollTop = log.scrollHeight;
}

async function sendChat(event) {
  event.preventDefault();
  const name = $("chat-name").value.trim();
  const text = $("chat-text").value.trim();
  if (!name || !text) return;
  const response = await fetch("/chat", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name, text }),
  });
  if (response.ok) $("chat-text").value = "";
  else console.warn(`chat: the server answered ${response.status}`);
}

// ---- connect / disconnect ---------------------------------------------------------------------

function connect() {
  resetChart();
  client = new SseClient("/events", { initialDelayMs: 500, maxDelayMs: 5000, heartbeatEvent: "heartbeat", idleTimeoutMs: 15000 });
  client.onState(showState);
  client.onError((e) => {
    // Expected while the server is failing on request: shown in the badge, logged quietly.
    if (e.kind !== "http" && e.kind !== "network") console.warn(`typed-sse: ${e.kind}: ${e.message}`);
  });
  client.on("tick", (quote, meta) => {
    received(meta);
    addTick(quote);
    const sign = quote.change >= 0 ? "+" : "";
    addEvent("tick", `${quote.symbol} ${quote.price.toFixed(2)} (${sign}${quote.change.toFixed(2)})`, meta.id);
  });
  client.on("news", (news, meta) => {
    received(meta);
    addEvent("news", news.headline, meta.id);
  });
  client.on("chat", (message, meta) => {
    received(meta);
    addChat(message, meta.id);
    addEvent("chat", `${message.name}: ${message.text}`, meta.id);
  });
  showState(client.state);
}

function disconnect() {
  if (!client) return;
  client.close();
  showState(client.state);
  client.close();
  client = null;
}

async function post(path) {
  // The server refuses a POST without this header: a page on another site cannot send it.
  const response = await fetch(path, { method: "POST", headers: { "X-Typed-SSE": "1" } });
  if (!response.ok) console.warn(`${path}: the server answered ${response.status}`);
}

// ---- streamed answer: the fetch transport, as an LLM completion API is used ----------------
//
// POST /v1/completions streams `token` events ({index, text}, id = index), then one `done`
// ({tokens, text}) and ends. It needs `Authorization: Bearer <token>` with a token from /token
// that opens ONE connection and lives 2 s, so every connection, retries included, needs a token
// of its own: the `headers` option is a function, which typed-sse calls before each of them.
//
// The format switch picks another source of the same answer: /v1/chat/completions (OpenAI's
// chunks, then `data: [DONE]`) or /v1/messages (Anthropic's named events, then
// `message_stop`), with no ids and no token, as those APIs send it. Each request there is a new
// generation, so the panel shows how many requests the answer took: one.

const ANSWER_TOKENS = 60; // more than the server's 48 words: every answer shows all of them, markup included
// This page's own key: tokens, cuts and the server's /stats are per key, so two open pages (or
// a test and a person) never cut or count each other's answers.
const answerKey = `demo-${Math.random().toString(36).slice(2, 10)}`;
// What the end-to-end tests read: the key, every token index received in order, the states,
// and the `done` event as the server sent it.
// `requests` counts the connections the answer made (typed-sse calls `headers` before each).
const answer = { key: answerKey, format: "resumable", indexes: [], states: [], reconnects: 0, requests: 0, tokenRequests: 0, renewals: 0, done: null, reason: null };
window.__demoAnswer = answer;
$("answer-panel").dataset.key = answerKey;

let answerClient = null;   // the client of the current (or last) answer
const answerTimer = { id: 0 };
let lastToken = null;      // the token the last connection was given: spent by now
let sendStale = false;     // "Expire token" was pressed: the next connection gets `lastToken`
let staleSent = false;     // ...and it went out: no connection of this answer has opened since
let refusedWith = null;    // the server's reason for a 401 that the client is renewing after

async function freshToken() {
  const response = await fetch(`/token?key=${answerKey}`, { method: "POST", headers: { "X-Typed-SSE": "1" } });
  // Thrown, this fails the attempt like a network error, and the policy retries it.
  if (!response.ok) throw new Error(`/token answered ${response.status}`);
  answer.tokenRequests += 1;
  return (await response.json()).token;
}

// typed-sse calls this before every connection (the first, each reconnect, and once more after
// a 401): the only place credentials are made, so a retry never carries a spent token...
async function answerHeaders() {
  // ...unless asked to, to show the renewal: the previous token was spent by its connection,
  // so the server refuses it (a made-up one stands in before the first answer). Never for the
  // renewal that follows a 401 (`refusedWith` is set): typed-sse renews once, and a second
  // refusal in a row would end the answer as `unauthorized`.
  if (sendStale && refusedWith === null) {
    sendStale = false;
    staleSent = true;
    return { Authorization: `Bearer ${lastToken ?? "tok-0-expired"}` };
  }
  lastToken = await freshToken();
  return { Authorization: `Bearer ${lastToken}` };
}

/** The panel's one-line story of the credentials; `kind` (info, warn, ok) picks its colour. */
function note(text, kind = "info") {
  $("answer-note").textContent = text;
  $("answer-note").dataset.kind = kind;
}

function showCounts() {
  $("answer-counts").textContent = `tokens: ${answer.indexes.length}, requests: ${answer.requests}, reconnects: ${answer.reconnects}`;
}

function showAnswerState(state) {
  answer.states.push(state.state);
  if (state.state === "reconnecting") answer.reconnects += 1;
  if (state.state === "open") staleSent = false;
  if (state.state === "open" && refusedWith !== null) {
    answer.renewals += 1;
    note(`token renewed after 401 (${refusedWith})`, "ok");
    refusedWith = null;
  }
  if (state.state === "closed") {
    answer.reason = state.reason;
    // The provider formats have no `done` event: their end marker closes the client as done.
    if (state.reason === "done" && !answer.done) answer.done = { tokens: answer.indexes.length, text: $("answer").textContent };
    if (state.reason === "ended") note("the stream ended before the answer's end: it may be incomplete", "warn");
  }
  if (state.state === "closed" && answer.done) {
    clearInterval(answerTimer.id);
    const badge = $("answer-state");
    badge.dataset.state = "done";
    badge.textContent = `done (${answer.done.tokens} tokens)`;
  } else {
    renderBadge($("answer-state"), state, answerTimer);
  }
  // Cut only means something while a stream is, or is about to be, live.
  $("cut").disabled = state.state === "closed";
  showCounts();
}

function answerError(e) {
  if (e.kind === "unauthorized") {
    // The 401's JSON body says why (expired, used, unknown). Server text: parsed, shown as text.
    let reason = "refused";
    try { reason = String(JSON.parse(e.body).reason ?? reason); } catch { /* not JSON: keep "refused" */ }
    refusedWith = reason;
    note(`401 (${reason}): fetching a fresh token`, "warn");
  } else if (e.kind !== "network" && e.kind !== "http") {
    // A cut is a `network` error (the stream ended early) and is expected; anything else is news.
    console.warn(`typed-sse (answer): ${e.kind}: ${e.message}`);
  }
}

function addToken(token) {
  answer.indexes.push(token.index);
  // A text node per token: `<img onerror=...>` in the corpus stays text, and nothing earlier is
  // re-parsed or re-rendered as the answer grows.
  const box = $("answer");
  box.append(document.createTextNode(String(token.text)));
  box.scrollTop = box.scrollHeight; // a long answer keeps its newest words in view
  showCounts();
}

function finish(done) {
  answer.done = done; // before close(): the `closed` state it reports is shown as "done"
  // The server ends the stream after `done`; left open, the client would reconnect for nothing.
  answerClient.close();
  if ($("answer").textContent !== done.text) note("the tokens shown differ from the done event's text", "warn");
}

// Closes (and frees) the previous answer's client, if any, so only one answer streams at a time.
function stopAnswer() {
  const old = answerClient;
  answerClient = null; // first: the `closed` state that close() reports is no longer this panel's
  if (!old) return;
  old.close();
  old.close();
}

/** The answer's sources: the path, the client's options (bodies are sent as JSON), and how the
 *  events become tokens. */
const FORMATS = {
  // Ids on every token: a cut answer is asked again with Last-Event-ID (`resume: "repeat"`) and
  // a fresh token, and the server sends only the later tokens; `done` ends it.
  resumable: {
    path: "/v1/completions",
    options: (prompt) => ({
      body: { prompt, max_tokens: ANSWER_TOKENS },
      headers: answerHeaders,
      resume: "repeat",
      terminalEvents: ["done"],
      // Quick retries: a cut answer should resume at once, well within a token's 2 s life.
      initialDelayMs: 250,
      maxDelayMs: 2000,
    }),
    listen(c, mine) {
      c.on("token", mine(addToken));
      c.on("done", mine(finish));
    },
  },
  // Unnamed chunks; `data: [DONE]` ends the answer by default.
  openai: {
    path: "/v1/chat/completions",
    options: (prompt) => ({
      body: { model: "typed-sse-test", messages: [{ role: "user", content: prompt }], max_tokens: ANSWER_TOKENS, stream: true },
      headers: () => ({}),
    }),
    listen(c, mine) {
      c.on("message", mine((chunk) => {
        const text = chunk?.choices?.[0]?.delta?.content;
        if (typeof text === "string" && text !== "") addToken({ index: answer.indexes.length, text });
      }));
    },
  },
  // Named events, read by one listener as a union on `type` (other types, such as `ping`, are
  // skipped); `message_stop` is named as the end of the answer.
  anthropic: {
    path: "/v1/messages",
    options: (prompt) => ({
      body: { model: "typed-sse-test", max_tokens: ANSWER_TOKENS, stream: true, messages: [{ role: "user", content: prompt }] },
      headers: () => ({}),
      terminalEvents: ["message_stop"],
    }),
    listen(c, mine) {
      c.on({ content_block_delta: JSON.parse, message_stop: JSON.parse }, mine(({ type, data }) => {
        if (type === "content_block_delta" && data?.delta?.type === "text_delta") {
          addToken({ index: answer.indexes.length, text: String(data.delta.text) });
        }
      }));
    },
  },
};

function ask(event) {
  event.preventDefault();
  const prompt = $("prompt").value.trim();
  if (!prompt) return;
  stopAnswer();
  const format = FORMATS[$("answer-format").value] ?? FORMATS.resumable;
  Object.assign(answer, { format: $("answer-format").value, indexes: [], states: [], reconnects: 0, requests: 0, renewals: 0, done: null, reason: null });
  refusedWith = null;
  staleSent = false; // a spent token sent for the previous answer concerns it only
  $("answer").replaceChildren();
  if (!sendStale) note("");
  // Counts every connection: typed-sse calls `headers` before each one, retries included.
  const counted = (headers) => () => {
    answer.requests += 1;
    showCounts();
    return headers();
  };
  const { headers, ...options } = format.options(prompt);
  const c = new SseClient(`${format.path}?key=${answerKey}&interval_ms=40`, {
    transport: "fetch",
    method: "POST",
    headers: counted(headers),
    ...options,
  });
  answerClient = c;
  // Listeners of a replaced client stay quiet: a late callback must not touch the new answer.
  const mine = (fn) => (...args) => { if (answerClient === c) fn(...args); };
  c.onState(mine(showAnswerState));
  c.onError(mine(answerError));
  format.listen(c, mine);
  showAnswerState(c.state);
}

function cutAnswer() {
  // The server ends this key's live streams mid-answer; the client reconnects by itself.
  return post(`/control/cut?key=${answerKey}`);
}

function expireToken() {
  // Pressed again before the spent token was refused and renewed: that renewal is under way, and
  // a second spent token (or a second cut) would only get in its way.
  if (sendStale || staleSent) return;
  sendStale = true;
  note("the next connection sends a spent token");
  // Mid-answer, "next" would only come after this answer: cut it, so the reconnect meets the 401.
  if (answerClient?.state.state === "open") cutAnswer();
}

await init();
$("connect").addEventListener("click", connect);
$("disconnect").addEventListener("click", disconnect);
$("chat-form").addEventListener("submit", sendChat);
$("drop").addEventListener("click", () => post("/control/drop"));
$("fail").addEventListener("click", () => post("/control/fail?seconds=5"));
$("answer-form").addEventListener("submit", ask);
$("cut").addEventListener("click", cutAnswer);
$("expire").addEventListener("click", expireToken);
$("chat-name").value = `guest-${Math.floor(Math.random() * 900 + 100)}`;
connect();
