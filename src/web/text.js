// Copies an event's text into wasm memory as UTF-8, in one call from Rust per event.
//
// wasm-bindgen's `String::from(JsString)` copies with a JavaScript loop, one character at a
// time, after a separate call for `event.data`: on ~2 KB events that was a sixth of the Rust
// API's per-event time (CPU profile in BENCHMARKS.md). Here long texts go through the
// browser's `TextEncoder.encodeInto`; short ones keep a plain loop, which beats the fixed cost
// of `encodeInto` (a view and a result object per call).

const encoder = new TextEncoder();
const SHORT = 256;
let memory = null;
let bytes = new Uint8Array(0);

/** Gives the module the wasm memory to write into (once). */
export function setMemory(m) {
  memory = m;
}

/** Writes `event.data` as UTF-8 into memory at [ptr, ptr + cap). Returns the bytes written;
 *  -1 when the data is not a string; or -2 - needed when `cap` is too small, `needed` being
 *  enough room for any text of this length (three bytes per UTF-16 unit). Returned as a double:
 *  for a text of more than 715 million units `needed` passes 2^31, where an i32 would wrap. */
export function encodeData(event, ptr, cap) {
  const data = event.data;
  if (typeof data !== "string") return -1;
  const len = data.length;
  // The buffer is replaced whenever the memory grows, so the view follows it.
  if (bytes.buffer !== memory.buffer) bytes = new Uint8Array(memory.buffer);
  let i = 0;
  if (len <= SHORT && len <= cap) {
    for (; i < len; i++) {
      const c = data.charCodeAt(i);
      if (c > 0x7f) break;
      bytes[ptr + i] = c;
    }
    if (i === len) return len;
  }
  // Whatever the loop copied was ASCII: one byte per unit, so `i` is also the bytes written.
  const rest = i === 0 ? data : data.substring(i);
  const { read, written } = encoder.encodeInto(rest, bytes.subarray(ptr + i, ptr + cap));
  return read === rest.length ? i + written : -2 - len * 3;
}
