import { SseClient, TypedEventSource } from "../node_modules/typed-sse/typed_sse.js";
import { report } from "../stream.js";

report({ SseClient, TypedEventSource });
