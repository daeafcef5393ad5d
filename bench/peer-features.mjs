// `node bench/peer-features.mjs` (SERVER_URL set; the package built in pkg/ or PKG_DIR): what the
// README's comparison says each Node client can do, checked against the test server rather than
// taken from the libraries' docs. Per client: a custom `Authorization` header (the server's
// `/sse/bearer` answers only with a token minted by `POST /token`); a POST (the method the
// server recorded, `/stats`); resuming after the stream ends (`/sse/numbered?cut=2`: ids 1 to 6
// over three connections, each once and in order, only if the client sends `Last-Event-ID`);
// and what it does with a `500` (how many requests the server saw in 4 s). Prints one line per
// client and check. Not part of `npm test`: it describes other libraries.
// @microsoft/fetch-event-source needs `window` and `document` and is left out (browsers only).
import { EventSource as EventSourceCurrent } from "eventsource";
import { EventSource as EventSource4 } from "eventsource4";
import { EventSourcePlus } from "event-source-plus";
import { installPackage } from "./node-clients.mjs";

const server = process.env.SERVER_URL;
if (!server) throw new Error("SERVER_URL is not set");
const { SseClient } = await installPackage();

const token = async (key) => {
  const r = await fetch(`${server}/token?key=${key}`, { method: "POST", headers: { "X-Typed-SSE": "1" } });
  return (await r.json()).token;
};

// Each opens `url` with `headers`, calls onId(id) per message and returns a close function.
const eventSourceWith = (Class) => (url, { headers = {}, method } = {}, onId) => {
  const es = new Class(url, { fetch: (u, init) => fetch(u, { ...init, ...(method && { method }), headers: { ...init.headers, ...headers } }) });
  es.addEventListener("message", (e) => onId(e.lastEventId));
  return () => es.close();
};
const clients = {
  "eventsource 5 (headers through its `fetch` option)": eventSourceWith(EventSourceCurrent),
  "eventsource 4 (headers through its `fetch` option)": eventSourceWith(EventSource4),
  "event-source-plus": (url, { headers = {}, method } = {}, onId) => {
    const c = new EventSourcePlus(url, { headers, ...(method && { method: method.toLowerCase() }) }).listen({ onMessage: (m) => onId(m.id) });
    return () => c.abort();
  },
  "typed-sse SseClient": (url, { headers = {}, method } = {}, onId) => {
    const c = new SseClient(url, { headers, ...(method && { method }), decode: "text" });
    c.onError(() => {});
    c.on("message", (_, meta) => onId(meta.id));
    return () => c.close();
  },
};

// The ids a client received within `ms`, `want` of them or fewer.
const ids = (open, url, options, want, ms) => new Promise((resolve) => {
  const got = [];
  let close = () => {};
  const done = () => { clearTimeout(timer); close(); resolve(got); };
  const timer = setTimeout(done, ms);
  close = open(url, options, (id) => { got.push(id); if (got.length === want) done(); });
});

let k = 0;
for (const [name, open] of Object.entries(clients)) {
  const key = `features-${Date.now()}-${k++}`;
  const stats = async (k) => (await (await fetch(`${server}/stats?key=${k}`)).json()).connections;
  const auth = await ids(open, `${server}/sse/bearer?key=${key}&total=2&cut=2`, { headers: { Authorization: `Bearer ${await token(key)}` } }, 2, 5000);
  console.log(`${name}: custom header: ${auth.join(",") === "1,2" ? "yes" : `no (ids ${auth.join(",") || "none"})`}`);
  const resume = await ids(open, `${server}/sse/numbered?total=6&cut=2&key=${key}-resume`, {}, 6, 15000);
  console.log(`${name}: resumes with Last-Event-ID: ${resume.join(",") === "1,2,3,4,5,6" ? "yes" : `no (ids ${resume.join(",") || "none"})`}`);
  await ids(open, `${server}/sse/numbered?total=2&key=${key}-post`, { method: "POST" }, 2, 5000);
  const methods = (await stats(`${key}-post`)).map((c) => c.method);
  console.log(`${name}: POST: ${methods[0] === "POST" ? "yes" : `no (${methods.join(",") || "no request"})`}`);
  await ids(open, `${server}/sse/status?code=500&key=${key}-500`, {}, 1, 4000);
  const tries = (await stats(`${key}-500`)).length;
  console.log(`${name}: a 500: ${tries <= 1 ? "stops (one request)" : `${tries} requests in 4 s`}`);
}
process.exit(0);
