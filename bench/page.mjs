// The benchmark page: four clients of the same stream, each counting decoded events.
//   native          EventSource + JSON.parse, plain JS
//   typed_sse_js    the npm package's SseClient (JSON decoding)
//   typed_sse_rust  typed-sse's Rust API, decoding into a struct (bench/rust-client)
//   gloo_net        gloo-net's EventSource + serde_json (bench/gloo-client)
import initPackage, { SseClient } from "/pkg/typed_sse.js";

const pkg = await initPackage();

// The Rust clients (built with opt-level 3 by scripts/lib.sh: build_bench_clients), loaded only
// for the throughput runs: the smoke test in `npm test` needs just the package. The variant
// "prof" is the same code keeping its function names, for the CPU profile.
let rust, gloo;
window.loadRustClients = async (variant = "o3") => {
  rust = await import(`/bench/out/rust-${variant}/typed_sse_bench_rust.js`);
  gloo = await import(`/bench/out/gloo-${variant}/typed_sse_bench_gloo.js`);
  await rust.default();
  await gloo.default();
  return true;
};

const checksum = (d) => d.price + (d.symbol ? d.symbol.length : d.items.reduce((s, i) => s + i.value, 0));

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
    const client = new SseClient(url, { reconnect: false });
    let count = 0, sum = 0;
    client.on("message", (d) => {
      sum += checksum(d);
      if (++count === n) { client.free(); resolve(sum); }
    });
  }),
  typed_sse_rust: (url, n, large) => new Promise((resolve) => {
    const runner = rust.start(url, large, n, (sum) => { setTimeout(() => runner.free()); resolve(sum); });
  }),
  gloo_net: (url, n, large) => new Promise((resolve) => {
    const runner = gloo.start(url, large, n, (sum) => { setTimeout(() => { runner.close(); runner.free(); }); resolve(sum); });
  }),
};

// Milliseconds from opening the client to its n-th decoded event.
window.throughput = async (name, url, n, large) => {
  const t0 = performance.now();
  const sum = await clients[name](url, n, large);
  const ms = performance.now() - t0;
  if (!(sum > 0)) throw new Error(`${name} decoded nothing`);
  return ms;
};

// Per event, the time from the server's send (`sent`, epoch ms) to the listener call, in ms.
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
  } else {
    const client = new SseClient(url, { reconnect: false });
    client.on("message", onData);
    close = () => client.free();
  }
});

window.wasmBytes = () => pkg.memory.buffer.byteLength;

// `cycles` clients opened and closed (with free()), yielding to the browser every 100.
window.openClose = async (url, cycles) => {
  for (let i = 0; i < cycles; i++) {
    const client = new SseClient(url);
    client.close();
    client.free();
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 0));
  }
};

// One client through `count` reconnects: the stream ends after every event (cut=1).
window.reconnects = (url, count) => new Promise((resolve, reject) => {
  const client = new SseClient(url, { initialDelayMs: 0, jitter: 0 });
  let seen = 0;
  client.onError((e) => { if (e.kind !== "network") reject(new Error(`${e.kind}: ${e.message}`)); });
  client.on("message", () => { if (++seen === count) { client.free(); resolve(); } });
});

window.benchReady = true;
