// Gitea 1.26's workflow-level `concurrency:`: a new run cancels the group's waiting/blocked runs
// (and running ones with cancel-in-progress), and waits while one of the group runs. Earlier
// releases and Forgejo ignore the key. Runs are held by the run-hang / run-fail faults, so
// act is not needed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, api, violations, waitRun } from './helpers.mjs';

const wf = (name, cancel) => `name: ${name}
concurrency:
  group: gitops-\${{ inputs.env }}
  cancel-in-progress: ${cancel}
on:
  workflow_dispatch:
    inputs:
      env: {type: string, required: true}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo \${{ inputs.env }}
`;

const seed = {
  users: [{ name: 'niko', email: 'niko@example.com' }],
  tokens: [{ name: 'pat', user: 'niko', scopes: ['write:repository'] }],
  repos: [{ name: 'niko/gitops', files: { '.gitea/workflows/serial.yaml': wf('Serial', false), '.gitea/workflows/latest.yaml': wf('Latest', true) } }],
};

describe('concurrency groups on gitea-1.26', () => {
  let sb;
  before(async () => {
    sb = await startSandbox({ flavor: 'gitea-1.26', seed, capacity: 4 });
  });
  after(async () => {
    const v = await violations(sb);
    await sb.stop();
    assert.deepEqual(v, []);
  });
  const fault = (file, kind) => api(sb, 'POST', '/_sandbox/faults', { body: { route: `RUN niko/gitops/${file}`, kind } });
  const dispatch = async (file, env) => {
    await api(sb, 'POST', `/repos/niko/gitops/actions/workflows/${file}/dispatches`, { token: sb.tokenNames.pat, body: { ref: 'main', inputs: { env } } });
    const runs = (await api(sb, 'GET', '/_sandbox/runs')).body;
    return runs[runs.length - 1];
  };
  const status = async (id) => (await api(sb, 'GET', `/_sandbox/runs/${id}`)).body;

  it('without cancel-in-progress: a new run waits for the running one and replaces the waiting one', async () => {
    await fault('serial.yaml', 'run-hang');
    const a = await dispatch('serial.yaml', 'dev');
    assert.equal((await status(a.id)).status, 'in_progress');
    const b = await dispatch('serial.yaml', 'dev');
    await fault('serial.yaml', 'run-fail');
    const c = await dispatch('serial.yaml', 'dev');
    await fault('serial.yaml', 'run-fail');
    const other = await dispatch('serial.yaml', 'prod');
    assert.equal((await status(b.id)).conclusion, 'cancelled', 'the waiting run is replaced');
    assert.equal((await status(c.id)).status, 'blocked');
    const cApi = await api(sb, 'GET', `/repos/niko/gitops/actions/runs/${c.id}`, { token: sb.tokenNames.pat });
    assert.equal(cApi.body.status, 'waiting', 'StatusBlocked is "waiting" in the API');
    const waiting = await api(sb, 'GET', '/repos/niko/gitops/actions/runs?status=waiting', { token: sb.tokenNames.pat });
    assert.deepEqual(waiting.body.workflow_runs.map((r) => r.id), [c.id]);
    assert.equal((await waitRun(sb, other.id, 'completed', 5000)).conclusion, 'failure', 'another group is not held');
    await api(sb, 'POST', `/_sandbox/runs/${a.id}/cancel`);
    const rc = await waitRun(sb, c.id, 'completed', 5000);
    assert.equal(rc.conclusion, 'failure', 'c ran once a was done');
    assert.match(rc.log, /unblocked/);
  });

  it('with cancel-in-progress: a new run cancels the running one', async () => {
    await fault('latest.yaml', 'run-hang');
    const e = await dispatch('latest.yaml', 'stage');
    assert.equal((await status(e.id)).status, 'in_progress');
    await fault('latest.yaml', 'run-fail');
    const f = await dispatch('latest.yaml', 'stage');
    assert.equal((await status(e.id)).conclusion, 'cancelled');
    assert.equal((await waitRun(sb, f.id, 'completed', 5000)).conclusion, 'failure');
  });
});

for (const flavor of ['gitea-1.25', 'forgejo-12']) {
  it(`${flavor} ignores concurrency:`, async () => {
    const sb = await startSandbox({ flavor, seed, capacity: 4 });
    try {
      await api(sb, 'POST', '/_sandbox/faults', { body: { regex: '^RUN ', kind: 'run-hang', count: -1 } });
      for (let i = 0; i < 2; i++) {
        await api(sb, 'POST', '/repos/niko/gitops/actions/workflows/serial.yaml/dispatches', { token: sb.tokenNames.pat, body: { ref: 'main', inputs: { env: 'dev' } } });
      }
      const runs = (await api(sb, 'GET', '/_sandbox/runs')).body;
      assert.ok(runs.every((r) => r.status !== 'blocked'));
      // 1.25 cancels earlier runs of the same workflow and ref anyway (CancelPreviousJobs)
      assert.deepEqual(runs.map((r) => r.conclusion || r.status), flavor === 'gitea-1.25' ? ['cancelled', 'in_progress'] : ['in_progress', 'in_progress']);
      assert.deepEqual(await violations(sb), []);
    } finally {
      await sb.stop();
    }
  });
}
