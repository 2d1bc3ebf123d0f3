// Organisations and who may do what on their repositories (GetUserRepoPermission), and the
// Actions routes' access levels per release (routers/api/v1/api.go): GET /actions/runs and
// /actions/jobs need reqToken + reqOwner in Gitea 1.25, reqToken + reader in 1.26, reader without a
// token in Forgejo 12; /actions/runs/{run} and /actions/tasks are reader level everywhere.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, FLAVORS, api, b64, violations } from './helpers.mjs';

const DEPLOY = 'name: Deploy\non:\n  workflow_dispatch:\n    inputs:\n      version: {type: string}\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ inputs.version }}\n';

const seed = {
  users: [
    { name: 'olga', email: 'olga@example.com' }, // owner of the organisation
    { name: 'adam', email: 'adam@example.com' }, // in a team with admin access
    { name: 'wanda', email: 'wanda@example.com' }, // write team
    { name: 'rita', email: 'rita@example.com' }, // read team
    { name: 'nora', email: 'nora@example.com' }, // a member in no team with repositories
    { name: 'pia', email: 'pia@example.com' }, // write team for acme/site only
    { name: 'eve', email: 'eve@example.com' }, // not a member
    { name: 'sam', email: 'sam@example.com', admin: true }, // site administrator
  ],
  orgs: [{ name: 'acme', full_name: 'ACME Corp', description: 'makes everything', members: { olga: 'owner', adam: 'admin', wanda: 'write', rita: 'read', nora: 'none', pia: { role: 'write', repos: ['site'] } } }],
  tokens: ['olga', 'adam', 'wanda', 'rita', 'nora', 'pia', 'eve', 'sam'].map((u) => ({ name: u, user: u, scopes: ['all'] })).concat([{ name: 'wanda-repo', user: 'wanda', scopes: ['write:repository'] }]),
  repos: [
    { name: 'acme/gitops', files: { 'README.md': '# gitops\n', '.gitea/workflows/deploy.yaml': DEPLOY, '.forgejo/workflows/deploy.yaml': DEPLOY } },
    { name: 'acme/site', private: false, files: { 'README.md': '# site\n', '.gitea/workflows/deploy.yaml': DEPLOY, '.forgejo/workflows/deploy.yaml': DEPLOY } },
  ],
};

for (const flavor of Object.keys(FLAVORS)) {
  const F = FLAVORS[flavor];
  const forgejo = F.kind === 'forgejo';
  describe(`organisations ${flavor}`, () => {
    let sb;
    let T;
    const get = (p, who) => api(sb, 'GET', p, { token: who && T[who] });
    before(async () => {
      sb = await startSandbox({ flavor, seed, capacity: 4 });
      T = sb.tokenNames;
      // one hanging run on each repository, so that there is something to list
      await api(sb, 'POST', '/_sandbox/faults', { body: { regex: '^RUN acme/', kind: 'run-hang', count: -1 } });
      for (const r of ['acme/gitops', 'acme/site']) {
        const d = await api(sb, 'POST', `/repos/${r}/actions/workflows/deploy.yaml/dispatches`, { token: T.olga, body: { ref: 'main', inputs: { version: '1' } } });
        assert.equal(d.status, 204, d.text);
      }
    });
    after(async () => {
      const v = await violations(sb);
      await sb.stop();
      assert.deepEqual(v, [], JSON.stringify(v, null, 2));
    });

    it('GET /orgs/{org}: the organisation; its e-mail only for a signed-in caller; a user or an unknown name is 404', async () => {
      const o = await get('/orgs/acme', 'eve');
      assert.equal(o.status, 200);
      assert.deepEqual([o.body.name, o.body.username, o.body.full_name, o.body.description, o.body.visibility, o.body.email], ['acme', 'acme', 'ACME Corp', 'makes everything', 'public', 'acme@example.com']);
      assert.equal((await get('/orgs/acme')).body.email, '', 'anonymous: no e-mail');
      const miss = await get('/orgs/nope', 'eve');
      assert.equal(miss.status, 404);
      assert.equal(miss.body.message, 'GetOrgByName');
      assert.equal((await get('/orgs/olga', 'eve')).status, 404, 'a user is not an organisation');
      // the organisation scope: a token with repository scopes only is refused (tokenRequiresScopes)
      assert.equal((await get('/orgs/acme', 'wanda-repo')).status, 403);
    });

    it('GET /repos/{org}/{repo}: the owner object is the organisation; permissions follow the member\'s team', async () => {
      const perms = async (who) => {
        const r = await get('/repos/acme/gitops', who);
        return r.status === 200 ? r.body.permissions : r.status;
      };
      const r = await get('/repos/acme/gitops', 'olga');
      assert.equal(r.body.owner.login, 'acme');
      assert.equal(r.body.owner.id, sb.sandbox.userByName('acme').id);
      assert.equal(r.body.full_name, 'acme/gitops');
      assert.deepEqual(await perms('olga'), { admin: true, push: true, pull: true });
      assert.deepEqual(await perms('adam'), { admin: true, push: true, pull: true });
      assert.deepEqual(await perms('wanda'), { admin: false, push: true, pull: true });
      assert.deepEqual(await perms('rita'), { admin: false, push: false, pull: true });
      assert.deepEqual(await perms('sam'), { admin: true, push: true, pull: true });
      // no team access to a private repository: 404, as for a stranger or anonymous
      assert.equal(await perms('nora'), 404);
      assert.equal(await perms('pia'), 404, 'pia\'s team covers acme/site only');
      assert.equal(await perms('eve'), 404);
      assert.equal(await perms(undefined), 404);
      // the public repository: read for anyone, write for the team that covers it
      const site = async (who) => (await get('/repos/acme/site', who)).body.permissions;
      assert.deepEqual(await site('eve'), { admin: false, push: false, pull: true });
      assert.deepEqual(await site('nora'), { admin: false, push: false, pull: true });
      assert.deepEqual(await site('pia'), { admin: false, push: true, pull: true });
      assert.deepEqual(await site(undefined), { admin: false, push: false, pull: true });
    });

    it('writes: a write team member commits and dispatches; a read member gets 403', async () => {
      const cur = await get('/repos/acme/gitops/contents/README.md', 'rita');
      const no = await api(sb, 'PUT', '/repos/acme/gitops/contents/README.md', { token: T.rita, body: { content: b64('x'), sha: cur.body.sha } });
      assert.equal(no.status, 403);
      const yes = await api(sb, 'PUT', '/repos/acme/gitops/contents/README.md', { token: T.wanda, body: { content: b64('# by wanda\n'), sha: cur.body.sha } });
      assert.equal(yes.status, 200);
      assert.equal(yes.body.commit.author.name, 'wanda');
      const d = (who) => api(sb, 'POST', '/repos/acme/gitops/actions/workflows/deploy.yaml/dispatches', { token: T[who], body: { ref: 'main', inputs: { version: '2' } } });
      assert.equal((await d('rita')).status, 403);
      assert.equal((await d('wanda')).status, 204);
    });

    // who may list the runs (GET /actions/runs) and the jobs (GET /actions/jobs, Gitea only)
    const lists = F.missingOperations.includes('getWorkflowRuns') || F.missingOperations.includes('ListActionRuns') ? 'absent' : flavor === 'gitea-1.25' ? 'owner+token' : flavor === 'gitea-1.26' ? 'reader+token' : 'reader';
    it(`GET /actions/runs: ${lists}`, async () => {
      const runsPath = (r) => `/repos/${r}/actions/runs`;
      const status = async (p, who) => (await get(p, who)).status;
      // (Gitea 1.24/1.25 cancelled the first run when wanda dispatched again: the newest is still running)
      const run = sb.sandbox.runs.runs.find((r) => r.repo.key === 'acme/gitops' && r.status !== 'completed');
      const runToken = run.token;
      if (lists === 'absent') {
        assert.equal(await status(runsPath('acme/gitops'), 'olga'), 404);
        return;
      }
      const expect = {
        'owner+token': { olga: 200, adam: 200, sam: 200, wanda: 403, rita: 403, anonPublic: 401, run: 403 },
        'reader+token': { olga: 200, adam: 200, sam: 200, wanda: 200, rita: 200, anonPublic: 401, run: 200 },
        reader: { olga: 200, adam: 200, sam: 200, wanda: 200, rita: 200, anonPublic: 200, run: 200 },
      }[lists];
      for (const who of ['olga', 'adam', 'sam', 'wanda', 'rita']) assert.equal(await status(runsPath('acme/gitops'), who), expect[who], who);
      const denied = await get(runsPath('acme/gitops'), 'wanda');
      if (lists === 'owner+token') assert.equal(denied.body.message, 'user should be the owner of the repo');
      const anon = await get(runsPath('acme/site'));
      assert.equal(anon.status, expect.anonPublic, 'anonymous on a public repository');
      if (expect.anonPublic === 401) assert.equal(anon.body.message, 'token is required');
      assert.equal((await api(sb, 'GET', runsPath('acme/gitops'), { token: runToken })).status, expect.run, 'the run token (never Owner)');
      assert.equal(await status(runsPath('acme/gitops'), 'nora'), 404);
      if (!forgejo) {
        // GET /actions/jobs has the same access as the runs list
        for (const who of ['olga', 'wanda']) assert.equal(await status('/repos/acme/gitops/actions/jobs', who), expect[who], `jobs ${who}`);
        const jobs = await get('/repos/acme/gitops/actions/jobs', 'olga');
        assert.ok(jobs.body.jobs.length >= 1);
        assert.equal(jobs.body.jobs[0].name, 'deploy');
        // Link / X-Total-Count only from 1.26 (shared/action.go @v1.26.4 ListRuns L188)
        assert.equal((await get(runsPath('acme/gitops'), 'olga')).headers.get('x-total-count'), flavor === 'gitea-1.26' ? String((await get(runsPath('acme/gitops'), 'olga')).body.total_count) : null);
      }
    });

    it('GET /actions/tasks and /actions/runs/{run} are reader level, without a token on a public repository', async () => {
      const site = sb.sandbox.runs.runs.find((r) => r.repo.key === 'acme/site');
      const tasks = await get('/repos/acme/site/actions/tasks');
      assert.equal(tasks.status, 200);
      assert.equal(tasks.body.workflow_runs[0].run_number, site.index);
      assert.equal((await get('/repos/acme/gitops/actions/tasks', 'rita')).status, 200);
      assert.equal((await get('/repos/acme/gitops/actions/tasks')).status, 404);
      const one = await get(`/repos/acme/site/actions/runs/${site.id}`);
      assert.equal(one.status, F.missingOperations.includes('GetWorkflowRun') || F.missingOperations.includes('ActionRun') ? 404 : 200);
    });
  });
}
