#!/usr/bin/env bash
# Builds the npm package and serves the demo page with the test server: http://127.0.0.1:PORT/
# PORT defaults to 8787 (set PORT=0 for any free port).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
step "building the npm package"
build_package web pkg
step "starting the demo server"
start_server "${PORT:-8787}"
echo
echo "  typed-sse demo: $SERVER_URL/"
echo "  (Ctrl-C to stop)"
wait "$SERVER_PID"
