// The typed-sse demo: connects to the server's /events stream with the npm package built into
// /pkg/, and shows what arrives. Server data is only ever written with textContent.
import init, { SseClient } from "/pkg/typed_sse.js";

const MAX_EVENTS = 50;
const $ = (id) => document.getElementById(id);

let client = null;

function showState(state) {
  const badge = $("state");
  badge.dataset.state = state.state;
  badge.textContent =
    state.state === "reconnecting"
      ? `reconnecting (attempt ${state.attempt}, ${(state.delayMs / 1000).toFixed(1)} s)`
      : state.state === "closed" && state.reason !== "requested"
        ? `closed: ${state.reason}`
        : state.state;
  $("connect").disabled = state.state !== "closed";
  $("disconnect").disabled = state.state === "closed";
}

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

function connect() {
  client = new SseClient("/events", { initialDelayMs: 500, maxDelayMs: 10000 });
  client.onState(showState);
  client.onError((e) => console.warn(`typed-sse: ${e.kind}: ${e.message}`));
  client.on("tick", (q, meta) =>
    addEvent("tick", `${q.symbol} ${q.price.toFixed(2)} (${q.change >= 0 ? "+" : ""}${q.change.toFixed(2)})`, meta.id));
  client.on("news", (n, meta) => addEvent("news", n.headline, meta.id));
  client.on("chat", (c, meta) => addEvent("chat", `${c.name}: ${c.text}`, meta.id));
  showState(client.state);
}

function disconnect() {
  if (!client) return;
  client.close();
  showState(client.state);
  client.free();
  client = null;
}

await init();
$("connect").addEventListener("click", connect);
$("disconnect").addEventListener("click", disconnect);
connect();
