// The fetch transport's request and body reader. It lives in JS for the same reason as the
// probe: fetch, Headers, Response and a ReadableStream reader written against web-sys bindings
// and awaited as Rust futures cost the package kilobytes for what is a few calls here. Every
// decision (what a status means, when to retry) is the Rust machine's; this only reports.

const BODY_PREVIEW = 4096;

/** What `head`'s first argument means when it is no HTTP status: the names of the signals
 *  src/transport/fetch.rs reads (its `Report`). test/js/fixtures/transport.json holds both
 *  sides' values, checked by `cargo test` and by `node --test test/js/`. */
export const REPORT = { FAILED: 0, ENDED: -1, MISUSE: -2 };

/** Whether a `Content-Type` is `text/event-stream`, whatever its parameters: the rule of
 *  `is_event_stream` (core/src/machine/decide.rs), which decides again on the head; ASCII
 *  whitespace and case only. The fixture above holds the cases both must agree on. */
export const isEventStream = (type) => /^[\t\n\f\r ]*text\/event-stream[\t\n\f\r ]*(;|$)/i.test(type);
// How long a refusal's body may take to show its first 4 KB: a server that stalls there must
// not hold the client in `connecting` (the status alone is enough to decide). Measured on the
// monotonic clock: the wall clock set back would stretch it by as much.
const PREVIEW_MS = 1000;

/** `promise`, or a rejection with `message` after `ms`, or at once when `signal` aborts: the
 *  timer never outlives it, nor the client (a pending timer would keep Node running after
 *  `close()` for the whole `ms`). */
function within(promise, ms, message, signal) {
  let timer, stop;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    stop = () => reject(new Error("aborted"));
    signal.addEventListener("abort", stop, { once: true });
  });
  return Promise.race([promise, late]).finally(() => {
    clearTimeout(timer);
    signal.removeEventListener("abort", stop);
  });
}

/** Starts `fetchFn(url, init)` (the global `fetch` unless the user gave one) and reports:
 *  - `head(status, contentType, retryAfter, body)` once: 200 with an event stream (`body` the
 *    origin of the response's final URL, after any redirect; "" when it has none), or any
 *    other answer with the first 4 KB of its body as text;
 *  - `chunk(bytes)` for every chunk of an accepted stream;
 *  - `head(REPORT.ENDED, "", "", "")` when an accepted stream ends;
 *  - `head(REPORT.FAILED, "", "", message)` when the request or the stream failed (retried), with the
 *    error thrown left in `options.cause`;
 *  - `head(REPORT.MISUSE, field, "", message)` when the `headers` or `fetch` option (`field`) gave what
 *    fetch cannot use: a programming error, which closes the client as `invalid_option`.
 *  `headers` is an object or a function returning one (or a promise of one), called before
 *  every connection so that each carries a fresh token. Returns an AbortController: once it is
 *  aborted nothing more is reported, and the request and the reader are released. */
export function startFetch(fetchFn, url, options, lastEventId, headers, head, chunk) {
  const controller = new AbortController();
  const { signal } = controller;
  const report = (...args) => {
    if (!signal.aborted) head(...args);
  };
  let init, reached = false;
  (async () => {
    // Fresh data without an author-set Cache-Control: that header is not CORS-safelisted and
    // would make every cross-origin connection preflighted (EventSource needs no preflight).
    init = { method: options.method, credentials: options.credentials, cache: "no-store", signal };
    // A headers function that never settles would hold the client in `connecting` for good:
    // it gets the refresher's time (refreshTimeoutMs), then counts as a network failure.
    const extra = typeof headers === "function"
      ? await within(Promise.resolve().then(headers), options.headersTimeoutMs,
        `the headers function did not answer within ${options.headersTimeoutMs} ms`, signal)
      : headers;
    // Closed while the headers function ran (from inside it, say): no request at all.
    signal.throwIfAborted();
    let all;
    try {
      all = new Headers(extra ?? undefined);
      // Node's Headers takes a control character other than NUL, CR and LF (\x01, DEL), which
      // its fetch then refuses: refused here, or every reconnect would fail the same way.
      for (const [, value] of all) if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) throw 0;
    } catch (_) {
      // Node's message quotes the value it refuses, which may be a token: not shown.
      throw misuse("headers", "the headers function returned headers fetch cannot send: a name that is not a " +
        "token, or a value with a control character or a character past U+00FF (values are not shown)");
    }
    // The user's Accept is kept (MCP's Streamable HTTP requires `application/json,
    // text/event-stream`), with text/event-stream added when it does not name it.
    const accept = all.get("Accept");
    if (!accept) all.set("Accept", "text/event-stream");
    else if (!/(^|,)[\t ]*text\/event-stream[\t ]*(;|,|$)/i.test(accept)) all.set("Accept", `${accept}, text/event-stream`);
    if (lastEventId) all.set("Last-Event-ID", byteString(lastEventId));
    if (options.body !== undefined) {
      init.body = options.body;
      if (options.contentType && !all.has("Content-Type")) all.set("Content-Type", options.contentType);
    }
    init.headers = plainHeaders(all);
    if (!fetchFn) return globalThis.fetch(url, init);
    let pending;
    try {
      pending = fetchFn(url, init);
    } catch (e) {
      // The global fetch never throws (it rejects): a function that does is broken, and would
      // throw again on every retry.
      throw misuse("fetch", `the fetch function threw: ${redact(describe(e))}`);
    }
    const response = await pending;
    if (!isResponse(response)) {
      // An opaque Response (a `no-cors` fetch: status 0) says nothing a stream can use.
      throw misuse("fetch", typeof response?.status === "number"
        ? `the fetch function gave a Response with status ${response.status} (an opaque no-cors response?), not one from 200 to 599`
        : `the fetch function gave ${response === null ? "null" : typeof response}, not a Response`);
    }
    return response;
  })().then(
    async (response) => {
      reached = true;
      // Closed while the request was pending, with a `fetch` that does not honour the signal:
      // the body would otherwise stay open.
      if (signal.aborted) return response.body?.cancel().catch(() => {});
      const type = response.headers.get("content-type") ?? "";
      const accepted = response.status === 200 && isEventStream(type);
      if (!accepted) {
        const body = await preview(response, signal).catch(() => "");
        return report(response.status, type, response.headers.get("retry-after") ?? "", body);
      }
      if (response.body !== null && typeof response.body?.getReader !== "function") {
        throw misuse("fetch", "the fetch function gave a Response whose body is not a ReadableStream");
      }
      report(200, type, "", originOf(response.url));
      // An accepted stream without a body (a Response made by a `fetch` option) ends at once.
      if (response.body === null) return report(REPORT.ENDED, "", "", "");
      const reader = response.body.getReader();
      // A listener of the open state may have closed the client during `report`.
      if (signal.aborted) return reader.cancel().catch(() => {});
      signal.addEventListener("abort", () => reader.cancel().catch(() => {}), { once: true });
      for (;;) {
        const { done, value } = await reader.read();
        if (signal.aborted) return;
        if (done) return report(REPORT.ENDED, "", "", "");
        chunk(value);
      }
    },
  ).catch(async (error) => {
    if (error?.[MISUSE]) return report(REPORT.MISUSE, error.field, "", error.message);
    let text = describeFailure(error);
    if (!reached && init && error instanceof TypeError) text = await explain(url, init, text, signal);
    const message = redact(text);
    // Read by fetch.rs as the `cause` of the error; Node's header errors quote the value they
    // refuse: such a cause is not kept either.
    options.cause = message === text ? error : undefined;
    report(REPORT.FAILED, "", "", message);
  });
  return controller;
}

// Marks an error of the `headers` or `fetch` option, which `startFetch` reports as such.
const MISUSE = Symbol("misuse");
const misuse = (field, message) => ({ [MISUSE]: true, field, message });

/** `init.headers` as a plain object, as the peers pass it: a `fetch` option written the usual
 *  way, `(input, init) => fetch(input, { ...init, headers: { ...init.headers, Authorization } })`,
 *  keeps them (a `Headers` object spreads to `{}`, which dropped `Accept` and `Last-Event-ID`,
 *  so every reconnect started the stream over). The names set here are written as the
 *  specification writes them, the user's in lower case, as `Headers` gives them back. */
function plainHeaders(headers) {
  return Object.fromEntries([...headers].map(([name, value]) => [NAMES[name] ?? name, value]));
}

const NAMES = { accept: "Accept", "last-event-id": "Last-Event-ID", "content-type": "Content-Type" };

/** Whether `value` can stand for a Response: a status and headers to read. Duck-typed, so that
 *  a Response of another realm or library (undici's own, say) is one. */
const isResponse = (value) =>
  value !== null && typeof value === "object" && Number.isInteger(value.status) &&
  value.status >= 200 && value.status <= 599 && typeof value.headers?.get === "function";

/** The origin of `url`, or "" when there is none to read (a Response made in JS has no URL). */
function originOf(url) {
  try {
    return url ? new URL(url).origin : "";
  } catch (_) {
    return "";
  }
}

/** Why a request failed, with the causes Node's fetch keeps behind its "fetch failed" (`connect
 *  ECONNREFUSED 127.0.0.1:8080`, `getaddrinfo ENOTFOUND api.example`). */
function describeFailure(error) {
  let text = describe(error);
  let cause = error?.cause;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 4; depth++) {
    const why = causeText(cause);
    if (why && !text.endsWith(why)) text += `: ${why}`;
    cause = cause.cause;
  }
  return text || "the request failed";
}

// An AggregateError (Node trying each address of a host) has no message of its own.
const causeText = (cause) =>
  describe(cause?.message || (Array.isArray(cause?.errors) && cause.errors.map(causeText).join("; ")) || cause?.code || cause);

/** A browser's failed request to another origin says only "Failed to fetch", whether the server
 *  was never reached or refused the request by CORS. One `no-cors` request of the same URL (no
 *  headers, no credentials; `max-age=0`, as the probe, so a server can tell it apart) tells
 *  them apart: it fails only when the server cannot be reached. Returns `text` with what was
 *  learnt, or as it is (same origin, Node, no answer within PREVIEW_MS, closed meanwhile). */
async function explain(url, init, text, signal) {
  const page = globalThis.location?.origin;
  let target;
  try {
    target = new URL(url, globalThis.location?.href).origin;
  } catch (_) {
    return text;
  }
  if (!page || page === "null" || target === page || globalThis.process?.versions?.node) return text;
  const check = new AbortController();
  const reachable = await within(
    fetch(url, { mode: "no-cors", credentials: "omit", cache: "no-cache", signal: check.signal }).then(() => true, () => false),
    PREVIEW_MS, "late", signal,
  ).catch(() => null);
  check.abort(); // the opaque answer's body
  if (reachable === false) return `could not connect to the server (${text})`;
  if (reachable !== true) return text;
  // The request headers a preflight must allow: all but the CORS-safelisted ones.
  const unsafe = Object.keys(init.headers).map((n) => n.toLowerCase()).filter((n) =>
    n !== "accept" && !(n === "content-type" && /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\b/i.test(init.headers[n])));
  const method = String(init.method ?? "GET").toUpperCase();
  return `${text}: the server answered, but CORS refused this cross-origin request: its answers must carry ` +
    `Access-Control-Allow-Origin: ${page}${init.credentials === "include" ? " and Access-Control-Allow-Credentials: true" : ""}` +
    (unsafe.length ? `, and its preflight answer Access-Control-Allow-Headers: ${unsafe.join(", ")}` : "") +
    (/^(GET|HEAD|POST)$/.test(method) ? "" : ` and Access-Control-Allow-Methods: ${method}`);
}

/** `text` without the value Node's `Headers` quotes when it refuses one
 *  (`Headers.append: "Bearer …" is an invalid header value.`): a token must not reach logs. */
const redact = (text) => text.replace(/"[^]*" is an invalid header value/g, "a value (not shown) is not a valid header value");

/** `text` as UTF-8, one character per byte: what `Headers` takes as a value (a "ByteString").
 *  The native EventSource sends the id's UTF-8 bytes; given the text itself, fetch sent `é` as
 *  the one byte E9 and threw on any character past U+00FF, failing every reconnect. */
function byteString(text) {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) out += String.fromCharCode(byte);
  return out;
}

/** The first 4 KB of a response body as text; the rest is not read. */
async function preview(response, signal) {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const parts = [];
  let size = 0;
  const until = performance.now() + PREVIEW_MS;
  while (size < BODY_PREVIEW) {
    const left = until - performance.now();
    const read = left > 0 ? await within(reader.read(), left, "late", signal).catch(() => ({ done: true })) : { done: true };
    const { done, value } = read;
    if (done) break;
    parts.push(value);
    size += value.length;
  }
  reader.cancel().catch(() => {});
  const bytes = new Uint8Array(Math.min(size, BODY_PREVIEW));
  let at = 0;
  for (const part of parts) {
    const take = part.subarray(0, bytes.length - at);
    bytes.set(take, at);
    at += take.length;
  }
  // A character cut at the limit decodes as U+FFFD: the preview is text, not exact bytes.
  return new TextDecoder().decode(bytes);
}

function describe(error) {
  try {
    return String(error?.message ?? error);
  } catch (_) {
    return "(a value that cannot be shown as text)";
  }
}
