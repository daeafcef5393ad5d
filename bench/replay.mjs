// `node bench/replay.mjs` (SERVER_URL set; after `npm run bench` has built bench/out): the fetch
// clients' CPU cost alone. The stream of /sse/bench is recorded once per size, chunk by chunk,
// then replayed from memory to (e) eventsource-parser + JSON.parse, to (f) the package's
// SseClient (through its `fetch` option) and to (g) the Rust API decoding into a struct
// (bench/out/rust-o3; its builder takes no fetch function, so the page's `fetch` answers the
// replay address), in alternation, with the heap collected before each
// run. No network and no server run during the timing, so the figures move much less than the
// throughput runs of `npm run bench` on a 2-core machine. Prints µs per event: the median and
// the fastest of ROUNDS runs (default 15), and (e)'s time divided by each client's.
//
// PKGS=a,b also replays the packages in bench/out/a/, bench/out/b/ (each a `build_package web`
// output): an A/B comparison of a change in one page. DECODE=text hands every client the data
// as text, with no JSON.parse (the listener adds up lengths): the parsing and delivery alone,
// which JSON.parse's cost, the same in every client, otherwise hides ((g) is left out then: it
// always decodes). Never part of `npm test`:
// timing only.
import { openBenchPage } from "./measure.mjs";

const server = process.env.SERVER_URL;
if (!server) throw new Error("SERVER_URL is not set (see scripts/bench.sh for how the server starts)");
const rounds = Number(process.env.ROUNDS || 15);
const text = process.env.DECODE === "text";
const extra = (process.env.PKGS || "").split(",").filter(Boolean);
const sizes = [["small", Number(process.env.NS || 100_000)], ["large", Number(process.env.NL || 10_000)]];

const { browser, page } = await openBenchPage(server, { rustClients: true });
try {
  await page.eval(`(async () => {
    const { createParser } = await import("/bench/out/eventsource-parser/index.js");
    const packages = { f: await import("/pkg/typed_sse.js") };
    for (const name of ${JSON.stringify(extra)}) {
      packages[name] = await import("/bench/out/" + name + "/typed_sse.js");
      await packages[name].default();
    }
    // The same work per event for every client: read two fields of the decoded object.
    // With DECODE=text, the data's length instead.
    const checksum = ${text} ? (d) => d.length : (d) => d.id + d.price;
    const decode = ${text} ? (data) => data : JSON.parse;
    const rust = await import("/bench/out/rust-o3/typed_sse_bench_rust.js");
    await rust.default();
    window.replayRecord = async (url, large) => {
      window.replayLarge = large;
      const reader = (await fetch(url)).body.getReader();
      window.replayChunks = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return window.replayChunks.length;
        window.replayChunks.push(value);
      }
    };
    const replayFetch = async () => {
      const chunks = window.replayChunks;
      let i = 0;
      const body = new ReadableStream({ pull: (c) => (i < chunks.length ? c.enqueue(chunks[i++]) : c.close()) });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    };
    const pageFetch = globalThis.fetch;
    globalThis.fetch = (url, init) => (String(url).endsWith("/replay-rust") ? replayFetch() : pageFetch(url, init));
    const typedSse = (pkg) => (n) => new Promise((resolve) => {
      const client = new pkg.SseClient("${server}/replay", { transport: "fetch", reconnect: false, fetch: replayFetch, decode: ${text} ? "text" : "json" });
      let count = 0, sum = 0;
      client.on("message", (d) => {
        sum += checksum(d);
        if (++count === n) { client.close(); resolve(sum); }
      });
    });
    window.replayClients = {
      e: async (n) => {
        let count = 0, sum = 0;
        const parser = createParser({ onEvent: (ev) => { sum += checksum(decode(ev.data)); count++; } });
        const reader = (await replayFetch()).body.getReader();
        const decoder = new TextDecoder();
        while (count < n) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
        }
        return sum;
      },
      g: (n) => new Promise((resolve) => {
        const runner = rust.start_fetch("${server}/replay-rust", window.replayLarge, n, (sum) => {
          setTimeout(() => runner.free());
          resolve(sum);
        });
      }),
      ...Object.fromEntries(Object.entries(packages).map(([name, pkg]) => [name, typedSse(pkg)])),
    };
    window.replayRun = async (name, n) => {
      const t0 = performance.now();
      const sum = await window.replayClients[name](n);
      if (!(sum > 0)) throw new Error(name + " decoded nothing");
      return performance.now() - t0;
    };
    return true;
  })()`);
  const names = ["e", "f", ...(text ? [] : ["g"]), ...extra];
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const [size, n] of sizes) {
    const chunks = await page.eval(`replayRecord("${server}/sse/bench?n=${n}&size=${size}&key=replay-${size}-${Date.now()}", ${size === "large"})`);
    const ms = Object.fromEntries(names.map((c) => [c, []]));
    for (const c of names) await page.eval(`replayRun("${c}", ${n})`); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const c of names) {
        await page.send("HeapProfiler.collectGarbage");
        ms[c].push(await page.eval(`replayRun("${c}", ${n})`));
      }
    }
    console.log(`${size}: ${n} events in ${chunks} chunks, ${rounds} rounds; µs per event, median and fastest, (e)'s time over the client's`);
    for (const c of names) {
      const [med, min] = [median(ms[c]), Math.min(...ms[c])];
      const labels = { e: "(e) eventsource-parser", f: "(f) typed-sse JS, fetch", g: "(g) typed-sse Rust, fetch" };
      const label = labels[c] ?? `${c} (bench/out/${c})`;
      console.log(`  ${label.padEnd(28)} ${(med * 1000 / n).toFixed(3)} (${(median(ms.e) / med).toFixed(2)}x)   fastest ${(min * 1000 / n).toFixed(3)} (${(Math.min(...ms.e) / min).toFixed(2)}x)`);
    }
  }
} finally {
  await browser.close();
}
