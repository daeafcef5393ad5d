// Strict TypeScript with Vite's usual lib (ES2022 and the DOM, no esnext.disposable) and the
// package's own declarations checked (skipLibCheck false).
import { SseClient, TypedEventSource, type EventMeta, type TypedSseError } from "typed-sse";

interface Tick { n: number }

const client = new SseClient("http://127.0.0.1:1/sse/messages?n=3", { transport: "fetch", maxReconnects: 0 });
const off = client.on("message", (data: Tick, meta: EventMeta) => console.log(data.n, meta.id));
client.onError((error: TypedSseError) => console.error(error.kind, error.message));
off();
client.close();

const source = new TypedEventSource("/sse/messages");
source.onmessage = (event) => console.log(event.data.length);
source.close();
