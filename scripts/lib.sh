# Shared helpers for scripts/*.sh (sourced, not run).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The exact wasm-bindgen version pinned in Cargo.toml (`wasm-bindgen = "=X.Y.Z"`).
pinned_wasm_bindgen_version() {
  sed -n 's/^wasm-bindgen *= *"=\([0-9][0-9.]*\)".*/\1/p' "$ROOT/Cargo.toml" | head -n1
}

# The version of the wasm-bindgen CLI on PATH, or nothing.
installed_wasm_bindgen_version() {
  wasm-bindgen --version 2>/dev/null | awk '{print $2}'
}
