#!/usr/bin/env bash
# Every test: formatting, clippy (host and wasm32), host tests, then the browser suites in headless
# Chromium against a test server started here. Installs what is missing first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh

LOG="$(mktemp)"
run() { "$@" 2>&1 | tee -a "$LOG"; }

step "cargo fmt --check"
cargo fmt --all -- --check
step "clippy (host)"
cargo clippy --workspace --all-targets -- -D warnings
step "clippy (wasm32-unknown-unknown)"
cargo clippy -p typed-sse --target wasm32-unknown-unknown --all-targets -- -D warnings

step "host tests: pure logic and the server"
run cargo test --workspace

step "npm package (wasm-pack, release)"
build_package web pkg

step "browser tests in headless Chromium"
start_server 0
echo "test server at $SERVER_URL"
TYPED_SSE_SERVER="$SERVER_URL" run wasm-pack test --headless --chrome
stop_server

# One closing line over every runner above.
passed=$(grep -Eo '[0-9]+ passed' "$LOG" | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$LOG" | awk '{s+=$1} END {print s+0}')
rm -f "$LOG"
echo
echo "all suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
