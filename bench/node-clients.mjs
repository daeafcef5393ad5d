// The Node side of the comparison: the same stream of the test server (`/sse/bench`) read in Node
// by typed-sse (`SseClient`, `TypedEventSource`) and by what a Node user would pick instead:
// the `eventsource` library (its current major and 4), bare `fetch` + eventsource-parser, and
// event-source-plus. (@microsoft/fetch-event-source needs `window` and `document`: browsers only.)
//
// typed-sse is imported as an application imports it: the package folder is packed
// (`npm pack`) and unpacked into bench/out/node-consumer/node_modules/typed-sse, copied, not
// linked, and a module there imports "typed-sse", which Node resolves through the package's
// `exports` (its "node" condition).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { EventSource as EventSourceCurrent } from "eventsource";
import { EventSource as EventSource4 } from "eventsource4";
import { createParser } from "eventsource-parser";
import { EventSourcePlus } from "event-source-plus";
import { ROOT } from "./measure.mjs";

/** Packs `pkgDir` (default: PKG_DIR, or pkg/, as `build_package web pkg` makes it), installs the
 *  tarball's contents into `into`, and returns the module "typed-sse" as Node resolves it there. */
export async function installPackage(pkgDir = process.env.PKG_DIR || join(ROOT, "pkg"), into = join(ROOT, "bench/out/node-consumer")) {
  const packed = mkdtempSync(join(tmpdir(), "typed-sse-pack-"));
  try {
    const [{ filename }] = JSON.parse(execFileSync("npm", ["pack", pkgDir, "--json", "--pack-destination", packed], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    const target = join(into, "node_modules", "typed-sse");
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    execFileSync("tar", ["-xzf", join(packed, filename), "-C", target, "--strip-components=1"]);
  } finally {
    rmSync(packed, { recursive: true, force: true });
  }
  writeFileSync(join(into, "package.json"), `${JSON.stringify({ private: true, type: "module" })}\n`);
  writeFileSync(join(into, "entry.mjs"), `export * from "typed-sse";\n`);
  return import(pathToFileURL(join(into, "entry.mjs")).href);
}

// The same work per event as the page's clients (bench/page.mjs): read fields of the object.
const checksum = (d) => d.price + (d.symbol ? d.symbol.length : d.items.reduce((s, i) => s + i.value, 0));

/** The clients, each `(url, n) => Promise<checksum>` resolving once `n` events were decoded
 *  (and its connection closed). `typedSse` is the package's module. */
export function nodeClients(typedSse) {
  const { SseClient, TypedEventSource } = typedSse;
  // EventSource-shaped: `message` events with text data, closed after the n-th.
  const eventSourceLike = (Class, options) => (url, n) => new Promise((resolve) => {
    const es = new Class(url, options);
    let count = 0, sum = 0;
    es.addEventListener("message", (e) => {
      sum += checksum(JSON.parse(e.data));
      if (++count === n) { es.close(); resolve(sum); }
    });
  });
  return {
    eventsource: eventSourceLike(EventSourceCurrent),
    eventsource4: eventSourceLike(EventSource4),
    fetch_parser: async (url, n) => {
      const controller = new AbortController();
      const response = await fetch(url, { headers: { Accept: "text/event-stream" }, cache: "no-store", signal: controller.signal });
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
    event_source_plus: (url, n) => new Promise((resolve) => {
      let count = 0, sum = 0;
      const controller = new EventSourcePlus(url).listen({
        onMessage: (m) => {
          sum += checksum(JSON.parse(m.data));
          if (++count === n) { controller.abort(); resolve(sum); }
        },
      });
    }),
    typed_sse_client: (url, n) => new Promise((resolve) => {
      const client = new SseClient(url, { reconnect: false });
      let count = 0, sum = 0;
      client.on("message", (d) => {
        sum += checksum(d);
        if (++count === n) { client.close(); resolve(sum); }
      });
    }),
    typed_event_source: eventSourceLike(TypedEventSource, { reconnect: false }),
  };
}

/** What the tables call each Node client. */
export const NODE_LABEL = {
  eventsource: "`eventsource` (current major) + JSON.parse",
  eventsource4: "`eventsource` 4 + JSON.parse",
  fetch_parser: "fetch + eventsource-parser + JSON.parse",
  event_source_plus: "`event-source-plus` + JSON.parse",
  typed_sse_client: "typed-sse `SseClient`, JSON",
  typed_event_source: "typed-sse `TypedEventSource` + JSON.parse",
};
