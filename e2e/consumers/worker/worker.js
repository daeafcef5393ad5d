// Import maps do not reach workers: the worker imports the package's browser entry by path.
import { SseClient, TypedEventSource } from "../node_modules/typed-sse/typed_sse.js";
import { stream } from "../stream.js";

const query = new URLSearchParams(location.search);
try {
  self.postMessage({ ok: await stream({ SseClient, TypedEventSource }, query.get("server"), query.get("key")) });
} catch (e) {
  self.postMessage({ error: String(e?.message ?? e) });
}
