// The event `TypedEventSource` dispatches for each of the server's events.
//
// In Chromium, `new MessageEvent(type, { data, lastEventId, origin })` costs several
// microseconds per event (about half of it for `origin`), more than the rest of the client's
// work on a small event (BENCHMARKS.md, "Where the time goes"). This is an `Event` with
// MessageEvent's members, built for about a third of that. Its prototype chain goes through
// `MessageEvent.prototype`, so code written for `EventSource` that tests
// `event instanceof MessageEvent` still sees one. Every member MessageEvent's prototype has is
// shadowed here (MessageEvent's own getters refuse an object the browser did not build as a
// MessageEvent): `data`, `lastEventId`, `origin`, `ports` and `source` read-only and enumerable
// as MessageEvent's are, so that `for…in` copies them; the members this class has no value for
// (Chromium's `userActivation`) answer null, as on a MessageEvent a script constructs. What a
// page can still tell apart is in docs/js-api.md.
const NO_PORTS = Object.freeze([]);

export class SseMessageEvent extends Event {
  #data;
  #lastEventId;
  #origin;
  #source;
  #ports;

  // MessageEvent's constructor: a type and a MessageEventInit, so that the usual way of copying
  // an event, `new event.constructor(event.type, event)`, copies this one too.
  constructor(type, init) {
    // Event's own init (bubbles, cancelable, composed) only when one is asked for: converting
    // the dictionary is part of what makes a MessageEvent slow.
    super(type, init?.bubbles || init?.cancelable || init?.composed ? init : undefined);
    this.#data = init?.data ?? null;
    this.#lastEventId = init?.lastEventId === undefined ? "" : `${init.lastEventId}`;
    this.#origin = init?.origin === undefined ? "" : `${init.origin}`;
    this.#source = init?.source ?? null;
    this.#ports = init?.ports === undefined || init.ports === NO_PORTS ? NO_PORTS : Object.freeze([...init.ports]);
  }

  get data() {
    return this.#data;
  }

  get origin() {
    return this.#origin;
  }

  get lastEventId() {
    return this.#lastEventId;
  }

  get source() {
    return this.#source;
  }

  get ports() {
    return this.#ports;
  }

  // The legacy initializer, as MessageEvent's: nothing changes once the event is dispatched.
  initMessageEvent(type, bubbles = false, cancelable = false, data = null, origin = "", lastEventId = "", source = null, ports = []) {
    if (this.eventPhase !== Event.NONE) return;
    this.initEvent(type, bubbles, cancelable);
    this.#data = data;
    this.#origin = `${origin}`;
    this.#lastEventId = `${lastEventId}`;
    this.#source = source;
    this.#ports = Object.freeze([...ports]);
  }
}

// Every environment the package runs in has MessageEvent (browsers, workers, Node ≥ 15).
if (typeof MessageEvent === "function") {
  Object.setPrototypeOf(SseMessageEvent.prototype, MessageEvent.prototype);
  // MessageEvent's members are enumerable on its prototype; a class's are not.
  for (const name of ["data", "origin", "lastEventId", "source", "ports", "initMessageEvent"]) {
    const member = Object.getOwnPropertyDescriptor(MessageEvent.prototype, name);
    if (member?.enumerable) Object.defineProperty(SseMessageEvent.prototype, name, { enumerable: true });
  }
  // A member of MessageEvent this class does not define (Chromium's `userActivation`, whatever a
  // browser adds later) would throw when read on these events: it answers null instead.
  for (const name of Object.getOwnPropertyNames(MessageEvent.prototype)) {
    if (Object.hasOwn(SseMessageEvent.prototype, name)) continue;
    const member = Object.getOwnPropertyDescriptor(MessageEvent.prototype, name);
    if (member.get) Object.defineProperty(SseMessageEvent.prototype, name, { get: () => null, enumerable: member.enumerable, configurable: true });
  }
}
// Its own name, which the package's minifier would shorten (a console shows it).
Object.defineProperty(SseMessageEvent, "name", { value: "SseMessageEvent" });
