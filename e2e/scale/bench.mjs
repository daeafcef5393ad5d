// Events per second through typed-sse-axum, with each store, on this machine: the test server's
// demo stream (`/events`) fed through `POST /chat`.
//
//   node e2e/scale/bench.mjs [events=5000] [publishers=16]
//
// For `--store memory` and `--store redis://…` (a private redis-server), one instance each:
// - append: `events` chat messages from `publishers` concurrent HTTP publishers;
// - live: a reader already following `/events` gets all of them (publish to receipt);
// - replay: a reader that comes back with the first message's id reads the rest.
// Needs the server built (`cargo build --profile server -p typed-sse-server`).
import { startRedis, startInstance, stopAll } from "./cluster.mjs";

const EVENTS = Number(process.argv[2] ?? 5000);
const PUBLISHERS = Number(process.argv[3] ?? 16);

/** Reads `url` as SSE until `done(count of chat events, text of the last one)`; resolves to ms. */
async function readChats(url, headers, want) {
  const started = performance.now();
  const response = await fetch(url, { headers: { accept: "text/event-stream", ...headers } });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "", seen = 0;
  const ready = performance.now();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended after ${seen} chat events`);
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      if (buffer.slice(0, end).includes("event: chat\n")) seen += 1;
      buffer = buffer.slice(end + 2);
    }
    if (seen >= want) {
      await reader.cancel();
      return { ms: performance.now() - started, firstByteMs: ready - started };
    }
  }
}

async function publishAll(url, from, count) {
  const ids = new Array(count);
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: PUBLISHERS }, async () => {
    while (next < count) {
      const i = next++;
      const r = await fetch(`${url}/chat`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-typed-sse": "1" },
        body: JSON.stringify({ name: "bench", text: String(from + i) }),
      });
      if (!r.ok) throw new Error(`chat: ${r.status}`);
      ids[i] = (await r.json()).id;
    }
  }));
  return { ms: performance.now() - started, ids };
}

const rows = [];
try {
  const redis = await startRedis();
  for (const [name, store] of [["memory", "memory"], ["redis", redis.url]]) {
    const instance = await startInstance({ args: ["--store", store, "--history", String(EVENTS * 4)] });
    const live = readChats(`${instance.url}/events`, {}, EVENTS);
    await new Promise((r) => setTimeout(r, 200));
    const appended = await publishAll(instance.url, 1, EVENTS);
    const followed = await live;
    // The oldest of the ids (concurrent publishers: not necessarily the first message's).
    const key = (id) => id.split("-").map(BigInt);
    const oldest = appended.ids.reduce((a, b) => { const [x, y] = [key(a), key(b)]; return x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]) ? a : b; });
    const replay = await readChats(`${instance.url}/events`, { "last-event-id": oldest }, EVENTS - 1);
    rows.push({
      store: name,
      "append/s": Math.round(EVENTS / (appended.ms / 1000)),
      "live/s": Math.round(EVENTS / ((followed.ms - 200) / 1000)),
      "replay/s": Math.round((EVENTS - 1) / (replay.ms / 1000)),
    });
  }
} finally {
  await stopAll();
}
console.log(`${EVENTS} events, ${PUBLISHERS} publishers`);
console.table(rows);
