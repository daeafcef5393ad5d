// A tiny app as a user would write it: import the npm package, subscribe, show what arrives.
// Built by Vite in the test suite from the package in pkg/.
import { SseClient } from "typed-sse";

const server = new URLSearchParams(location.search).get("server") ?? location.origin;
const key = new URLSearchParams(location.search).get("key") ?? "vite-app";
const client = new SseClient(`${server}/sse/messages?n=5&key=${key}`, { maxReconnects: 3 });
const received = [];
window.__app = { received, client };

client.onState((s) => {
  document.getElementById("state").textContent = s.state;
});
client.on("message", (data, meta) => {
  received.push({ n: data.n, id: meta.id });
  const li = document.createElement("li");
  li.textContent = `#${meta.id}: n = ${data.n}`;
  document.getElementById("events").append(li);
});
