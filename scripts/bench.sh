#!/usr/bin/env bash
# `npm run bench`: builds the package and the comparison clients (release, wasm-opt from npm's
# binaryen), measures what each size setting buys, starts the test server, runs bench/run.mjs
# and stops the server. Set BENCH_SKIP_SETTINGS=1 to skip the size-settings sweep (~4 min).
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

# One server worker thread: on 2 cores, a second one competes with Chromium for the CPU.
TOKIO_WORKER_THREADS=1 start_server 0 --serve "bench=$ROOT/bench"
step "measuring in headless Chromium (a few minutes)"
SERVER_URL="$SERVER_URL" node bench/run.mjs
stop_server
