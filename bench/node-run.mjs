// `node --expose-gc bench/node-run.mjs [OUT.json]` (SERVER_URL set; the package built in pkg/ or
// PKG_DIR): the Node half of the peer comparison. Every client of bench/node-clients.mjs reads
// the same stream of the test server, one after another, in rotated order, with the heap
// collected before each run; paired ratios to the `eventsource` library (both majors) and to
// fetch + eventsource-parser. Prints (or writes) JSON for bench/peers-run.mjs. A child process of
// its own, so that the driver of the Chromium runs shares nothing with it. Timing only: the
// smoke test (bench/smoke.test.mjs) checks the same clients' correctness.
import { writeFileSync } from "node:fs";
import { installPackage, nodeClients } from "./node-clients.mjs";
import { pairedThroughput } from "./measure.mjs";

const server = process.env.SERVER_URL;
if (!server) throw new Error("SERVER_URL is not set (scripts/bench.sh starts the server)");
if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
const QUICK = process.env.BENCH_QUICK === "1";
const RUN = QUICK ? { small: 5_000, large: 500, rounds: 2 } : { small: Number(process.env.NODE_NS || 100_000), large: Number(process.env.NODE_NL || 10_000), rounds: Number(process.env.ROUNDS || 5) };
const BASELINES = ["eventsource", "eventsource4", "fetch_parser"];

const clients = nodeClients(await installPackage());
const names = Object.keys(clients);
const results = { node: process.version, run: RUN };
let tag = 0;
for (const [size, n] of [["small", RUN.small], ["large", RUN.large]]) {
  console.error(`node: ${n} ${size} events, ${RUN.rounds} rounds of ${names.length} clients ...`);
  results[size] = await pairedThroughput({
    clients: names, n, rounds: RUN.rounds, baselines: BASELINES,
    gc: async () => { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); },
    run: async (c, count) => {
      const url = `${server}/sse/bench?n=${count}&size=${size}&key=node-${size}-${tag++}`;
      const t0 = performance.now();
      const sum = await clients[c](url, count);
      if (!(sum > 0)) throw new Error(`${c} decoded nothing`);
      return performance.now() - t0;
    },
  });
}
const json = JSON.stringify(results, null, 2);
if (process.argv[2]) writeFileSync(process.argv[2], `${json}\n`);
else console.log(json);
