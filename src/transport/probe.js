// The failure probe's request. It lives in JS because a fetch written against web-sys's
// Request, RequestInit, Headers and Response bindings, awaited as a Rust future, cost the npm
// package about 2 KB gzipped for what is one call here.

/** Fetches `url` as EventSource would (same credentials mode, `Accept: text/event-stream`),
 *  then calls `done(status, contentType, retryAfter, "")` with the response head and aborts the
 *  body; on a network failure, `done(0, "", "", message)` (the arguments of fetch.js's `head`). `cache: "no-cache"` revalidates rather
 *  than trusting a cached answer; it sends `Cache-Control: max-age=0` where EventSource sends
 *  `no-cache`, which lets a server (and the test server's stats) tell the probe apart.
 *  Returns the AbortController: aborting it cancels the probe, and `done` is not called. */
export function startProbe(url, withCredentials, done) {
  const controller = new AbortController();
  const { signal } = controller;
  fetch(url, {
    mode: "cors",
    credentials: withCredentials ? "include" : "same-origin",
    cache: "no-cache",
    headers: { Accept: "text/event-stream" },
    signal,
  }).then(
    (response) => {
      if (signal.aborted) return;
      const header = (name) => response.headers.get(name) ?? "";
      const head = [response.status, header("content-type"), header("retry-after"), ""];
      // Only the head was wanted: stop the body (an event stream never ends by itself).
      controller.abort();
      done(...head);
    },
    (error) => {
      if (!signal.aborted) done(0, "", "", String(error?.message ?? error));
    },
  );
  return controller;
}
