#!/usr/bin/env bash
# The README's first command: set up what the demo is missing (act, the sandbox's npm
# dependencies; no Rust toolchain: the demo runs the committed dist/), then run the full round
# trip on the local Gitea sandbox (scripts/demo.mjs).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh --demo
node scripts/demo.mjs "$@"
