// An MCP Streamable HTTP server for the tests: the official TypeScript SDK's transport
// (`@modelcontextprotocol/sdk`), with sessions and a resumable event store, on 127.0.0.1.
//
//   import { startMcpServer } from "./mcp/server.mjs";
//   const mcp = await startMcpServer();      // port 0: any free port
//   mcp.url                                  // http://127.0.0.1:PORT/mcp
//   mcp.stats(key)                           // what the server saw for `key` (also GET /stats?key=K)
//   await mcp.close();
//
// Or `node e2e/mcp/server.mjs [port]`, which prints `{"url":...}` and serves until SIGTERM.
//
// - `/mcp?key=K`: the SDK's transport, as is (the query is ours: the SDK ignores it). Every
//   request is recorded under `key` (default `default`): method, `Accept`, `Last-Event-ID`, the
//   JSON-RPC methods of a POST, and the status; `GET /stats?key=K` answers them with the
//   number of `count` runs: `{"calls":N,"requests":[...]}`.
// - Tools: `count` ({ key, steps, interval_ms }): `steps` `notifications/progress` on the
//   call's own response stream (with the request's `_meta.progressToken`), one every
//   `interval_ms`, then the result `counted to <steps>`; each run is counted under `key`.
//   `tick` ({ count, interval_ms }): answers at once, then sends `count` `notifications/message`
//   with `data: { n }` (1 to `count`) on the session's GET notification stream.
// - `POST /control/cut?key=K&method=GET|POST` (JSON body or `X-Typed-SSE: 1`): breaks the
//   connections of the live event streams of `key` (of that method only, if given): a network
//   cut mid-stream. Answers `{"cut":N}`.
// - Refuses requests that do not name this machine (`Host`, 421) or come from a page elsewhere
//   (`Origin`, 403); answers CORS for pages on this machine (the test server's), so that a page
//   can call it with `Mcp-Session-Id`, `Mcp-Protocol-Version` and `Last-Event-ID`.
//
// Bounded: 64 sessions (the oldest closed first), 200 request records per key and 256 keys,
// request bodies of 1 MiB, and the event store's bounds (see event-store.mjs).
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema, isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { ResumableEventStore } from "./event-store.mjs";

const MAX_SESSIONS = 64;
const MAX_RECORDS = 200;
const MAX_KEYS = 256;
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_STEPS = 1_000;
const MAX_INTERVAL_MS = 10_000;

const TOOLS = [
  {
    name: "count",
    description: "Counts to `steps`, one progress notification per step, then answers.",
    inputSchema: {
      type: "object",
      properties: {
        key: { type: "string" },
        steps: { type: "integer", minimum: 0, maximum: MAX_STEPS },
        interval_ms: { type: "integer", minimum: 0, maximum: MAX_INTERVAL_MS },
      },
      required: ["steps"],
    },
  },
  {
    name: "tick",
    description: "Sends `count` log notifications on the GET stream, one every `interval_ms`.",
    inputSchema: {
      type: "object",
      properties: {
        count: { type: "integer", minimum: 0, maximum: MAX_STEPS },
        interval_ms: { type: "integer", minimum: 0, maximum: MAX_INTERVAL_MS },
      },
      required: ["count"],
    },
  },
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// An integer argument within [0, max], else a tool error (thrown, so the SDK answers it).
function integer(args, name, fallback, max) {
  const value = args?.[name] ?? fallback;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`\`${name}\` must be an integer from 0 to ${max}`);
  }
  return value;
}

function loopbackHost(authority) {
  if (typeof authority !== "string") return false;
  const m = /^(.*?)(?::(\d+))?$/.exec(authority);
  return ["127.0.0.1", "localhost", "[::1]"].includes(m[1].toLowerCase());
}

function localOrigin(origin) {
  return origin.startsWith("http://") && loopbackHost(origin.slice("http://".length));
}

function json(res, status, value) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(value));
}

function rpcError(res, status, code, message) {
  json(res, status, { jsonrpc: "2.0", error: { code, message }, id: null });
}

// The request body, parsed as JSON; `undefined` for none; throws past MAX_BODY_BYTES or for
// JSON that does not parse.
async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error(`a body may be at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? undefined : JSON.parse(text);
}

export async function startMcpServer({ port = 0 } = {}) {
  const sessions = new Map(); // session id -> transport, oldest first
  const keys = new Map(); // key -> { calls, requests: [] }, least recently used first
  const live = new Set(); // { key, method, res } of responses not yet closed

  function record(key) {
    let entry = keys.get(key);
    if (entry) keys.delete(key);
    else {
      entry = { calls: 0, requests: [] };
      while (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value);
    }
    keys.set(key, entry);
    return entry;
  }

  // A fresh MCP server (the SDK's low-level `Server`) for one session.
  function mcpServer() {
    const server = new Server(
      { name: "typed-sse-test-peer", version: "1.0.0" },
      { capabilities: { tools: {}, logging: {} } },
    );
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOLS }));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const args = request.params.arguments ?? {};
      if (request.params.name === "count") {
        const steps = integer(args, "steps", 0, MAX_STEPS);
        const interval = integer(args, "interval_ms", 0, MAX_INTERVAL_MS);
        const key = typeof args.key === "string" ? args.key.slice(0, 200) : "default";
        record(key).calls += 1;
        const progressToken = request.params._meta?.progressToken;
        for (let i = 1; i <= steps; i++) {
          if (interval > 0) await sleep(interval);
          if (progressToken !== undefined) {
            await extra.sendNotification({
              method: "notifications/progress",
              params: { progressToken, progress: i, total: steps, message: `step ${i}` },
            });
          }
        }
        return { content: [{ type: "text", text: `counted to ${steps}` }] };
      }
      if (request.params.name === "tick") {
        const count = integer(args, "count", 0, MAX_STEPS);
        const interval = integer(args, "interval_ms", 0, MAX_INTERVAL_MS);
        (async () => {
          for (let n = 1; n <= count; n++) {
            if (interval > 0) await sleep(interval);
            // Not related to this request: the SDK sends it on the GET stream (or stores it for
            // a resume while that stream is down).
            await server.notification({ method: "notifications/message", params: { level: "info", data: { n } } });
          }
        })().catch(() => {});
        return { content: [{ type: "text", text: `ticking ${count}` }] };
      }
      throw new Error(`no tool ${String(request.params.name).slice(0, 100)}`);
    });
    return server;
  }

  async function newSession() {
    while (sessions.size >= MAX_SESSIONS) {
      const [, oldest] = sessions.entries().next().value;
      await oldest.close();
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new ResumableEventStore(),
      onsessioninitialized: (id) => { sessions.set(id, transport); },
    });
    transport.onclose = () => { if (transport.sessionId) sessions.delete(transport.sessionId); };
    await mcpServer().connect(transport);
    return transport;
  }

  async function mcp(req, res, url) {
    const key = (url.searchParams.get("key") ?? "default").slice(0, 200);
    const entry = {
      method: req.method,
      accept: req.headers.accept ?? null,
      last_event_id: req.headers["last-event-id"] ?? null,
      rpc: null,
      status: null,
    };
    const { requests } = record(key);
    requests.push(entry);
    if (requests.length > MAX_RECORDS) requests.shift();
    // Whether a 200 answer is an event stream: a GET's always is; a POST's is when it carries a
    // request (the transport answers notifications alone with 202).
    const handle = { key, method: req.method, res, stream: req.method === "GET" };
    live.add(handle);
    res.on("close", () => {
      live.delete(handle);
      entry.status ??= res.statusCode;
    });
    res.on("finish", () => { entry.status = res.statusCode; });
    // A stream still open when a test reads /stats has its status from its head.
    const writeHead = res.writeHead;
    res.writeHead = function (status, ...rest) {
      entry.status ??= status;
      return writeHead.call(this, status, ...rest);
    };
    let body;
    if (req.method === "POST") {
      try {
        body = await readJson(req);
      } catch (e) {
        return rpcError(res, 400, -32700, `Parse error: ${String(e.message).slice(0, 200)}`);
      }
      const messages = Array.isArray(body) ? body : [body];
      entry.rpc = messages.map((m) => (typeof m?.method === "string" ? m.method.slice(0, 100) : null));
      handle.stream = messages.some((m) => m?.id !== undefined && typeof m?.method === "string");
    }
    const sessionId = req.headers["mcp-session-id"];
    let transport = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined) return rpcError(res, 404, -32001, "Session not found");
      if (req.method !== "POST" || !isInitializeRequest(body)) {
        return rpcError(res, 400, -32000, "Bad Request: no session: initialize first");
      }
      transport = await newSession();
    }
    await transport.handleRequest(req, res, body);
  }

  function cut(url) {
    const key = (url.searchParams.get("key") ?? "default").slice(0, 200);
    const method = url.searchParams.get("method");
    let n = 0;
    for (const handle of live) {
      const streaming = handle.stream && handle.res.headersSent && handle.res.statusCode === 200;
      if (handle.key === key && streaming && (!method || handle.method === method)) {
        handle.res.socket?.destroy();
        n++;
      }
    }
    return n;
  }

  // What the server saw for `key`: tool runs and requests (copies).
  function stats(key) {
    const entry = keys.get(key) ?? { calls: 0, requests: [] };
    return { calls: entry.calls, requests: entry.requests.map((r) => ({ ...r })) };
  }

  const http = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://127.0.0.1");
      if (!loopbackHost(req.headers.host)) {
        return json(res, 421, { error: "this server answers only requests for 127.0.0.1, localhost or [::1]" });
      }
      const origin = req.headers.origin;
      if (origin !== undefined) {
        if (!localOrigin(origin)) return json(res, 403, { error: "pages from other machines are refused" });
        res.setHeader("Access-Control-Allow-Origin", origin);
        res.setHeader("Access-Control-Allow-Credentials", "true");
        res.setHeader("Access-Control-Expose-Headers", "Mcp-Session-Id, Mcp-Protocol-Version");
        res.setHeader("Vary", "Origin");
      }
      if (req.method === "OPTIONS") {
        res.writeHead(204, {
          "Access-Control-Allow-Methods": "GET, POST, DELETE",
          "Access-Control-Allow-Headers":
            "Accept, Content-Type, Cache-Control, Last-Event-ID, Mcp-Session-Id, Mcp-Protocol-Version, X-Typed-SSE",
          "Access-Control-Max-Age": "600",
        });
        return res.end();
      }
      if (url.pathname === "/mcp") return await mcp(req, res, url);
      if (url.pathname === "/stats" && req.method === "GET") {
        return json(res, 200, stats((url.searchParams.get("key") ?? "default").slice(0, 200)));
      }
      if (url.pathname === "/control/cut" && req.method === "POST") {
        const proven = req.headers["x-typed-sse"] === "1" || /^application\/json\b/i.test(req.headers["content-type"] ?? "");
        if (!proven) return json(res, 403, { error: "a control needs `X-Typed-SSE: 1` or a JSON body" });
        return json(res, 200, { cut: cut(url) });
      }
      return json(res, 404, { error: "not found" });
    } catch (e) {
      if (!res.headersSent) json(res, 500, { error: String(e?.message ?? e).slice(0, 200) });
      else res.destroy();
    }
  });

  await new Promise((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, "127.0.0.1", resolve);
  });
  const { port: bound } = http.address();
  return {
    url: `http://127.0.0.1:${bound}/mcp`,
    origin: `http://127.0.0.1:${bound}`,
    stats,
    async close() {
      for (const transport of [...sessions.values()]) await transport.close().catch(() => {});
      for (const { res } of live) res.socket?.destroy();
      http.closeAllConnections?.();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await startMcpServer({ port: Number(process.argv[2] ?? 0) });
  const stop = () => server.close().finally(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  console.log(JSON.stringify({ url: server.url }));
}
