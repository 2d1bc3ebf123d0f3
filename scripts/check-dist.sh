#!/usr/bin/env bash
# Rebuilds dist/ and fails when it differs from what is committed (as actions/checkout's
# check-dist workflow): users run the committed dist/, so it must be what the sources build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/build-dist.sh" >/dev/null
status="$(git status --porcelain --untracked-files=all -- dist/)"
if [ -n "$status" ]; then
  rustc_version="$(installed_rustc_version)"
  if [ "$rustc_version" != "$DIST_RUSTC_VERSION" ]; then
    echo "check-dist: this is rustc $rustc_version, and dist/ is built with rustc $DIST_RUSTC_VERSION: another rustc builds other bytes." >&2
    echo "  Compare with the same one: rustup toolchain install $DIST_RUSTC_VERSION && rustup override set $DIST_RUSTC_VERSION" >&2
  fi
  echo "check-dist: dist/ differs from a fresh build; run scripts/build-dist.sh and commit dist/:" >&2
  echo "$status" >&2
  git --no-pager diff --stat -- dist/ >&2
  exit 1
fi
echo "check-dist: dist/ matches a fresh build"
