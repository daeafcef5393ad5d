// A CommonJS program: `require` the package by name, no init.
const { SseClient, TypedEventSource } = require("typed-sse");

const server = process.env.SERVER_URL;
const key = process.env.KEY;
const client = new SseClient(`${server}/sse/messages?n=3&key=${key}`, { maxReconnects: 0 });
const seen = [];
client.onError((e) => {
  console.error(`${e.kind}: ${e.message}`);
  process.exit(1);
});
client.on("message", (data) => {
  seen.push(data.n);
  if (seen.length === 3) {
    client.close();
    console.log(JSON.stringify({ ok: seen, typedEventSource: typeof TypedEventSource }));
  }
});
