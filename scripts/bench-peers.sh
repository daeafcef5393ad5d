#!/usr/bin/env bash
# `npm run bench:peers`: typed-sse against the libraries a user would pick instead (the
# `eventsource` library, event-source-plus, @microsoft/fetch-event-source, bare fetch +
# eventsource-parser), in headless Chromium and in Node, and their sizes. Builds the package
# (and, unless BENCH_PEERS_NO_RUST=1, the Rust API's client for its row), starts the test server,
# runs bench/peers-run.mjs (which writes bench/peers.json and BENCHMARKS.md's peer section) and
# stops the server. `npm run bench` runs bench/peers-run.mjs as its last step too.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh

step "building the package (release)"
build_package web pkg
if [ "${BENCH_PEERS_NO_RUST:-0}" != 1 ]; then
  step "building the comparison clients (release)"
  build_bench_clients
fi

# One server worker thread: on 2 cores, a second one competes with the clients for the CPU.
TOKIO_WORKER_THREADS=1 start_server 0 --serve "bench=$ROOT/bench"
step "peers: headless Chromium and Node (a few minutes)"
SERVER_URL="$SERVER_URL" node bench/peers-run.mjs
stop_server
