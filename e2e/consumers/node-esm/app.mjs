// A Node ES module: `import` from the package by name, no init, both classes' transports.
import { SseClient, TypedEventSource } from "typed-sse";

const server = process.env.SERVER_URL;
const key = process.env.KEY;
const got = await new Promise((resolve, reject) => {
  const client = new SseClient(`${server}/sse/messages?n=3&key=${key}`, { maxReconnects: 0 });
  const seen = [];
  client.onError((e) => reject(new Error(`${e.kind}: ${e.message}`)));
  client.on("message", (data) => {
    seen.push(data.n);
    if (seen.length === 3) { client.close(); resolve(seen); }
  });
});
console.log(JSON.stringify({ ok: got, typedEventSource: typeof TypedEventSource }));
