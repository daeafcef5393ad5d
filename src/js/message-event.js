// The event `TypedEventSource` dispatches for each of the server's events.
//
// In Chromium, `new MessageEvent(type, { data, lastEventId, origin })` costs several
// microseconds per event (about half of it for `origin`), more than the rest of the client's
// work on a small event (BENCHMARKS.md, "Where the time goes"). This is an `Event` with
// MessageEvent's members, built for about a tenth of that. Its prototype chain goes through
// `MessageEvent.prototype`, so code written for `EventSource` that tests
// `event instanceof MessageEvent` still sees one. Its members are getters of its own (they
// shadow MessageEvent's, which would refuse an object the browser did not build as a
// MessageEvent), read-only as MessageEvent's are: a listener cannot change what the next one
// sees. `initMessageEvent`, a legacy method, is the one member that does not work.
const NO_PORTS = Object.freeze([]);

export class SseMessageEvent extends Event {
  #data;
  #lastEventId;
  #origin;

  constructor(type, data, lastEventId, origin) {
    super(type);
    this.#data = data;
    this.#lastEventId = lastEventId;
    this.#origin = origin;
  }

  get data() {
    return this.#data;
  }

  get lastEventId() {
    return this.#lastEventId;
  }

  get origin() {
    return this.#origin;
  }

  get ports() {
    return NO_PORTS;
  }

  get source() {
    return null;
  }
}

// Every environment the package runs in has MessageEvent (browsers, workers, Node ≥ 15).
if (typeof MessageEvent === "function") {
  Object.setPrototypeOf(SseMessageEvent.prototype, MessageEvent.prototype);
}
// Its own name, which the package's minifier would shorten (a console shows it).
Object.defineProperty(SseMessageEvent, "name", { value: "SseMessageEvent" });
