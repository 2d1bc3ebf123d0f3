#!/usr/bin/env bash
# Cold start of the action vs bare node: runs, interleaved, `node -e 0`, `node -e` requiring
# the wasm-bindgen module only (read + compile + instantiate), `node index.js` with no inputs
# (the core rejects them at once), and `node index.js` in apply mode editing a 10 KB values
# file (a fresh copy each run), RUNS times each (default 40), and
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
// A clean environment: no INPUT_*, no GITHUB_OUTPUT.
const env = { PATH: process.env.PATH };
// apply on a 10 KB values.yaml: 200 image blocks with comments, as charts write them.
const workspace = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'coldstart-'));
let values = '# Default values\nimage:\n  repository: app\n  tag: "1.0.0" # set by CI\n';
for (let i = 0; values.length < 10240; i++) values += `\n# component ${i}\ncomponent${i}:\n  enabled: true\n  replicas: 2\n`;
const applyEnv = { ...env, GITHUB_WORKSPACE: workspace, INPUT_MODE: 'apply', INPUT_FILE: 'values.yaml', INPUT_YQ_TPL: '.image.tag = "{{VERSION}}"', INPUT_VERSION: '1.2.4' };
const cases = [
  ['node -e 0', ['-e', '0'], env],
  ['require(core)', ['-e', `require(${JSON.stringify(core)})`], env],
  ['node index.js', [path.join(dist, 'index.js')], env],
  ['apply 10 KB', [path.join(dist, 'index.js')], applyEnv],
];
const times = cases.map(() => []);
for (let i = 0; i < runs + 3; i++) {
  cases.forEach(([, args, caseEnv], c) => {
    fs.writeFileSync(path.join(workspace, 'values.yaml'), values);
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, args, { env: caseEnv, stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= 3) times[c].push(ms); // the first runs warm the page cache
  });
}
fs.rmSync(workspace, { recursive: true, force: true });
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
