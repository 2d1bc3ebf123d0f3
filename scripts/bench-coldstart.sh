#!/usr/bin/env bash
# Cold start of the action vs bare node: runs, interleaved, `node -e 0`, `node -e` requiring
# the wasm-bindgen module only (read + compile + instantiate), and `node index.js` (the whole
# action with no inputs, which the core rejects at once), RUNS times each (default 40), and
# prints min / median / mean wall time in ms and the differences of mins and medians to bare
# node (on a busy machine the mins are the better estimate).
# Usage: scripts/bench-coldstart.sh [DIST_DIR (default dist)] [RUNS]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dist="$(cd "${1:-$ROOT/dist}" && pwd)"
runs="${2:-40}"

node - "$dist" "$runs" <<'JS'
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const [dist, runs] = [process.argv[2], Number(process.argv[3])];
const core = path.join(dist, 'core', 'gitops_action.js');
const cases = [
  ['node -e 0', ['-e', '0']],
  ['require(core)', ['-e', `require(${JSON.stringify(core)})`]],
  ['node index.js', [path.join(dist, 'index.js')]],
];
// A clean environment: no INPUT_*, no GITHUB_OUTPUT.
const env = { PATH: process.env.PATH };
const times = cases.map(() => []);
for (let i = 0; i < runs + 3; i++) {
  cases.forEach(([, args], c) => {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, args, { env, stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= 3) times[c].push(ms); // the first runs warm the page cache
  });
}
const wasm = fs.statSync(path.join(dist, 'core', 'gitops_action_bg.wasm')).size;
console.log(`node ${process.version}, wasm ${wasm} bytes, ${runs} runs each, load average ${require('node:os').loadavg()[0].toFixed(2)}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const baseMedian = median(times[0]);
const baseMin = Math.min(...times[0]);
cases.forEach(([name], c) => {
  const xs = times[c];
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const [min, m] = [Math.min(...xs), median(xs)];
  const f = (x) => x.toFixed(1).padStart(6);
  console.log(`${name.padEnd(14)} min ${f(min)}  median ${f(m)}  mean ${f(mean)}  vs node -e 0: min +${(min - baseMin).toFixed(1)} ms, median +${(m - baseMedian).toFixed(1)} ms`);
});
JS
