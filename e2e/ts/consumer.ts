// Type-checked with `tsc --noEmit --strict` by `npm test`: the package's types as a TypeScript
// user meets them. Lines marked @ts-expect-error must stay errors.
import init, { SseClient, type EventMeta, type SseOptions, type SseState, type TypedSseError } from "typed-sse";

interface Quote {
  symbol: string;
  price: number;
}

export async function main(): Promise<void> {
  await init();
  const options: SseOptions = {
    withCredentials: true,
    decode: "json",
    initialDelayMs: 500,
    multiplier: 2,
    maxDelayMs: 10_000,
    jitter: 0.5,
    maxRetries: null,
    resumeParam: "lastEventId",
    idleTimeoutMs: 30_000,
    heartbeatEvent: "heartbeat",
    pauseWhenOffline: true,
    pauseWhenHidden: false,
    refreshUrl: async () => "/events?token=fresh",
  };
  const client = new SseClient("/events", options);
  new SseClient("/events").free(); // options are optional

  const off: () => void = client.on<Quote>("tick", (q, meta: EventMeta) => {
    const total: number = q.price * 2;
    const symbol: string = q.symbol;
    const id: string = meta.id;
    console.log(total, symbol, id, meta.type, meta.origin, meta.raw);
  });
  off();

  client.onState((s: SseState) => {
    if (s.state === "reconnecting") {
      const wait: number = s.delayMs + s.attempt;
      console.log(wait, s.reason, s.error.kind);
    } else if (s.state === "closed") {
      console.log(s.reason, s.error?.status);
    }
  });
  client.onError((e: TypedSseError) => {
    const kind: "decode" | "http" | string = e.kind;
    console.log(kind, e.message, e.status, e.raw, e.field, e.attempts, e.last?.kind);
  });

  const ready: "connecting" | "open" | "reconnecting" | "offline" | "paused" | "closed" = client.readyState;
  const last: string = client.lastEventId;
  const url: string = client.url;
  console.log(ready, last, url);

  // @ts-expect-error: decode is "json" or "text"
  new SseClient("/events", { decode: "xml" });
  // @ts-expect-error: an unknown option
  new SseClient("/events", { initialDelay: 100 });
  // @ts-expect-error: delays are numbers
  new SseClient("/events", { maxDelayMs: "10s" });
  // @ts-expect-error: the listener's data is the type asked for
  client.on<Quote>("tick", (q) => q.missing);

  // The fetch transport's options and what its errors carry.
  const streamed = new SseClient("/v1/completions", {
    transport: "fetch",
    method: "POST",
    body: { prompt: "hi", max_tokens: 8 },
    headers: async () => ({ Authorization: "Bearer t" }),
    credentials: "include",
    fetch: (input, init) => fetch(input, init),
    maxEventBytes: 65_536,
    serverRetry: false,
  });
  const offComment: () => void = streamed.onComment((text: string) => console.log(text.length));
  streamed.onError((e) => {
    const body: string | undefined = e.body;
    const limit: number | undefined = e.limit;
    if (e.kind === "too_large") console.log(limit);
    console.log(body);
  });
  offComment();
  // @ts-expect-error: the transport is "fetch" or "eventsource"
  new SseClient("/events", { transport: "websocket" });
  // @ts-expect-error: a body is a string or a plain object
  new SseClient("/events", { body: 42 });
  streamed.close();

  {
    using scoped = new SseClient("/events"); // Symbol.dispose frees it at the end of the block
    scoped.close();
  }
  client.close();
  client.free();
}
