// The options of `new SseClient(url, options)` and of `on()` and `events()`: checked here,
// field by field, so that every error names its field. In JS rather than in wasm: the checks
// and their messages cost the package about 4 KB gzipped as Rust (string formatting), and under
// 1 KB as minified JS. `readOptions` returns the options normalised (only known fields, of the
// right types), in the order of `FIELDS`; the wasm side (src/js/options.rs) reads them by
// position without checking again.
import { describe, makeError } from "./errors.js";

// Throws a TypedSseError of kind `invalid_option` unless `listener` is a function.
export function checkListener(listener) {
  if (typeof listener !== "function") fail("listener", `expected a function, got ${typeName(listener)}`);
}

const typeName = (v) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v);

export const eventType = (type) => {
  if (typeof type !== "string") fail("type", `expected an event type (a string), got ${typeName(type)}`);
};

// The first argument of `on(decoders, listener)` and `events(decoders)`: an object of
// per-type decoders, e.g. `{ content_block_delta: (raw) => JSON.parse(raw) }`.
export const checkDecoders = (decoders) => {
  if (!isPlainObject(decoders) || Object.keys(decoders).length === 0) {
    fail("type", "expected an event type, or an object of decoders by event type");
  }
  for (const [type, decode] of Object.entries(decoders)) {
    if (typeof decode !== "function") fail(type, "expected a decoder: a function (raw: string) => data");
  }
};

const isSignal = (v) => typeof AbortSignal === "function" && v instanceof AbortSignal;

// How many events an `events()` iterator holds unread before it stops with `overflow`.
const DEFAULT_BUFFER = 1024;

// The options of `on`, and with `buffer` of `events` (`iterator`).
export function listenerOptions(options, iterator) {
  if (options === undefined || options === null) return { buffer: DEFAULT_BUFFER };
  if (typeof options !== "object" || Array.isArray(options)) fail("options", `expected an object, got ${typeName(options)}`);
  const { signal, decode, buffer, ...rest } = options;
  const unknown = Object.keys(iterator || buffer === undefined ? rest : { buffer })[0];
  if (unknown !== undefined) fail(unknown, `unknown option; known options are signal, decode${iterator ? ", buffer" : ""}`);
  if (signal !== undefined && !isSignal(signal)) fail("signal", `expected an AbortSignal, got ${typeName(signal)}`);
  if (decode !== undefined && typeof decode !== "function") {
    fail("decode", "expected a function (raw: string) => data, such as (raw) => Schema.parse(JSON.parse(raw))");
  }
  if (buffer !== undefined && !whole(buffer, 1, 4294967295)) {
    fail("buffer", `expected a whole number of events from 1 to 4294967295, got ${typeof buffer === "string" ? JSON.stringify(buffer) : String(buffer)}`);
  }
  return { signal, decode, buffer: buffer ?? DEFAULT_BUFFER };
}


const MAX_MS = 2147483647; // what a browser timer holds

export const fail = (field, message) => {
  throw makeError("invalid_option", `invalid option \`${field}\`: ${message}`, { field });
};

const isPlainObject = (v) =>
  v !== null && typeof v === "object" && !Array.isArray(v) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(v));

const whole = (v, min, max) => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

const boolean = (f, v) => (typeof v === "boolean" ? v : fail(f, "expected a boolean"));

const millis = (f, v) =>
  whole(v, 0, MAX_MS) ? v : fail(f, `expected a whole, non-negative number of milliseconds, at most ${MAX_MS}, got ${String(v)}`);

const oneOf = (f, v, allowed) =>
  allowed.includes(v) ? v : fail(f, `expected ${allowed.map((a) => `"${a}"`).join(" or ")}, got ${JSON.stringify(v)}`);

const fn = (f, v, what) => (typeof v === "function" ? v : fail(f, `expected ${what}`));

// Each known option: how to check it, and what the wasm side receives.
// Fixed headers that fetch would refuse (a name with a space, a line break in a value) are
// refused here, once, rather than failing every connection as a network error retried without
// end. The browser's (or Node's) own `Headers` says what is valid.
const validHeaders = (f, v) => {
  const problem = headerProblem(v);
  if (problem !== null) fail(f, `not valid headers: ${problem}`);
  return true;
};

/** What `Headers` refuses in `headers`, naming the header but never showing a value (a value
 *  may be a token, and error messages end up in logs; Node's own message quotes it); null when
 *  it takes them. (src/transport/fetch.js refuses a headers function's answer without naming the
 *  header: the check costs the package bytes twice.) */
function headerProblem(headers) {
  let all = null;
  try {
    all = new Headers(headers);
  } catch (_) {
    // found below
  }
  // Node's Headers takes a control character other than NUL, CR and LF (\x01, DEL), which its
  // fetch then refuses at every request: refused here as well.
  if (all !== null) {
    for (const [name, value] of all) {
      if (BAD_HEADER_VALUE.test(value)) {
        return `the value of ${JSON.stringify(name)} is not a header value: it holds a control character ` +
          "(the value is not shown: it may be a secret)";
      }
    }
    return null;
  }
  if (headers === null || typeof headers !== "object") return "expected an object of header names and values";
  for (const pair of Array.isArray(headers) ? headers : Object.entries(headers)) {
    if (!Array.isArray(pair) || pair.length !== 2) break;
    const name = JSON.stringify(describe(pair[0]).slice(0, 100));
    try {
      new Headers([[pair[0], ""]]);
    } catch (_) {
      return `${name} is not a header name`;
    }
    try {
      new Headers([pair]);
    } catch (_) {
      return `the value of ${name} is not a header value: it holds a NUL, CR or LF, or a ` +
        "character past U+00FF (the value is not shown: it may be a secret)";
    }
  }
  return "expected an object of header names and values";
}

// What a header value may hold (RFC 9110's field-value: tab, visible ASCII, space, obs-text).
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

const FIELDS = {
  withCredentials: boolean,
  decode: (f, v) => oneOf(f, v, ["json", "text"]),
  reconnect: boolean,
  initialDelayMs: millis,
  maxDelayMs: millis,
  multiplier: (f, v) => (typeof v === "number" && v >= 1 && Number.isFinite(v) ? v : fail(f, "expected a number of at least 1")),
  jitter: (f, v) => (typeof v === "number" && v >= 0 && v <= 1 ? v : fail(f, "expected a number from 0 to 1")),
  maxReconnects: (f, v) => (v === null || whole(v, 0, 4294967295) ? v : fail(f, "expected a whole non-negative number, or null")),
  resumeParam: (f, v) =>
    v === null || v === false ? null : typeof v === "string" && v !== "" ? v : fail(f, "expected a non-empty name, or null to turn it off"),
  idleTimeoutMs: (f, v) => (v === null ? null : Math.max(millis(f, v), 1)),
  heartbeatEvent: (f, v) => (typeof v === "string" ? v : fail(f, "expected an event type")),
  pauseWhenOffline: boolean,
  pauseWhenHidden: boolean,
  refreshUrl: (f, v) => fn(f, v, "a function returning a URL or a Promise of one"),
  refreshTimeoutMs: millis,
  maxRetryAfterMs: millis,
  transport: (f, v) => oneOf(f, v, ["fetch", "native"]),
  method: (f, v) => (typeof v === "string" && v !== "" ? v : fail(f, 'expected an HTTP method such as "POST"')),
  headers: (f, v) => (typeof v === "function" || (isPlainObject(v) && validHeaders(f, v)) ? v : fail(f, "expected an object of headers, or a function returning one")),
  body: (f, v) => {
    if (typeof v === "string") return v;
    if (!isPlainObject(v) && !Array.isArray(v)) fail(f, "expected a string, or a plain object sent as JSON");
    return JSON.stringify(v);
  },
  credentials: (f, v) => oneOf(f, v, ["omit", "same-origin", "include"]),
  fetch: (f, v) => fn(f, v, "a function like the global fetch"),
  maxEventBytes: (f, v) => (whole(v, 1, 268435456) ? v : fail(f, "expected a whole number of bytes from 1 to 268435456 (256 MiB)")),
  serverRetry: boolean,
  signal: (f, v) => (isSignal(v) ? v : fail(f, `expected an AbortSignal, got ${typeName(v)}`)),
  lastEventId: (f, v) =>
    typeof v === "string" && !/[\0\r\n]/.test(v) ? v : fail(f, "expected an event id: a string without NUL, CR or LF"),
  resume: (f, v) => oneOf(f, v, ["never", "repeat", "get"]),
  doneMarker: boolean,
  terminalEvents: (f, v) =>
    typeof v === "function" || (Array.isArray(v) && v.every((t) => typeof t === "string"))
      ? v : fail(f, "expected an array of event types, or a function (type, data) => boolean"),
  shared: boolean,
  storageKey: (f, v) => (typeof v === "string" && v !== "" ? v : fail(f, "expected a non-empty storage key")),
  storageArea: (f, v) => oneOf(f, v, ["session", "local"]),
  // JS only (the hub): whether an error nobody listens for is printed with console.error.
  logErrors: boolean,
};

// The wasm side reads the checked options by position (src/js/options.rs, `Opt`): one array
// read per option there, instead of a string passed into JS and a property lookup.
export const OPTION_ORDER = [...Object.keys(FIELDS), "contentType"];

/** The options checked and normalised, as an array in OPTION_ORDER (undefined where not set);
 *  throws a TypedSseError of kind `invalid_option`. */
export function readOptions(options) {
  const out = checkOptions(options);
  return OPTION_ORDER.map((field) => out[field]);
}

/** What the hub takes from the options `readOptions` returned: whether data is decoded as
 *  JSON, and whether an error nobody listens for is printed. */
export const hubSettings = (read) => ({
  json: read[OPTION_ORDER.indexOf("decode")] !== "text",
  logErrors: read[OPTION_ORDER.indexOf("logErrors")] !== false,
});

function checkOptions(options) {
  const out = {};
  if (options === undefined || options === null) return out;
  if (typeof options !== "object" || Array.isArray(options)) fail("options", "expected an object");
  for (const [field, value] of Object.entries(options)) {
    // `{ jitter: undefined }` means the default, as in most JS APIs.
    if (value === undefined) continue;
    // Own fields only: "toString" or "__proto__" are not options.
    const check = Object.hasOwn(FIELDS, field) ? FIELDS[field] : undefined;
    if (!check) fail(field, `unknown option; known options are ${Object.keys(FIELDS).join(", ")}`);
    out[field] = check(field, value);
  }
  if (out.storageArea !== undefined && out.storageKey === undefined) fail("storageArea", "needs storageKey, the key to keep the last event id under");
  if (out.body !== undefined && typeof options.body !== "string") out.contentType = "application/json";
  return out;
}
