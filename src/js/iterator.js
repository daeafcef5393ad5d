// `client.events()`: the events of one type (or of several, each with its decoder) as an async
// iterator, over the hub's listeners.
import { makeError } from "./errors.js";
import { checkDecoders, eventType, fail, listenerOptions } from "./options.js";

// `client.events(type, { signal, buffer, decode })`: an async iterator of `{ data, meta }`.
// `map(data, meta)`, when given, turns each event's data into the item's as it arrives.
// Events wait in a bounded queue until read; one more than `buffer` finishes the iterator
// with an `overflow` error once the waiting ones are read, rather than dropping any quietly.
export function events(hub, type, options, map) {
  const union = typeof type === "object" && type !== null;
  if (union) checkDecoders(type);
  else eventType(type);
  const { signal, decode, buffer } = listenerOptions(options, true);
  if (union && decode !== undefined) fail("decode", "give each type its decoder in the first argument");
  const queue = [];
  const readers = []; // pending next() calls, in order: { resolve, reject }
  let end = null; // { error } or {} once finished
  let off = () => {};
  const abort = () => finish({});
  const finish = (outcome) => {
    if (end) return;
    end = outcome;
    off();
    hub.enders.delete(finish);
    signal?.removeEventListener("abort", abort);
    while (readers.length) settle();
  };
  // Hands the first pending reader what is next: an event, the end, or the error that ended it.
  const settle = () => {
    const { resolve, reject } = readers.shift();
    if (queue.length) return resolve({ value: queue.shift(), done: false });
    if (end.error) {
      const error = end.error;
      end = {}; // thrown once; done after that
      return reject(error);
    }
    resolve({ value: undefined, done: true });
  };
  const push = (data, meta, name) => {
    if (map) data = map(data, meta);
    const item = union ? { type: name, data, meta } : { data, meta };
    if (readers.length) {
      queue.push(item);
      return settle();
    }
    if (queue.length >= buffer) {
      const what = union ? meta.type : type;
      const message = `more than ${buffer} \`${what}\` events waited unread: the iterator stopped ` +
        "here rather than drop any (read faster, or raise `buffer`)";
      return finish({ error: makeError("overflow", message, { eventType: what, buffer }) });
    }
    queue.push(item);
  };
  if (hub.ended) finish(hub.endOfIteration());
  else if (signal?.aborted) finish({});
  else {
    off = union
      ? hub.addUnion(type, (event, meta) => push(event.data, meta, event.type))
      : hub.add(type, push, decode ? { decode } : undefined);
    hub.enders.add(finish);
    signal?.addEventListener("abort", abort);
  }
  return {
    next: () =>
      new Promise((resolve, reject) => {
        readers.push({ resolve, reject });
        if (queue.length || end) settle();
      }),
    // `break` in `for await`: this iterator ends; the client and its other listeners go on.
    return: () => {
      queue.length = 0;
      finish({});
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

