#!/usr/bin/env bash
# Builds the npm package alone (`npm run package`): no Chromium, no test tools. Ordered steps,
# each writing to a fresh folder:
#   1. the tools it needs (wasm32 target, wasm-bindgen CLI matching Cargo.lock, wasm-pack, npm
#      dependencies), installed when missing (scripts/setup.sh --package);
#   2. the wasm core: wasm-pack, release profile, --target web, into target/npm/core;
#   3. short names between the wasm and its glue (scripts/shrink-package.mjs);
#   4. the package in OUT (default pkg/): entry points, types, manifest, README, CHANGELOG,
#      licences (scripts/package-entry.mjs, which also loads what it wrote to check it);
#   5. with --pack, `npm pack` into dist/: dist/typed-sse-<version>.tgz, the file to install.
# Usage: bash scripts/package.sh [--pack] [OUT]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

pack=""
if [ "${1:-}" = --pack ]; then pack=1; shift; fi
out="${1:-pkg}"

step "package 1/5: tools"
bash scripts/setup.sh --package
build_package "$out"
if [ -n "$pack" ]; then
  step "package 5/5: npm pack"
  mkdir -p dist
  tarball=$(npm pack "./$out" --pack-destination dist --silent | tail -n1)
  echo "$ROOT/dist/$tarball"
fi
