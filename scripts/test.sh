#!/usr/bin/env bash
# The README's second command: every test. Sets up what is missing (scripts/setup.sh), then
#   0. formatting: cargo fmt --check (the core and the fuzz targets);
#   1. the Rust core natively: unit, golden, corpus, yaml-test-suite and property tests, clippy
#      (also on the wasm target, for src/wasm.rs);
#   2. dist/ rebuilt from source must equal the committed dist/ (check-dist);
#   3. the Node tests: the shim, the sandbox, update and dispatch modes against the sandbox,
#      the end-to-end runs with the real act, the README's two commands on a fresh machine
#      (tests/setup/), promotion through pull requests on protected branches (tests/pulls/), and
#      the consumer-as-attacker and hostile-server cases (tests/security/).
# The corpus tests read ../shared/corpus (or $GITOPS_CORPUS) and say so when they skip.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
node tests/yaml-test-suite/export.mjs target/yaml-test-suite.json

echo "== cargo fmt --check"
cargo fmt --check
rustfmt --check --edition 2021 fuzz/fuzz_targets/*.rs
echo "== cargo test"
cargo test --locked
echo "== cargo clippy (native, and the wasm entry point)"
cargo clippy --locked --all-targets -- -D warnings
cargo clippy --locked --lib --target wasm32-unknown-unknown -- -D warnings
echo "== check-dist"
bash scripts/check-dist.sh
echo "== node tests"
node --test --test-concurrency=1 js-shim/test/ tests/sandbox/ tests/act/ tests/update/ tests/dispatch/ tests/setup/ tests/pulls/ tests/security/
