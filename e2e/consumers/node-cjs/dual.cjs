// A CommonJS program that also uses a binding: `require("typed-sse")` here, while
// typed-sse/svelte imports "typed-sse" as an ES module. Both must reach one module instance (one
// wasm memory, one set of classes), or `instanceof` fails across them.
const sse = require("typed-sse");

const server = process.env.SERVER_URL;
const key = process.env.KEY;
(async () => {
  const esm = await import("typed-sse");
  const { eventSourceStore } = await import("typed-sse/svelte");
  // A 404 ends the stream at once with an `http` error, made by the binding's client.
  const store = eventSourceStore(`${server}/sse/status?code=404&key=${key}`, "message", { maxReconnects: 0, logErrors: false });
  let unsubscribe;
  const error = await new Promise((resolve) => {
    unsubscribe = store.subscribe((snapshot) => { if (snapshot.error) resolve(snapshot.error); });
  });
  unsubscribe();
  console.log(JSON.stringify({
    sameClasses: ["SseClient", "TypedEventSource", "TypedSseError", "SseStreamError", "SseConfigError"].every((n) => esm[n] === sse[n]),
    instanceOf: error instanceof sse.SseStreamError,
    kind: error.kind,
  }));
})();
