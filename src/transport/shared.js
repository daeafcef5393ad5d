// The shared transport's browser effects: a Web Lock that one client at a time holds, and a
// BroadcastChannel the holder relays on. In JS for the same reason as fetch.js: the lock's
// promise and the channel are a few calls here, and kilobytes as web-sys bindings. Who holds,
// where a take-over resumes and which relayed events are new are decided in Rust (core/src/share.rs, in typed-sse-core).

/** Whether this environment can share a connection between tabs: Web Locks and
 *  BroadcastChannel (Node has the channel but no `navigator.locks`). */
export const canShare = () =>
  typeof BroadcastChannel === "function" &&
  typeof navigator === "object" && navigator !== null &&
  typeof navigator.locks?.request === "function";

/** 64-bit FNV-1a of a string's UTF-16 code units, in two 32-bit lanes (low, high), as 16 hex
 *  digits. Not a secret (anyone can hash a guess), but the names below carry no header value
 *  in the clear; a collision would only merge two streams' clients. */
const fnv64 = (text) => {
  let lo = 0x84222325, hi = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    lo = (lo ^ text.charCodeAt(i)) >>> 0;
    // Times 0x100000001b3 = 2^40 + 0x1b3, exact in doubles (every term is below 2^53): lo's
    // carry and lo * 2^8 (the 2^40 part) go into hi.
    const l = lo * 0x1b3;
    hi = (hi * 0x1b3 + lo * 0x100 + Math.floor(l / 0x100000000)) >>> 0;
    lo = l >>> 0;
  }
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
};

/** The name of the lock and the channel of a shared stream: a hash of its URL and what its
 *  request sends (`options` as fetch.js reads them; fixed headers, not a headers function,
 *  which runs in the holding tab). Hashed: any script of the origin can list lock names
 *  (`navigator.locks.query()`), and fixed headers are often a bearer token. Per origin: locks
 *  and channels are. */
const shareName = (url, options, headers) =>
  "typed-sse " + fnv64(JSON.stringify([url, options.method, options.credentials,
    typeof headers === "object" && headers !== null ? headers : null]));

/** Joins the clients that share `url` with these request settings (a lock and a channel,
 *  per origin):
 *  - `role(true)` when this client is granted the lock and holds the connection, `role(false)`
 *    when it gives it up without leaving (the page is being frozen: a frozen page cannot relay);
 *  - `message(data)` for every message another client posts.
 *  Returns `{ post(data), leave() }`, or null where sharing is not available. After `leave()`
 *  nothing more is reported: the lock is released (or its request withdrawn), the channel
 *  closed and the page listeners removed, so nothing here outlives the client. */
export function joinShared(url, options, headers, role, message) {
  if (!canShare()) return null;
  const name = shareName(url, options, headers);
  let channel = null;
  let release = null;
  let request = null;
  let left = false;
  const open = () => {
    channel = new BroadcastChannel(name);
    channel.onmessage = (e) => {
      if (!left) message(e.data);
    };
    const controller = (request = new AbortController());
    navigator.locks
      .request(name, { signal: controller.signal }, () => {
        if (left || controller.signal.aborted) return undefined;
        return new Promise((resolve) => {
          release = resolve;
          role(true);
        });
      })
      // A withdrawn request rejects with an AbortError: nothing to report.
      .catch(() => {});
    channel.postMessage(["hello"]);
  };
  const close = () => {
    request?.abort();
    release?.();
    channel?.close();
    request = release = channel = null;
  };
  const doc = typeof document === "object" ? document : null;
  // A page about to be frozen runs no more tasks: it hands the connection over rather than
  // holding the lock (and every other tab's events) while frozen; it joins again on resume.
  const onFreeze = () => {
    const held = release !== null;
    close();
    if (held) role(false);
  };
  const onResume = () => {
    if (!left && channel === null) open();
  };
  doc?.addEventListener("freeze", onFreeze);
  doc?.addEventListener("resume", onResume);
  open();
  return {
    post(data) {
      channel?.postMessage(data);
    },
    leave() {
      left = true;
      close();
      doc?.removeEventListener("freeze", onFreeze);
      doc?.removeEventListener("resume", onResume);
    },
  };
}
