// Promotion through pull requests (issue #14) against the sandbox, where `main` is protected:
// `mode: update` as a runner runs dist/index.js (strategy commit refused, strategy pull_request
// with and without auto-merge, required checks and approvals, exactly once per dispatch id, five
// updates of one component at once), then, through the real act, a consumer's dispatch with
// `wait_for_merge: true` following the pull request its GitOps run opened until it is merged or
// closed. Flavors where the servers differ: Gitea 1.26 and Forgejo 12 everywhere (Forgejo checks a
// scheduled auto-merge only on a later event, and words merge refusals differently), Gitea 1.24
// for update mode (405 with an empty message for a merged pull request).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT, actionUsesFor, api, ensureAct, get, startSandbox, stopChecked, waitRun } from '../sandbox/helpers.mjs';
import { runStep } from '../runner-files.mjs';

const CHART = 'dev/Chart.yaml';
const CHART_TEXT = '# chart\napiVersion: v2\nname: app\nversion: 0.1.0 # bumped by CI\n';
const SOURCE_COMMIT = '0123456789abcdef0123456789abcdef01234567';
const TPL = '.version = "{{VERSION}}"';
/** A rule with only its name: no direct push to main for anyone (enable_push false). */
const NO_PUSH = { rule_name: 'main' };
/** The GitOps repositories: each protects main its own way. */
const REPOS = {
  plain: 'niko/gitops', // no push
  checked: 'niko/checked-gitops', // no push, status check ci/test required
  reviewed: 'niko/reviewed-gitops', // no push, one approval required
  race: 'niko/race-gitops', // no push: five updates at once
  piped: 'niko/piped-gitops', // no push: the GitOps workflow of the act cases
  busy: 'niko/busy-gitops', // no push: a GitOps workflow with auto-merge, five dispatches at once
};
const UPDATE_FLAVORS = ['gitea-1.24', 'gitea-1.26', 'forgejo-12'];
const ACT_FLAVORS = new Set(['gitea-1.26', 'forgejo-12']);

/** The example GitOps workflow, promoting through pull requests that wait for review. */
function pullRequestWorkflow(flavor) {
  const text = readFileSync(path.join(REPO_ROOT, 'examples/gitops-repo/.gitea/workflows/gitops-service.yaml'), 'utf8');
  const withStrategy = text.replace('          mode: update\n', '          mode: update\n          strategy: pull_request\n');
  assert.notEqual(withStrategy, text, 'the example workflow has a `mode: update` step');
  return actionUsesFor(flavor, withStrategy);
}

/** A GitOps workflow that promotes with auto-merge and the run's own token. */
const runTokenAutoMerge = (flavor) => pullRequestWorkflow(flavor).replace('          strategy: pull_request\n', '          strategy: pull_request\n          auto_merge: true\n');

/** A consumer's build: one job that dispatches and waits for the pull request to be merged. */
const consumerWorkflow = (flavor) =>
  actionUsesFor(
    flavor,
    `name: Build
on:
  workflow_dispatch:
    inputs:
      version: {type: string, required: true}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - id: gitops
        uses: niko/gitops-action@v1
        with:
          mode: dispatch
          version: \${{ inputs.version }}
          GITOPS_REPO: ${REPOS.piped}
          GITOPS_FILE: ${CHART}
          GITOPS_YQ_TPL: '${TPL}'
          token: \${{ secrets.GITOPS_DISPATCH_TOKEN }}
          wait_for_merge: true
          timeout: 150s
          poll_max: 2s
      - if: always()
        run: echo "RESULT status=\${{ steps.gitops.outputs.status }} pr=\${{ steps.gitops.outputs.pr_number }} sha=\${{ steps.gitops.outputs.commit_sha }}"
`,
  );

function seed(flavor) {
  const gitops = (name, rule, files = {}) => ({ name, files: { [CHART]: CHART_TEXT, ...files }, collaborators: { rita: 'write' }, branch_protections: [rule] });
  return {
    users: [
      { name: 'niko', email: 'niko@example.com', full_name: 'Niko' },
      { name: 'rita', email: 'rita@example.com', full_name: 'Rita Reviewer' },
    ],
    tokens: [
      { name: 'niko-pat', user: 'niko', scopes: ['write:repository', 'read:user'] },
      { name: 'rita-pat', user: 'rita', scopes: ['write:repository'] },
    ],
    repos: [
      gitops(REPOS.plain, NO_PUSH),
      gitops(REPOS.checked, { ...NO_PUSH, enable_status_check: true, status_check_contexts: ['ci/test'] }, { '.gitea/workflows/gitops-service.yaml': runTokenAutoMerge(flavor) }),
      gitops(REPOS.reviewed, { ...NO_PUSH, required_approvals: 1 }),
      gitops(REPOS.race, NO_PUSH),
      gitops(REPOS.piped, NO_PUSH, { '.gitea/workflows/gitops-service.yaml': pullRequestWorkflow(flavor) }),
      gitops(REPOS.busy, NO_PUSH, { '.gitea/workflows/gitops-service.yaml': runTokenAutoMerge(flavor) }),
      { name: 'niko/app', files: { 'README.md': '# app\n', '.gitea/workflows/build.yaml': consumerWorkflow(flavor) }, secrets: { GITOPS_DISPATCH_TOKEN: { token: 'niko-pat' } } },
      { name: 'niko/web', files: { 'README.md': '# web\n' } },
      { name: 'niko/api', files: { 'README.md': '# api\n', '.gitea/workflows/build.yaml': consumerWorkflow(flavor) }, secrets: { GITOPS_DISPATCH_TOKEN: { token: 'niko-pat' } } },
    ],
  };
}

const history = (sb, repo) => get(sb, `/_sandbox/repos/${repo}/commits`);
const fileAt = async (sb, repo, ref = 'main') => (await api(sb, 'GET', `/_sandbox/repos/${repo}/file?path=${encodeURIComponent(CHART)}&ref=${encodeURIComponent(ref)}`)).text;
const chartVersion = (text) => /^version: (\S+)/m.exec(text)?.[1];
const pullsOf = (sb, repo) => get(sb, `/_sandbox/repos/${repo}/pulls`);
const branchesOf = async (sb, repo) => (await get(sb, `/_sandbox/repos/${repo}/branches`)).map((b) => b.name ?? b);
const statusesOn = async (sb, repo, sha) => (await get(sb, '/_sandbox/statuses')).filter((s) => s.repo === repo && s.sha === sha);
const trailer = (text, name) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Checks what both races of five updates of one component must end with: each step exited 0
 * with `success` or `superseded`, `highest` landed, no pull request of `repo` is left open, and
 * the merged ones are exactly those of the versions that landed.
 * @returns {Promise<{byVersion: Record<string, any>, pulls: any[], landed: [string, any][]}>}
 */
async function checkRace(sb, repo, versions, results, highest) {
  const byVersion = Object.fromEntries(versions.map((v, i) => [v, results[i]]));
  for (const [v, r] of Object.entries(byVersion)) {
    assert.equal(r.code, 0, `${v}: ${r.log}`);
    assert.ok(['success', 'superseded'].includes(r.outputs.status), `${v} ended ${r.outputs.status}:\n${r.log}`);
  }
  assert.equal(byVersion[highest].outputs.status, 'success', 'the highest version lands');
  const pulls = await pullsOf(sb, repo);
  assert.deepEqual(pulls.filter((p) => p.state === 'open').map((p) => `#${p.number} ${p.head}`), [], 'no open pull request left');
  const landed = Object.entries(byVersion).filter(([, r]) => r.outputs.status === 'success');
  assert.deepEqual(pulls.filter((p) => p.merged).map((p) => String(p.number)).sort(), landed.map(([, r]) => r.outputs.pr_number).sort(), 'one merged pull request per version that landed, and no other');
  return { byVersion, pulls, landed };
}

let dispatchCounter = 0;
/** `mode: update` of dev/Chart.yaml in `repo`, as a runner runs it. */
function update(sb, repo, inputs) {
  return runStep({
    serverUrl: sb.url,
    repository: repo,
    inputs: {
      mode: 'update',
      repo,
      token: sb.tokenNames['niko-pat'],
      file: CHART,
      yq_tpl: TPL,
      source_repo: 'niko/app',
      source_commit: SOURCE_COMMIT,
      dispatch_id: `pulls-${++dispatchCounter}`,
      strategy: 'pull_request',
      ...inputs,
    },
  });
}

/** Waits until pull request `number` of `repo` has an auto-merge scheduled. */
async function scheduled(sb, repo, number) {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    const pr = await get(sb, `/_sandbox/repos/${repo}/pulls/${number}`);
    if (pr?.auto_merge) return pr;
  }
  assert.fail(`pull request #${number} of ${repo} was never scheduled to auto-merge`);
}

/** The open pull request of `repo` the step opens (polled: the step runs meanwhile). */
async function openedPull(sb, repo, known) {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    const pr = (await pullsOf(sb, repo)).find((p) => p.state === 'open' && !known.has(p.number));
    if (pr) return pr;
  }
  assert.fail(`no pull request was opened in ${repo}`);
}

for (const flavor of UPDATE_FLAVORS) {
  describe(`pull requests on ${flavor}`, () => {
    let sb;
    before(async () => {
      const act = ACT_FLAVORS.has(flavor) ? ensureAct() : {};
      if (act.skip) throw new Error(act.skip);
      sb = await startSandbox({ flavor, seed: seed(flavor), actPath: act.path, capacity: 4 });
    });
    after(() => stopChecked(sb));

    test('strategy: commit on the protected main fails naming the protection and suggesting pull_request; nothing is written', async () => {
      const repo = REPOS.plain;
      const before = await history(sb, repo);
      const r = await update(sb, repo, { version: '1.0.0', strategy: 'commit' });
      assert.equal(r.code, 1, r.log);
      assert.equal(r.outputs.status, 'failure');
      assert.match(r.log, /^::error::branch main of niko\/gitops is protected: its protection rule does not let this token's user push to it \(PUT \/repos\/niko\/gitops\/contents\/dev\/Chart\.yaml answered 403: user cannot commit to repo \[user: niko\]\); nothing was written\. Set `strategy: pull_request`/m);
      assert.deepEqual(await history(sb, repo), before, 'no commit');
      assert.deepEqual(await branchesOf(sb, repo), ['main'], 'no branch');
      assert.deepEqual(await pullsOf(sb, repo), [], 'no pull request');
    });

    test('strategy: pull_request opens one pull request (pr_opened, its outputs, gitops/update on its head); the same dispatch id opens nothing new', async () => {
      const repo = REPOS.plain;
      const mainBefore = await fileAt(sb, repo);
      const r = await update(sb, repo, { version: '1.1.0', dispatch_id: 'review-me-0a1b2c' });
      assert.equal(r.code, 0, r.log);
      assert.equal(r.outputs.status, 'pr_opened', r.log);
      const [pr, ...others] = await pullsOf(sb, repo);
      assert.deepEqual(others, [], 'one pull request');
      assert.equal(pr.state, 'open');
      assert.equal(pr.head, `gitops/app/1.1.0-0a1b2c`, 'branch gitops/{component}/{version}-{id tail}');
      assert.equal(pr.base, 'main');
      assert.equal(r.outputs.pr_number, String(pr.number));
      assert.equal(r.outputs.pr_url, `${sb.url}/${repo}/pulls/${pr.number}`);
      assert.equal(r.outputs.commit_sha, pr.head_sha, 'commit_sha: the head of the pull request');
      assert.equal(r.outputs.changed, 'true');
      assert.match(r.outputs.diff, /^-version: 0\.1\.0 # bumped by CI\n\+version: 1\.1\.0 # bumped by CI$/m);
      assert.equal(r.outputs.summary, `app|1.1.0|pr_opened|${pr.head_sha}|${repo}`);
      assert.ok(r.summary.includes(`Pull request: [#${pr.number}](${r.outputs.pr_url}).`), r.summary);
      assert.equal(await fileAt(sb, repo), mainBefore, 'main is untouched');
      assert.equal(chartVersion(await fileAt(sb, repo, pr.head)), '1.1.0', 'the branch holds the version');
      const view = (await api(sb, 'GET', `/repos/${repo}/pulls/${pr.number}`, { token: sb.tokenNames['niko-pat'] })).body;
      assert.equal(view.title, 'gitops: update version to 1.1.0');
      assert.equal(trailer(view.body, 'Gitops-Dispatch-Id'), 'review-me-0a1b2c');
      assert.match(view.body, /^Requested by niko\/app@0123456\.$/m);
      assert.match(view.body, /```diff\n[^]*\+version: 1\.1\.0 # bumped by CI/);
      const statuses = await statusesOn(sb, repo, pr.head_sha);
      assert.deepEqual(statuses.map((s) => [s.context, s.state, s.target_url]), [['gitops/update', 'success', `${sb.url}/niko/app/commit/${SOURCE_COMMIT}`]]);

      const again = await update(sb, repo, { version: '1.1.0', dispatch_id: 'review-me-0a1b2c' });
      assert.equal(again.code, 0, again.log);
      assert.equal(again.outputs.status, 'pr_opened');
      assert.equal(again.outputs.pr_number, String(pr.number));
      assert.match(again.log, new RegExp(`review-me-0a1b2c already has pull request #${pr.number} `));
      assert.equal((await pullsOf(sb, repo)).length, 1, 'no second pull request');
      assert.deepEqual((await branchesOf(sb, repo)).sort(), ['gitops/app/1.1.0-0a1b2c', 'main']);
    });

    test('auto_merge: the pull request is merged, main holds the version, commit_sha is the merge commit; the older open one is closed; a re-run changes nothing', async () => {
      const repo = REPOS.plain;
      const older = (await pullsOf(sb, repo)).find((p) => p.state === 'open');
      assert.ok(older, 'the pull request of the previous case is open');
      const r = await update(sb, repo, { version: '1.2.0', dispatch_id: 'merge-me-3d4e5f', auto_merge: 'true' });
      assert.equal(r.code, 0, r.log);
      assert.equal(r.outputs.status, 'success', r.log);
      const pr = (await pullsOf(sb, repo)).find((p) => String(p.number) === r.outputs.pr_number);
      assert.ok(pr, r.log);
      assert.equal(pr.merged, true);
      const [head] = await history(sb, repo);
      assert.equal(pr.merge_commit_sha, head.sha);
      assert.equal(r.outputs.commit_sha, head.sha, 'commit_sha: the merge commit');
      assert.equal(r.outputs.commit_url, `${sb.url}/${repo}/commit/${head.sha}`);
      assert.deepEqual(head.parents.length, 2, 'a merge commit (merge_style: merge)');
      assert.equal(chartVersion(await fileAt(sb, repo)), '1.2.0', 'main holds the new version');
      assert.equal(r.outputs.summary, `app|1.2.0|success|${head.sha}|${repo}`);
      const closed = (await pullsOf(sb, repo)).find((p) => p.number === older.number);
      assert.deepEqual([closed.state, closed.merged], ['closed', false], 'the older pull request is closed');
      assert.match(closed.comments.at(-1).body, new RegExp(`^Superseded by #${pr.number} \\(version 1\\.2\\.0\\)\\.$`));

      const count = (await history(sb, repo)).length;
      const pulls = (await pullsOf(sb, repo)).length;
      const again = await update(sb, repo, { version: '1.2.0', dispatch_id: 'merge-me-3d4e5f', auto_merge: 'true' });
      assert.equal(again.code, 0, again.log);
      assert.equal(again.outputs.status, 'success');
      assert.equal(again.outputs.commit_sha, head.sha);
      assert.equal(again.outputs.pr_number, r.outputs.pr_number);
      assert.equal((await history(sb, repo)).length, count, 'no commit');
      assert.equal((await pullsOf(sb, repo)).length, pulls, 'no pull request');
    });

    test('a lost answer to the branch write (the branch was made): the retry uses that branch, one branch and one pull request', async () => {
      const repo = REPOS.reviewed;
      const before = { branches: await branchesOf(sb, repo), pulls: (await pullsOf(sb, repo)).length };
      await api(sb, 'POST', '/_sandbox/faults', { body: { route: 'POST /api/v1/repos/{owner}/{repo}/contents', kind: 'lost-response', count: 1 } });
      try {
        const r = await update(sb, repo, { version: '1.9.0', dispatch_id: 'lost-answer-9f8e7d' });
        assert.equal(r.code, 0, r.log);
        assert.equal(r.outputs.status, 'pr_opened', r.log);
        assert.match(r.log, /attempt 1: the write's outcome is unknown/);
        const branches = await branchesOf(sb, repo);
        assert.deepEqual(branches.filter((b) => !before.branches.includes(b)), ['gitops/app/1.9.0-9f8e7d'], 'one new branch');
        const pulls = await pullsOf(sb, repo);
        assert.equal(pulls.length, before.pulls + 1, 'one new pull request');
        assert.equal(pulls.at(-1).head, 'gitops/app/1.9.0-9f8e7d');
        const close = await api(sb, 'PATCH', `/repos/${repo}/pulls/${pulls.at(-1).number}`, { token: sb.tokenNames['niko-pat'], body: { state: 'closed' } });
        assert.equal(close.status, 201, close.text);
      } finally {
        await api(sb, 'DELETE', '/_sandbox/faults');
      }
    });

    test('a required status check: auto-merge is scheduled, and the pull request merges once the check passes', async () => {
      const repo = REPOS.checked;
      const step = update(sb, repo, { version: '2.0.0', auto_merge: 'true' });
      const opened = await openedPull(sb, repo, new Set());
      const pr = await scheduled(sb, repo, opened.number);
      assert.deepEqual([pr.auto_merge.doer, pr.auto_merge.style, pr.merged], ['niko', 'merge', false]);
      assert.equal(chartVersion(await fileAt(sb, repo)), '0.1.0', 'nothing merged while the check is pending');
      const ci = await api(sb, 'POST', `/repos/${repo}/statuses/${pr.head_sha}`, { token: sb.tokenNames['rita-pat'], body: { state: 'success', context: 'ci/test', description: 'green' } });
      assert.equal(ci.status, 201, ci.text);
      const r = await step;
      assert.equal(r.code, 0, r.log);
      assert.match(r.log, new RegExp(`pull request #${pr.number} merges once it may: .*status check`, 'i'));
      assert.equal(r.outputs.status, 'success', r.log);
      const merged = await get(sb, `/_sandbox/repos/${repo}/pulls/${pr.number}`);
      assert.deepEqual([merged.merged, merged.merged_by_schedule, merged.merged_by], [true, true, 'niko']);
      assert.equal(r.outputs.commit_sha, merged.merge_commit_sha);
      assert.equal(chartVersion(await fileAt(sb, repo)), '2.0.0');
    });

    test('a required approval: auto-merge is scheduled, and the pull request merges once a reviewer approves', async () => {
      const repo = REPOS.reviewed;
      const step = update(sb, repo, { version: '2.1.0', auto_merge: 'true' });
      const opened = await openedPull(sb, repo, new Set());
      const pr = await scheduled(sb, repo, opened.number);
      const review = await api(sb, 'POST', `/repos/${repo}/pulls/${pr.number}/reviews`, { token: sb.tokenNames['rita-pat'], body: { event: 'APPROVED', body: 'ok' } });
      assert.equal(review.status, 200, review.text);
      const r = await step;
      assert.equal(r.code, 0, r.log);
      assert.equal(r.outputs.status, 'success', r.log);
      const merged = await get(sb, `/_sandbox/repos/${repo}/pulls/${pr.number}`);
      assert.deepEqual([merged.merged, merged.merged_by_schedule], [true, true]);
      assert.equal(r.outputs.commit_sha, merged.merge_commit_sha);
      assert.equal(chartVersion(await fileAt(sb, repo)), '2.1.0');
    });

    test('five updates of one component at once with auto-merge: one merged pull request per version that landed, the others superseded, no open pull request left', { timeout: 240_000 }, async () => {
      const repo = REPOS.race;
      const versions = ['5.0.1', '5.0.2', '5.0.3', '5.0.4', '5.0.5'].sort(() => Math.random() - 0.5);
      const results = await Promise.all(versions.map((version) => update(sb, repo, { version, auto_merge: 'true' })));
      const { byVersion, pulls, landed } = await checkRace(sb, repo, versions, results, '5.0.5');
      const merged = pulls.filter((p) => p.merged);
      const main = await history(sb, repo);
      for (const [v, r] of landed) {
        const pr = merged.find((p) => String(p.number) === r.outputs.pr_number);
        assert.equal(r.outputs.commit_sha, pr.merge_commit_sha, `${v}: commit_sha is its merge commit`);
        assert.ok(main.some((c) => c.sha === pr.merge_commit_sha), `${v}: its merge commit is on main`);
        assert.equal(chartVersion(await fileAt(sb, repo, pr.head_sha)), v, `${v}: its pull request proposed it`);
      }
      for (const [v, r] of Object.entries(byVersion).filter(([, x]) => x.outputs.status === 'superseded')) {
        assert.match(r.log, /is newer than|proposes the newer version/, `${v} says what superseded it`);
        for (const pr of pulls.filter((p) => p.head.startsWith(`gitops/app/${v}-`))) {
          assert.deepEqual([pr.state, pr.merged], ['closed', false], `${v}: its pull request #${pr.number} is closed unmerged`);
          assert.match(pr.comments.at(-1)?.body ?? '', /^(Superseded by #\d+|Closed: |Replaced by #\d+)/, `${v}: #${pr.number} says why it was closed`);
        }
      }
      assert.equal(chartVersion(await fileAt(sb, repo)), '5.0.5', 'main ends at the highest version');
      // monotonic: main's version never went down, merge after merge
      const firstParent = [];
      for (let c = main[0]; c; c = main.find((x) => x.sha === c.parents[0])) firstParent.unshift(c.sha);
      const seen = [];
      for (const sha of firstParent) seen.push(chartVersion(await fileAt(sb, repo, sha)));
      const cmp = (a, b) => a.split('.').map(Number).reduce((d, x, i) => d || x - b.split('.').map(Number)[i], 0);
      for (let i = 1; i < seen.length; i++) assert.ok(cmp(seen[i - 1], seen[i]) <= 0, `main went from ${seen[i - 1]} down to ${seen[i]}`);
    });

    if (ACT_FLAVORS.has(flavor)) {
      test("through act: auto_merge with the run's own token and a required check opens the pull request and schedules nothing (such a schedule never merges), saying so", { timeout: 180_000 }, async () => {
        const repo = REPOS.checked;
        const known = new Set((await pullsOf(sb, repo)).map((p) => p.number));
        const mainBefore = await fileAt(sb, repo);
        const inputs = { file: CHART, yq_tpl: TPL, version: '2.2.0', source_repo: 'niko/app', source_commit: SOURCE_COMMIT, dispatch_id: `run-token-${flavor}` };
        const d = await api(sb, 'POST', `/repos/${repo}/actions/workflows/gitops-service.yaml/dispatches`, { token: sb.tokenNames['niko-pat'], body: { ref: 'main', inputs } });
        assert.equal(d.status, 204, d.text);
        const started = (await get(sb, '/_sandbox/runs')).filter((r) => r.repo === repo).at(-1);
        const run = await waitRun(sb, started.id, 'completed', 150_000);
        assert.equal(run.conclusion, 'success', run.log);
        const pr = (await pullsOf(sb, repo)).find((p) => !known.has(p.number));
        assert.ok(pr, run.log);
        assert.deepEqual([pr.state, pr.merged, pr.auto_merge, pr.poster], ['open', false, null, flavor.startsWith('forgejo') ? 'forgejo-actions' : 'gitea-actions']);
        assert.match(run.log, new RegExp(`::warning::pull request #${pr.number} is not merged \\((not allowed to merge \\[reason: )?Not all required status checks successful\\]?\\) and auto-merge is not scheduled: the server merges a scheduled pull request as the user who scheduled it, and the run's own token has no user`));
        assert.ok(run.log.includes('auto-merge needs a personal or bot token, not the run'), run.log);
        assert.equal(await fileAt(sb, repo), mainBefore, 'main unchanged');
      });

      test('through act: five dispatches of one component at once, auto-merged by their GitOps runs: each ends success with its merge commit or superseded, no open pull request left', { timeout: 240_000 }, async () => {
        const repo = REPOS.busy;
        const consumerSha = (await history(sb, 'niko/web'))[0].sha;
        const versions = ['4.0.1', '4.0.2', '4.0.3', '4.0.4', '4.0.5'].sort(() => Math.random() - 0.5);
        const results = await Promise.all(
          versions.map((version, i) =>
            runStep({
              serverUrl: sb.url,
              repository: 'niko/web',
              inputs: { mode: 'dispatch', token: sb.tokenNames['niko-pat'], status_token: sb.tokenNames['niko-pat'], version, GITOPS_REPO: repo, GITOPS_FILE: CHART, GITOPS_YQ_TPL: TPL, timeout: '150s', poll_max: '2s' },
              env: { GITEA_ACTIONS: 'true', GITHUB_SHA: consumerSha, GITHUB_RUN_ID: String(900 + i), GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'deploy' },
            }),
          ),
        );
        const { byVersion, pulls, landed } = await checkRace(sb, repo, versions, results, '4.0.5');
        for (const [v, r] of landed) {
          const pr = pulls.find((p) => String(p.number) === r.outputs.pr_number);
          assert.equal(r.outputs.commit_sha, pr.merge_commit_sha, `${v}: the consumer reports its merge commit`);
          assert.equal(chartVersion(await fileAt(sb, repo, pr.merge_commit_sha)), v);
        }
        for (const [v, r] of Object.entries(byVersion).filter(([, x]) => x.outputs.status === 'superseded')) {
          if (r.outputs.pr_number) assert.deepEqual(pulls.filter((p) => String(p.number) === r.outputs.pr_number).map((p) => [p.state, p.merged]), [['closed', false]], `${v}: its pull request is closed unmerged`);
        }
        assert.equal(chartVersion(await fileAt(sb, repo)), '4.0.5');
        // one GitOps run per dispatch, each successful
        const runs = (await get(sb, '/_sandbox/runs')).filter((r) => r.repo === repo);
        assert.deepEqual(runs.map((r) => r.conclusion), Array(5).fill('success'));
      });

      test('through act: a consumer dispatch with wait_for_merge ends success once its pull request merges, failure when it is closed unmerged', { timeout: 240_000 }, async () => {
        const repo = REPOS.piped;
        const token = sb.tokenNames['niko-pat'];
        const build = async (consumer, version) => {
          const d = await api(sb, 'POST', `/repos/niko/${consumer}/actions/workflows/build.yaml/dispatches`, { token, body: { ref: 'main', inputs: { version } } });
          assert.equal(d.status, 204, d.text);
          return (await get(sb, '/_sandbox/runs')).filter((r) => r.repo === `niko/${consumer}`).at(-1);
        };
        /** The open pull request the GitOps run opened for `component`. */
        const pullOf = async (component) => {
          for (const deadline = Date.now() + 150_000; Date.now() < deadline; await sleep(250)) {
            const pr = (await pullsOf(sb, repo)).find((p) => p.state === 'open' && p.head.startsWith(`gitops/${component}/`));
            if (pr) return pr;
          }
          assert.fail(`no pull request for ${component} in ${repo}`);
        };
        const [appRun, apiRun] = [await build('app', '3.0.0'), await build('api', '3.1.0')];
        const [appPull, apiPull] = await Promise.all([pullOf('app'), pullOf('api')]);
        // the consumers wait: their commits show the pull request as pending
        const pendingOn = async (consumer, sha, pr) => {
          for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(250)) {
            if ((await statusesOn(sb, `niko/${consumer}`, sha)).some((s) => s.state === 'pending' && s.target_url === `${sb.url}/${repo}/pulls/${pr.number}`)) return;
          }
          assert.fail(`no pending status linking pull request #${pr.number} on niko/${consumer}`);
        };
        await Promise.all([pendingOn('app', appRun.sha, appPull), pendingOn('api', apiRun.sha, apiPull)]);
        assert.equal((await waitRun(sb, appRun.id, 'completed', 1)).status, 'in_progress', 'the consumer still waits for the merge');
        const merge = await api(sb, 'POST', `/repos/${repo}/pulls/${appPull.number}/merge`, { token, body: { Do: 'merge' } });
        assert.equal(merge.status, 200, merge.text);
        const close = await api(sb, 'PATCH', `/repos/${repo}/pulls/${apiPull.number}`, { token, body: { state: 'closed' } });
        assert.equal(close.status, 201, close.text);

        const app = await waitRun(sb, appRun.id, 'completed', 120_000);
        const merged = await get(sb, `/_sandbox/repos/${repo}/pulls/${appPull.number}`);
        assert.equal(app.conclusion, 'success', app.log);
        assert.match(app.log, new RegExp(`RESULT status=success pr=${appPull.number} sha=${merged.merge_commit_sha}`));
        const appStatuses = (await statusesOn(sb, 'niko/app', appRun.sha)).sort((a, b) => a.id - b.id);
        assert.deepEqual(
          appStatuses.map((s) => [s.context, s.state, s.target_url]),
          [
            ['gitops/app', 'pending', (await get(sb, '/_sandbox/runs')).find((r) => r.repo === repo && r.inputs.source_commit === appRun.sha && r.inputs.source_repo === 'niko/app').html_url],
            ['gitops/app', 'pending', `${sb.url}/${repo}/pulls/${appPull.number}`],
            ['gitops/app', 'success', `${sb.url}/${repo}/commit/${merged.merge_commit_sha}`],
          ],
        );
        assert.equal(chartVersion(await fileAt(sb, repo)), '3.0.0', 'main holds the merged version');

        const apiDone = await waitRun(sb, apiRun.id, 'completed', 120_000);
        assert.equal(apiDone.conclusion, 'failure', apiDone.log);
        assert.match(apiDone.log, new RegExp(`RESULT status=failure pr=${apiPull.number} sha=\\s`));
        assert.match(apiDone.log, new RegExp(`pull request #${apiPull.number} was closed without merging`));
        const last = (await statusesOn(sb, 'niko/api', apiRun.sha)).sort((a, b) => a.id - b.id).at(-1);
        assert.deepEqual([last.state, last.target_url], ['failure', `${sb.url}/${repo}/pulls/${apiPull.number}`]);
        // the GitOps runs opened the pull requests with the run's own token, and wrote nothing to main
        const gitopsRuns = (await get(sb, '/_sandbox/runs')).filter((r) => r.repo === repo);
        assert.deepEqual(gitopsRuns.map((r) => r.conclusion), ['success', 'success']);
        const main = await history(sb, repo);
        assert.deepEqual(main[0].parents, [main.at(-1).sha, merged.head_sha], 'main moved once, by the merge of the seeded commit and the pull request');
      });
    }
  });
}
