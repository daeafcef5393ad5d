// A CommonJS file in the same project: the types of the `require` entry (typed_sse.d.cts).
import sse = require("typed-sse");

const client = new sse.SseClient("http://127.0.0.1:1/sse/messages", { maxReconnects: 0 });
client.close();
