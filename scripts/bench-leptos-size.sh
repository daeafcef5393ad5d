#!/usr/bin/env bash
# `npm run bench:leptos-size`: what typed-sse's Leptos hook and leptos-use's each add to an
# application. Builds bench/leptos-size (one ticker page) twice with wasm-pack, release, once per
# hook, and prints each build's gzipped wasm and minified JS.
# Several minutes cold (two Leptos builds); the figures go to BENCHMARKS.md ("Sizes") by hand.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh
for hook in typed-sse leptos-use; do
  step "bench/leptos-size with the $hook hook (release)"
  CARGO_TARGET_DIR="$ROOT/target/leptos-size" wasm-pack --quiet build --release --target web \
    --out-dir "$ROOT/bench/out/leptos-size-$hook" "$ROOT/bench/leptos-size" -- --features "$hook"
done
# Weighed as an application ships it: the wasm gzipped, and the JS (wasm-bindgen's glue and the
# crates' JS snippets) bundled and minified by rolldown, as Trunk or cargo-leptos minify it.
node --input-type=module -e '
import { rolldown } from "rolldown";
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
for (const hook of ["typed-sse", "leptos-use"]) {
  const dir = `bench/out/leptos-size-${hook}`;
  const wasm = gz(readFileSync(`${dir}/typed_sse_bench_leptos_size_bg.wasm`));
  const bundle = await rolldown({ input: `${dir}/typed_sse_bench_leptos_size.js`, platform: "browser", logLevel: "warn" });
  const { output } = await bundle.generate({ format: "esm", minify: true });
  await bundle.close();
  const js = output.filter((o) => o.type === "chunk").reduce((n, o) => n + gz(Buffer.from(o.code)), 0);
  console.log(`${hook}: wasm ${wasm} B + JS ${js} B (minified) = ${wasm + js} B gzipped`);
}'
