// The per-event path of the JavaScript API, in JavaScript: the data never crosses into wasm and
// back. One call from wasm per listener per event.

// Decodes `ev.data` (JSON when `json`) and calls `listener(data, meta)`.
// Returns undefined when all went well, [1, message] when the JSON is malformed (the listener is
// not called), or [2, thrown] when the listener threw.
export function deliver(listener, ev, type, json) {
  const raw = ev.data;
  let data = raw;
  if (json) {
    try {
      data = JSON.parse(raw);
    } catch (e) {
      return [1, e && e.message ? e.message : String(e)];
    }
  }
  try {
    listener(data, { type, id: ev.lastEventId, origin: ev.origin, raw });
  } catch (e) {
    return [2, e];
  }
  return undefined;
}

// Calls `listener(arg)`; returns the thrown value, or undefined.
export function callGuarded(listener, arg) {
  try {
    listener(arg);
  } catch (e) {
    return e === undefined ? null : e;
  }
  return undefined;
}

// An idempotent unsubscribe function. `off` belongs to the client: once the client is freed it
// throws, which means there is nothing left to unsubscribe from.
export function unsubscriber(off, id) {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    try {
      off(id);
    } catch (_) {
      // the client was freed: every listener is gone already
    }
  };
}

// A TypedSseError: an Error with a `kind` and the error's details as properties.
export function makeError(kind, message, details) {
  const error = new Error(message);
  error.name = "TypedSseError";
  error.kind = kind;
  if (details) Object.assign(error, details);
  return error;
}

export function describe(value) {
  if (value instanceof Error) return value.message;
  try {
    return String(value);
  } catch (_) {
    return Object.prototype.toString.call(value);
  }
}
