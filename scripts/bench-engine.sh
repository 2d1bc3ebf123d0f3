#!/usr/bin/env bash
# Engine throughput, native and wasm, side by side.
#
# 1. `cargo bench --bench engine` (benches/engine.rs, opt-level 3, native) on the corpus's three
#    ~1 MB CRDs (`helm-bitnami/bitnami/*/crds/*.yaml` over 500 KB, expression
#    `.metadata.annotations."gitops/version" = "{{VERSION}}"`), on all its `values.yaml` files
#    together and on the values.yaml nearest 10 KB (`.gitopsVersion = "{{VERSION}}"`), best of
#    5 / 5 / 200 rounds: `native` is parse + evaluate + splice + verify with `engine::edit`;
#    `native-apply` is the whole `mode: apply` step over in-memory files.
# 2. The same apply step under Node through the shipped wasm core (dist/core):
#    `run({inputs: {mode: 'apply', file, yq_tpl, version: '1.2.4'}, ...}, host)` per file with an
#    in-memory host (scripts/bench/engine-wasm.js), so no disk I/O is timed; same files,
#    expressions and rounds, after as many warm-up rounds. wasm/native compares the two apply runs.
# Prints MB/s (10^6 bytes/s) and ms per file for both, the ratio wasm/native (time), and the
# targets: >= 50 MB/s native, wasm within 2x of native, < 1 ms for a ~10 KB file.
#
# Needs the corpus: $GITOPS_CORPUS or ../shared/corpus (next to the checkout). Without it, it
# says so and skips every measurement (exit 0). The first run compiles the bench profile
# (~3-4 min on 2 cores); later runs take ~1 min.
# Usage: scripts/bench-engine.sh [DIST_DIR (default dist)]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
dist="$(cd "${1:-$ROOT/dist}" && pwd)"

corpus="${GITOPS_CORPUS:-$ROOT/../shared/corpus}"
if [ ! -d "$corpus" ]; then
  echo "bench-engine: SKIPPED: no corpus at $corpus (set GITOPS_CORPUS to a checkout of the"
  echo "  shared YAML corpus); every measurement here needs it, none was run."
  exit 0
fi
corpus="$(cd "$corpus" && pwd)"
export GITOPS_CORPUS="$corpus"

echo "bench-engine: corpus $corpus, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
native_out="$(mktemp)"
trap 'rm -f "$native_out"' EXIT
echo "== native: cargo bench --bench engine"
# cargo's progress goes to stderr; only a failed build shows it
if ! cargo bench --bench engine 2>"$native_out.err" | tee "$native_out"; then
  cat "$native_out.err" >&2
  rm -f "$native_out.err"
  exit 1
fi
rm -f "$native_out.err"
echo "== wasm: $dist/core through run(), in-memory host"
node "$ROOT/scripts/bench/engine-wasm.js" "$corpus" "$native_out" "$dist"
echo "bench-engine: load average at the end $(cut -d' ' -f1-3 /proc/loadavg) (figures from a busy machine are slower and noisier)"
