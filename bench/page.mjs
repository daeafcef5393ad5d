// The benchmark page: clients of the same stream, each counting decoded events.
//   native                EventSource + JSON.parse, plain JS
//   typed_sse_js          the npm package's SseClient (JSON decoding)
//   typed_sse_rust        typed-sse's Rust API, decoding into a struct (bench/rust-client)
//   gloo_net              gloo-net's EventSource + serde_json (bench/gloo-client)
// and over fetch:
//   fetch_parser_js       fetch + eventsource-parser + JSON.parse, plain JS (as the `eventsource`
//                         package reads a stream: TextDecoder, then the parser's feed)
//   typed_sse_fetch_js    the npm package's SseClient, transport "fetch"
//   typed_sse_fetch_rust  typed-sse's Rust API, Transport::Fetch, decoding into a struct
//   fetch_bytes_only      fetch reading the body and doing nothing else: the limit
// and what a user would pick instead (bench/peers.mjs bundles them into bench/out/peers/; the
// page's `loadPeers()` loads them), with the package's EventSource-shaped class beside them:
//   eventsource_lib       the `eventsource` library (current major), `message` listener + JSON.parse
//   eventsource4_lib      the same, `eventsource` 4
//   event_source_plus     event-source-plus, `onMessage` + JSON.parse
//   fetch_event_source    @microsoft/fetch-event-source, `onmessage` + JSON.parse
//   typed_event_source    the npm package's TypedEventSource (native transport) + JSON.parse
//   typed_event_source_fetch  the same, transport "fetch"
import initPackage, { SseClient, TypedEventSource } from "/pkg/typed_sse.js";

const pkg = await initPackage();

// The Rust clients (built with opt-level 3 by scripts/lib.sh: build_bench_clients) and
// eventsource-parser (copied there from node_modules by the same function), loaded only for the
// throughput runs: the smoke test in `npm test` needs just the package. The variant "prof" is the
// same code keeping its function names, for the CPU profile; it swaps the npm package used by the
// throughput clients for bench/out/pkg-prof (the same wasm code, with names, and unminified JS).
let rust, gloo, createParser;
let Client = SseClient;
let EventSourceClass = TypedEventSource;
// Another build of the package for the throughput clients (e.g. bench/out/pkg-prof, which keeps
// its function names, for a CPU profile).
window.usePackage = async (url) => {
  const other = await import(url);
  await other.default();
  ({ SseClient: Client, TypedEventSource: EventSourceClass } = other);
  return true;
};
window.loadClients = async (variant = "o3") => {
  rust = await import(`/bench/out/rust-${variant}/typed_sse_bench_rust.js`);
  gloo = await import(`/bench/out/gloo-${variant}/typed_sse_bench_gloo.js`);
  ({ createParser } = await import("/bench/out/eventsource-parser/index.js"));
  await rust.default();
  await gloo.default();
  if (variant === "prof") await window.usePackage("/bench/out/pkg-prof/typed_sse.js");
  return true;
};

// The peer libraries (bench/peers.mjs builds the files), for the peer comparison and its smoke test.
let peers;
window.loadPeers = async () => {
  const load = (name) => import(`/bench/out/peers/${name}.js`);
  peers = {
    EventSource: (await load("eventsource")).EventSource,
    EventSource4: (await load("eventsource4")).EventSource,
    EventSourcePlus: (await load("event_source_plus")).EventSourcePlus,
    fetchEventSource: (await load("fetch_event_source")).fetchEventSource,
  };
  ({ createParser } = await load("eventsource_parser"));
  return true;
};

const checksum = (d) => d.price + (d.symbol ? d.symbol.length : d.items.reduce((s, i) => s + i.value, 0));

// What typed-sse's fetch transport sends too (src/transport/fetch.js).
const fetchInit = (signal) => ({ headers: { Accept: "text/event-stream" }, cache: "no-store", signal });

// An EventSource-shaped client (the browser's, a library's, the package's TypedEventSource):
// a `message` listener, as an application adds it, closed after the n-th event.
const eventSourceLike = (es, n) => new Promise((resolve) => {
  let count = 0, sum = 0;
  es.addEventListener("message", (e) => {
    sum += checksum(JSON.parse(e.data));
    if (++count === n) { es.close(); resolve(sum); }
  });
});

// Each resolves with a checksum once `n` events were decoded, and closes its connection.
const clients = {
  native: (url, n) => new Promise((resolve) => {
    const es = new EventSource(url);
    let count = 0, sum = 0;
    // addEventListener, like the wrappers: in Chromium the onmessage attribute path costs more.
    es.addEventListener("message", (e) => {
      sum += checksum(JSON.parse(e.data));
      if (++count === n) { es.close(); resolve(sum); }
    });
  }),
  typed_sse_js: (url, n) => new Promise((resolve) => {
    const client = new Client(url, { reconnect: false });
    let count = 0, sum = 0;
    client.on("message", (d) => {
      sum += checksum(d);
      if (++count === n) { client.close(); resolve(sum); }
    });
  }),
  typed_sse_rust: (url, n, large) => new Promise((resolve) => {
    const runner = rust.start(url, large, n, (sum) => { setTimeout(() => runner.free()); resolve(sum); });
  }),
  gloo_net: (url, n, large) => new Promise((resolve) => {
    const runner = gloo.start(url, large, n, (sum) => { setTimeout(() => { runner.close(); runner.free(); }); resolve(sum); });
  }),
  fetch_parser_js: async (url, n) => {
    const controller = new AbortController();
    const response = await fetch(url, fetchInit(controller.signal));
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let count = 0, sum = 0;
    const parser = createParser({
      onEvent: (e) => {
        if (e.event !== undefined && e.event !== "message") return;
        sum += checksum(JSON.parse(e.data));
        count++;
      },
    });
    while (count < n) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
    controller.abort();
    return count >= n ? sum : 0;
  },
  typed_sse_fetch_js: (url, n) => new Promise((resolve) => {
    const client = new Client(url, { reconnect: false, transport: "fetch" });
    let count = 0, sum = 0;
    client.on("message", (d) => {
      sum += checksum(d);
      if (++count === n) { client.close(); resolve(sum); }
    });
  }),
  typed_sse_fetch_rust: (url, n, large) => new Promise((resolve) => {
    const runner = rust.start_fetch(url, large, n, (sum) => { setTimeout(() => runner.free()); resolve(sum); });
  }),
  eventsource_lib: (url, n) => eventSourceLike(new peers.EventSource(url), n),
  eventsource4_lib: (url, n) => eventSourceLike(new peers.EventSource4(url), n),
  typed_event_source: (url, n) => eventSourceLike(new EventSourceClass(url, { reconnect: false }), n),
  typed_event_source_fetch: (url, n) => eventSourceLike(new EventSourceClass(url, { reconnect: false, transport: "fetch" }), n),
  event_source_plus: (url, n) => new Promise((resolve) => {
    let count = 0, sum = 0;
    const controller = new peers.EventSourcePlus(url).listen({
      onMessage: (m) => {
        sum += checksum(JSON.parse(m.data));
        if (++count === n) { controller.abort(); resolve(sum); }
      },
    });
  }),
  fetch_event_source: (url, n) => new Promise((resolve, reject) => {
    const controller = new AbortController();
    let count = 0, sum = 0;
    peers.fetchEventSource(url, {
      signal: controller.signal,
      // A headless tab may count as hidden: the library would close the stream then.
      openWhenHidden: true,
      onmessage: (m) => {
        sum += checksum(JSON.parse(m.data));
        if (++count === n) { controller.abort(); resolve(sum); }
      },
      // Its default retries forever; a failed run should fail.
      onerror: (e) => { reject(e); throw e; },
    }).catch(reject);
  }),
  // The whole body (the stream ends after its n events); the checksum is the byte count.
  fetch_bytes_only: async (url) => {
    const response = await fetch(url, fetchInit());
    const reader = response.body.getReader();
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return bytes;
      bytes += value.length;
    }
  },
};

// Milliseconds from opening the client to its n-th decoded event.
window.throughput = async (name, url, n, large) => {
  const t0 = performance.now();
  const sum = await clients[name](url, n, large);
  const ms = performance.now() - t0;
  if (!(sum > 0)) throw new Error(`${name} decoded nothing`);
  return ms;
};

// The checksum of the first `n` events as `name` decoded them (the smoke test compares it with
// the stream's own), within `ms` or an error.
window.receive = (name, url, n, large, ms = 20000) => {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${name}: not ${n} events within ${ms} ms`)), ms); });
  return Promise.race([clients[name](url, n, large), late]).finally(() => clearTimeout(timer));
};

// Per event, the time from the server's send (`sent`, epoch ms) to the listener call, in ms.
// "typed_sse_js" and "typed_sse_fetch_js" are the npm package with either transport;
// "fetch_parser_js" needs loadClients() first.
window.latency = (name, url, n) => new Promise((resolve) => {
  const out = [];
  let close;
  const onData = (d) => {
    out.push(performance.timeOrigin + performance.now() - d.sent);
    if (out.length === n) { close(); resolve(out); }
  };
  if (name === "native") {
    const es = new EventSource(url);
    es.addEventListener("message", (e) => onData(JSON.parse(e.data)));
    close = () => es.close();
  } else if (name === "fetch_parser_js") {
    const controller = new AbortController();
    close = () => controller.abort();
    const parser = createParser({ onEvent: (e) => onData(JSON.parse(e.data)) });
    fetch(url, fetchInit(controller.signal)).then(async (response) => {
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    }).catch(() => {}); // aborted once `n` events arrived
  } else {
    const transport = name === "typed_sse_fetch_js" ? "fetch" : "native";
    const client = new SseClient(url, { reconnect: false, transport });
    client.on("message", onData);
    close = () => client.close();
  }
});

window.wasmBytes = () => pkg.memory.buffer.byteLength;

// `cycles` clients opened and closed (with free()), yielding to the browser every 100.
window.openClose = async (url, cycles, transport = "native") => {
  for (let i = 0; i < cycles; i++) {
    const client = new SseClient(url, { transport });
    client.close();
    client.close();
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 0));
  }
};

// One client through `count` reconnects: the stream ends after every event (cut=1).
window.reconnects = (url, count, transport = "native") => new Promise((resolve, reject) => {
  const client = new SseClient(url, { initialDelayMs: 0, jitter: 0, transport });
  let seen = 0;
  client.onError((e) => { if (e.kind !== "network") reject(new Error(`${e.kind}: ${e.message}`)); });
  client.on("message", () => { if (++seen === count) { client.close(); resolve(); } });
});

window.benchReady = true;
