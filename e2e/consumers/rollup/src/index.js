import { SseClient, TypedEventSource } from "typed-sse";
import { report } from "../../stream.js";

report({ SseClient, TypedEventSource });
