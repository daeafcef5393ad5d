// An ES module under `tsc --init`'s defaults (module nodenext): the types of the `import` entry.
import { SseClient, type SseState } from "typed-sse";

const client = new SseClient("http://127.0.0.1:1/sse/messages", { maxReconnects: 0 });
client.onState((state: SseState) => console.log(state.state));
{
  using scoped = new SseClient("http://127.0.0.1:1/sse/messages", { maxReconnects: 0 });
  scoped.on("message", (data: unknown) => console.log(data));
}
client.close();
