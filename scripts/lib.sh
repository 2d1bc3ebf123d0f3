# Shared helpers for scripts/*.sh (sourced, not run). Every helper is safe under
# `set -euo pipefail` when the tool it asks about is absent: probes return nothing or false,
# they never end the script.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# cargo installs binaries (wasm-bindgen) into $CARGO_HOME/bin, which a fresh login shell may not
# have on PATH yet: look there too.
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"

# Appends $CARGO_BIN to PATH when it exists and is not there yet.
add_cargo_bin_to_path() {
  case ":$PATH:" in
    *":$CARGO_BIN:"*) ;;
    *) if [ -d "$CARGO_BIN" ]; then PATH="$PATH:$CARGO_BIN"; fi ;;
  esac
}
add_cargo_bin_to_path

# The rustc that built the committed dist/: another rustc builds other wasm bytes, so check-dist
# can only compare with this one.
DIST_RUSTC_VERSION="1.95.0"

# Whether a command is on PATH.
have_command() {
  command -v "$1" >/dev/null 2>&1
}

# Fails the script with a message naming what is missing and how to get it.
missing() {
  local what="$1" how="$2"
  echo "setup: MISSING: $what. $how" >&2
  exit 1
}

# The exact wasm-bindgen version pinned in Cargo.toml (`wasm-bindgen = "=X.Y.Z"`).
pinned_wasm_bindgen_version() {
  sed -n 's/^wasm-bindgen *= *"=\([0-9][0-9.]*\)".*/\1/p' "$ROOT/Cargo.toml" | head -n1
}

# The version of the wasm-bindgen CLI on PATH, or nothing.
installed_wasm_bindgen_version() {
  have_command wasm-bindgen || return 0
  wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true
}

# The version of rustc on PATH (`1.95.0`), or nothing.
installed_rustc_version() {
  have_command rustc || return 0
  rustc --version 2>/dev/null | awk '{print $2}' || true
}

# The major version of node on PATH, or nothing.
node_major_version() {
  have_command node || return 0
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || true
}
