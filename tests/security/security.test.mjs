// Issue #12 against the sandbox: what a consumer with only a dispatch token can do to the GitOps
// repository, and what a hostile server does to the action.
// - The self-modifying dispatch, through the real act on Gitea 1.26 and Forgejo 12: a consumer's
//   pipeline dispatches an expression that rewrites the GitOps workflow itself; the GitOps run
//   refuses it, with the example workflow's `allow`/`allow_paths` and without them.
// - A hostile server (the sandbox's hostile request faults, lib/hostile.js: the same in every
//   flavor, so on Gitea 1.26 only): credentials echoed back never reach any text the runner or
//   the server keeps; `hang` and `drip` end within the timeouts; `huge-body` is capped and the
//   process stays small; malformed bodies give clear errors; an empty commit sha is never success.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT, actionUsesFor, api, ensureAct, get, startSandbox, stopChecked, violations, waitRun } from '../sandbox/helpers.mjs';
import { runStep } from '../runner-files.mjs';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'gitops-repo');
const SERVICE = '.gitea/workflows/gitops-service.yaml';
const SERVICE_TEXT = readFileSync(path.join(EXAMPLE, SERVICE), 'utf8');
/** The example GitOps workflow without its policy (`allow`, `allow_paths` and their comment). */
const SERVICE_WITHOUT_POLICY = SERVICE_TEXT.replace(/\n {10}# What consumers may change[^]*$/, '\n');
const CHART = 'dev/Chart.yaml';
const CHART_TEXT = '# chart\napiVersion: v2\nname: app\nversion: 0.1.0 # bumped by CI\n';
const TPL = '.version = "{{VERSION}}"';
const SOURCE_COMMIT = '0123456789abcdef0123456789abcdef01234567';
/** What an attacker dispatches: a new step that prints the run's token past the log mask, and the job's environment. */
const ATTACK = `.jobs.update.steps[1].run = "echo $GITOPS_LEAK | base64" | .jobs.update.env = {"GITOPS_LEAK": "token"}`;
const FLAVORS = ['gitea-1.26', 'forgejo-12'];
const HOSTILE_FLAVOR = 'gitea-1.26';

/** A consumer's pipeline whose only step dispatches the attack to `gitopsRepo`. */
const attackWorkflow = (flavor, gitopsRepo) =>
  actionUsesFor(
    flavor,
    `name: Build
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - id: gitops
        uses: niko/gitops-action@v1
        with:
          mode: dispatch
          version: 6.6.6
          GITOPS_REPO: ${gitopsRepo}
          GITOPS_FILE: ${SERVICE}
          GITOPS_YQ_TPL: '${ATTACK}'
          token: \${{ secrets.GITOPS_DISPATCH_TOKEN }}
          timeout: 150s
          poll_max: 2s
      - if: always()
        run: echo "RESULT status=\${{ steps.gitops.outputs.status }}"
`,
  );

function seed(flavor) {
  const gitops = (name, workflow) => ({ name, files_from: EXAMPLE, files: { [SERVICE]: actionUsesFor(flavor, workflow) } });
  return {
    users: [{ name: 'niko', email: 'niko@example.com', full_name: 'Niko' }],
    tokens: [
      { name: 'niko-pat', user: 'niko', scopes: ['write:repository', 'read:user'] },
      { name: 'niko-status', user: 'niko', scopes: ['write:repository'] },
    ],
    repos: [
      gitops('niko/gitops', SERVICE_TEXT),
      gitops('niko/open-gitops', SERVICE_WITHOUT_POLICY),
      { name: 'niko/hostile', files: { [CHART]: CHART_TEXT, 'dev/values.yaml': 'image:\n  tag: "0.1.0"\n' } },
      {
        name: 'niko/app',
        files: { 'README.md': '# app\n', '.gitea/workflows/attack.yaml': attackWorkflow(flavor, 'niko/gitops'), '.gitea/workflows/attack-open.yaml': attackWorkflow(flavor, 'niko/open-gitops') },
        secrets: { GITOPS_DISPATCH_TOKEN: { token: 'niko-pat' } },
      },
    ],
  };
}

const history = (sb, repo) => get(sb, `/_sandbox/repos/${repo}/commits`);
const rawFile = async (sb, repo, file) => (await api(sb, 'GET', `/_sandbox/repos/${repo}/file?path=${encodeURIComponent(file)}`)).text;
const runsOf = async (sb, repo) => (await get(sb, '/_sandbox/runs')).filter((r) => r.repo === repo);

describe('the self-modifying dispatch', () => {
  for (const flavor of FLAVORS) {
    describe(`on ${flavor}`, () => {
      let sb;
      before(async () => {
        const act = ensureAct();
        if (act.skip) throw new Error(act.skip);
        sb = await startSandbox({ flavor, seed: seed(flavor), actPath: act.path, capacity: 4 });
      });
      after(() => stopChecked(sb));

      test('through act: a consumer dispatching an edit of the GitOps workflow itself is refused, with the example policy and without any; nothing is committed', { timeout: 240_000 }, async () => {
        const cases = [
          ['attack.yaml', 'niko/gitops', /refused by the GitOps repository's policy: \.gitea\/workflows\/gitops-service\.yaml is not matched by input 'allow' \(\*\/Chart\.yaml, \*\/values\.yaml\); nothing was written/],
          ['attack-open.yaml', 'niko/open-gitops', /refused by the GitOps repository's policy: \.gitea\/workflows\/gitops-service\.yaml is in a (workflow|dot-)folder[^\n]*; nothing was written/],
        ];
        const before = {};
        for (const [, repo] of cases) before[repo] = { commits: await history(sb, repo), workflow: await rawFile(sb, repo, SERVICE), branches: await get(sb, `/_sandbox/repos/${repo}/branches`) };
        const token = sb.tokenNames['niko-pat'];
        const started = [];
        for (const [workflow] of cases) {
          const d = await api(sb, 'POST', `/repos/niko/app/actions/workflows/${workflow}/dispatches`, { token, body: { ref: 'main' } });
          assert.equal(d.status, 204, d.text);
          started.push((await runsOf(sb, 'niko/app')).at(-1));
        }
        for (const [i, [workflow, repo, refusal]] of cases.entries()) {
          const consumer = await waitRun(sb, started[i].id, 'completed', 200_000);
          assert.equal(consumer.conclusion, 'failure', `${workflow}: the consumer's dispatch fails\n${consumer.log}`);
          assert.match(consumer.log, /RESULT status=run_failed/, consumer.log);
          const [listed, ...more] = await runsOf(sb, repo);
          assert.deepEqual(more, [], `one GitOps run in ${repo}`);
          const run = await waitRun(sb, listed.id, 'completed', 10_000);
          assert.equal(run.inputs.file, SERVICE);
          assert.equal(run.inputs.yq_tpl, ATTACK);
          assert.equal(run.conclusion, 'failure', run.log);
          assert.match(run.log, refusal, run.log);
          assert.deepEqual(await history(sb, repo), before[repo].commits, `${repo}: nothing committed`);
          assert.deepEqual(await get(sb, `/_sandbox/repos/${repo}/branches`), before[repo].branches, `${repo}: no branch`);
          assert.equal(await rawFile(sb, repo, SERVICE), before[repo].workflow, `${repo}: the workflow is byte-identical`);
          assert.ok(!run.log.includes('echo $GITOPS_LEAK'), 'no step of the attack ran');
        }
        const writes = (await get(sb, '/_sandbox/writes')).filter((w) => cases.some(([, repo]) => w.repo === repo));
        assert.deepEqual(writes, [], 'no write reached the contents API');
      });
    });
  }
});

describe(`a hostile server (${HOSTILE_FLAVOR})`, () => {
  let sb;
  let secrets;
  before(async () => {
    sb = await startSandbox({ flavor: HOSTILE_FLAVOR, seed: seed(HOSTILE_FLAVOR), capacity: 2 });
    secrets = [sb.tokenNames['niko-pat'], sb.tokenNames['niko-status']];
  });
  afterEach(async () => {
    await api(sb, 'DELETE', '/_sandbox/faults');
  });
  after(async () => {
    if (!sb) return;
    const broken = await violations(sb);
    await sb.stop();
    assert.deepEqual(broken, [], 'no request or response broke the spec');
  });

  const fault = async (...faults) => {
    const r = await api(sb, 'POST', '/_sandbox/faults', { body: faults });
    assert.equal(r.status, 201, r.text);
  };
  const hits = async () => (await get(sb, '/_sandbox/faults')).reduce((n, f) => n + f.hits, 0);

  let counter = 0;
  /** `mode: update` of niko/hostile as a runner runs it. */
  const update = (inputs = {}, options = {}) =>
    runStep({
      serverUrl: sb.url,
      repository: 'niko/hostile',
      inputs: { mode: 'update', token: sb.tokenNames['niko-pat'], file: CHART, yq_tpl: TPL, version: `7.0.${++counter}`, source_repo: 'niko/app', source_commit: SOURCE_COMMIT, dispatch_id: `hostile-${counter}`, ...inputs },
      ...options,
    });
  /** `mode: dispatch` from niko/app to niko/gitops as a runner runs it. */
  const dispatch = async (inputs = {}, options = {}) =>
    runStep({
      serverUrl: sb.url,
      repository: 'niko/app',
      inputs: { mode: 'dispatch', token: sb.tokenNames['niko-pat'], status_token: sb.tokenNames['niko-status'], version: `8.0.${++counter}`, GITOPS_REPO: 'niko/gitops', GITOPS_FILE: CHART, GITOPS_YQ_TPL: TPL, timeout: '60s', poll_max: '2s', ...inputs },
      env: { GITEA_ACTIONS: 'true', GITHUB_SHA: (await history(sb, 'niko/app'))[0].sha, GITHUB_RUN_ID: String(500 + counter), GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'deploy' },
      ...options,
    });

  /**
   * No token appears in anything the runner reads back (the log but its `::add-mask::` lines,
   * every file left in the workspace) or the server keeps (commit statuses, commit messages).
   */
  async function assertNothingLeaked(r) {
    const texts = { log: r.log.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n') };
    for (const [name, text] of Object.entries(r.files)) texts[`workspace file ${name}`] = text;
    for (const s of await get(sb, '/_sandbox/statuses')) texts[`status ${s.repo}@${s.sha} ${s.context}`] = `${s.description} ${s.target_url}`;
    for (const repo of ['niko/hostile', 'niko/gitops', 'niko/app']) for (const c of await history(sb, repo)) texts[`commit ${repo}@${c.sha}`] = c.message;
    for (const [where, text] of Object.entries(texts)) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `a token in ${where}:\n${text}`);
    }
  }

  test('echoed credentials: update mode (a read, a write, its status) shows the echo with the token as ***, nowhere in clear', async () => {
    const CONTENTS = 'GET /api/v1/repos/{owner}/{repo}/contents/{filepath}';
    await fault({ route: CONTENTS, kind: 'echo-credentials', count: -1 });
    const read = await update();
    assert.equal(read.code, 1, read.log);
    assert.equal(read.outputs.status, 'failure');
    assert.match(read.log, /^::error::cannot read from niko\/hostile: GET \/repos\/niko\/hostile\/contents\/dev\/Chart\.yaml answered 500: upstream request GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/repos\/niko\/hostile\/contents\/dev\/Chart\.yaml\S* failed; request headers: Authorization: token \*\*\*/m);
    assert.ok(read.summary.includes('Authorization: token \\*\\*\\*') || read.summary.includes('Authorization: token ***'), read.summary);
    await assertNothingLeaked(read);
    await api(sb, 'DELETE', '/_sandbox/faults');

    // a write answered with the echo (500: its outcome unknown, retried), and the status of the commit refused with it
    await fault({ route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'echo-credentials', count: 1 }, { route: 'POST /api/v1/repos/{owner}/{repo}/statuses/{sha}', kind: 'echo-credentials', count: -1 });
    const count = (await history(sb, 'niko/hostile')).length;
    const write = await update();
    assert.equal(write.code, 0, write.log);
    assert.equal(write.outputs.status, 'success');
    assert.equal((await history(sb, 'niko/hostile')).length, count + 1, 'one commit');
    assert.match(write.log, /attempt 1: the write's outcome is unknown \(PUT \/repos\/niko\/hostile\/contents\/dev\/Chart\.yaml answered 500: upstream request PUT \S+ failed; request headers: Authorization: token \*\*\*\)/);
    assert.match(write.log, /^::warning::the commit landed, but its gitops\/update status could not be set: POST \/repos\/niko\/hostile\/statuses\/[0-9a-f]{40} answered 500: upstream request POST \S+ failed; request headers: Authorization: token \*\*\*/m);
    assert.equal(await hits(), 2);
    await assertNothingLeaked(write);
  });

  test('echoed credentials: dispatch mode (the repository read, the statuses with status_token, the run polls) shows the echo with both tokens as ***, nowhere in clear', { timeout: 120_000 }, async () => {
    await fault({ regex: '^GET /api/v1/repos/niko/gitops$', kind: 'echo-credentials', count: -1 }, { regex: '^POST /api/v1/repos/niko/app/statuses/', kind: 'echo-credentials', count: -1 });
    const rejected = await dispatch();
    assert.equal(rejected.code, 1, rejected.log);
    assert.equal(rejected.outputs.status, 'dispatch_rejected', rejected.log);
    assert.match(rejected.log, /Authorization: token \*\*\*/);
    assert.match(rejected.log, /^::warning::could not set status gitops\/app on niko\/app@[0-9a-f]{7}: POST \/repos\/niko\/app\/statuses\/[0-9a-f]{40} answered 500: upstream request POST \S+ failed; request headers: Authorization: token \*\*\* \(a server error, not a permission problem\)/m);
    await assertNothingLeaked(rejected);
    await api(sb, 'DELETE', '/_sandbox/faults');

    // the run's polls answered with the echo: warned once, then the run's commit
    // more than one read's retries (src/forge READ_ATTEMPTS): the poll fails and is warned about
    await fault({ route: 'GET /api/v1/repos/{owner}/{repo}/actions/runs/{run}', kind: 'echo-credentials', count: 6 });
    const followed = await dispatch();
    assert.equal(followed.code, 0, followed.log);
    assert.equal(followed.outputs.status, 'success', followed.log);
    assert.match(followed.log, /^::warning::.*answered 500: upstream request GET \S+ failed; request headers: Authorization: token \*\*\*.*\(still waiting\)$/m);
    const last = (await get(sb, '/_sandbox/statuses')).filter((s) => s.repo === 'niko/app').at(-1);
    assert.equal(last.state, 'success');
    await assertNothingLeaked(followed);
  });

  test('a server that never answers (hang) or drips its answer: dispatch with timeout 10s ends in under 20 s, update within its timeout', { timeout: 120_000 }, async () => {
    // a few at a time, each with its own fault
    const phases = [
      [
        ['dispatch, hang on its first request', { route: 'GET /api/v1/version', kind: 'hang', count: -1 }, () => dispatch({ timeout: '10s' }), 20_000],
        ['update, drip on the file read', { regex: '^GET /api/v1/repos/niko/hostile/contents/', kind: 'drip', ms: 1000, count: -1 }, () => update({ timeout: '8s' }), 14_000],
        // the server performs the write, then drips its answer
        ['update, drip on the answer to its write', { regex: '^PUT /api/v1/repos/niko/gitops/contents/', kind: 'drip', ms: 1000, count: -1 }, () => update({ repo: 'niko/gitops', version: '100.0.0', timeout: '8s' }), 14_000],
      ],
      [
        ['dispatch, drip on the workflow read', { regex: '^GET /api/v1/repos/niko/gitops/contents/', kind: 'drip', ms: 1000, count: -1 }, () => dispatch({ timeout: '10s' }), 20_000],
        ['update, hang on the file read', { regex: '^GET /api/v1/repos/niko/hostile/contents/', kind: 'hang', count: -1 }, () => update({ timeout: '8s' }), 14_000],
      ],
    ];
    for (const phase of phases) {
      await api(sb, 'DELETE', '/_sandbox/faults');
      await fault(...phase.map(([, f]) => f));
      const count = (await history(sb, 'niko/hostile')).length;
      const gitops = (await history(sb, 'niko/gitops')).length;
      const results = await Promise.all(phase.map(([, , run]) => run()));
      for (const [i, [name, , , bound]] of phase.entries()) {
        const r = results[i];
        assert.equal(r.code, 1, `${name}: ${r.log}`);
        assert.ok(r.ms < bound, `${name}: ended after ${r.ms} ms (bound ${bound} ms)\n${r.log}`);
        assert.ok(['failure', 'timed_out', 'dispatch_rejected'].includes(r.outputs.status), `${name}: ${r.outputs.status}`);
        assert.match(r.log, /^::error::.*(timed out|input 'timeout')/m, `${name}: the error says the time ran out\n${r.log}`);
      }
      const faults = await get(sb, '/_sandbox/faults');
      assert.ok(faults.every((f) => f.hits >= 1), `every fault was hit: ${JSON.stringify(faults)}`);
      assert.equal((await history(sb, 'niko/hostile')).length, count, 'nothing written');
      const write = phase.findIndex(([name]) => name.includes('its write'));
      if (write >= 0) {
        // the write landed: the step must not say that nothing was written
        const r = results[write];
        assert.equal((await history(sb, 'niko/gitops')).length, gitops + 1, 'the dripped write landed');
        assert.doesNotMatch(r.log, /nothing was (committed|written)/, r.log);
        assert.match(r.log, /^::error::gave up after 8 s \(input 'timeout'\), and the last write's outcome is unknown: it may have landed/m, r.log);
      }
    }
  });

  test('a huge body is capped: the step fails clearly and its process stays small (Content-Length or chunked)', { timeout: 120_000 }, async () => {
    const cases = [
      ['update, 512 MiB file read', { route: 'GET /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'huge-body', mib: 512, count: -1 }, (o) => update({}, o)],
      ['dispatch, 512 MiB chunked repository read', { route: 'GET /api/v1/repos/{owner}/{repo}', kind: 'huge-body', mib: 512, chunked: true, count: -1 }, (o) => dispatch({}, o)],
    ];
    for (const [name, f, run] of cases) {
      await api(sb, 'DELETE', '/_sandbox/faults');
      await fault(f);
      const r = await run({ measureMemory: true });
      assert.equal(r.code, 1, `${name}: ${r.log}`);
      assert.match(r.log, /^::error::.*(32 MiB|too large|larger than)/m, `${name}: the error names the cap\n${r.log}`);
      assert.ok(r.maxRssKiB > 0 && r.maxRssKiB < 256 * 1024, `${name}: peak RSS ${Math.round(r.maxRssKiB / 1024)} MiB (bound 256 MiB)`);
      const served = (await get(sb, '/_sandbox/requests')).filter((q) => q.faults?.includes('huge-body') || q.bytes).map((q) => q.bytes ?? 0);
      assert.ok(served.length > 0 && Math.max(...served) < 128 * 1024 * 1024, `${name}: the client stopped reading early (${Math.max(...served)} bytes served)`);
      await api(sb, 'DELETE', '/_sandbox/requests');
    }
  });

  test('malformed bodies: a read answered with HTML, the wrong shape or half the JSON is a clear failure; a mangled answer to a write that landed is found again (one commit)', { timeout: 120_000 }, async () => {
    const CONTENTS = 'GET /api/v1/repos/{owner}/{repo}/contents/{filepath}';
    const COMMITS = 'GET /api/v1/repos/{owner}/{repo}/commits';
    const cases = [
      // an object with wrongly typed fields where the history (an array) is declared
      ['wrong-shape', /cannot read from niko\/hostile: GET \/repos\/niko\/hostile\/commits returned an unexpected answer: its JSON is not the shape the API documents \(/, COMMITS],
      ['not-json', /GET \/repos\/niko\/hostile\/contents\/dev\/Chart\.yaml returned an unexpected answer: its body is not JSON but starts with "<!DOCTYPE html>" \(a proxy's or a login page instead of the API\?\)/],
      // an array where a file is declared: read as a directory listing
      ['wrong-shape', /input 'file': dev\/Chart\.yaml is a directory, not a file: name a file in it/],
      ['truncated', /GET \/repos\/niko\/hostile\/contents\/dev\/Chart\.yaml returned an unexpected answer: its JSON body ends early, after \d+ bytes \(cut off on the way\?\)/],
    ];
    for (const [body, message, route = CONTENTS] of cases) {
      await api(sb, 'DELETE', '/_sandbox/faults');
      await fault({ route, kind: 'malformed-body', body, count: -1 });
      const count = (await history(sb, 'niko/hostile')).length;
      const r = await update();
      assert.equal(r.code, 1, `${body}: ${r.log}`);
      assert.equal(r.outputs.status, 'failure');
      assert.match(r.log, new RegExp(`^::error::[^\\n]*${message.source}`, 'm'), `${body}:\n${r.log}`);
      assert.equal((await history(sb, 'niko/hostile')).length, count, `${body}: nothing written`);
    }
    await api(sb, 'DELETE', '/_sandbox/faults');
    await fault({ route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'malformed-body', body: 'truncated', perform: true, count: 1 });
    const count = (await history(sb, 'niko/hostile')).length;
    const r = await update({ dispatch_id: 'mangled-write' });
    assert.equal(r.code, 0, r.log);
    assert.equal(r.outputs.status, 'success');
    const now = await history(sb, 'niko/hostile');
    assert.equal(now.length, count + 1, 'one commit, not two');
    assert.equal(r.outputs.commit_sha, now[0].sha, 'the commit that landed');
    assert.match(r.log, /the server's answer to the write is not a commit/);
  });

  test('an empty commit sha in the answer to a write (nothing landed) is never success: commit, several files, and a pull request branch', { timeout: 120_000 }, async () => {
    const cases = [
      ['one file (PUT /contents/{path})', { route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'empty-sha', count: -1 }, {}],
      ['two files (POST /contents)', { route: 'POST /api/v1/repos/{owner}/{repo}/contents', kind: 'empty-sha', count: -1 }, { updates: JSON.stringify([{ file: 'dev/values.yaml', yq_tpl: '.image.tag = "{{VERSION}}"' }]) }],
      ['strategy pull_request (POST /contents with new_branch)', { route: 'POST /api/v1/repos/{owner}/{repo}/contents', kind: 'empty-sha', count: -1 }, { strategy: 'pull_request' }],
    ];
    // all at once: the two routes' faults hold for every write
    await fault(cases[0][1], cases[1][1]);
    const before = { commits: await history(sb, 'niko/hostile'), branches: await get(sb, '/_sandbox/repos/niko/hostile/branches') };
    const results = await Promise.all(cases.map(([, , inputs]) => update({ timeout: '20s', ...inputs })));
    for (const [i, [name]] of cases.entries()) {
      const r = results[i];
      assert.equal(r.code, 1, `${name}: ${r.log}`);
      assert.equal(r.outputs.status, 'failure', `${name}: ${r.log}`);
      assert.equal(r.outputs.commit_sha, '', name);
      assert.match(r.log, /^::error::[^\n]*the commit sha "" is not a commit id/m, `${name}:\n${r.log}`);
    }
    const faults = await get(sb, '/_sandbox/faults');
    assert.ok(faults.every((f) => f.hits >= 1), `every fault was hit: ${JSON.stringify(faults)}`);
    assert.deepEqual(await history(sb, 'niko/hostile'), before.commits, 'nothing landed');
    assert.deepEqual(await get(sb, '/_sandbox/repos/niko/hostile/branches'), before.branches, 'no branch');
    assert.deepEqual(await get(sb, '/_sandbox/repos/niko/hostile/pulls'), [], 'no pull request');
  });
});
