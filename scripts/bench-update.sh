#!/usr/bin/env bash
# `mode: update` against the git-clone baseline it replaces, on a GitOps repository the size of
# a real one.
#
# Starts the Gitea stand-in (tests/sandbox, flavor gitea-1.26, in-process) with niko/gitops
# seeded from the corpus's whole bitnami tree (`helm-bitnami/`: 118 charts, 239 files, ~13 MB),
# then, interleaved, RUNS times each (after one warm-up of each):
#  (a) `node dist/index.js` in update mode, as a runner starts it (INPUT_* environment,
#      $GITHUB_OUTPUT), editing bitnami/nginx/Chart.yaml with `.version = "{{VERSION}}"` (with
#      dispatch_id, source_repo and source_commit, as the GitOps workflow passes them): time
#      from process start to the commit landing in the sandbox, and to process exit; API calls
#      per update from the sandbox's /_sandbox/requests log and from the action's own
#      `::debug::N API calls` line;
#  (b) the seed's baseline: `git clone` over the sandbox's smart HTTP, the same edit with sed
#      (yq is not available offline), `git commit`, `git push`, each phase timed; yq's download
#      is added as a separate, clearly labelled ESTIMATE: its published linux-amd64 v4 size
#      (11,440,312 bytes, v4.47.1, from the release tarball listing quoted in mikefarah/yq
#      issue #2437) divided by an assumed bandwidth (BENCH_BANDWIDTH_MBIT, default 100 Mbit/s);
#  (a') the same update by the fetch-based dist (git 9e19c09^, issue #15's "before"), unpacked
#      from the clone's history with `git archive` (without that revision, its recorded figures
#      are used);
#  and Node's own floor: the same spawn of an empty script, start to exit.
# Then (c) the core alone: one more update recorded through the dist's host
# (scripts/bench/core-alone.cjs), replayed RUNS times without network in fresh processes, as
# shipped and with every wasm function compiled before the run, which tells V8's compiling on
# first call apart from the run's own work.
# Prints medians (and min/max); the update's time outside the API (start to exit with no call in
# flight, from the sandbox's request log), split into start-up and the tail, and less Node's own
# floor; checks both against half the fetch-based dist's (issue #15), the API calls per
# update against the target (<= 4 for an uncontended update), and whether update beats the
# baseline. ~40 s for RUNS=10.
#
# Needs the corpus: $GITOPS_CORPUS or ../shared/corpus. Without it, it says so and skips
# everything (exit 0). Needs git (git http-backend) and dist/ built; not act.
# Usage: scripts/bench-update.sh [RUNS (default 10)] [DIST_DIR (default dist; another build to compare)]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
runs="${1:-10}"

corpus="${GITOPS_CORPUS:-$ROOT/../shared/corpus}"
if [ ! -d "$corpus/helm-bitnami" ]; then
  echo "bench-update: SKIPPED: no corpus at $corpus (set GITOPS_CORPUS to a checkout of the"
  echo "  shared YAML corpus); the GitOps repository it seeds is the corpus's helm-bitnami/ tree, so"
  echo "  nothing was measured."
  exit 0
fi
exec node "$ROOT/scripts/bench/update.mjs" "$(cd "$corpus" && pwd)" "$runs" ${2:+"$(cd "$2" && pwd)"}
