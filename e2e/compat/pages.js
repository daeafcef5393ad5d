// Page code written for the browser's native EventSource, as an application would have it:
// handler properties, addEventListener, JSON.parse(e.data), readyState checks in onerror,
// close(). The tests run each function unchanged with `EventSource` bound to the native class
// or to typed-sse's TypedEventSource (the parameter shadows the global), with the same URL and
// the same second argument (the native class ignores the dictionary members it does not know),
// and compare what they record. Each returns a promise of its log: plain JSON values only.
//
// Loaded by e2e/compat/compat.html in Chromium and imported by path in Node.

// A ticker page over /sse/named: tick (JSON), news (text), an unnamed message, ..., done.
export function ticker(EventSource, url, init) {
  return new Promise((resolve) => {
    const log = [];
    const es = new EventSource(url, init);
    log.push(["constructed", es.readyState, es.url, es.withCredentials]);
    log.push(["constants", EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED,
      es.CONNECTING, es.OPEN, es.CLOSED]);
    es.onopen = (e) => log.push(["open", e.type, es.readyState, e instanceof Event, e.target === es]);
    es.onmessage = (e) => {
      const data = JSON.parse(e.data);
      log.push(["message", data, e.lastEventId, e.origin, typeof e.data,
        e instanceof MessageEvent, e.type, e.target === es]);
      // The rest of a MessageEvent's members, as page code may read them.
      log.push(["message shape", e instanceof Event, e.currentTarget === es, e.bubbles, e.cancelable,
        Array.isArray(e.ports), e.ports.length, e.source, e.eventPhase, e.defaultPrevented]);
      // Copied member by member (as jQuery.extend or a logger does), and cloned through its
      // constructor (to dispatch it again elsewhere).
      const copy = {};
      for (const k in e) copy[k] = e[k];
      const clone = new e.constructor(e.type, e);
      log.push(["message copy", copy.data === e.data, copy.lastEventId, copy.origin, e.userActivation ?? null,
        clone instanceof MessageEvent, clone.data === e.data, clone.lastEventId, clone.origin]);
    };
    es.addEventListener("tick", (e) => {
      const quote = JSON.parse(e.data);
      log.push(["tick", quote.symbol, quote.price, e.data, e.lastEventId, e.origin,
        e instanceof MessageEvent, e.type]);
    });
    es.addEventListener("news", (e) => log.push(["news", e.data, e.lastEventId, typeof e.data]));
    es.addEventListener("done", (e) => {
      es.close();
      log.push(["closed", es.readyState, e.lastEventId, e.data]);
      // Anything dispatched after close() would land in the log within this time.
      setTimeout(() => resolve(log), 300);
    });
    es.onerror = () => {
      log.push(["error", es.readyState]);
      if (es.readyState === EventSource.CLOSED) resolve(log);
    };
  });
}

// Closes from inside a message handler while more events of the same burst are already in
// (/sse/messages?n=10 writes all ten at once), then waits: nothing may follow close().
export function closeEarly(EventSource, url, init) {
  return new Promise((resolve) => {
    const log = [];
    const es = new EventSource(url, init);
    es.onopen = () => log.push(["open"]);
    es.onmessage = (e) => {
      const { n } = JSON.parse(e.data);
      log.push(["message", n]);
      if (n === 2) {
        es.close();
        log.push(["closed", es.readyState]);
        setTimeout(() => { log.push(["later", es.readyState]); resolve(log); }, 400);
      }
    };
    es.addEventListener("error", () => log.push(["error", es.readyState]));
  });
}

// A feed that survives the server ending the stream (/sse/retry?ms=M&n=3: three events, then
// the stream ends; the next connection resumes after the last id): onerror sees CONNECTING and
// waits for the reconnect; the page stops after six events.
export function reconnecting(EventSource, url, init) {
  return new Promise((resolve) => {
    const log = [];
    const es = new EventSource(url, init);
    es.onopen = () => log.push(["open", es.readyState]);
    es.onmessage = (e) => {
      const { n } = JSON.parse(e.data);
      log.push(["message", n, e.lastEventId]);
      if (n === 6) {
        es.close();
        log.push(["closed", es.readyState]);
        setTimeout(() => resolve(log), 300);
      }
    };
    es.onerror = () => {
      log.push(["error", es.readyState]);
      if (es.readyState === EventSource.CLOSED) { resolve(log); return; }
      // Still waiting to reconnect a moment later.
      setTimeout(() => log.push(["waiting", es.readyState]), 30);
    };
  });
}

// A stream the server refuses (204, 404): onerror with CLOSED, never open.
export function refused(EventSource, url, init) {
  return new Promise((resolve) => {
    const log = [];
    const es = new EventSource(url, init);
    es.onopen = () => log.push(["open", es.readyState]);
    es.onmessage = (e) => log.push(["message", e.data]);
    es.onerror = () => {
      log.push(["error", es.readyState]);
      if (es.readyState === EventSource.CLOSED) setTimeout(() => resolve(log), 300);
    };
    setTimeout(() => { log.push(["timeout", es.readyState]); es.close(); resolve(log); }, 8000);
  });
}

// Listener bookkeeping (EventTarget semantics): a handler property replaced and set to null,
// the same listener added twice (once), `once`, and `{ signal }` removal. /sse/messages?n=6
// with a small interval.
export function listeners(EventSource, url, init) {
  return new Promise((resolve) => {
    const log = [];
    const es = new EventSource(url, init);
    const first = () => log.push(["first handler"]);
    es.onmessage = first;
    const replaced = es.onmessage === first;
    es.onmessage = (e) => {
      const { n } = JSON.parse(e.data);
      log.push(["handler", n]);
      if (n === 2) es.onmessage = null;
    };
    log.push(["property", replaced, typeof es.onmessage, es.onerror]);
    const twice = (e) => log.push(["twice", JSON.parse(e.data).n]);
    es.addEventListener("message", twice);
    es.addEventListener("message", twice);
    es.addEventListener("message", (e) => log.push(["once", JSON.parse(e.data).n]), { once: true });
    const controller = new AbortController();
    es.addEventListener("message", (e) => {
      const { n } = JSON.parse(e.data);
      log.push(["signal", n]);
      if (n === 3) controller.abort();
    }, { signal: controller.signal });
    const removed = (e) => log.push(["removed", JSON.parse(e.data).n]);
    es.addEventListener("message", removed);
    es.removeEventListener("message", removed);
    es.addEventListener("message", (e) => {
      const { n } = JSON.parse(e.data);
      log.push(["all", n]);
      if (n === 6) { es.close(); setTimeout(() => resolve(log), 200); }
    });
  });
}

// A handler property set to null removes its listener, and set again adds it anew, after the
// listeners added meanwhile (HTML's event handler semantics). /sse/messages?n=2
export function handlerReset(EventSource, url, init) {
  return new Promise((resolve) => {
    const log = [];
    const es = new EventSource(url, init);
    es.onmessage = () => log.push(["first handler"]);
    es.addEventListener("message", (e) => log.push(["listener", JSON.parse(e.data).n]));
    es.onmessage = null;
    log.push(["cleared", es.onmessage]);
    es.onmessage = (e) => {
      const { n } = JSON.parse(e.data);
      log.push(["handler", n]);
      if (n === 2) { es.close(); setTimeout(() => resolve(log), 200); }
    };
  });
}

// The attributes a page reads: url (resolved), withCredentials, readyState before and after
// close(), and the constants; then nothing more happens.
export function attributes(EventSource, url, init) {
  return new Promise((resolve) => {
    const log = [];
    const es = new EventSource(url, init);
    log.push(["url", es.url, typeof es.url]);
    log.push(["withCredentials", es.withCredentials]);
    log.push(["readyState", es.readyState]);
    log.push(["static", EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED]);
    log.push(["instance", es.CONNECTING, es.OPEN, es.CLOSED]);
    log.push(["handlers", es.onopen, es.onmessage, es.onerror]);
    log.push(["eventTarget", es instanceof EventTarget, typeof es.addEventListener, typeof es.dispatchEvent]);
    es.onopen = () => log.push(["open"]);
    es.onerror = () => log.push(["error", es.readyState]);
    es.close();
    log.push(["closed", es.readyState]);
    es.close(); // twice is harmless
    log.push(["closed again", es.readyState]);
    setTimeout(() => resolve(log), 300);
  });
}
