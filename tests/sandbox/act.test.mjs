// Workflows run for real: dispatch -> act (host mode) in a checkout of the ref -> a step that
// commits through the contents API with the run's automatic token.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, api, violations, waitRun, ensureAct, unb64, processesMentioning } from './helpers.mjs';

const act = ensureAct();
if (act.skip) console.log(`# SKIP act tests: ${act.skip}`);

const PROBE = `name: Probe
run-name: "probe \${{ inputs.value }}"
on:
  workflow_dispatch:
    inputs:
      value:
        type: string
        required: true
      sleep:
        type: string
        default: '0'
jobs:
  probe:
    runs-on: ubuntu-latest
    steps:
      - name: show the environment
        run: |
          echo "SERVER=$GITHUB_SERVER_URL API=$GITHUB_API_URL GITEA=$GITEA_ACTIONS REPO=$GITHUB_REPOSITORY REF=$GITHUB_REF SHA=$GITHUB_SHA RUN=$GITHUB_RUN_ID"
          echo "CTX server_url=\${{ github.server_url }} repository=\${{ github.repository }} event=\${{ github.event_name }} input=\${{ github.event.inputs.value }}"
          echo "EVENT html_url=\${{ github.event.repository.html_url }} full_name=\${{ github.event.repository.full_name }} private=\${{ github.event.repository.private }} sender=\${{ github.event.sender.login }}"
          echo "TOKENS same=\${{ secrets.GITEA_TOKEN == secrets.GITHUB_TOKEN }} len=\${{ secrets.GITEA_TOKEN != '' }} github.token=\${{ github.token == secrets.GITEA_TOKEN }} env=\${GITHUB_TOKEN:+set}"
      - name: wait
        run: sleep \${{ inputs.sleep }}
      - name: write through the contents API
        env:
          TOKEN: \${{ secrets.GITEA_TOKEN }}
          VALUE: \${{ inputs.value }}
        run: |
          set -eu
          url="$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/contents/probe.txt"
          sha=$(curl -fsS -H "Authorization: token $TOKEN" "$url" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).sha))')
          body=$(node -e 'console.log(JSON.stringify({content: Buffer.from(process.env.VALUE + "\\n").toString("base64"), sha: process.argv[1], message: "probe: " + process.env.VALUE}))' "$sha")
          curl -fsS -X PUT -H "Authorization: token $TOKEN" -H 'Content-Type: application/json' -d "$body" "$url" > /dev/null
          echo "wrote probe.txt"
`;

function seed() {
  return {
    users: [{ name: 'niko', email: 'niko@example.com', full_name: 'Niko' }],
    tokens: [{ name: 'niko-pat', user: 'niko', scopes: ['write:repository'] }],
    repos: [{ name: 'niko/probe', default_branch: 'main', files: { 'probe.txt': 'initial\n', '.gitea/workflows/probe.yaml': PROBE, '.forgejo/workflows/probe.yaml': PROBE } }],
  };
}

const dispatch = (sb, flavor, inputs) => {
  const forgejo = flavor.startsWith('forgejo');
  return api(sb, 'POST', `/repos/niko/probe/actions/workflows/probe.yaml/dispatches${forgejo ? '' : '?return_run_details=true'}`, {
    token: sb.tokenNames['niko-pat'],
    body: forgejo ? { ref: 'main', inputs, return_run_info: true } : { ref: 'main', inputs },
  });
};
const runIdOf = (r) => r.body.workflow_run_id || r.body.id;

describe('act runs a dispatched workflow', { skip: act.skip }, () => {
  for (const flavor of ['gitea-1.26', 'forgejo-12']) {
    it(`${flavor}: the job commits through the contents API with the run token`, async () => {
      const sb = await startSandbox({ flavor, seed: seed(), actPath: act.path });
      try {
        const d = await dispatch(sb, flavor, { value: 'hello' });
        assert.ok([200, 201].includes(d.status), d.text);
        const run = await waitRun(sb, runIdOf(d), 'completed', 60000);
        assert.equal(run.conclusion, 'success', run.log);
        const log = run.log;
        // the job sees the address its runner registered with (act_runner client.Address()), not the public URL
        assert.notEqual(sb.runnerUrl, sb.url);
        assert.ok(log.includes(`SERVER=${sb.runnerUrl} API=${sb.runnerUrl}/api/v1 GITEA=true REPO=niko/probe REF=refs/heads/main SHA=${run.sha} RUN=${run.id}`), log);
        assert.ok(log.includes(`CTX server_url=${sb.runnerUrl} repository=niko/probe event=workflow_dispatch input=hello`), log);
        // the event payload's repository (convert.ToRepo) links on the public URL
        assert.ok(log.includes(`EVENT html_url=${sb.url}/niko/probe full_name=niko/probe private=true sender=niko\n`), log);
        // github.token is the run token; GITHUB_TOKEN is not exported as an env var (as on Gitea)
        assert.ok(log.includes('TOKENS same=true len=true github.token=true env=\n'), log);
        assert.ok(log.includes('wrote probe.txt'), log);
        const c = await api(sb, 'GET', '/repos/niko/probe/contents/probe.txt', { token: sb.tokenNames['niko-pat'] });
        assert.equal(unb64(c.body.content), 'hello\n');
        const head = (await api(sb, 'GET', '/repos/niko/probe/commits?limit=1', { token: sb.tokenNames['niko-pat'] })).body[0];
        assert.equal(head.commit.message, 'probe: hello\n');
        assert.equal(head.commit.author.name, flavor.startsWith('forgejo') ? 'Forgejo Actions' : 'Gitea Actions');
        // the run as the API shows it
        const a = await api(sb, 'GET', `/repos/niko/probe/actions/runs/${run.id}`, { token: sb.tokenNames['niko-pat'] });
        if (flavor.startsWith('forgejo')) {
          assert.equal(a.body.status, 'success');
          assert.equal(a.body.title, 'Probe');
        } else {
          assert.equal(a.body.status, 'completed');
          assert.equal(a.body.conclusion, 'success');
          assert.equal(a.body.display_title, 'probe hello');
        }
        // every link the API answers is on the public URL, whichever port asked
        assert.ok(a.body.html_url.startsWith(`${sb.url}/`), a.body.html_url);
        const viaRunner = await api({ url: sb.runnerUrl }, 'GET', '/repos/niko/probe/contents/probe.txt', { token: sb.tokenNames['niko-pat'] });
        assert.ok(viaRunner.body.html_url.startsWith(`${sb.url}/niko/probe/src/branch/main/`), viaRunner.body.html_url);
        const page = await fetch(a.body.html_url);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /wrote probe\.txt/);
        // the run's requests (its clone and its contents API calls) came through the runner address
        const fromRun = (await api(sb, 'GET', '/_sandbox/requests')).body.filter((q) => q.user === (flavor.startsWith('forgejo') ? 'forgejo-actions' : 'gitea-actions'));
        assert.ok(fromRun.some((q) => q.path === '/niko/probe.git/info/refs'), JSON.stringify(fromRun));
        assert.ok(fromRun.some((q) => q.method === 'PUT'));
        assert.ok(fromRun.every((q) => q.via === 'runner'), JSON.stringify(fromRun.map((q) => [q.via, q.path])));
        const tasks = await api(sb, 'GET', '/repos/niko/probe/actions/tasks', { token: sb.tokenNames['niko-pat'] });
        assert.equal(tasks.body.workflow_runs[0].status, 'success');
        assert.deepEqual(await violations(sb), []);
      } finally {
        await sb.stop();
      }
    });
  }

  for (const flavor of ['gitea-1.24', 'gitea-1.25']) {
    it(`${flavor}: a new dispatch cancels the running one (act is killed)`, async () => {
      const sb = await startSandbox({ flavor, seed: seed(), actPath: act.path });
      try {
        const d1 = await dispatch(sb, flavor, { value: 'first', sleep: '60.123' });
        assert.equal(d1.status, 204);
        const first = sb.sandbox.runs.runs[0];
        // wait until the sleep step runs
        const deadline = Date.now() + 30000;
        while (processesMentioning('sleep 60.123').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        assert.ok(processesMentioning('sleep 60.123').length > 0, 'the step is running');
        const d2 = await dispatch(sb, flavor, { value: 'second' });
        assert.equal(d2.status, 204);
        const r1 = await waitRun(sb, first.id, 'completed', 15000);
        assert.equal(r1.conclusion, 'cancelled');
        // act reports the killed job as failed; the server marks the task cancelled
        const t1 = (await api(sb, 'GET', '/repos/niko/probe/actions/tasks', { token: sb.tokenNames['niko-pat'] })).body.workflow_runs.find((t) => t.run_number === first.index);
        assert.equal(t1.status, 'cancelled', r1.log);
        const second = sb.sandbox.runs.runs[1];
        const r2 = await waitRun(sb, second.id, 'completed', 60000);
        assert.equal(r2.conclusion, 'success', r2.log);
        assert.deepEqual(processesMentioning(`${sb.dataDir}/runs/${first.id}/`), [], 'nothing of the cancelled run is left');
        assert.equal(processesMentioning('sleep 60.123').length, 0);
        const c = await api(sb, 'GET', '/repos/niko/probe/contents/probe.txt', { token: sb.tokenNames['niko-pat'] });
        assert.equal(unb64(c.body.content), 'second\n');
        if (flavor === 'gitea-1.25') {
          const runs = await api(sb, 'GET', '/repos/niko/probe/actions/runs', { token: sb.tokenNames['niko-pat'] });
          assert.deepEqual(runs.body.workflow_runs.map((r) => [r.display_title, r.conclusion]), [
            ['probe second', 'success'],
            ['probe first', 'cancelled'],
          ]);
        }
        assert.deepEqual(await violations(sb), []);
      } finally {
        await sb.stop();
      }
    });
  }

  it('runner capacity: runs beyond it wait in the queue', async () => {
    const sb = await startSandbox({ flavor: 'gitea-1.26', seed: seed(), actPath: act.path, capacity: 1 });
    try {
      const a = await dispatch(sb, 'gitea-1.26', { value: 'a', sleep: '2' });
      const b = await dispatch(sb, 'gitea-1.26', { value: 'b' });
      await waitRun(sb, a.body.workflow_run_id, 'in_progress', 10000);
      const qb = await api(sb, 'GET', `/repos/niko/probe/actions/runs/${b.body.workflow_run_id}`, { token: sb.tokenNames['niko-pat'] });
      assert.equal(qb.body.status, 'queued');
      const ra = await waitRun(sb, a.body.workflow_run_id, 'completed', 60000);
      const rb = await waitRun(sb, b.body.workflow_run_id, 'completed', 60000);
      assert.equal(ra.conclusion, 'success', ra.log);
      // b was dispatched with a's blob sha gone stale? no: it reads the file itself, so both succeed
      assert.equal(rb.conclusion, 'success', rb.log);
      assert.ok(Date.parse(rb.started) >= Date.parse(ra.completed), 'b started after a finished');
      assert.deepEqual(await violations(sb), []);
    } finally {
      await sb.stop();
    }
  });

  it('the demo world: gitops-service.yaml resolves niko/gitops-action@v1 to the working tree', async () => {
    const sb = await startSandbox({ actPath: act.path });
    try {
      const info = await api(sb, 'GET', '/repos/niko/agent-platform-gitops', { token: sb.tokens.niko });
      assert.equal(info.body.default_branch, 'main');
      const d = await api(sb, 'POST', '/repos/niko/agent-platform-gitops/actions/workflows/gitops-service.yaml/dispatches?return_run_details=true', {
        token: sb.tokens.niko,
        body: { ref: 'main', inputs: { file: 'dev/Chart.yaml', yq_tpl: '.version = "{{VERSION}}"', version: '1.2.3', source_repo: 'niko/agent-platform', source_commit: 'a'.repeat(40), dispatch_id: 'demo-1' } },
      });
      assert.equal(d.status, 200, d.text);
      const run = await waitRun(sb, d.body.workflow_run_id, 'completed', 90000);
      assert.equal(run.title, 'GitOps (demo-1)');
      // whatever the action does today, act found it in the working tree
      assert.match(run.log, /LocalRepositoryCache matched .*niko\/gitops-action with ref v1/);
      assert.deepEqual(await violations(sb), []);
    } finally {
      await sb.stop();
    }
  });

  it('gitea-1.26: each job has its own task (read from act) and its own `permissions:` (the job of a request is found by its process)', async () => {
    const put = (label) => `      - run: |
          url="$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/contents/${label}.txt"
          code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: token \${{ secrets.GITEA_TOKEN }}" -H 'Content-Type: application/json' -d '{"content":"eA=="}' "$url")
          echo "${label}=$code"
`;
    const WF = `name: Jobs
on: workflow_dispatch
jobs:
  first:
    name: First job
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
${put('FIRST')}
  writer:
    needs: first
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
${put('WRITER')}
  failing:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - run: exit 3
  never:
    if: \${{ false }}
    runs-on: ubuntu-latest
    steps:
      - run: echo never
`;
    const sb = await startSandbox({
      flavor: 'gitea-1.26',
      seed: { users: [{ name: 'niko' }], tokens: [{ name: 'niko-pat', user: 'niko' }], repos: [{ name: 'niko/jobs', files: { '.gitea/workflows/jobs.yaml': WF } }] },
      actPath: act.path,
    });
    try {
      const d = await api(sb, 'POST', '/repos/niko/jobs/actions/workflows/jobs.yaml/dispatches?return_run_details=true', { token: sb.tokenNames['niko-pat'], body: { ref: 'main' } });
      const run = await waitRun(sb, d.body.workflow_run_id, 'completed', 60000);
      assert.equal(run.conclusion, 'failure', run.log);
      assert.match(run.log, /FIRST=403/, 'contents: read cannot write');
      assert.match(run.log, /WRITER=201/, 'contents: write can');
      const tasks = await api(sb, 'GET', '/repos/niko/jobs/actions/tasks', { token: sb.tokenNames['niko-pat'] });
      // one task per job act ran; the skipped job never had one; newest first
      assert.deepEqual(tasks.body.workflow_runs.map((t) => t.name).slice(-1), ['First job']);
      assert.deepEqual(Object.fromEntries(tasks.body.workflow_runs.map((t) => [t.name, t.status])), { 'First job': 'success', writer: 'success', failing: 'failure' });
      const jobs = await api(sb, 'GET', `/repos/niko/jobs/actions/runs/${run.id}/jobs`, { token: sb.tokenNames['niko-pat'] });
      assert.deepEqual(
        jobs.body.jobs.map((j) => [j.name, j.status, j.conclusion]),
        [
          ['First job', 'completed', 'success'],
          ['writer', 'completed', 'success'],
          ['failing', 'completed', 'failure'],
          ['never', 'completed', 'skipped'],
        ],
      );
      assert.equal(jobs.body.jobs[3].steps, null, 'no task, no steps');
      assert.deepEqual(await violations(sb), []);
    } finally {
      await sb.stop();
    }
  });

  describe('how `uses:` resolves ([actions] DEFAULT_ACTIONS_URL)', () => {
    const HELLO = 'name: hello\nruns:\n  using: composite\n  steps:\n    - run: echo "HELLO FROM $GITHUB_ACTION_REPOSITORY"\n      shell: bash\n';
    const usesWf = (uses) => `name: Uses\non: workflow_dispatch\njobs:\n  use:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ${uses}\n`;
    const files = (uses) => ({ '.gitea/workflows/use.yaml': usesWf(uses), '.forgejo/workflows/use.yaml': usesWf(uses) });
    const world = (flavor, uses, extra = {}) =>
      startSandbox({
        flavor,
        actPath: act.path,
        ...extra,
        seed: {
          users: [{ name: 'niko' }],
          tokens: [{ name: 'pat', user: 'niko' }],
          repos: [
            { name: 'niko/app', files: files(uses) },
            { name: 'niko/hello', private: false, files: { 'action.yml': HELLO }, tags: ['v1'] },
            { name: 'niko/secret', files: { 'action.yml': HELLO }, tags: ['v1'] },
          ],
          ...(extra.seedExtra || {}),
        },
      });
    const runIt = async (sb, flavor) => {
      const forgejo = flavor.startsWith('forgejo');
      const d = await api(sb, 'POST', '/repos/niko/app/actions/workflows/use.yaml/dispatches', { token: sb.tokenNames.pat, body: { ref: 'main' } });
      assert.equal(d.status, 204, d.text);
      void forgejo;
      return waitRun(sb, sb.sandbox.runs.runs.at(-1).id, 'completed', 60000);
    };

    it('Forgejo: owner/repo@ref is looked up on https://data.forgejo.org, which the sandbox does not stand in for', async () => {
      const sb = await world('forgejo-12', 'niko/gitops-action@v1');
      try {
        const run = await runIt(sb, 'forgejo-12');
        assert.equal(run.conclusion, 'failure');
        assert.match(run.log, /unable to clone https:\/\/data\.forgejo\.org\/niko\/gitops-action refs\/heads\/v1/);
        assert.doesNotMatch(run.log, /act workflow_dispatch/, 'act never started');
        // a runner took the job and failed it while cloning the action: its task shows the failure
        const tasks = await api(sb, 'GET', '/repos/niko/app/actions/tasks', { token: sb.tokenNames.pat });
        assert.deepEqual(tasks.body.workflow_runs.map((t) => [t.name, t.status, t.run_number]), [['use', 'failure', run.run_number]]);
      } finally {
        await sb.stop();
      }
    });

    it('Gitea with DEFAULT_ACTIONS_URL=self: this server\'s repository, cloned without a token (a private one fails)', async () => {
      const sb = await world('gitea-1.26', 'niko/hello@v1', { server: { default_actions_url: 'self' } });
      try {
        const run = await runIt(sb, 'gitea-1.26');
        assert.equal(run.conclusion, 'success', run.log);
        assert.match(run.log, /HELLO FROM niko\/hello/);
        // the clone was anonymous, through the public URL
        const clones = (await api(sb, 'GET', '/_sandbox/requests?path=/niko/hello.git/')).body;
        assert.ok(clones.length && clones.every((q) => q.user === null && q.via === 'public'), JSON.stringify(clones));
        await api(sb, 'PUT', '/repos/niko/app/contents/.gitea/workflows/use.yaml', { token: sb.tokenNames.pat, body: { content: Buffer.from(usesWf('niko/secret@v1')).toString('base64'), sha: (await api(sb, 'GET', '/repos/niko/app/contents/.gitea/workflows/use.yaml', { token: sb.tokenNames.pat })).body.sha } });
        const secret = await runIt(sb, 'gitea-1.26');
        assert.equal(secret.conclusion, 'failure');
        assert.match(secret.log, new RegExp(`unable to clone ${sb.url}/niko/secret refs/heads/v1: .*without a token`));
        // "self" is Gitea's; a custom URL falls back to github (modules/setting/actions.go @v1.26.4)
        assert.equal((await api(sb, 'POST', '/_sandbox/settings', { body: { default_actions_url: 'https://example.com' } })).body.default_actions_url, 'github');
        assert.equal((await api(sb, 'POST', '/_sandbox/settings', { body: { default_actions_url: 'gitlab' } })).status, 400);
        assert.deepEqual(await violations(sb), []);
      } finally {
        await sb.stop();
      }
    });

    it('the URL form names its server: this sandbox, or a github.com stand-in (--local-action)', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'sandbox-hello-'));
      writeFileSync(path.join(dir, 'action.yml'), HELLO);
      const sb = await world('forgejo-12', 'https://github.com/acme/hello@v2', { localActions: { 'acme/hello@v2': dir } });
      try {
        const gh = await runIt(sb, 'forgejo-12');
        assert.equal(gh.conclusion, 'success', gh.log);
        assert.match(gh.log, /HELLO FROM acme\/hello/);
        const cur = await api(sb, 'GET', '/repos/niko/app/contents/.forgejo/workflows/use.yaml', { token: sb.tokenNames.pat });
        await api(sb, 'PUT', '/repos/niko/app/contents/.forgejo/workflows/use.yaml', { token: sb.tokenNames.pat, body: { content: Buffer.from(usesWf(`${sb.url}/niko/hello@v1`)).toString('base64'), sha: cur.body.sha } });
        const self = await runIt(sb, 'forgejo-12');
        assert.equal(self.conclusion, 'success', self.log);
        assert.match(self.log, /HELLO FROM niko\/hello/);
      } finally {
        await sb.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

