// Workflow dispatch rules per release: which folder is searched, Forgejo's
// [actions] LIMIT_DISPATCH_INPUTS, the workflow_dispatch trigger check, and which earlier runs a
// dispatch cancels. Runs are held with run-hang, so act is not needed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, FLAVORS, api, violations } from './helpers.mjs';

const wf = (name, inputs = {}) =>
  `name: ${name}\non:\n  workflow_dispatch:\n    inputs:\n${Object.entries(inputs)
    .map(([k, d]) => `      ${k}: {type: string${d === undefined ? '' : `, default: '${d}'`}}\n`)
    .join('') || '      x: {type: string}\n'}jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n`;
const PUSH_ONLY = 'name: Push\non: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n';
// 12 declared inputs: i1..i9 without default, d1..d3 with a non-empty default
const MANY = wf('Many', { ...Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`i${i + 1}`, undefined])), d1: 'a', d2: 'b', d3: 'c' });

const seed = {
  users: [{ name: 'niko', email: 'niko@example.com' }],
  tokens: [{ name: 'pat', user: 'niko' }],
  repos: [
    // .gitea/workflows exists: .github/workflows is never searched (Gitea); Forgejo searches .forgejo first
    { name: 'niko/both', branches: ['other'], files: { '.gitea/workflows/a.yaml': wf('A'), '.gitea/workflows/b2.yaml': wf('B2'), '.gitea/workflows/push.yaml': PUSH_ONLY, '.github/workflows/b.yaml': wf('B'), '.gitea/workflows/many.yaml': MANY } },
    { name: 'niko/forgejo', files: { '.forgejo/workflows/f.yaml': wf('F'), '.gitea/workflows/a.yaml': wf('A') } },
    { name: 'niko/github', files: { '.github/workflows/b.yaml': wf('B') } },
  ],
};

for (const flavor of Object.keys(FLAVORS)) {
  const F = FLAVORS[flavor];
  const forgejo = F.kind === 'forgejo';
  describe(`dispatch rules ${flavor}`, () => {
    let sb;
    const dispatch = (repo, file, body = { ref: 'main' }) => api(sb, 'POST', `/repos/${repo}/actions/workflows/${file}/dispatches`, { token: sb.tokenNames.pat, body });
    before(async () => {
      sb = await startSandbox({ flavor, seed, capacity: 50 });
      await api(sb, 'POST', '/_sandbox/faults', { body: { regex: '^RUN ', kind: 'run-hang', count: -1 } });
    });
    after(async () => {
      const v = await violations(sb);
      await sb.stop();
      assert.deepEqual(v, [], JSON.stringify(v, null, 2));
    });

    it(`only the first existing workflow folder is searched; a file in a later one is ${forgejo ? '500' : '404'}`, async () => {
      assert.equal((await dispatch('niko/both', 'a.yaml')).status, 204);
      const later = await dispatch('niko/both', 'b.yaml');
      assert.equal(later.status, forgejo ? 500 : 404);
      assert.equal(later.body.message, forgejo ? '' : 'workflow "b.yaml" doesn\'t exist');
      assert.equal((await dispatch('niko/github', 'b.yaml')).status, 204, '.github/workflows when it is the only folder');
      // Forgejo looks in .forgejo/workflows first: .gitea/workflows is not searched when it exists
      assert.equal((await dispatch('niko/forgejo', 'a.yaml')).status, forgejo ? 500 : 204);
      assert.equal((await dispatch('niko/forgejo', 'f.yaml')).status, forgejo ? 204 : 404);
      if (F.workflowDirsSetting) {
        // Gitea 1.26: [actions] WORKFLOW_DIRS
        await api(sb, 'POST', '/_sandbox/settings', { body: { workflow_dirs: ['.github/workflows'] } });
        assert.equal((await dispatch('niko/both', 'b.yaml')).status, 204);
        assert.equal((await dispatch('niko/both', 'a.yaml')).status, 404);
        await api(sb, 'POST', '/_sandbox/settings', { body: { workflow_dirs: ['.gitea/workflows', '.github/workflows'] } });
      } else assert.equal((await api(sb, 'POST', '/_sandbox/settings', { body: { workflow_dirs: ['.github/workflows'] } })).status, 400);
    });

    it(`a workflow without workflow_dispatch: ${F.rejectsNonDispatchWorkflow ? '422 (from Gitea 1.26.3)' : 'dispatched anyway'}`, async () => {
      const r = await dispatch('niko/both', 'push.yaml');
      assert.equal(r.status, F.rejectsNonDispatchWorkflow ? 422 : 204);
      if (F.rejectsNonDispatchWorkflow) assert.equal(r.body.message, 'workflow "push.yaml" has no workflow_dispatch event trigger');
    });

    it(forgejo ? 'LIMIT_DISPATCH_INPUTS (10): declared inputs with a value or a non-empty default are counted; too many -> 500' : 'no limit on the number of inputs', async () => {
      const vals = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`i${i + 1}`, 'v']));
      // 7 values + 3 defaults = 10
      assert.equal((await dispatch('niko/both', 'many.yaml', { ref: 'main', inputs: vals(7) })).status, 204);
      // 8 values + 3 defaults = 11
      const over = await dispatch('niko/both', 'many.yaml', { ref: 'main', inputs: vals(8) });
      assert.equal(over.status, forgejo ? 500 : 204);
      if (forgejo) assert.equal(over.body.message, '', 'a 500 hides its message');
      // undeclared inputs are not counted
      assert.equal((await dispatch('niko/both', 'many.yaml', { ref: 'main', inputs: { ...vals(7), extra1: 'x', extra2: 'y', extra3: 'z' } })).status, 204);
      if (forgejo) {
        assert.equal((await api(sb, 'POST', '/_sandbox/settings', { body: { limit_dispatch_inputs: 12 } })).body.limit_dispatch_inputs, 12);
        assert.equal((await dispatch('niko/both', 'many.yaml', { ref: 'main', inputs: vals(9) })).status, 204);
        await api(sb, 'POST', '/_sandbox/settings', { body: { limit_dispatch_inputs: 10 } });
      } else assert.equal((await api(sb, 'POST', '/_sandbox/settings', { body: { limit_dispatch_inputs: 12 } })).status, 400, 'Gitea has no such setting');
    });

    it(F.cancelPreviousOnDispatch ? 'a dispatch cancels the unfinished runs of the same repo, ref, workflow file and event' : 'a dispatch cancels nothing', async () => {
      const runsOf = (file, ref) => sb.sandbox.runs.runs.filter((r) => r.repo.key === 'niko/both' && r.workflowId === file && r.ref === ref);
      await dispatch('niko/both', 'a.yaml');
      const target = runsOf('a.yaml', 'refs/heads/main').at(-1);
      assert.equal(target.status, 'in_progress');
      await dispatch('niko/both', 'a.yaml', { ref: 'other' });
      await dispatch('niko/both', 'b2.yaml');
      assert.equal(target.status, 'in_progress', 'another ref or another workflow: kept');
      await dispatch('niko/both', 'a.yaml');
      if (F.cancelPreviousOnDispatch) {
        assert.equal(target.conclusion, 'cancelled');
        assert.ok(runsOf('a.yaml', 'refs/heads/main').slice(0, -1).every((r) => r.conclusion === 'cancelled'));
        assert.equal(runsOf('a.yaml', 'refs/heads/other')[0].status, 'in_progress');
      } else {
        assert.equal(target.status, 'in_progress');
        assert.ok(runsOf('a.yaml', 'refs/heads/main').every((r) => r.status === 'in_progress'));
      }
    });
  });
}

// GET /actions/workflows[/{id}]: Gitea 1.24+ only, reqToken + reader (routers/api/v1/api.go @v1.25.5 L1203-1209)
for (const flavor of ['gitea-1.24', 'forgejo-12']) {
  it(`${flavor}: GET /actions/workflows lists the first existing folder's files`, async () => {
    const sb = await startSandbox({ flavor, seed, capacity: 0 });
    try {
      const r = await api(sb, 'GET', '/repos/niko/both/actions/workflows', { token: sb.tokenNames.pat });
      if (flavor.startsWith('forgejo')) {
        assert.equal(r.status, 404, 'Forgejo has no /actions/workflows');
        return;
      }
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.workflows.map((w) => [w.id, w.name, w.path]).sort(), [
        ['a.yaml', 'A', '.gitea/workflows/a.yaml'],
        ['b2.yaml', 'B2', '.gitea/workflows/b2.yaml'],
        ['many.yaml', 'Many', '.gitea/workflows/many.yaml'],
        ['push.yaml', 'Push', '.gitea/workflows/push.yaml'],
      ]);
      assert.equal(r.body.total_count, 4);
      const one = await api(sb, 'GET', '/repos/niko/both/actions/workflows/a.yaml', { token: sb.tokenNames.pat });
      assert.equal(one.body.state, 'active');
      assert.match(one.body.html_url, /\/niko\/both\/src\/branch\/main\/\.gitea\/workflows\/a\.yaml$/);
      assert.equal((await api(sb, 'GET', '/repos/niko/both/actions/workflows/b.yaml', { token: sb.tokenNames.pat })).status, 404, 'b.yaml is in .github/workflows, never searched');
      assert.equal((await api(sb, 'GET', '/repos/niko/both/actions/workflows')).status, 404, 'anonymous on a private repository');
      assert.deepEqual(await violations(sb), []);
    } finally {
      await sb.stop();
    }
  });
}
