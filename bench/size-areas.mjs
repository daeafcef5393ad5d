// Where the npm package's wasm bytes go, by area: `twiggy top -n 100000 --format csv WASM |
// node bench/size-areas.mjs`, on the package's wasm with its function names (`build_bench_clients
// --profiling` in scripts/lib.sh writes it to bench/out/pkg-prof). Each item goes to the first
// area whose rule matches its name; sizes are twiggy's shallow bytes, raw (not gzipped), and the
// names section of the profiling build is left out. The import names there are wasm-bindgen's
// long ones, which scripts/shrink-package.mjs shortens in the package (~3 KB raw less).
import { readFileSync } from "node:fs";

const AREAS = [
  ["data (strings, tables, panic locations)", (n) => n.startsWith("data segment")],
  ["JS API constructor: options, builder, config checks, shell start (inlined into one function)",
    (n) => n.startsWith("ssecore_new")],
  ["JS API: the other SseCore exports, errors and states as JS objects (src/js)",
    (n) => n.includes("typed_sse::js") || n.startsWith("ssecore") || n.startsWith("typedSseError")],
  ["shell: output loop, connect, sync, sink, batch, watchers (src/shell)", (n) => n.includes("typed_sse::shell")],
  ["machine: decisions, retries, waits, answers, HTTP dates (core/src/machine)", (n) => n.includes("typed_sse_core::machine")],
  ["fetch transport: per-chunk reader with the parser's loop inlined, refusals' heads (src/transport)",
    (n) => n.includes("typed_sse::transport")],
  ["parser: fields and lines (core/src/parse)", (n) => n.includes("typed_sse_core::parse")],
  ["registry, listener lists, dom, resume URL, config, text, the rest of the core", (n) => n.includes("typed_sse::") || n.includes("typed_sse_core::")],
  ["Rust panics and formatting (core::fmt, panicking, char counting)",
    (n) => /core\[\w+\]::fmt|panic|do_count_chars|::fmt::|unwrap_failed|LayoutError|BorrowM?u?t?Error|unwrap_throw|throw_str/.test(n)],
  ["allocator and collections (lol_alloc, Vec, String, Rc)",
    (n) => /lol_alloc|alloc::|alloc\[|RawVec|Vec<|memcmp|memcpy|memset|memmove|__rust_alloc|__rustc|Rc<|Weak<|String|__multi3|realloc|malloc|__wbindgen_free/.test(n)],
  ["UTF-8 validation (str::from_utf8)", (n) => n.includes("from_utf8") || n.includes("next_code_point")],
  ["wasm-bindgen glue (imports, exports, closure shims, externref table, types) and the rest", () => true],
];

const rows = readFileSync(0, "utf8").trim().split("\n").slice(1);
const totals = new Map(AREAS.map(([name]) => [name, 0]));
for (const row of rows) {
  // Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent; a name may be quoted.
  const [, quoted, plain, size] = row.match(/^(?:"((?:[^"]|"")*)"|([^,]*)),(\d+),/) ?? [];
  const name = quoted !== undefined ? quoted.replaceAll('""', '"') : plain;
  if (name === undefined || /names" subsection|^"?module name|custom section 'name'/.test(name)) continue;
  const [area] = AREAS.find(([, rule]) => rule(name));
  totals.set(area, totals.get(area) + Number(size));
}
const all = [...totals.values()].reduce((a, b) => a + b, 0);
console.log("| area | raw bytes | share |\n| --- | ---: | ---: |");
for (const [area, bytes] of totals) {
  console.log(`| ${area} | ${bytes.toLocaleString("en")} | ${((100 * bytes) / all).toFixed(1)}% |`);
}
console.log(`| **all** | **${all.toLocaleString("en")}** | |`);
