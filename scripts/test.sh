#!/usr/bin/env bash
# Every test: formatting, clippy (host and wasm32), host tests, cargo package, the npm package's
# build, TypeScript and Vite checks, then the browser suites, the end-to-end tests and the
# package's consumers (headless Chromium, Node) against a test server started here. Installs
# what is missing first.
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
# Each framework feature alone (none may lean on another's dependencies), host and wasm32, then
# the example apps.
for feature in yew leptos dioxus; do
  cargo clippy -p typed-sse --no-default-features --features "$feature" -- -D warnings
  cargo clippy -p typed-sse --target wasm32-unknown-unknown --no-default-features --features "$feature" -- -D warnings
done
cargo clippy -p typed-sse-yew-example -p typed-sse-leptos-example -p typed-sse-dioxus-example \
  --target wasm32-unknown-unknown -- -D warnings

step "host tests: pure logic and the server"
run cargo test --workspace
# The hooks' host tests (src/hooks.rs) compile only with a framework feature; the doctests of
# docs/rust-frameworks.md and of the hooks need all three.
run cargo test -p typed-sse --lib --features yew,leptos,dioxus hooks::
# The Leptos hook in a server build (Leptos's `ssr`): connects to nothing, renders `connecting`.
run cargo test -p typed-sse --lib --features leptos,leptos/ssr leptos::
run cargo test -p typed-sse-leptos-example --lib --features ssr

step "JS unit tests: hub, options, iterator, errors (Node, no wasm, no browser)"
run node --test --test-reporter=tap test/js/

step "crates.io: cargo package of typed-sse and typed-sse-axum (each packaged crate built alone)"
# --allow-dirty: this checks what would be published, not whether the work tree is committed.
run cargo package -p typed-sse -p typed-sse-axum --allow-dirty

step "npm package (scripts/package.sh: wasm-pack, release), packed into dist/"
bash scripts/package.sh --pack pkg
run node --test --test-reporter=tap scripts/shrink-package.test.mjs

step "TypeScript: the package's types and the JS/TS blocks of the README and docs/ (tsc --strict)"
node e2e/readme-snippets.mjs
tsc -p e2e/ts/tsconfig.json

step "Vite app that imports the package"
vite build --config e2e/vite-app/vite.config.mjs

step "React, Vue and Svelte example apps: the packed package, tsc --strict (apps and docs), Vite builds"
bash scripts/framework-apps.sh

step "Yew, Leptos and Dioxus example apps (wasm-pack, release)"
wasm-pack --quiet build --release --target web --out-dir pkg examples/yew-app
wasm-pack --quiet build --release --target web --out-dir pkg examples/leptos-app -- --features csr
wasm-pack --quiet build --release --target web --out-dir pkg examples/dioxus-app

start_server 0 --serve "e2e=$ROOT/e2e" --serve "bench=$ROOT/bench" --serve "examples=$ROOT/examples"
echo "test server at $SERVER_URL"

step "browser tests (wasm-bindgen-test) in headless Chromium"
TYPED_SSE_SERVER="$SERVER_URL" run wasm-pack test --headless --chrome

step "end-to-end tests (playwright-core): JS API, Vite app, Yew, Leptos, Dioxus, React, Vue and Svelte apps, demo page, README quick starts"
# A per-test timeout: a test that waits forever fails instead of holding CI for its 90 minutes.
E2E=(
  e2e/js-api.test.mjs
  e2e/event-source.test.mjs
  e2e/idioms.test.mjs
  e2e/fetch.test.mjs
  e2e/node.test.mjs
  e2e/hostile.test.mjs
  e2e/resume-ids.test.mjs
  e2e/tabs.test.mjs
  e2e/vite-app.test.mjs
  e2e/examples.test.mjs
  e2e/js-frameworks.test.mjs
  e2e/demo.test.mjs
  e2e/mcp.test.mjs
  e2e/llm.test.mjs
  e2e/readme.test.mjs
)
SERVER_URL="$SERVER_URL" run node --test --test-concurrency=1 --test-timeout=180000 --test-reporter=tap "${E2E[@]}"
echo "screenshots: e2e/out/"

step "consumers: the packed tarball installed into fresh Vite, webpack, esbuild, Node, TypeScript, worker and CSP projects"
SERVER_URL="$SERVER_URL" run node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap e2e/consumers.test.mjs

step "resuming across servers: two instances on one Redis behind nginx, SIGKILLs; Nchan on Redis"
# Each file starts and stops its own redis-server, nginx and server instances on free ports.
SERVER_URL="$SERVER_URL" run node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap \
  e2e/scale.test.mjs e2e/nchan.test.mjs

step "benchmark smoke: bundle size, memory growth, every peer client receives every event (no timing)"
SERVER_URL="$SERVER_URL" run node --test --test-timeout=300000 --test-reporter=tap bench/smoke.test.mjs
stop_server

# One closing line over every runner above (cargo's "N passed; M failed", node's TAP "# pass N").
passed=$(grep -Eo '[0-9]+ passed|^# pass [0-9]+' "$LOG" | grep -Eo '[0-9]+' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed|^# fail [0-9]+' "$LOG" | grep -Eo '[0-9]+' | awk '{s+=$1} END {print s+0}')
rm -f "$LOG"
echo
echo "all suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
