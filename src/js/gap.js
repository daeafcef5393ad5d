// The gap signal, as typed-sse-core's `gap.rs` reads it for Rust listeners: an event of the
// reserved type `typed-sse.gap` says the server's history no longer reaches the client's resume
// point (typed-sse-axum sends it before replaying what it still holds). Listeners get
// `{ lastEventId, firstAvailable }`: the last id the client had (its own, not the one the data
// repeats) and the oldest id the server still holds (null when it did not say).
import { checkListener } from "./options.js";
import { events } from "./iterator.js";

export const GAP_EVENT = "typed-sse.gap";

const text = (raw) => raw;

// The gap an event announces. Data that is not a JSON object with a string `first_available`
// still announces a gap, without it. `id`: the event's last id (empty when this connection has
// had none yet: then the client's resume point, the id it came back with).
export const gapOf = (raw, id, resumePoint) => {
  let first = null;
  try {
    const value = JSON.parse(raw);
    if (typeof value?.first_available === "string") first = value.first_available;
  } catch {}
  return { lastEventId: id || resumePoint(), firstAvailable: first };
};

// `client.onGap(listener, { signal })`: `listener(gap, meta)`; returns an unsubscribe function.
export const onGap = (hub, resumePoint, listener, options) => {
  checkListener(listener);
  return hub.add(GAP_EVENT, (raw, meta) => listener(gapOf(raw, meta.id, resumePoint), meta),
    { signal: options?.signal, decode: text });
};

// `client.gaps({ signal, buffer })`: the gaps as `{ data: gap, meta }`, for `for await`.
export const gaps = (hub, resumePoint, options) =>
  events(hub, GAP_EVENT, { ...options, decode: text }, (raw, meta) => gapOf(raw, meta.id, resumePoint));
