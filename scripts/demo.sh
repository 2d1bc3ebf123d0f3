#!/usr/bin/env bash
# The README's first command: set up what is missing (act, npm dev dependencies, the wasm
# toolchain), then run the full round trip on the local Gitea sandbox (scripts/demo.mjs).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh
node scripts/demo.mjs "$@"
