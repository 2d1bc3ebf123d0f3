#!/usr/bin/env bash
# Checks that dist/ is byte-reproducible: builds the committed HEAD twice, in two fresh
# worktrees at different paths (and depths), and compares the sha256 of every file.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

tmp="$(mktemp -d)"
trap 'git worktree remove --force "$tmp/a" 2>/dev/null; git worktree remove --force "$tmp/b/elsewhere/deeper" 2>/dev/null; rm -rf "$tmp"' EXIT
git worktree add -q --detach "$tmp/a" HEAD
git worktree add -q --detach "$tmp/b/elsewhere/deeper" HEAD
"$tmp/a/scripts/build-dist.sh" >"$tmp/a.sha256" 2>"$tmp/a.log" || { cat "$tmp/a.log" >&2; exit 1; }
"$tmp/b/elsewhere/deeper/scripts/build-dist.sh" >"$tmp/b.sha256" 2>"$tmp/b.log" || { cat "$tmp/b.log" >&2; exit 1; }
if ! diff -u "$tmp/a.sha256" "$tmp/b.sha256"; then
  echo "check-repro: two builds of HEAD differ" >&2
  exit 1
fi
cat "$tmp/a.sha256"
echo "check-repro: two builds of HEAD at different paths are identical"
