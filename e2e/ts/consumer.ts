// Type-checked with `tsc --noEmit --strict` by `npm test`: the package's types as a TypeScript
// user meets them. Lines marked @ts-expect-error must stay errors.
import init, {
  SseClient, TypedEventSource, type EventMeta, type SseEvent, type SseOptions, type SseState, TypedSseError,
  SseConfigError, SseStreamError, type SseGap,
} from "typed-sse";

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
    maxReconnects: null,
    resumeParam: "lastEventId",
    idleTimeoutMs: 30_000,
    heartbeatEvent: "heartbeat",
    pauseWhenOffline: true,
    pauseWhenHidden: false,
    refreshUrl: async () => "/events?token=fresh",
  };
  const client = new SseClient("/events", options);
  new SseClient("/events").close(); // options are optional

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
      if (s.error?.kind === "http") console.log(s.reason, s.error.status);
    }
  });
  client.onError((e: TypedSseError) => {
    const kind: "decode" | "http" | string = e.kind;
    // The fields of an error are known once its kind is: a union discriminated on `kind`.
    if (e.kind === "http" || e.kind === "unauthorized") console.log(e.status, e.body.length);
    else if (e.kind === "decode") console.log(e.raw, e.eventType);
    else if (e.kind === "invalid_option") console.log(e.field);
    else if (e.kind === "gave_up") console.log(e.attempts, e.last.kind);
    // Another kind's field reads as undefined; only its own kind makes it certain.
    const maybe: number | undefined = e.status;
    // @ts-expect-error: before `kind` is checked, a status may be absent
    const sure: number = e.status;
    console.log(kind, e.message, maybe, sure);
  });

  // The error classes: `instanceof` narrows to their unions.
  try {
    new SseClient("/events", { jitter: 2 });
  } catch (e) {
    if (e instanceof SseConfigError) {
      const which: "invalid_url" | "invalid_option" = e.kind;
      console.log(which, e.kind === "invalid_option" ? e.field : e.url);
    } else if (e instanceof TypedSseError) {
      const stream: SseStreamError = e as SseStreamError;
      console.log(stream.kind);
    }
  }
  const made: unknown = null;
  if (made instanceof SseStreamError && made.kind === "network") console.log(made.cause);

  const ready: "connecting" | "open" | "reconnecting" | "offline" | "paused" | "closed" = client.state.state;
  const last: string = client.lastEventId;
  const url: string = client.url;
  console.log(ready, last, url);
  const tabs = new SseClient("/events", { shared: true, storageKey: "events", storageArea: "local" });
  const role: "own" | "holder" | "follower" = tabs.role;
  console.log(role);

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
  // The gap signal: the id the client had, and the oldest the server holds (or null).
  const offGap: () => void = streamed.onGap((gap: SseGap, meta: EventMeta) => {
    const last: string = gap.lastEventId;
    const first: string | null = gap.firstAvailable;
    console.log(last, first, meta.type);
  }, { signal: new AbortController().signal });
  offGap();
  for await (const { data } of streamed.gaps({ buffer: 4 })) {
    const first: string | null = data.firstAvailable;
    console.log(first);
    break;
  }
  // @ts-expect-error the gap has no `first_available`: its fields are camelCase
  streamed.onGap((gap) => gap.first_available);
  streamed.onError((e) => {
    if (e.kind === "too_large") {
      const limit: number = e.limit;
      console.log(limit);
    }
    if (e.kind === "http") {
      const body: string = e.body;
      console.log(body);
    }
  });
  offComment();
  // @ts-expect-error: the transport is "fetch" or "native"
  new SseClient("/events", { transport: "websocket" });
  // @ts-expect-error: a body is a string or a plain object
  new SseClient("/events", { body: 42 });
  streamed.close();

  // Today's idioms: AbortSignal, decoders the types are inferred from, `for await`.
  const controller = new AbortController();
  const idioms = new SseClient(new URL("/events", "https://example.com"), {
    signal: controller.signal,
    lastEventId: "41",
  });
  const parseQuote = (raw: string): Quote => JSON.parse(raw) as Quote;
  idioms.on("tick", (q) => console.log(q.price.toFixed(2)), { decode: parseQuote, signal: controller.signal });
  // @ts-expect-error: the data's type comes from the decoder
  idioms.on("tick", (q) => q.missing, { decode: parseQuote });
  for await (const { data, meta } of idioms.events("tick", { decode: parseQuote, buffer: 64 })) {
    const price: number = data.price;
    console.log(price, meta.id);
    break;
  }
  const iterator: AsyncIterableIterator<SseEvent<Quote>> = idioms.events<Quote>("tick");
  await iterator.return?.();
  // @ts-expect-error: a signal is an AbortSignal
  new SseClient("/events", { signal: controller });
  controller.abort();
  const closedState: SseState = idioms.state;
  if (closedState.state === "closed" && closedState.reason === "aborted") console.log("aborted");

  // The drop-in EventSource.
  const es = new TypedEventSource("/events", { withCredentials: true, initialDelayMs: 500 });
  es.onopen = () => console.log(es.readyState === TypedEventSource.OPEN);
  es.onmessage = (e) => console.log(JSON.parse(e.data), e.lastEventId, e.origin);
  es.onerror = (e) => console.log(e.error?.kind, es.readyState === es.CONNECTING);
  // @ts-expect-error: a server event named "error" reaches onerror too, with no `error`
  es.addEventListener("error", (e) => console.log(e.error.kind));
  es.addEventListener("statechange", (e) => console.log(e.state?.state));
  // @ts-expect-error: so does a server event named "statechange", with no `state`
  es.addEventListener("statechange", (e) => console.log(e.state.state));
  es.addEventListener("tick", (e) => console.log(e.data.length));
  const readyState: 0 | 1 | 2 = es.readyState;
  console.log(readyState, es.url, es.withCredentials);
  // @ts-expect-error: its data is text, always
  new TypedEventSource("/events", { decode: "json" });
  es.close();

  {
    using scoped = new SseClient("/events"); // Symbol.dispose closes it at the end of the block
    scoped.close();
  }
  client.close();
  client.close(); // closing twice is harmless
  const closed: SseClient = client;
  // @ts-expect-error: close() releases everything; there is no free()
  closed.free();
  // @ts-expect-error: the state's name is client.state.state; readyState is TypedEventSource's number
  console.log(closed.readyState);
}
