// `mode: update` against the sandbox, in every flavor: the committed dist/index.js runs as the
// runner runs it (INPUT_* environment, $GITHUB_OUTPUT), and the sandbox's real git history is
// checked after each case. One case per flavor goes through the whole path instead: a dispatch
// of examples/gitops-repo's gitops-service.yaml, run by the real act (on Forgejo with the action
// named by URL, as README tells Forgejo users). Also: a server that leaves the file's content out
// (max_blob_size), rejected pushes (every flavor; Gitea 1.26's 403 for hooks, protection and
// ref-lock races), and, through act, the run's own token on another repository and a Gitea 1.26
// job whose `permissions:` give no contents write.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT, FLAVORS, actionUsesFor, api, ensureAct, startSandbox, violations, waitRun } from '../sandbox/helpers.mjs';
import { runStep } from '../runner-files.mjs';

const CHART = '# chart\napiVersion: v2\nname: app\nversion: 0.1.0 # bumped by CI\nappVersion: "0.1.0"\n';
const SOURCE_COMMIT = '0123456789abcdef0123456789abcdef01234567';
const APPS = Array.from({ length: 20 }, (_, i) => `apps/app${i + 1}/values.yaml`);
/** Flavors whose run tokens are tried through act (the Actions token's reach differs from Gitea 1.26 on). */
const RUN_TOKEN_FLAVORS = new Set(['gitea-1.25', 'gitea-1.26']);

/** A GitOps job that updates dev/Chart.yaml of `repo` with the run's own token, under `permissions`. */
const runTokenWorkflow = (name, { repo = '', permissions = '' } = {}) => `name: ${name}
on:
  workflow_dispatch:
    inputs:
      version: {type: string, required: true}
jobs:
  update:
    runs-on: ubuntu-latest
${permissions}    steps:
      - uses: niko/gitops-action@v1
        with:
          mode: update
${repo ? `          repo: ${repo}\n` : ''}          file: dev/Chart.yaml
          yq_tpl: '.version = "{{VERSION}}"'
          version: \${{ inputs.version }}
          token: \${{ secrets.GITEA_TOKEN }}
`;

function seed(flavor) {
  const workflow = (text) => actionUsesFor(flavor, text);
  const files = {
    'dev/Chart.yaml': CHART,
    'dev/broken.yaml': 'a: [1, 2\n',
    '.gitea/workflows/gitops-service.yaml': workflow(readFileSync(path.join(REPO_ROOT, 'examples/gitops-repo/.gitea/workflows/gitops-service.yaml'), 'utf8')),
    // the run's own token on another repository: a private one (404 everywhere), a public one (Gitea 1.26 reads it)
    '.gitea/workflows/elsewhere.yaml': workflow(runTokenWorkflow('Elsewhere', { repo: 'niko/app' })),
    '.gitea/workflows/public-elsewhere.yaml': workflow(runTokenWorkflow('Public elsewhere', { repo: 'niko/site' })),
    // Gitea 1.26: a job whose permissions give no contents write (statuses: is ignored)
    '.gitea/workflows/read-only.yaml': workflow(runTokenWorkflow('Read only', { permissions: '    permissions:\n      contents: read\n      statuses: write\n' })),
  };
  for (const file of APPS) files[file] = `# ${file}\nimage:\n  repository: app\n  tag: "0.0.1"  # set by gitops\n`;
  return {
    users: [{ name: 'niko', email: 'niko@example.com', full_name: 'Niko' }],
    tokens: [
      { name: 'niko-pat', user: 'niko', scopes: ['write:repository'] },
      { name: 'niko-read', user: 'niko', scopes: ['read:repository'] },
    ],
    repos: [
      { name: 'niko/gitops', default_branch: 'main', files },
      { name: 'niko/app', default_branch: 'main', files: { 'README.md': '# app\n', 'dev/Chart.yaml': CHART } },
      { name: 'niko/site', default_branch: 'main', private: false, files: { 'dev/Chart.yaml': CHART } },
    ],
  };
}

let runCounter = 0;
/** Runs the action's update mode as a runner would (runStep); `inputs` override the defaults. */
function runUpdate(sb, inputs) {
  return runStep({
    serverUrl: sb.url,
    repository: 'niko/gitops',
    inputs: {
      mode: 'update',
      token: sb.tokenNames['niko-pat'],
      file: 'dev/Chart.yaml',
      yq_tpl: '.version = "{{VERSION}}"',
      source_repo: 'niko/app',
      source_commit: SOURCE_COMMIT,
      dispatch_id: `dispatch-${++runCounter}`,
      ...inputs,
    },
  });
}

const commits = async (sb, p) => (await api(sb, 'GET', `/_sandbox/repos/niko/gitops/commits${p ? `?path=${encodeURIComponent(p)}` : ''}`)).body;
const file = async (sb, p) => (await api(sb, 'GET', `/_sandbox/repos/niko/gitops/file?path=${encodeURIComponent(p)}`)).text;

for (const flavor of Object.keys(FLAVORS)) {
  describe(`update mode on ${flavor}`, () => {
    let sb;
    before(async () => {
      sb = await startSandbox({ flavor, seed: seed(flavor), capacity: 4 });
    });
    after(async () => {
      assert.deepEqual(await violations(sb), [], 'no request or response broke the spec');
      await sb.stop();
    });

    test('one update makes one commit: seed subject, trailers, byte-exact file, status', async () => {
      const before = (await commits(sb)).length;
      const r = await runUpdate(sb, { version: '1.2.4', dispatch_id: 'd-one', git_tag_prefix: 'docker/' });
      assert.equal(r.code, 0, r.log);
      const history = await commits(sb);
      assert.equal(history.length, before + 1);
      const [head] = history;
      assert.equal(r.outputs.commit_sha, head.sha);
      assert.equal(r.outputs.status, 'success');
      assert.equal(r.outputs.changed, 'true');
      assert.equal(r.outputs.summary, `app-docker|1.2.4|success|${head.sha}|niko/gitops`);
      assert.match(r.outputs.diff, /^-version: 0\.1\.0 # bumped by CI$/m);
      const [subject] = head.message.split('\n');
      assert.equal(subject, '[skip ci] gitops: update version to 1.2.4');
      assert.match(head.message, /\n\nGitops-Dispatch-Id: d-one\nGitops-Source-Repo: niko\/app\nGitops-Source-Commit: 0123456789abcdef0123456789abcdef01234567\nGitops-Tag-Prefix: docker\/\n$/);
      assert.equal(await file(sb, 'dev/Chart.yaml'), CHART.replace('version: 0.1.0', 'version: 1.2.4'));
      const statuses = (await api(sb, 'GET', '/_sandbox/statuses')).body.filter((s) => s.sha === head.sha);
      assert.equal(statuses.length, 1);
      assert.equal(statuses[0].context, 'gitops/update');
      assert.equal(statuses[0].state, 'success');
      assert.equal(statuses[0].target_url, `${sb.url}/niko/app/commit/${SOURCE_COMMIT}`);
      assert.equal(statuses[0].description, 'niko/app@0123456');
      assert.match(r.log, /::debug::4 API calls/);
    });

    test('a re-run of the same dispatch makes no second commit', async () => {
      const first = await runUpdate(sb, { version: '1.2.5', dispatch_id: 'd-rerun' });
      const count = (await commits(sb)).length;
      const again = await runUpdate(sb, { version: '1.2.5', dispatch_id: 'd-rerun' });
      assert.equal(again.code, 0, again.log);
      assert.equal((await commits(sb)).length, count);
      assert.equal(again.outputs.status, 'success');
      assert.equal(again.outputs.commit_sha, first.outputs.commit_sha);
      assert.match(again.log, /already committed/);
    });

    test('unchanged and superseded make no commit', async () => {
      const count = (await commits(sb)).length;
      const same = await runUpdate(sb, { version: '1.2.5' });
      assert.equal(same.code, 0, same.log);
      assert.equal(same.outputs.status, 'unchanged');
      assert.equal(same.outputs.commit_sha, (await commits(sb, 'dev/Chart.yaml'))[0].sha);
      const lower = await runUpdate(sb, { version: '1.2.3' });
      assert.equal(lower.code, 0, lower.log);
      assert.equal(lower.outputs.status, 'superseded');
      assert.match(lower.log, /1\.2\.5 is newer than 1\.2\.3/);
      assert.equal((await commits(sb)).length, count);
      const forced = await runUpdate(sb, { version: '1.2.3', monotonic: 'false' });
      assert.equal(forced.outputs.status, 'success', forced.log);
      assert.equal((await commits(sb)).length, count + 1);
    });

    test('bad input fails clearly and writes nothing', async () => {
      const count = (await commits(sb)).length;
      const cases = [
        [{ token: sb.tokenNames['niko-read'], version: '9.0.0' }, /cannot write to niko\/gitops/],
        [{ version: '9.0.1', file: 'dev/missing.yaml' }, /file not found: dev\/missing\.yaml on the default branch/],
        [{ version: '9.0.2', file: '../outside.yaml' }, /input 'file'.*goes up with '\.\.', out of the repository/],
        [{ version: '9.0.3', yq_tpl: '.version = = 1' }, /input 'yq_tpl': invalid expression/],
        [{ version: '9.0.4', file: 'dev/broken.yaml' }, /dev\/broken\.yaml: invalid YAML at line 1, column 4: unclosed bracket/],
        [{ version: '9.0.5; rm -rf /' }, /input 'version'/],
        [{ version: '9.0.6', yq_tpl: '.version = strenv(INPUT_TOKEN)' }, /unknown name 'INPUT_TOKEN'; available names: DISPATCH_ID, GIT_TAG_PREFIX, SOURCE_COMMIT, SOURCE_REPO, VERSION/],
      ];
      for (const [inputs, message] of cases) {
        const r = await runUpdate(sb, inputs);
        assert.equal(r.code, 1, `${JSON.stringify(inputs)} should fail`);
        assert.match(r.log, message);
        const unmasked = r.log.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n');
        assert.ok(!unmasked.includes(sb.tokenNames['niko-pat']), 'the token appears only in its mask command');
      }
      assert.equal((await commits(sb)).length, count, 'nothing was written');
    });

    test('several edits go into one atomic commit (ChangeFiles)', async () => {
      const start = (await commits(sb)).length;
      const updates = JSON.stringify([
        { file: 'apps/app1/values.yaml', yq_tpl: '.image.tag = "{{VERSION}}"' },
        { file: 'apps/app2/values.yaml', yq_tpl: '.image.tag = "{{VERSION}}"' },
      ]);
      // Below the versions the 20-file test writes next, so monotonic lets those through.
      const r = await runUpdate(sb, { version: '1.5.0', file: undefined, yq_tpl: undefined, updates });
      assert.equal(r.outputs.status, 'success', r.log);
      const history = await commits(sb);
      assert.equal(history.length, start + 1, 'one commit for both files');
      assert.equal(history[0].sha, r.outputs.commit_sha);
      assert.deepEqual(history[0].files.map((f) => f.filename ?? f.path ?? f).sort(), ['apps/app1/values.yaml', 'apps/app2/values.yaml']);
      assert.match(history[0].message, /Updated apps\/app1\/values\.yaml with: .*\nUpdated apps\/app2\/values\.yaml with:/);
      for (const f of ['apps/app1/values.yaml', 'apps/app2/values.yaml']) assert.match(await file(sb, f), /^  tag: "1\.5\.0"  # set by gitops$/m);
    });

    test('20 concurrent updates of one file: no update lost, history linear', async () => {
      const start = (await commits(sb)).length;
      const versions = Array.from({ length: 20 }, (_, i) => `3.0.${i + 1}`).sort(() => Math.random() - 0.5);
      const results = await Promise.all(versions.map((version) => runUpdate(sb, { version })));
      for (const r of results) assert.equal(r.code, 0, r.log);
      const statuses = results.map((r) => r.outputs.status);
      const landed = results.filter((r) => r.outputs.status === 'success');
      assert.ok(statuses.every((s) => s === 'success' || s === 'superseded'), statuses.join());
      const history = await commits(sb);
      assert.equal(history.length, start + landed.length, 'one commit per successful update');
      for (const r of landed) assert.ok(history.some((c) => c.sha === r.outputs.commit_sha), 'every reported commit is in the history');
      for (let i = 0; i + 1 < history.length; i++) assert.deepEqual(history[i].parents, [history[i + 1].sha], 'linear');
      assert.match(await file(sb, 'dev/Chart.yaml'), /^version: 3\.0\.20 # bumped by CI$/m);
      // Every superseded update saw a newer version in place.
      for (const r of results.filter((x) => x.outputs.status === 'superseded')) assert.match(r.log, /is newer than/);
    });

    test('20 concurrent updates of 20 files: 20 commits', async () => {
      const start = (await commits(sb)).length;
      const results = await Promise.all(APPS.map((f, i) => runUpdate(sb, { version: `2.${i}.0`, file: f, yq_tpl: '.image.tag = "{{VERSION}}"' })));
      for (const r of results) assert.equal(r.outputs.status, 'success', r.log);
      assert.equal((await commits(sb)).length, start + 20);
      for (const [i, f] of APPS.entries()) assert.equal(await file(sb, f), `# ${f}\nimage:\n  repository: app\n  tag: "2.${i}.0"  # set by gitops\n`);
    });

    test('one commit per dispatch through 5xx bursts, dropped connections and a lost response', async () => {
      const faults = [
        [{ route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'status', status: 503, count: 2 }],
        [{ route: 'GET /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'status', status: 502, count: 2 }],
        [{ route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'drop', count: 1 }],
        [{ route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'lost-response', count: 1 }],
        [
          { route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'lost-response', count: 1 },
          { route: 'GET /api/v1/repos/{owner}/{repo}/commits', kind: 'status', status: 504, count: 1 },
        ],
      ];
      let version = 10;
      for (const fault of faults) {
        await api(sb, 'DELETE', '/_sandbox/faults');
        await api(sb, 'POST', '/_sandbox/faults', { body: fault });
        const count = (await commits(sb)).length;
        const r = await runUpdate(sb, { version: `4.0.${version++}` });
        assert.equal(r.code, 0, `${JSON.stringify(fault)}\n${r.log}`);
        assert.equal(r.outputs.status, 'success');
        const history = await commits(sb);
        assert.equal(history.length, count + 1, `exactly one commit with ${JSON.stringify(fault)}`);
        assert.equal(r.outputs.commit_sha, history[0].sha);
        const hits = (await api(sb, 'GET', '/_sandbox/faults')).body.reduce((n, f) => n + f.hits, 0);
        assert.ok(hits >= 1, 'the fault was injected');
      }
      await api(sb, 'DELETE', '/_sandbox/faults');
    });

    test('the GitOps workflow runs for real through act and commits', { timeout: 180_000 }, async (t) => {
      const act = ensureAct();
      if (act.skip) return t.skip(act.skip);
      const count = (await commits(sb)).length;
      const token = sb.tokenNames['niko-pat'];
      const dispatchId = `act-${flavor}`;
      const inputs = { file: 'dev/Chart.yaml', yq_tpl: '.version = "{{VERSION}}"', version: '5.0.0', source_repo: 'niko/app', source_commit: SOURCE_COMMIT, dispatch_id: dispatchId };
      const r = await api(sb, 'POST', '/repos/niko/gitops/actions/workflows/gitops-service.yaml/dispatches', { token, body: { ref: 'main', inputs } });
      assert.ok([200, 201, 204].includes(r.status), r.text);
      const runs = (await api(sb, 'GET', '/_sandbox/runs')).body;
      const run = await waitRun(sb, runs[runs.length - 1].id, 'completed', 150_000);
      assert.equal(run.conclusion, 'success', run.log);
      const history = await commits(sb);
      assert.equal(history.length, count + 1);
      assert.match(history[0].message, new RegExp(`Gitops-Dispatch-Id: ${dispatchId}\n`));
      assert.match(await file(sb, 'dev/Chart.yaml'), /^version: 5\.0\.0 # bumped by CI$/m);
    });

    test('a file whose content the server leaves out (above [api] DEFAULT_MAX_BLOB_SIZE) is never written', async () => {
      const count = (await commits(sb)).length;
      const size = Buffer.byteLength(await file(sb, 'dev/Chart.yaml'));
      await api(sb, 'POST', '/_sandbox/settings', { body: { max_blob_size: 40 } });
      try {
        const r = await runUpdate(sb, { version: '6.0.1' });
        assert.equal(r.code, 1, r.log);
        assert.equal(r.outputs.status, 'failure');
        assert.match(
          r.log,
          new RegExp(`^::error::dev/Chart\\.yaml cannot be edited through the API: GET /repos/niko/gitops/contents/dev/Chart\\.yaml gave no content for a file of ${size} bytes \\(got 0\\): the server leaves the content out above its \\[api\\] DEFAULT_MAX_BLOB_SIZE \\(10 MiB by default\\); nothing was written$`, 'm'),
        );
        assert.equal((await commits(sb)).length, count, 'nothing was written');
      } finally {
        await api(sb, 'POST', '/_sandbox/settings', { body: { max_blob_size: 10485760 } });
      }
    });

    test("a push the server's own git rejects once (a hook, a lost ref-lock race) is retried: one commit", async () => {
      // Gitea 1.26 answers 403 "push is rejected", older releases and Forgejo 500 (faults in tests/sandbox/README.md)
      await api(sb, 'POST', '/_sandbox/faults', { body: { route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'push-rejected', count: 1 } });
      const count = (await commits(sb)).length;
      const r = await runUpdate(sb, { version: '6.0.2' });
      assert.equal(r.code, 0, r.log);
      assert.equal(r.outputs.status, 'success');
      assert.equal((await commits(sb)).length, count + 1, 'exactly one commit');
      const expected = flavor === 'gitea-1.26' ? /attempt 1: the server's push lost the race for the branch to another write \(PUT \/repos\/niko\/gitops\/contents\/dev\/Chart\.yaml answered 403: push is rejected\)/ : /attempt 1: the write's outcome is unknown \(PUT \/repos\/niko\/gitops\/contents\/dev\/Chart\.yaml answered 500\)/;
      assert.match(r.log, expected);
      assert.equal((await api(sb, 'GET', '/_sandbox/faults')).body.reduce((n, f) => n + f.hits, 0), 1, 'the fault was hit');
      await api(sb, 'DELETE', '/_sandbox/faults');
    });

    if (flavor === 'gitea-1.26') {
      test('Gitea 1.26: a push refused by a hook or by branch protection names it and is not retried; a lost ref-lock race is', async () => {
        const PUT = 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}';
        const puts = async () => (await api(sb, 'GET', '/_sandbox/requests?method=PUT')).body.filter((q) => q.path === '/api/v1/repos/niko/gitops/contents/dev/Chart.yaml').length;
        const cases = [
          ['the deploy freeze is on until Monday', /^::error::the server refused the push to branch main of niko\/gitops: a git hook \(pre-receive or update\) or the branch's protection said "the deploy freeze is on until Monday" \(PUT \/repos\/niko\/gitops\/contents\/dev\/Chart\.yaml answered 403: the deploy freeze is on until Monday\); nothing was written/m],
          // routers/private/hook_pre_receive.go @v1.26.4: protection that changed after the pre-check
          ['error: Not allowed to push to protected branch main', /^::error::branch main of niko\/gitops is protected: its protection rule does not let this token's user push to it \(PUT .* answered 403: Not allowed to push to protected branch main\); nothing was written/m],
        ];
        for (const [hook, message] of cases) {
          await api(sb, 'POST', '/_sandbox/faults', { body: { route: PUT, kind: 'push-rejected', message: hook, count: -1 } });
          const count = (await commits(sb)).length;
          const before = await puts();
          const r = await runUpdate(sb, { version: '6.0.3' });
          await api(sb, 'DELETE', '/_sandbox/faults');
          assert.equal(r.code, 1, r.log);
          assert.match(r.log, message);
          assert.equal(await puts(), before + 1, 'one write, not retried');
          assert.equal((await commits(sb)).length, count, 'nothing was written');
        }
        // two writers racing for the ref lock: git's "cannot lock ref", then "push is rejected"
        await api(sb, 'POST', '/_sandbox/faults', {
          body: [
            { route: PUT, kind: 'push-rejected', message: "error: cannot lock ref 'refs/heads/main': is at 1111111111111111111111111111111111111111 but expected 2222222222222222222222222222222222222222", count: 1 },
            { route: PUT, kind: 'push-rejected', count: 1, skip: 1 },
          ],
        });
        const count = (await commits(sb)).length;
        const r = await runUpdate(sb, { version: '6.0.4' });
        await api(sb, 'DELETE', '/_sandbox/faults');
        assert.equal(r.code, 0, r.log);
        assert.match(r.log, /attempt 1: the server's push lost the race for the branch to another write \(.*answered 403: cannot lock ref 'refs\/heads\/main'/);
        assert.match(r.log, /attempt 2: the server's push lost the race for the branch to another write \(.*answered 403: push is rejected\)/);
        assert.equal((await commits(sb)).length, count + 1, 'one commit');
      });
    }

    if (RUN_TOKEN_FLAVORS.has(flavor)) {
      test("through act: the run's own token on another repository, and (Gitea 1.26) a job without contents write, fail naming the cause", { timeout: 180_000 }, async (t) => {
        const act = ensureAct();
        if (act.skip) return t.skip(act.skip);
        const token = sb.tokenNames['niko-pat'];
        const count = { gitops: (await commits(sb)).length };
        const runWorkflow = async (workflow, version) => {
          const d = await api(sb, 'POST', `/repos/niko/gitops/actions/workflows/${workflow}/dispatches`, { token, body: { ref: 'main', inputs: { version } } });
          assert.equal(d.status, 204, d.text);
          const runs = (await api(sb, 'GET', '/_sandbox/runs')).body;
          return waitRun(sb, runs.at(-1).id, 'completed', 150_000);
        };
        const cases = [
          // Gitea <= 1.25: 404 for every request to another repository, reads included
          ['elsewhere.yaml', 'niko/app', /::error::niko\/app is not this run's repository, and the run's own token cannot use it \(GET \/repos\/niko\/app answered 404\): a run's token sees no other repository/],
        ];
        if (flavor === 'gitea-1.26') {
          cases.push(
            // Gitea 1.26 reads a public repository with it, and refuses the write
            ['public-elsewhere.yaml', 'niko/site', /::error::niko\/site is not this run's repository, and the run's own token cannot use it \(PUT \/repos\/niko\/site\/contents\/dev\/Chart\.yaml answered 403: [^)]*\): a run's token sees no other repository/],
            ['read-only.yaml', 'niko/gitops', /::error::the run's own token may not write to niko\/gitops \(PUT \/repos\/niko\/gitops\/contents\/dev\/Chart\.yaml answered 403: [^)]*\): on Gitea 1\.26 the job's `permissions:` block must give `contents: write`/],
          );
        }
        for (const [workflow, target, message] of cases) {
          const before = (await api(sb, 'GET', `/_sandbox/repos/${target}/commits`)).body.length;
          const run = await runWorkflow(workflow, '7.0.0');
          assert.equal(run.conclusion, 'failure', run.log);
          assert.match(run.log, message);
          assert.equal((await api(sb, 'GET', `/_sandbox/repos/${target}/commits`)).body.length, before, `nothing was written to ${target}`);
        }
        assert.equal((await commits(sb)).length, count.gitops);
      });
    }
  });
}
