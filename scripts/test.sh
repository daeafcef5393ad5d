#!/usr/bin/env bash
# Every test: formatting, clippy (host and wasm32), host tests, the package builds, TypeScript and
# Vite checks, then the browser suites and the end-to-end tests in headless Chromium against a
# test server started here. Installs what is missing first.
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
cargo clippy -p typed-sse --target wasm32-unknown-unknown --no-default-features --features yew,leptos -- -D warnings

step "host tests: pure logic and the server"
run cargo test --workspace
# The hooks' host tests (src/hooks.rs) compile only with a framework feature.
run cargo test -p typed-sse --lib --features yew,leptos hooks::

step "npm package (wasm-pack, release): web and bundler builds"
build_package web pkg
build_package bundler pkg-bundler

step "TypeScript: the package's types and the README's JS/TS quick starts (tsc --strict)"
node e2e/readme-snippets.mjs
tsc -p e2e/ts/tsconfig.json

step "Vite app that imports the package"
vite build --config e2e/vite-app/vite.config.mjs

step "Yew and Leptos example apps (wasm-pack, release)"
for app in yew-app leptos-app; do
  wasm-pack --quiet build --release --target web --out-dir pkg "examples/$app"
done

start_server 0 --serve "e2e=$ROOT/e2e" --serve "bench=$ROOT/bench" --serve "examples=$ROOT/examples"
echo "test server at $SERVER_URL"

step "browser tests (wasm-bindgen-test) in headless Chromium"
TYPED_SSE_SERVER="$SERVER_URL" run wasm-pack test --headless --chrome

step "end-to-end tests (playwright-core): JS API, Vite app, Yew and Leptos apps, demo page"
# A per-test timeout: a test that waits forever fails instead of holding CI for its 90 minutes.
SERVER_URL="$SERVER_URL" run node --test --test-concurrency=1 --test-timeout=180000 --test-reporter=tap \
  e2e/js-api.test.mjs e2e/event-source.test.mjs e2e/idioms.test.mjs e2e/fetch.test.mjs e2e/node.test.mjs e2e/hostile.test.mjs e2e/resume-ids.test.mjs e2e/vite-app.test.mjs \
  e2e/examples.test.mjs e2e/demo.test.mjs e2e/mcp.test.mjs e2e/llm.test.mjs
echo "screenshots: e2e/out/"

step "resuming across servers: two instances on one Redis behind nginx, SIGKILLs; Nchan on Redis"
# Each file starts and stops its own redis-server, nginx and server instances on free ports.
SERVER_URL="$SERVER_URL" run node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap \
  e2e/scale.test.mjs e2e/nchan.test.mjs

step "benchmark smoke: bundle size and memory growth (no timing)"
SERVER_URL="$SERVER_URL" run node --test --test-timeout=300000 --test-reporter=tap bench/smoke.test.mjs
stop_server

# One closing line over every runner above (cargo's "N passed; M failed", node's TAP "# pass N").
passed=$(grep -Eo '[0-9]+ passed|^# pass [0-9]+' "$LOG" | grep -Eo '[0-9]+' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed|^# fail [0-9]+' "$LOG" | grep -Eo '[0-9]+' | awk '{s+=$1} END {print s+0}')
rm -f "$LOG"
echo
echo "all suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
