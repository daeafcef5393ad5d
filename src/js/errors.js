// The package's errors: the classes a user tests with `instanceof`, the messages of the errors
// made in wasm, and where an error goes when nobody listens for it.
//
// Two families, as quinn has `ConnectError` (the call was wrong) apart from `ConnectionError`
// (the connection failed later):
// - `SseConfigError`: the code that built the client passed something wrong (`invalid_url`,
//   `invalid_option`). Thrown by the constructor, `on()` and `events()`; reported to `onError`
//   only when a `headers` or `fetch` function misbehaves while the client runs.
// - `SseStreamError`: the server, the network or the events went wrong while the client ran
//   (every other kind). Reported to `onError`, carried by `state.error`, thrown by an `events()`
//   iterator.
// Both extend `TypedSseError`; every instance's `name` is "TypedSseError" and its `kind` says
// which error it is. docs/errors.md is the reference.

/** The base class of every error the package throws or reports. */
export class TypedSseError extends Error {
  constructor(kind, message, details) {
    super(message);
    this.name = "TypedSseError";
    this.kind = kind;
    if (details) Object.assign(this, details);
  }
}

/** An error in how the client was built or called: fix the code, retrying cannot help. */
export class SseConfigError extends TypedSseError {}

/** A failure while the client ran: the network, the server's answer, or the events. */
export class SseStreamError extends TypedSseError {}

// The classes' own names, which the package's minifier would shorten (Node's console shows them).
for (const [Class, name] of [[TypedSseError, "TypedSseError"], [SseConfigError, "SseConfigError"], [SseStreamError, "SseStreamError"]]) {
  Object.defineProperty(Class, "name", { value: name });
}

const CONFIG_KINDS = ["invalid_url", "invalid_option"];

/** A TypedSseError of `kind`, of the class its kind belongs to, with `details` as properties. */
export function makeError(kind, message, details) {
  const Class = CONFIG_KINDS.includes(kind) ? SseConfigError : SseStreamError;
  return new Class(kind, message, details);
}

/** The message of each error made in wasm (src/js/convert.rs), from the kind, the details and
 *  the variant's own `text`: Rust's `Display` (core/src/error.rs) is their owner, and
 *  test/js/fixtures/error-messages.json holds one example of each, checked against `Display` by
 *  `cargo test` and against this table by `node --test test/js/`. */
export const MESSAGES = {
  invalid_url: (d, t) => `invalid URL \`${d.url}\`: ${t}`,
  invalid_option: (d, t) => `invalid option \`${d.field}\`: ${t}`,
  decode: (d, t) => `could not decode \`${d.eventType}\` event: ${t}`,
  no_content: () => "the server answered 204 No Content: it asks the client not to reconnect",
  unauthorized: (d) => `unauthorized: the server answered ${d.status}`,
  http: (d) => `the server answered HTTP ${d.status}`,
  content_type: (d) => `the server answered with content type \`${d.contentType}\`, not \`text/event-stream\``,
  network: (d, t) => `network error: ${t}`,
  too_large: (d) => `an event passed the ${d.limit}-byte limit: the connection was dropped`,
  idle_timeout: (d) => `no event for ${d.timeoutMs} ms: the connection was treated as dead`,
  gave_up: (d) => `gave up after ${d.attempts} reconnect attempt(s): ${d.last.message}`,
  listener: (d, t) => `a listener for \`${d.eventType}\` threw: ${t}`,
};

/** The TypedSseError for an error made in wasm. */
export function wasmError(kind, text, details) {
  // An option is named as JS spells it: the builder's `last_event_id` is `lastEventId`.
  if (kind === "invalid_option") details.field = details.field.replace(/_(.)/g, (_, c) => c.toUpperCase());
  return makeError(kind, MESSAGES[kind]?.(details, text) ?? text, details);
}

/** `value` (whatever a user's code threw) as text: a getter or a proxy that throws must not
 *  escape from here. */
export function describe(value) {
  try {
    return value instanceof Error ? String(value.message) : String(value);
  } catch (_) {
    try {
      return Object.prototype.toString.call(value);
    } catch (_) {
      return "(a value that cannot be shown as text)";
    }
  }
}

/** The `listener` TypedSseError for what a listener of `type` threw. */
export function listenerError(type, thrown) {
  return makeError("listener", `a listener for \`${type}\` threw: ${describe(thrown)}`, { eventType: type, cause: thrown });
}

/** Reports an exception that a user's function (a listener, a decoder) threw and that no error
 *  listener took, where the environment reports an uncaught exception from an event listener,
 *  without ending anything: the stream and the program go on.
 *  - Node (Deno and Bun too): `process.emitWarning(error)`, printed on stderr and heard by
 *    `process.on("warning")`. Node's own EventTarget rethrows a listener's exception, which
 *    ends the process: a stream's listeners must not.
 *  - Pages and workers: `reportError(thrown)`, the global `error` event and the console, as the
 *    browser's EventTarget reports a throwing listener.
 *  `error` is the TypedSseError that describes it (with `thrown` as its `cause`). */
export function reportUncaught(thrown, error) {
  try {
    const node = globalThis.process;
    if (typeof node?.emitWarning === "function" && node.versions?.node) node.emitWarning(error);
    else if (typeof globalThis.reportError === "function") globalThis.reportError(thrown);
    else console.error(error);
  } catch (_) {
    // The environment's own reporting failed (a `warning` handler threw): nowhere left to go.
  }
}

/** How long the errors of one kind are counted before one line sums them up. */
export const SUMMARY_INTERVAL_MS = 10_000;

// The end of an accepted stream with no error (the server finished its response): retried as
// EventSource retries it, silently, since nothing went wrong.
const CLEAN_END = MESSAGES.network({}, "the stream ended");

/** Where the errors that no error listener heard go (no `onError` listener, no `error`
 *  listener on a TypedEventSource), one reporter per client: `console.error`, where a newcomer
 *  looks first, unless the client was built with `logErrors: false`.
 *  - The first error of each kind is printed; the later ones of that kind are counted and
 *    summed up in at most one line per kind every `SUMMARY_INTERVAL_MS` ("N more `decode`
 *    errors in the last 10 s"), so a server that sends 50,000 bad events, or a client that
 *    retries forever, says so without flooding the console.
 *  - The clean end of a stream that had opened is not an error to print: it is retried as
 *    EventSource retries it, silently.
 *  - In a browser the error itself (the console shows its fields); in Node one line,
 *    `TypedSseError: <message>`, rather than a stack through minified code.
 *  The summary's timer is unreferenced in Node (it never keeps a process alive) and fires at
 *  most once per kind per interval. */
export class UnheardReporter {
  #kinds = new Map(); // kind -> { more: count since the last line, timer }

  report(error) {
    try {
      if (error?.kind === "network" && error.message === CLEAN_END) return;
      const kind = String(error?.kind ?? "unknown");
      const seen = this.#kinds.get(kind);
      if (seen === undefined) {
        this.#kinds.set(kind, { more: 0, timer: null });
        const node = globalThis.process?.versions?.node;
        console.error(node ? String(error) : error);
        return;
      }
      seen.more += 1;
      if (seen.timer !== null) return;
      seen.timer = setTimeout(() => {
        seen.timer = null;
        const more = seen.more;
        seen.more = 0;
        try {
          console.error(`TypedSseError: ${more} more \`${kind}\` error${more === 1 ? "" : "s"} in the last ` +
            `${SUMMARY_INTERVAL_MS / 1000} s; listen with onError (or an \`error\` listener) or set logErrors: false`);
        } catch (_) {
          // A console that throws: nothing more to do.
        }
      }, SUMMARY_INTERVAL_MS);
      seen.timer?.unref?.();
    } catch (_) {
      // A console that throws: nothing more to do.
    }
  }
}

/** Reports through `report` what an async listener's promise rejects with, as its throw would
 *  be reported: an unhandled rejection ends a Node process (and is only logged in a page).
 *  Anything else a listener returns is ignored. */
export function watchRejection(result, report) {
  try {
    if (result !== null && (typeof result === "object" || typeof result === "function") &&
      typeof result.then === "function") result.then(undefined, report);
  } catch (e) {
    report(e); // a `then` that throws
  }
}
