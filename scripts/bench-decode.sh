#!/usr/bin/env bash
# The decode measurement of BENCHMARKS.md: serde_json in wasm against JSON.parse +
# serde_wasm_bindgen, on ~100 B and ~2 KB payloads, in headless Chromium.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh
step "building the decode benchmark (release)"
wasm-pack --quiet build --release --target web --out-dir "$ROOT/bench/out/decode-pkg" bench/decode
start_server 0 --serve "bench=$ROOT/bench"
node bench/decode.mjs
