// A JavaScript client of the shared `ChatEvent` enum, typed by the TypeScript generated from
// the Rust enum (chat-event.ts): `tsc --strict` checks it (e2e/ts/tsconfig.json) and
// e2e/typed.test.mjs runs it in Node against the test server, which publishes the enum through
// typed-sse-axum. It takes the client class as an argument, so it runs wherever the package is.
// @ts-check

/** @typedef {import("./chat-event").ChatEvent} ChatEvent */
/** @typedef {import("./chat-event").ChatEventDecoders} ChatEventDecoders */

/** One decoder per event type: tsc fails if the enum gains or loses a variant. */
/** @type {ChatEventDecoders} */
export const decoders = {
  message: JSON.parse,
  joined: JSON.parse,
  reactions: JSON.parse,
  ping: JSON.parse,
};

/**
 * One line per event, narrowing on `type`: the payload's fields are typed per variant, and the
 * `never` check fails tsc if a variant is not handled.
 * @param {ChatEvent} event
 * @returns {string}
 */
export function describe(event) {
  switch (event.type) {
    case "message": {
      const { user, text, reply_to, tags } = event.data;
      const reply = reply_to === null ? "" : ` (re #${reply_to.toFixed(0)})`;
      return `${user}: ${text}${reply}${tags.map((t) => ` #${t}`).join("")}`;
    }
    case "joined":
      return `${event.data.user} joined`;
    case "reactions": {
      const [message, count] = event.data;
      return `${count} reactions on #${message}`;
    }
    case "ping":
      return "ping";
    default: {
      /** @type {never} */
      const unhandled = event;
      return unhandled;
    }
  }
}

/**
 * Receives `count` events of the enum from `url` (and the decode errors on the way), then
 * closes.
 * @param {typeof import("typed-sse").SseClient} Client
 * @param {string} url
 * @param {number} count
 * @param {import("typed-sse").SseOptions} [options]
 */
export async function receive(Client, url, count, options) {
  const client = new Client(url, options);
  /** @type {{ type: string, raw: string }[]} */
  const errors = [];
  client.onError((error) => {
    if (error.kind === "decode") errors.push({ type: error.eventType, raw: error.raw });
  });
  /** @type {ChatEvent[]} */
  const events = [];
  /** @type {string[]} */
  const ids = [];
  for await (const { meta, ...event } of client.events(decoders)) {
    // What the iterator yields is the generated union: no cast.
    /** @type {ChatEvent} */
    const typed = event;
    events.push(typed);
    ids.push(meta.id);
    if (events.length === count) break;
  }
  client.close();
  return { events, ids, errors, lines: events.map(describe) };
}
