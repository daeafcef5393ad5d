import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { useEventSource } from "typed-sse/react";
import type { SseState } from "typed-sse";

interface Tick {
  symbol: string;
  price: number;
  change: number;
}

// The page's `?key=` names its connections in the test server's /stats.
const params = new URLSearchParams(location.search);
const key = params.get("key") ?? "react-example";
// `?shared`: every tab of this page reads one connection (one tab holds it, the others hear it
// relayed); open the page in several tabs and the server sees one stream.
const shared = params.has("shared");

// "reconnecting in 0.7 s (attempt 1, network)", counting down every 100 ms.
function useBadge(state: SseState): string {
  const [now, setNow] = useState(() => Date.now());
  const [since, setSince] = useState({ state, at: Date.now() });
  if (since.state !== state) setSince({ state, at: Date.now() });
  useEffect(() => {
    if (state.state !== "reconnecting") return;
    const timer = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(timer);
  }, [state]);
  if (state.state === "reconnecting") {
    const left = Math.max(0, state.delayMs - (now - since.at)) / 1000;
    return `reconnecting in ${left.toFixed(1)} s (attempt ${state.attempt}, ${state.reason})`;
  }
  return state.state === "closed" ? `closed: ${state.reason}` : state.state;
}

declare global {
  interface Window {
    /** How many times the ticker's effects ran on mount: 2 under StrictMode (development). */
    __mounts?: number;
  }
}

function Ticker({ url }: { url: string }) {
  useEffect(() => {
    window.__mounts = (window.__mounts ?? 0) + 1;
  }, []);
  // Inline options, a new object every render: they do not reconnect; a new `url` does.
  const { state, data, buffer, error } = useEventSource<Tick>(url, "tick", { buffer: 20, maxDelayMs: 5000, shared });
  const badge = useBadge(state);
  return (
    <section>
      <p>
        <span id="state" data-state={state.state}>{badge}</span>
      </p>
      <p id="latest">{data ? `${data.symbol} ${data.price.toFixed(2)}` : ""}</p>
      <ol id="events">
        {buffer.map((t, i) => (
          <li key={i}>
            {t.symbol} {t.price.toFixed(2)} ({t.change >= 0 ? "+" : ""}{t.change.toFixed(2)})
          </li>
        ))}
      </ol>
      {error && <p id="error">{error.kind}: {error.message}</p>}
    </section>
  );
}

function App() {
  const [mounted, setMounted] = useState(true);
  const [url, setUrl] = useState(`/events?key=${key}`);
  return (
    <main>
      <h1>typed-sse · React</h1>
      <button id="toggle" onClick={() => setMounted((m) => !m)}>{mounted ? "unmount" : "mount"}</button>{" "}
      <button id="switch" onClick={() => setUrl(`/events?key=${key}-b`)}>switch URL</button>
      {mounted && <Ticker url={url} />}
    </main>
  );
}

// StrictMode mounts, unmounts and mounts every component again in development builds: the hook
// still opens one connection (the e2e test counts them on the server).
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
