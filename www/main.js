// The typed-sse demo. It connects to the server's /events stream with the npm package, which is
// built into /pkg/. Server data is only written with textContent and DOM calls, never innerHTML.
import init, { SseClient } from "/pkg/typed_sse.js";

const MAX_EVENTS = 60;
const MAX_POINTS = 80;
const COLORS = ["#5b9dff", "#3ecf8e", "#f5b84a", "#f0616d", "#b48cff"];
const $ = (id) => document.getElementById(id);

// What the end-to-end tests read: every id received, in order, and each state seen.
const demo = { ids: [], states: [], reconnects: 0 };
window.__demo = demo;

let client = null;
let countdown = null;

// ---- connection state ---------------------------------------------------------------------

function showState(state) {
  demo.states.push(state.state);
  const badge = $("state");
  badge.dataset.state = state.state;
  clearInterval(countdown);
  if (state.state === "reconnecting") {
    demo.reconnects += 1;
    $("reconnects").textContent = String(demo.reconnects);
    const deadline = performance.now() + state.delayMs;
    const tick = () => {
      const left = Math.max(0, deadline - performance.now()) / 1000;
      badge.textContent = `reconnecting in ${left.toFixed(1)} s (attempt ${state.attempt}, ${state.reason})`;
    };
    tick();
    countdown = setInterval(tick, 100);
  } else if (state.state === "closed") {
    badge.textContent = state.reason === "requested" ? "closed" : `closed: ${state.reason}`;
  } else {
    badge.textContent = state.state;
  }
  $("connect").disabled = state.state !== "closed";
  $("disconnect").disabled = state.state === "closed";
}

function received(meta) {
  if (meta.id) {
    demo.ids.push(Number(meta.id));
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
  client.free();
  client = null;
}

async function post(path) {
  // The server refuses a POST without this header: a page on another site cannot send it.
  const response = await fetch(path, { method: "POST", headers: { "X-Typed-SSE": "1" } });
  if (!response.ok) console.warn(`${path}: the server answered ${response.status}`);
}

await init();
$("connect").addEventListener("click", connect);
$("disconnect").addEventListener("click", disconnect);
$("chat-form").addEventListener("submit", sendChat);
$("drop").addEventListener("click", () => post("/control/drop"));
$("fail").addEventListener("click", () => post("/control/fail?seconds=5"));
$("chat-name").value = `guest-${Math.floor(Math.random() * 900 + 100)}`;
connect();
