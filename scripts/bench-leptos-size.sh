#!/usr/bin/env bash
# `npm run bench:leptos-size`: what typed-sse's Leptos hook and leptos-use's each add to an
# application. Builds bench/leptos-size (one ticker page) twice with wasm-pack, release, once per
# hook, and prints each build's gzipped wasm and JS, as bench/measure.mjs weighs the npm package.
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
node -e '
import("./bench/measure.mjs").then(({ bundleSize }) => {
  for (const hook of ["typed-sse", "leptos-use"]) {
    const s = bundleSize(`bench/out/leptos-size-${hook}`);
    console.log(`${hook}: wasm ${s.wasm_gzip} B + JS ${s.js_gzip} B = ${s.wasm_gzip + s.js_gzip} B gzipped`);
  }
});'
