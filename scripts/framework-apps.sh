#!/usr/bin/env bash
# The React, Vue and Svelte example apps (examples/{react,vue,svelte}-app), built with Vite from
# the packed npm package, as an application that installed it would get it: `npm pack` of pkg/
# (run `build_package web pkg` first), the tarball extracted into each app's node_modules
# (copied, not linked), the apps' own dependencies from their lockfiles (`npm ci`, skipped when
# node_modules is newer than the lockfile). Then each app's types are checked (`tsc --strict`,
# docs/js-frameworks.md's blocks included) and the apps are built into their dist/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

pack_dir="$ROOT/target/npm-pack"
mkdir -p "$pack_dir"
tarball="$pack_dir/$(cd pkg && npm pack --silent --pack-destination "$pack_dir" | tail -n1)"

# Every ```ts block of docs/js-frameworks.md after a `<!-- check: APP -->` line, into APP's
# docs-check/ folder, which its tsconfig.json includes.
node scripts/framework-docs.mjs

install() { # DIR: the app's dependencies, from its lockfile, when they changed
  local dir="$1"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

for app in react-app vue-app svelte-app; do
  dir="examples/$app"
  install "$dir"
  rm -rf "$dir/node_modules/typed-sse"
  mkdir -p "$dir/node_modules/typed-sse"
  tar -xzf "$tarball" -C "$dir/node_modules/typed-sse" --strip-components=1
  tsc -p "$dir/tsconfig.json"
done
install examples/react-app/react18
tsc -p examples/react-app/tsconfig.react18.json

# React's StrictMode checks (mount, unmount, mount) run in development builds only.
vite=node_modules/.bin/vite
(cd examples/react-app && NODE_ENV=development $vite build && NODE_ENV=development $vite build --mode react18)
(cd examples/vue-app && $vite build)
(cd examples/svelte-app && $vite build)
