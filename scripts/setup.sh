#!/usr/bin/env bash
# Installs what typed-sse needs to build, demo and test, and skips what is already there.
# Safe to run again: every step checks first. Used by `npm start` and `npm test`.
# With --package, only what `npm run package` needs: no Chromium, no Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGE_ONLY=""; [ "${1:-}" = --package ] && PACKAGE_ONLY=1
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# The CLI must match the wasm-bindgen crate exactly: the version Cargo.lock resolved (Cargo.toml
# gives dependents a compatible range; the lock file holds this project to one version).
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$WB_VERSION" ] || { echo "setup: cannot read the wasm-bindgen version from Cargo.lock" >&2; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]; then
  say "installing wasm-bindgen-cli $WB_VERSION (a few minutes)"
  # No --locked: the index reachable here can lag the CLI's lock file; the fresh resolve builds.
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
fi

if ! command -v wasm-pack >/dev/null 2>&1; then
  say "installing wasm-pack (a couple of minutes)"
  # The npm package of wasm-pack downloads a prebuilt binary, which this network refuses.
  cargo install wasm-pack
fi

if [ -z "$PACKAGE_ONLY" ] && { ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; }; then
  say "installing Chromium and chromedriver"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# The resume layer's tests (axum/tests) start their own redis-server on a free 127.0.0.1 port.
if [ -z "$PACKAGE_ONLY" ] && ! command -v redis-server >/dev/null 2>&1; then
  say "installing redis-server"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi

# The scale tests (e2e/scale.test.mjs, e2e/nchan.test.mjs) start their own nginx, with Nchan,
# on free 127.0.0.1 ports and their own configuration. Installing must not start the system's
# nginx service (it would take port 80): a policy-rc.d that refuses every start is put in place
# for the install, unless the machine has one already.
if [ ! -x /usr/sbin/nginx ] || [ ! -f /usr/lib/nginx/modules/ngx_nchan_module.so ]; then
  say "installing nginx and its Nchan module (the system service is not started)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  POLICY=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    POLICY=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 755 "$POLICY"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx libnginx-mod-nchan >/dev/null
  [ -z "$POLICY" ] || $SUDO rm -f "$POLICY"
fi

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || \
   { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  say "installing Node dependencies"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi

if [ -n "$PACKAGE_ONLY" ]; then
  say "tools ready for the package: $(wasm-bindgen --version), $(wasm-pack --version)"
else
  say "tools ready: $(wasm-bindgen --version), $(wasm-pack --version), $(chromium --version 2>/dev/null | head -n1)"
fi
