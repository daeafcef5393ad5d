#!/usr/bin/env bash
# What each build setting buys: the npm package built with one setting changed at a time.
# Writes bench/out/sizes.json for bench/run.mjs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
out="$ROOT/bench/out/sizes"
rows=()
# The package is built as build_package builds it (the npm allocator cfg, then
# scripts/shrink-package.mjs), but for the one setting changed. no-small-alloc and no-shrink
# leave out those two steps.
measure() { # name, then env assignments, wasm-pack flags, no-small-alloc, no-shrink
  local name="$1"; shift
  local envs=() flags=() rustflags="$NPM_RUSTFLAGS" shrink=1
  for a in "$@"; do
    case "$a" in
      no-small-alloc) rustflags="";; no-shrink) shrink=0;;
      *=*) envs+=("$a");; *) flags+=("$a");;
    esac
  done
  rm -rf "$out" "$out-core"
  env CARGO_TARGET_DIR="$ROOT/target/npm" RUSTFLAGS="$rustflags" "${envs[@]}" wasm-pack --quiet build --release "${flags[@]}" --target web --out-dir "$out-core" --out-name typed_sse_core "$ROOT" >/dev/null
  if [ "$shrink" = 1 ]; then node scripts/shrink-package.mjs "$out-core" >/dev/null; fi
  # The package's entry points, as build_package adds them: the rows measure what ships.
  node scripts/package-entry.mjs "$out-core" "$out" >/dev/null
  local json
  json=$(node -e 'import("./bench/measure.mjs").then(m => console.log(JSON.stringify({ setting: process.argv[1], ...m.bundleSize(process.argv[2]) })))' "$name" "$out")
  echo "  $json"
  rows+=("$json")
}
measure "default profile" X=1
measure "opt-level = 3" CARGO_PROFILE_RELEASE_OPT_LEVEL=3
measure "opt-level = \"s\"" CARGO_PROFILE_RELEASE_OPT_LEVEL=s
measure "lto = false" CARGO_PROFILE_RELEASE_LTO=false
measure "codegen-units = 16" CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
measure "panic = \"unwind\"" CARGO_PROFILE_RELEASE_PANIC=unwind
measure "no wasm-opt" --no-opt
measure "dlmalloc (no small-alloc)" no-small-alloc
measure "no shrink-package.mjs" no-shrink
rm -rf "$out" "$out-core"
(IFS=,; echo "[${rows[*]}]") > "$ROOT/bench/out/sizes.json"
