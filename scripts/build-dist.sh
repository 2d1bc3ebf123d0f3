#!/usr/bin/env bash
# Builds dist/: the Rust core to wasm32 (release), its wasm-bindgen glue (--target nodejs) into
# dist/core/, and the JS shim (js-shim/*.js) into dist/. The output is byte-reproducible for a
# given rustc and wasm-bindgen: every absolute build path is remapped, nothing time-dependent is
# written. Prints the sha256 of every file in dist/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

want="$(pinned_wasm_bindgen_version)"
have="$(installed_wasm_bindgen_version)"
if [ -z "$want" ] || [ "$want" != "$have" ]; then
  echo "build-dist: need wasm-bindgen ${want:-(pin not found in Cargo.toml)}, found ${have:-none}; run scripts/setup.sh" >&2
  exit 1
fi

cargo_home="${CARGO_HOME:-$HOME/.cargo}"
rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
# Later prefixes win where two match: the more specific homes after the checkout.
export RUSTFLAGS="--remap-path-prefix=$ROOT=/build --remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$rustup_home=/rustup"
unset CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS
# A target dir of its own: these RUSTFLAGS would otherwise invalidate everyday builds.
cargo build --release --locked --target wasm32-unknown-unknown --target-dir "$ROOT/target/dist"

rm -rf dist
mkdir -p dist/core
# No `name` section: the shim reports crashes by the panic message, never by a wasm stack
# trace, and the section is a quarter of the file (~1.5 ms of every start-up to decode).
wasm-bindgen --target nodejs --no-typescript --remove-name-section \
  --out-dir dist/core --out-name gitops_action \
  target/dist/wasm32-unknown-unknown/release/gitops_action.wasm
for f in js-shim/*.js; do
  cp "$f" dist/
done
# The wasm-bindgen glue is CommonJS: pin the module type whatever package.json lies above.
printf '{\n  "type": "commonjs"\n}\n' > dist/package.json

if strings dist/core/gitops_action_bg.wasm | grep -E -q "$ROOT|$cargo_home|$rustup_home|$HOME/"; then
  echo "build-dist: an absolute build path leaked into the wasm:" >&2
  strings dist/core/gitops_action_bg.wasm | grep -E "$ROOT|$cargo_home|$rustup_home|$HOME/" | head >&2
  exit 1
fi
(cd dist && find . -type f | LC_ALL=C sort | xargs sha256sum)
