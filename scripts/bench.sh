#!/usr/bin/env bash
# `npm run bench`: builds the package and the comparison clients (release, wasm-opt from npm's
# binaryen), measures what each size setting buys and the parser's speed on the host, starts the
# test server, runs bench/run.mjs and bench/peers-run.mjs (the peer libraries, Chromium and Node)
# and stops the server. Set BENCH_SKIP_SETTINGS=1 to skip the
# size-settings sweep (~4 min).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh

step "building the package and the comparison clients (release)"
build_package web pkg
build_bench_clients --profiling

if [ "${BENCH_SKIP_SETTINGS:-0}" != 1 ]; then
  step "size settings sweep"
  bash scripts/bench-sizes.sh
fi

# The parser alone on the host, MB/s (an ignored test that prints, never asserts): with the
# release profile as it is (opt-level "z", the npm package's), and with opt-level 3 (what the Rust
# clients above are built with). Each in a target directory of its own: neither rebuilds the
# other, and neither waits for (or holds) the lock of target/ that other cargo commands use.
# bench/run.mjs reads both files.
step "host parser speed (cargo test --release -p typed-sse-core --lib parse_speed)"
CARGO_TARGET_DIR="$ROOT/target/bench-host" \
  cargo test --quiet --release -p typed-sse-core --lib parse_speed -- --ignored --nocapture \
  | tee "$ROOT/bench/out/parse-speed.txt"
CARGO_TARGET_DIR="$ROOT/target/bench-host-o3" CARGO_PROFILE_RELEASE_OPT_LEVEL=3 \
  cargo test --quiet --release -p typed-sse-core --lib parse_speed -- --ignored --nocapture \
  | tee "$ROOT/bench/out/parse-speed-o3.txt"

# One server worker thread: on 2 cores, a second one competes with Chromium for the CPU.
TOKIO_WORKER_THREADS=1 start_server 0 --serve "bench=$ROOT/bench"
step "measuring in headless Chromium (a few minutes)"
SERVER_URL="$SERVER_URL" node bench/run.mjs
step "peers: the libraries users would pick instead, in Chromium and Node"
SERVER_URL="$SERVER_URL" node bench/peers-run.mjs
stop_server
