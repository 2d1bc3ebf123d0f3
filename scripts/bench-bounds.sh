#!/usr/bin/env bash
# The action's bounds on time and output size, measured in real time on the shipped dist/ as a
# runner starts it (`node dist/index.js`, INPUT_* environment, $GITHUB_OUTPUT):
#  1. a large edit: `mode: update` against the Gitea stand-in (tests/sandbox, gitea-1.26,
#     in-process) on a file whose VALUES values (default 20,000) all change
#     (`.images[] = "{{VERSION}}"`): wall time [target < 5 s], and the sizes of the outputs
#     file, the job summary and the log [target < 1 MiB each];
#  2. a silent server: `mode: dispatch` with `timeout: 10s` against a TCP server that accepts
#     connections and never answers: wall time [target < 20 s].
# Prints one line per measurement. ~20 s. Needs dist/ built and tests/sandbox's packages
# (scripts/setup.sh); not the corpus, not act.
# Usage: scripts/bench-bounds.sh [VALUES (default 20000)]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
exec node "$ROOT/scripts/bench/bounds.mjs" "${1:-20000}"
