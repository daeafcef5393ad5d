// What a listener receives besides the data (`meta`): its type, id, origin and raw text.
// On the native transport, the id is the one the hub read already (to keep the resume point),
// and `origin` is read from the MessageEvent only when asked for: a DOM read per event that
// most listeners never need.
export class NativeMeta {
  #event;
  #hub;
  #id;
  constructor(type, event, id, hub) {
    this.type = type;
    this.raw = event.data;
    this.#event = event;
    this.#id = id;
    this.#hub = hub;
  }
  get id() {
    return this.#id;
  }
  get origin() {
    // The same for every event of a connection: read once. An event kept from an earlier
    // connection (one waiting in an `events()` queue) answers for itself only.
    if (this.#event.target !== this.#hub.es) return this.#event.origin;
    return (this.#hub.origin ??= this.#event.origin);
  }
  toJSON() {
    return metaJson(this);
  }
}

// On fetch, every field is known when the event is. Read-only, as on the native path: a
// listener cannot change what the next listener of the same event sees.
export class StreamMeta {
  #id;
  #origin;
  constructor(type, id, origin, raw) {
    this.type = type;
    this.raw = raw;
    this.#id = id;
    this.#origin = origin;
  }
  get id() {
    return this.#id;
  }
  get origin() {
    return this.#origin;
  }
  toJSON() {
    return metaJson(this);
  }
}

const metaJson = (meta) => ({ type: meta.type, id: meta.id, origin: meta.origin, raw: meta.raw });
