// The measurements of scripts/bench-dispatch.sh (see its header). Runs the sandbox in this
// process so that events can be timed to the millisecond (its own timestamps are whole
// seconds). Observers only, nothing in the sandbox changes behaviour:
//  - RunManager.start / RunManager.finish are wrapped to note when each GitOps run starts and
//    completes (finish is what flips the run to `completed` in the API);
//  - Sandbox.recordWrite is wrapped to note when the GitOps commit lands;
//  - a second 'request' listener on the HTTP server notes, when each /api/v1 response has been
//    sent, its method, path and token: the consumer's status posts (the final status is the
//    last POST /statuses/{sha} on the consumer commit) and its API calls (each case uses a token
//    of its own).
//
// Usage: node scripts/bench/dispatch.mjs [--quick] [--with-300] [--short-repeats N]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { REPO_ROOT, api, ensureAct, startSandbox, violations } from '../../tests/sandbox/helpers.mjs';
import { parseOutputs, runnerEnv } from '../../tests/runner-files.mjs';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const FORCE_300 = args.includes('--with-300');
const SHORT_REPEATS = Number(args[args.indexOf('--short-repeats') + 1] || 0) || 3;
const BUDGET_S = 420; // the whole script, with the 300 s case: ~7 min
const GITOPS = 'niko/gitops';
const APP = 'niko/app';
const T0 = performance.now();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (x) => (x === undefined || Number.isNaN(x) ? '   —  ' : `${(x / 1000).toFixed(2).padStart(6)}`);
const b64 = (s) => Buffer.from(s).toString('base64');

/** The example GitOps workflow with a step that sleeps `seconds` before the update step. */
function sleepingWorkflow(seconds) {
  const text = readFileSync(path.join(REPO_ROOT, 'examples/gitops-repo/.gitea/workflows/gitops-service.yaml'), 'utf8');
  if (!seconds) return text;
  const step = `    steps:\n      - name: Stand-in for the deployment's own work (bench)\n        run: sleep ${seconds}\n`;
  if (!text.includes('    steps:\n')) throw new Error('the example workflow has no `    steps:` line to extend');
  return text.replace('    steps:\n', step);
}

async function main() {
  const act = ensureAct();
  if (act.skip) {
    console.log(`bench-dispatch: SKIPPED: act is needed to run the GitOps workflow and could not be installed: ${act.skip}`);
    return;
  }
  const seed = {
    users: [{ name: 'niko', email: 'niko@example.com', full_name: 'Niko' }],
    tokens: [{ name: 'niko-pat', user: 'niko', scopes: ['write:repository'] }],
    repos: [
      {
        name: GITOPS,
        default_branch: 'main',
        files_from: path.join(REPO_ROOT, 'examples', 'gitops-repo'),
        files: { '.gitea/workflows/gitops-calibrate.yaml': sleepingWorkflow(0) },
      },
      { name: APP, default_branch: 'main', files: { 'README.md': '# app\n' } },
    ],
  };
  const sb = await startSandbox({ flavor: 'gitea-1.26', seed, actPath: act.path, capacity: 2 });
  const inner = sb.sandbox;
  const admin = sb.tokenNames['niko-pat'];

  // ---- observers ----
  const runs = new Map(); // id -> {source, started, completed, conclusion}
  const runStart = inner.runs.start.bind(inner.runs);
  inner.runs.start = (run) => {
    runs.set(run.id, { source: run.inputs?.source_commit, started: performance.now() });
    return runStart(run);
  };
  const runFinish = inner.runs.finish.bind(inner.runs);
  inner.runs.finish = (run, conclusion) => {
    const r = runs.get(run.id);
    if (r && r.completed === undefined) Object.assign(r, { completed: performance.now(), conclusion });
    return runFinish(run, conclusion);
  };
  const writes = new Map(); // sha -> time
  const recordWrite = inner.recordWrite.bind(inner);
  inner.recordWrite = (repo, branch, sha, auth) => {
    writes.set(sha, performance.now());
    return recordWrite(repo, branch, sha, auth);
  };
  const calls = []; // {t, method, path, auth}
  inner.server.on('request', (req, res) => {
    if (!req.url.startsWith('/api/v1/')) return;
    const entry = { method: req.method, path: req.url.split('?')[0], auth: String(req.headers.authorization || '') };
    res.on('finish', () => calls.push({ ...entry, t: performance.now(), status: res.statusCode }));
  });

  const work = mkdtempSync(path.join(tmpdir(), 'bench-dispatch-'));
  let caseNo = 0;

  /** One dispatch by the consumer (node dist/index.js, mode dispatch) of `workflow`. */
  async function dispatch(label, workflow) {
    const n = ++caseNo;
    const consumerCommit = (await api(sb, 'POST', `/repos/${APP}/contents/bench/case-${n}.txt`, { token: admin, body: { content: b64(`${label}\n`), message: `build ${n}` } })).body.commit.sha;
    const token = (await api(sb, 'POST', '/_sandbox/tokens', { body: { user: 'niko', name: `bench-${n}`, scopes: ['write:repository'] } })).body.token;
    const dir = mkdtempSync(path.join(work, 'job-'));
    const env = {
      ...runnerEnv({ dir, serverUrl: sb.url, repository: APP }),
      GITHUB_SHA: consumerCommit,
      GITHUB_RUN_ID: String(1000 + n),
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_JOB: 'build',
      INPUT_MODE: 'dispatch',
      INPUT_TOKEN: token,
      INPUT_GITOPS_REPO: GITOPS,
      INPUT_GITOPS_FILE: 'dev/Chart.yaml',
      INPUT_GITOPS_YQ_TPL: '.version = "{{VERSION}}"',
      INPUT_VERSION: `100.0.${n}`,
      INPUT_WORKFLOW: workflow,
    };
    writeFileSync(env.GITHUB_OUTPUT, '');
    const started = performance.now();
    const { code, log } = await new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'index.js')], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.stderr.on('data', (d) => (text += d));
      child.on('close', (c) => resolve({ code: c, log: text }));
    });
    const exited = performance.now();
    const outputs = parseOutputs(readFileSync(env.GITHUB_OUTPUT, 'utf8'));
    rmSync(dir, { recursive: true, force: true });
    const run = [...runs.values()].find((r) => r.source === consumerCommit);
    if (code !== 0 || outputs.status !== 'success' || !run) {
      throw new Error(`dispatch "${label}" did not succeed (exit ${code}, status ${outputs.status}):\n${log}`);
    }
    const debug = /::debug::(\d+) API calls to \S+, (\d+) for statuses/.exec(log);
    const mine = calls.filter((c) => c.auth.endsWith(token));
    const statusPosts = mine.filter((c) => c.method === 'POST' && c.path === `/api/v1/repos/${APP}/statuses/${consumerCommit}`);
    const finalStatus = statusPosts[statusPosts.length - 1]?.t;
    const stored = (await api(sb, 'GET', '/_sandbox/statuses')).body.filter((s) => s.sha === consumerCommit);
    const gitopsCommit = writes.get(outputs.commit_sha);
    return {
      label,
      runSeconds: (run.completed - run.started) / 1000,
      queued: run.started - started,
      commitToFinal: finalStatus - gitopsCommit,
      completedToFinal: finalStatus - run.completed,
      total: exited - started,
      toGitops: debug ? Number(debug[1]) : NaN,
      forStatuses: debug ? Number(debug[2]) : NaN,
      seen: mine.length,
      finalState: stored[stored.length - 1]?.status ?? stored[stored.length - 1]?.state,
      routes: mine.map((c) => `${c.method} ${c.path.replace(/^\/api\/v1/, '').replace(/\/[0-9a-f]{40}$/, '/{sha}').replace(/\/runs\/\d+$/, '/runs/{id}')}`),
    };
  }

  async function addWorkflow(name, seconds) {
    const r = await api(sb, 'POST', `/repos/${GITOPS}/contents/.gitea/workflows/${name}`, { token: admin, body: { content: b64(sleepingWorkflow(seconds)), message: `bench: ${name} (sleep ${seconds})` } });
    if (r.status !== 201) throw new Error(`could not add ${name}: ${r.status} ${r.text}`);
  }

  const results = [];
  try {
    console.log(`sandbox ${sb.flavor} at ${sb.url}, act ${act.path}, runner capacity 2; ${QUICK ? '--quick: without the 300 s case' : 'cases ~5 s, ~60 s, ~300 s'}; load average ${loadavg()[0].toFixed(2)}`);
    // Calibration: the example workflow as it is. Its length is act's own overhead (checkout,
    // copying the action, node start, the update step); the sleeps below add to it.
    const calib = await dispatch('calibration (no sleep)', 'gitops-calibrate.yaml');
    results.push(calib);
    const base = calib.runSeconds;
    const sleepFor = (target) => Math.max(0, Math.round(target - base));
    console.log(`calibration: the GitOps run without a sleep lasts ${base.toFixed(1)} s; sleeps: ~5 s -> ${sleepFor(5)} s, ~60 s -> ${sleepFor(60)} s, ~300 s -> ${sleepFor(300)} s`);
    await addWorkflow('gitops-5.yaml', sleepFor(5));
    await addWorkflow('gitops-60.yaml', sleepFor(60));
    await addWorkflow('gitops-300.yaml', sleepFor(300));

    for (let i = 0; i < SHORT_REPEATS; i++) results.push(await dispatch(`~5 s #${i + 1}`, 'gitops-5.yaml'));

    const elapsed = (performance.now() - T0) / 1000;
    const estimate = elapsed + 300 + base * 2 + 10;
    let with300 = !QUICK;
    let skipped = '';
    if (QUICK) skipped = 'skipped (--quick)';
    else if (!FORCE_300 && estimate > BUDGET_S) {
      with300 = false;
      skipped = `skipped: the script would run ~${estimate.toFixed(0)} s in all, over the ~${BUDGET_S} s budget (--with-300 runs it anyway)`;
    }
    // The long cases run side by side (two runner slots): the 60 s one inside the 300 s one's sleep.
    const long = [dispatch('~60 s', 'gitops-60.yaml')];
    if (with300) long.push(dispatch('~300 s', 'gitops-300.yaml'));
    results.push(...(await Promise.all(long)));

    console.log('');
    console.log('case                      GitOps run   commit->final   run done->final   consumer wall   API calls (gitops + statuses; seen)  final status');
    for (const r of results) {
      console.log(
        `${r.label.padEnd(24)}  ${sec(r.runSeconds * 1000)} s      ${sec(r.commitToFinal)} s         ${sec(r.completedToFinal)} s        ${sec(r.total)} s     ` +
          `${String(r.toGitops).padStart(3)} + ${r.forStatuses} = ${String(r.toGitops + r.forStatuses).padStart(3)}  (${r.seen} in the server's log)        ${r.finalState}`,
      );
    }
    if (!with300) console.log(`~300 s                    ${skipped}`);
    const sixty = results.find((r) => r.label === '~60 s');
    console.log('');
    const grouped = [];
    for (const route of sixty.routes) {
      const last = grouped[grouped.length - 1];
      if (last && last.route === route) last.n++;
      else grouped.push({ route, n: 1 });
    }
    console.log(`calls of the ~60 s case, in order: ${grouped.map((g) => (g.n > 1 ? `${g.route} x${g.n}` : g.route)).join(', ')}`);

    const lat = results.map((r) => r.completedToFinal);
    const worst = Math.max(...lat);
    console.log('');
    console.log('targets:');
    console.log(`  final status <= 5 s after the GitOps run completes, every case: worst ${sec(worst)} s  ${worst <= 5000 ? 'MET' : 'NOT MET'}`);
    console.log(`  median < 3 s (over the ${lat.length} dispatches): ${sec(median(lat))} s  ${median(lat) < 3000 ? 'MET' : 'NOT MET'}`);
    const sixtyCalls = sixty.toGitops + sixty.forStatuses;
    console.log(`  <= 30 API calls for a ~60 s run (${sixty.runSeconds.toFixed(0)} s): ${sixtyCalls}  ${sixtyCalls <= 30 ? 'MET' : 'NOT MET'}`);
    const bad = await violations(sb);
    if (bad.length) console.log(`  (the sandbox logged ${bad.length} spec violations: ${JSON.stringify(bad[0]).slice(0, 300)})`);
    console.log(`total ${((performance.now() - T0) / 1000).toFixed(0)} s; load average at the end ${loadavg()[0].toFixed(2)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
    await sb.stop();
  }
}

main().catch((e) => {
  console.error(`bench-dispatch: ${e.stack || e}`);
  process.exit(1);
});
