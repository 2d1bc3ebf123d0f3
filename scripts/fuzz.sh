#!/usr/bin/env bash
# Fuzzes one target of fuzz/ for a number of seconds and prints libFuzzer's statistics.
#
#   bash scripts/fuzz.sh TARGET [SECONDS] [-- EXTRA LIBFUZZER ARGS]
#   bash scripts/fuzz.sh engine 240
#   bash scripts/fuzz.sh expr 60 -- -max_len=256
#
# Targets: engine (expression \0 YAML through the whole edit pipeline), expr (expression
# parse + evaluate on a fixed document). Installs cargo-fuzz when missing. cargo-fuzz needs
# nightly flags; on stable Rust RUSTC_BOOTSTRAP=1 enables them for this build only.
#
# Environment:
#   SANITIZER        none (default: the crate has no unsafe code of its own, and no
#                    sanitizer runs about twice as fast) or address
#   FUZZ_TARGET_DIR  build directory (default: $CARGO_TARGET_DIR/fuzz, else fuzz/target)
#   FUZZ_JOBS        parallel fuzzing processes (default 1)
#   FUZZ_KEEP_GOING  1: fork mode (-fork=FUZZ_JOBS) that records crashes, timeouts and
#                    out-of-memory inputs in fuzz/artifacts/TARGET and goes on fuzzing
#   GITOPS_CORPUS    real YAML files to seed the engine target (default ../shared/corpus)
#
# The working corpus is fuzz/corpus/TARGET (git-ignored), seeded from fuzz/seeds/TARGET;
# crashes land in fuzz/artifacts/TARGET (git-ignored). Reproduce one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none TARGET fuzz/artifacts/TARGET/crash-…
# and minimise it with `cargo fuzz tmin -s none TARGET fuzz/artifacts/TARGET/crash-…`.
# Exits non-zero when libFuzzer found a crash, a timeout or an out-of-memory input.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS] [-- LIBFUZZER ARGS]}
seconds=${2:-60}
shift $(( $# >= 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
[ -f "fuzz/fuzz_targets/$target.rs" ] || { echo "no fuzz target '$target' (have: $(ls fuzz/fuzz_targets | sed 's/\.rs$//' | tr '\n' ' '))" >&2; exit 2; }

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
sanitizer=${SANITIZER:-none}
if [ -n "${FUZZ_TARGET_DIR:-}" ]; then target_dir=$FUZZ_TARGET_DIR
elif [ -n "${CARGO_TARGET_DIR:-}" ]; then target_dir=$CARGO_TARGET_DIR/fuzz
else target_dir=fuzz/target; fi

corpus=fuzz/corpus/$target
mkdir -p "$corpus" "fuzz/artifacts/$target"

# Real-world files make good engine seeds: each with a typical update expression.
real=${GITOPS_CORPUS:-../shared/corpus}
if [ "$target" = engine ] && [ -d "$real" ] && [ -z "$(ls -A "$corpus" 2>/dev/null | head -1)" ]; then
    n=0
    while IFS= read -r -d '' file; do
        { printf '.image.tag = "{{VERSION}}"\0'; cat "$file"; } > "$corpus/real-$n"
        n=$((n + 1))
        [ $n -ge 200 ] && break
    done < <(find "$real" \( -name '*.yaml' -o -name '*.yml' \) -size -16k -print0 | sort -z)
    echo "== seeded $corpus with $n real files from $real"
fi

echo "== building $target (sanitizer: $sanitizer, target dir: $target_dir)"
cargo fuzz build -s "$sanitizer" --target-dir "$target_dir" "$target"

log=$(mktemp)
marker=$(mktemp)
trap 'rm -f "$log" "$marker"' EXIT
echo "== fuzzing $target for ${seconds}s"
jobs=()
if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
    jobs=(-fork="${FUZZ_JOBS:-1}" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
elif [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
    # Each job writes its output to fuzz-N.log in the working directory.
    jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
fi
status=0
started=$(date +%s)
# libFuzzer's timeout handler can deadlock when its alarm lands inside malloc (no sanitizer's
# allocator to protect it), so the whole run is bounded from outside too.
timeout --kill-after=30 $((seconds + 120)) \
    cargo fuzz run -s "$sanitizer" --target-dir "$target_dir" "$target" "$corpus" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "${jobs[@]}" "$@" >"$log" 2>&1 || status=$?
elapsed=$(( $(date +%s) - started ))
for f in fuzz-*.log fuzz/fuzz-*.log; do
    [ -f "$f" ] && cat "$f" >>"$log" && rm -f "$f"
done

echo "== last progress lines"
grep -E '^#[0-9]+' "$log" | tail -3 || true
echo "== statistics (wall time ${elapsed}s)"
grep -E '^(Done|stat::)' "$log" || true
# Fork mode prints no final statistics: its last progress line has the totals.
last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
runs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
rate=$(grep -oE 'exec/s: [0-9]+' <<<"$last" || true)
cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9/]+[a-zA-Z]*' "$log" | tail -1 || true)
echo "runs: ${runs:-unknown}; last ${rate:-exec/s: unknown}; coverage: ${cov:-unknown}; corpus: $(ls "$corpus" | wc -l) files in $corpus"
new=$(find "fuzz/artifacts/$target" -type f -newer "$marker" | sort)
[ "$status" = 124 ] && echo "the run was stopped from outside after $((seconds + 120))s (a hung unit)"
if [ "$status" -ne 0 ] || [ -n "$new" ]; then
    echo "== FINDINGS (exit $status)"
    grep -E 'panicked at|ERROR: libFuzzer|SUMMARY: libFuzzer' "$log" | sort | uniq -c | sort -rn | head -20
    grep -E 'oom/timeout/crash' <<<"$last" || true
    if [ -n "$new" ]; then
        echo "new artifacts (reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run -s $sanitizer $target FILE):"
        echo "$new"
    fi
    exit 1
fi
echo "== no findings"
