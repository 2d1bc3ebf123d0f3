// GET /actions/tasks as the servers produce it (services/convert/convert.go ToActionTask): one
// entry per task, i.e. per job a runner picked up; a job waiting for a runner (or for its needs) has
// no task and is not listed; newest first; the fields per release. Runs are held with the run-hang
// fault, so act is not needed (act.test.mjs covers tasks of jobs act runs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, FLAVORS, api, violations } from './helpers.mjs';

const TWO_JOBS = `name: Release
run-name: "release \${{ inputs.version }}"
on:
  workflow_dispatch:
    inputs:
      version: {type: string, default: '0'}
jobs:
  build:
    name: Build it
    runs-on: ubuntu-latest
    steps:
      - run: "true"
  deploy:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: "true"
`;
const OTHER = TWO_JOBS.replace('name: Release', 'name: Other');

const seed = {
  users: [{ name: 'niko', email: 'niko@example.com' }],
  tokens: [{ name: 'pat', user: 'niko', scopes: ['all'] }],
  repos: [
    { name: 'niko/first', files: { '.gitea/workflows/release.yaml': TWO_JOBS, '.forgejo/workflows/release.yaml': TWO_JOBS } },
    {
      name: 'niko/gitops',
      message: 'Seed the repository\n\nwith a body',
      files: { '.gitea/workflows/release.yaml': TWO_JOBS, '.gitea/workflows/other.yaml': OTHER, '.forgejo/workflows/release.yaml': TWO_JOBS, '.forgejo/workflows/other.yaml': OTHER },
    },
  ],
};

for (const flavor of Object.keys(FLAVORS)) {
  const F = FLAVORS[flavor];
  describe(`/actions/tasks ${flavor}`, () => {
    let sb;
    const tasks = async (q = '') => api(sb, 'GET', `/repos/niko/gitops/actions/tasks${q}`, { token: sb.tokenNames.pat });
    const dispatch = (repo, file, version) => api(sb, 'POST', `/repos/${repo}/actions/workflows/${file}/dispatches`, { token: sb.tokenNames.pat, body: { ref: 'main', inputs: { version } } });
    before(async () => {
      sb = await startSandbox({ flavor, seed, capacity: 1 });
      await api(sb, 'POST', '/_sandbox/faults', { body: { regex: '^RUN ', kind: 'run-hang', count: -1 } });
    });
    after(async () => {
      const v = await violations(sb);
      await sb.stop();
      assert.deepEqual(v, [], JSON.stringify(v, null, 2));
    });

    it('a run waiting for a runner has no task; a job waiting for its needs has none either', async () => {
      // run 1 (another repository) takes the only runner slot; niko/gitops's run waits
      assert.equal((await dispatch('niko/first', 'release.yaml', '0.1')).status, 204);
      assert.equal((await dispatch('niko/gitops', 'release.yaml', '1.0')).status, 204);
      const run = sb.sandbox.runs.runs[1];
      assert.equal(run.status, 'queued');
      const none = await tasks();
      assert.equal(none.status, 200);
      assert.deepEqual(none.body, { workflow_runs: [], total_count: 0 });
      await api(sb, 'POST', '/_sandbox/runs/1/cancel'); // frees the slot: the run starts, its first job gets a task
      assert.equal(run.status, 'in_progress');
      const one = await tasks();
      assert.equal(one.body.total_count, 1, 'deploy needs build: no task yet');
      const t = one.body.workflow_runs[0];
      const build = run.jobs.find((j) => j.key === 'build');
      assert.equal(t.id, build.taskId, 'the task id');
      assert.equal(t.name, 'Build it', 'the job name');
      assert.equal(t.run_number, run.index);
      assert.notEqual(run.index, run.id, 'index and id differ here, so the url tells them apart');
      assert.equal(t.status, 'running');
      assert.equal(t.workflow_id, 'release.yaml');
      assert.equal(t.event, 'workflow_dispatch');
      assert.equal(t.head_branch, 'main');
      assert.equal(t.head_sha, run.sha);
      // display_title: Gitea 1.24 the commit subject, 1.25+ the evaluated run-name, Forgejo the workflow name
      assert.equal(t.display_title, flavor === 'gitea-1.24' ? 'Seed the repository' : F.kind === 'forgejo' ? 'Release' : 'release 1.0');
      // the web link from the public URL, with the run's index (<= 1.25, Forgejo) or id (1.26)
      assert.equal(t.url, `${sb.url}/niko/gitops/actions/runs/${flavor === 'gitea-1.26' ? run.id : run.index}`);
      assert.ok(Date.parse(t.created_at) >= Date.parse(run.created));
      assert.equal(t.run_started_at, t.created_at);
      // Link / X-Total-Count only in 1.26 (routers/api/v1/repo/action.go @v1.26.4 L796)
      assert.equal(one.headers.get('x-total-count'), flavor === 'gitea-1.26' ? '1' : null);
    });

    it('newest first; a cancelled task keeps its entry with status cancelled; paging', async () => {
      const first = sb.sandbox.runs.runs[1];
      await api(sb, 'POST', `/_sandbox/runs/${first.id}/cancel`);
      assert.equal((await dispatch('niko/gitops', 'other.yaml', '2.0')).status, 204);
      const second = sb.sandbox.runs.runs[2];
      assert.equal(second.status, 'in_progress');
      const list = await tasks();
      assert.deepEqual(
        list.body.workflow_runs.map((t) => [t.run_number, t.status]),
        [
          [second.index, 'running'],
          [first.index, 'cancelled'],
        ],
      );
      assert.ok(list.body.workflow_runs[0].id > list.body.workflow_runs[1].id);
      const page = await tasks('?limit=1&page=2');
      assert.equal(page.body.total_count, 2);
      assert.deepEqual(page.body.workflow_runs.map((t) => t.run_number), [first.index]);
      if (flavor === 'gitea-1.26') assert.match(page.headers.get('link'), /rel="first"/);
      // no release filters tasks by status
      await api(sb, 'DELETE', '/_sandbox/warnings');
      const filtered = await tasks('?status=cancelled');
      assert.equal(filtered.body.total_count, 2, 'the status parameter is ignored');
      assert.ok((await api(sb, 'GET', '/_sandbox/warnings')).body.some((w) => /ignores the status filter/.test(w.message)));
    });
  });
}
