// What every browser consumer runs once it has the package's classes: three events from the
// test server through each transport, reported on `window.__result` (or to the worker's page).
// Each consumer imports it from one folder up, as e2e/consumers.test.mjs lays them out.
export async function stream({ SseClient, TypedEventSource }, server, key) {
  const viaClient = (transport) => new Promise((resolve, reject) => {
    const client = new SseClient(`${server}/sse/messages?n=3&key=${key}-${transport}`, { transport, maxReconnects: 0 });
    const got = [];
    client.onError((e) => reject(new Error(`${transport}: ${e.kind}: ${e.message}`)));
    client.on("message", (data) => {
      got.push(data.n);
      if (got.length === 3) { client.close(); resolve(got); }
    });
  });
  const viaEventSource = () => new Promise((resolve, reject) => {
    const source = new TypedEventSource(`${server}/sse/messages?n=3&key=${key}-tes`, { maxReconnects: 0 });
    const got = [];
    source.onerror = (e) => reject(new Error(`TypedEventSource: ${e.error?.kind ?? "error event"}`));
    source.onmessage = (e) => {
      got.push(JSON.parse(e.data).n);
      if (got.length === 3) { source.close(); resolve(got); }
    };
  });
  return { eventsource: await viaClient("native"), fetch: await viaClient("fetch"), typedEventSource: await viaEventSource() };
}

// For pages: runs `stream` with the server and key from the page's query string.
export function report(api) {
  const query = new URLSearchParams(location.search);
  stream(api, query.get("server"), query.get("key")).then(
    (ok) => { window.__result = { ok }; },
    (e) => { window.__result = { error: String(e?.message ?? e) }; },
  );
}
