// The event `TypedEventSource` dispatches for each of the server's events.
//
// In Chromium, `new MessageEvent(type, { data, lastEventId, origin })` costs several
// microseconds per event (about half of it for `origin`), more than the rest of the client's
// work on a small event (BENCHMARKS.md, "Where the time goes"). This is an `Event` with
// MessageEvent's members as plain fields, built for about a tenth of that. Its prototype chain
// goes through `MessageEvent.prototype`, so code written for `EventSource` that tests
// `event instanceof MessageEvent` still sees one. The fields are its own (they shadow
// MessageEvent's getters, which would refuse an object the browser did not build as a
// MessageEvent); `initMessageEvent`, a legacy method, is the one member that does not work.
const NO_PORTS = Object.freeze([]);

export class SseMessageEvent extends Event {
  // Defined as own fields before the constructor runs, so that setting them never reaches
  // MessageEvent's getter-only accessors on the prototype.
  data = undefined;
  lastEventId = "";
  origin = "";
  ports = NO_PORTS;
  source = null;

  constructor(type, data, lastEventId, origin) {
    super(type);
    this.data = data;
    this.lastEventId = lastEventId;
    this.origin = origin;
  }
}

// Every environment the package runs in has MessageEvent (browsers, workers, Node ≥ 15).
if (typeof MessageEvent === "function") {
  Object.setPrototypeOf(SseMessageEvent.prototype, MessageEvent.prototype);
}
// Its own name, which the package's minifier would shorten (a console shows it).
Object.defineProperty(SseMessageEvent, "name", { value: "SseMessageEvent" });
