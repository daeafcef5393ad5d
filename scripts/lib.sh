# Shared by the scripts: paths, the tools on PATH, and starting/stopping the test server.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"
# wasm-bindgen-test waits 20 s for a whole suite by default; the reconnect suites take longer.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

SERVER_PID=""

# start_server [PORT] [extra server args...]: builds and starts typed-sse-server on 127.0.0.1,
# waits until it answers, and sets SERVER_URL. Only the process started here is stopped later.
start_server() {
  local port="${1:-0}"; shift || true
  local port_file
  port_file="$(mktemp)"
  rm -f "$port_file"
  # Its own profile (see [profile.server] in Cargo.toml): optimised, but a panic unwinds and
  # fails one request instead of aborting the server.
  cargo build --quiet --profile server -p typed-sse-server
  # Where cargo just built it: CARGO_TARGET_DIR when set (a second checkout sharing a build).
  "${CARGO_TARGET_DIR:-$ROOT/target}/server/typed-sse-server" --port "$port" --port-file "$port_file" "$@" &
  SERVER_PID=$!
  trap stop_server EXIT
  for _ in $(seq 1 200); do
    if [ -s "$port_file" ]; then
      SERVER_URL="http://127.0.0.1:$(cat "$port_file")"
      if curl -fsS -o /dev/null "$SERVER_URL/stats?key=ping" 2>/dev/null; then
        rm -f "$port_file"
        export SERVER_URL
        return 0
      fi
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the test server exited" >&2; return 1; }
    sleep 0.1
  done
  echo "the test server did not answer within 20 s" >&2
  return 1
}

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

# The npm package's allocator (see src/lib.rs): a cfg of this build alone, never a crate feature.
# And no path of the building machine in the wasm: panic locations name the source files of
# dependencies by their absolute path under cargo's home (`/root/.cargo/registry/src/...`);
# remapped, they read `cargo/registry/src/...` (and anything under the checkout `typed-sse/...`).
NPM_RUSTFLAGS="--cfg typed_sse_npm_alloc --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=cargo --remap-path-prefix=$ROOT=typed-sse"

# build_package OUT_DIR: the npm package (scripts/package.sh, steps 2 to 4), into OUT_DIR emptied
# first. `build_package web OUT_DIR`, the form of earlier builds, does the same: there is one
# package for every environment now.
build_package() {
  [ "$1" = web ] && shift
  local out="$1" core="$ROOT/target/npm/core"
  step "package 2/5: the wasm core (wasm-pack, release)"
  rm -rf "$core"
  # A target directory of its own: the cfg changes every crate's flags, and sharing target/ with
  # the other wasm builds would rebuild their dependencies each time.
  CARGO_TARGET_DIR="$ROOT/target/npm" RUSTFLAGS="${RUSTFLAGS:-} $NPM_RUSTFLAGS" \
    wasm-pack --quiet build --release --target web --out-dir "$core" \
    --out-name typed_sse_core "$ROOT"
  step "package 3/5: short names between the wasm and its glue"
  node "$ROOT/scripts/shrink-package.mjs" "$core"
  step "package 4/5: entry points, types and manifest into $out"
  rm -rf "$out"
  node "$ROOT/scripts/package-entry.mjs" "$core" "$out"
}

# The comparison clients of the benchmarks, into bench/out/: every one with the package's release
# profile for the size comparison, and the two Rust clients again with opt-level 3 for the
# throughput runs (what an application that cares about speed would use; both alike, so fair).
# With `--profiling` as well, the same opt-level 3 code keeping its function names, for the CPU
# profile of `npm run bench` (only `npm run bench` asks for these), and the npm package's wasm
# with its names (bench/out/pkg-prof: build_package's cargo build, cached, and its wasm-opt flags
# plus -g; not shrunk, so the JS keeps its names too). eventsource-parser, the plain-JS parser the
# fetch transport is compared with, is copied from node_modules for the page (the server serves
# bench/, not node_modules). Run build_package web pkg first.
build_bench_clients() {
  local c
  mkdir -p "$ROOT/bench/out/eventsource-parser"
  cp "$ROOT/node_modules/eventsource-parser/dist/index.js" "$ROOT/bench/out/eventsource-parser/"
  for c in hello:hello gloo-client:gloo rust-client:rust; do
    wasm-pack --quiet build --release --target web --out-dir "$ROOT/bench/out/${c#*:}" "$ROOT/bench/${c%%:*}"
  done
  for c in gloo-client:gloo rust-client:rust; do
    CARGO_PROFILE_RELEASE_OPT_LEVEL=3 wasm-pack --quiet build --release --target web \
      --out-dir "$ROOT/bench/out/${c#*:}-o3" "$ROOT/bench/${c%%:*}"
    if [ "${1:-}" = --profiling ]; then
      CARGO_PROFILE_RELEASE_OPT_LEVEL=3 wasm-pack --quiet build --profiling --target web \
        --out-dir "$ROOT/bench/out/${c#*:}-prof" "$ROOT/bench/${c%%:*}"
    fi
  done
  if [ "${1:-}" = --profiling ]; then
    local prof="$ROOT/bench/out/pkg-prof" core="$ROOT/target/npm/core-prof" flags
    rm -rf "$core"
    CARGO_TARGET_DIR="$ROOT/target/npm" RUSTFLAGS="${RUSTFLAGS:-} $NPM_RUSTFLAGS" \
      wasm-pack --quiet build --release --no-opt --target web --out-dir "$core" \
      --out-name typed_sse_core "$ROOT"
    # The wasm-opt flags of [package.metadata.wasm-pack.profile.release] in Cargo.toml.
    flags=$(node -e '
      const toml = require("fs").readFileSync(process.argv[1], "utf8");
      const section = toml.split("[package.metadata.wasm-pack.profile.release]")[1];
      console.log(JSON.parse(section.match(/wasm-opt\s*=\s*(\[.*\])/)[1]).join(" "));' "$ROOT/Cargo.toml")
    # shellcheck disable=SC2086 # the flags are words
    wasm-opt $flags -g "$core/typed_sse_core_bg.wasm" -o "$core/typed_sse_core_bg.wasm"
    rm -rf "$prof"
    node "$ROOT/scripts/package-entry.mjs" "$core" "$prof" --keep-names
  fi
}
