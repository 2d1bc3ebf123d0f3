// The run's own token (secrets.GITEA_TOKEN = github.token) per release:
// - Gitea <= 1.25 and Forgejo 11/12: Write on every unit of its own repository, 404 on any other
//   (routers/api/v1/api.go repoAssignment: task.RepoID != repo.ID); `permissions:` is ignored.
// - Gitea 1.26 (models/perm/access/repo_permission.go @v1.26.4 GetActionsUserRepoPermission): the
//   job's `permissions:` (services/actions/permission_parser.go), the owner's or repository's
//   token_permission_mode and max_token_permissions, read-only cross-repo access to public
//   repositories, to the owner's allowed_cross_repo_ids and for collaborative owners.
// Runs are held with run-hang (one job each, so the job is known without act); act.test.mjs has
// a run whose jobs declare different permissions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, api, b64, violations } from './helpers.mjs';

const wf = (perms) => `name: W
on: workflow_dispatch
${perms ? `permissions: ${perms}\n` : ''}jobs:
  job:
    runs-on: ubuntu-latest
    steps:
      - run: "true"
`;
const FILES = {
  '.gitea/workflows/plain.yaml': wf(null),
  '.gitea/workflows/read.yaml': wf('{contents: read, actions: read}'),
  '.gitea/workflows/write.yaml': wf('{contents: write}'),
  '.gitea/workflows/statuses.yaml': wf('{statuses: write}'),
  '.gitea/workflows/readall.yaml': wf('read-all'),
  '.gitea/workflows/code.yaml': wf('{contents: read, code: write}'),
  'README.md': '# repo\n',
};
const FORGEJO_FILES = Object.fromEntries(Object.entries(FILES).map(([k, v]) => [k.replace('.gitea/', '.forgejo/'), v]));

const seed = {
  users: [
    { name: 'niko', email: 'niko@example.com', actions: { allowed_cross_repo_ids: ['shared'] } },
    { name: 'rosa', email: 'rosa@example.com', actions: { token_permission_mode: 'restricted' } },
    { name: 'yan', email: 'yan@example.com' },
    { name: 'maxi', email: 'maxi@example.com', actions: { max_token_permissions: { code: 'read' } } },
  ],
  tokens: ['niko', 'rosa', 'yan', 'maxi'].map((u) => ({ name: u, user: u })),
  repos: [
    { name: 'niko/app', files: { ...FILES, ...FORGEJO_FILES } },
    { name: 'niko/shared', files: { 'README.md': '# shared\n', '.gitea/workflows/plain.yaml': wf(null) } },
    { name: 'niko/other', files: { 'README.md': '# other\n' } },
    { name: 'niko/public', private: false, files: { 'README.md': '# public\n', '.gitea/workflows/plain.yaml': wf(null) } },
    { name: 'rosa/app', files: FILES },
    { name: 'rosa/override', files: FILES, actions: { override_owner_config: true, token_permission_mode: 'permissive' } },
    { name: 'yan/target', files: { 'README.md': '# target\n' }, actions: { collaborative_owners: ['niko'] } },
    { name: 'yan/closed', files: { 'README.md': '# closed\n' } },
    { name: 'maxi/app', files: FILES },
  ],
};

async function world(flavor) {
  const sb = await startSandbox({ flavor, seed, capacity: 50 });
  await api(sb, 'POST', '/_sandbox/faults', { body: { regex: '^RUN ', kind: 'run-hang', count: -1 } });
  const token = async (repo, file) => {
    const d = await api(sb, 'POST', `/repos/${repo}/actions/workflows/${file}/dispatches`, { token: sb.tokenNames[repo.split('/')[0]], body: { ref: 'main' } });
    assert.equal(d.status, 204, d.text);
    const run = sb.sandbox.runs.runs.at(-1);
    assert.equal(run.status, 'in_progress');
    return run.token;
  };
  // what the token may do on `repo`: [read contents, write contents, set a status, read tasks, dispatch]
  const can = async (tok, repo) => {
    const cur = await api(sb, 'GET', `/repos/${repo}/contents/README.md`, { token: tok });
    const sha = cur.status === 200 ? cur.body.sha : '0'.repeat(40);
    const head = (await api(sb, 'GET', `/_sandbox/repos/${repo}/commits`)).body[0].sha;
    const put = await api(sb, 'PUT', `/repos/${repo}/contents/README.md`, { token: tok, body: { content: b64(`# ${Math.random()}\n`), sha } });
    const st = await api(sb, 'POST', `/repos/${repo}/statuses/${head}`, { token: tok, body: { state: 'success', context: 'x' } });
    const tasks = await api(sb, 'GET', `/repos/${repo}/actions/tasks`, { token: tok });
    const wfFile = (await api(sb, 'GET', `/_sandbox/repos/${repo}/file?path=.gitea/workflows/plain.yaml`)).status === 200 ? 'plain.yaml' : 'nope.yaml';
    const disp = await api(sb, 'POST', `/repos/${repo}/actions/workflows/${wfFile}/dispatches`, { token: tok, body: { ref: 'main' } });
    return { read: cur.status, write: put.status, status: st.status, tasks: tasks.status, dispatch: disp.status };
  };
  return { sb, token, can };
}

describe('the run token on Gitea 1.26', () => {
  let w;
  before(async () => {
    w = await world('gitea-1.26');
  });
  after(async () => {
    const v = await violations(w.sb);
    await w.sb.stop();
    assert.deepEqual(v, [], JSON.stringify(v, null, 2));
  });

  it('no permissions block, permissive owner: everything on its own repository', async () => {
    assert.deepEqual(await w.can(await w.token('niko/app', 'plain.yaml'), 'niko/app'), { read: 200, write: 200, status: 201, tasks: 200, dispatch: 204 });
  });

  it('`permissions:` starts from none: contents read; contents write (statuses need code write); statuses alone is nothing', async () => {
    // contents: read, actions: read -> code+releases read, actions read
    const r = await w.can(await w.token('niko/app', 'read.yaml'), 'niko/app');
    assert.deepEqual(r, { read: 200, write: 403, status: 403, tasks: 200, dispatch: 403 });
    // contents: write -> code write; actions none (tasks and dispatch: reqRepoReader(actions) 403)
    assert.deepEqual(await w.can(await w.token('niko/app', 'write.yaml'), 'niko/app'), { read: 200, write: 200, status: 201, tasks: 403, dispatch: 403 });
    // statuses: write is ignored: every unit none, a private repository -> 404
    assert.deepEqual(await w.can(await w.token('niko/app', 'statuses.yaml'), 'niko/app'), { read: 404, write: 404, status: 404, tasks: 404, dispatch: 404 });
    // read-all: read on every unit
    assert.deepEqual(await w.can(await w.token('niko/app', 'readall.yaml'), 'niko/app'), { read: 200, write: 403, status: 403, tasks: 200, dispatch: 403 });
    // `code` overrides `contents` for the code unit
    assert.deepEqual(await w.can(await w.token('niko/app', 'code.yaml'), 'niko/app'), { read: 200, write: 200, status: 201, tasks: 403, dispatch: 403 });
  });

  it('token_permission_mode: restricted (owner) gives code read only; a repository that overrides it; max_token_permissions clamps', async () => {
    assert.deepEqual(await w.can(await w.token('rosa/app', 'plain.yaml'), 'rosa/app'), { read: 200, write: 403, status: 403, tasks: 403, dispatch: 403 });
    // a job's own block still applies, clamped by the maximum (write by default)
    assert.deepEqual(await w.can(await w.token('rosa/app', 'write.yaml'), 'rosa/app'), { read: 200, write: 200, status: 201, tasks: 403, dispatch: 403 });
    assert.deepEqual(await w.can(await w.token('rosa/override', 'plain.yaml'), 'rosa/override'), { read: 200, write: 200, status: 201, tasks: 200, dispatch: 204 });
    assert.deepEqual(await w.can(await w.token('maxi/app', 'write.yaml'), 'maxi/app'), { read: 200, write: 403, status: 403, tasks: 403, dispatch: 403 });
  });

  it('other repositories: public and allow-listed ones read-only, never a write or a dispatch; the rest 404', async () => {
    const tok = await w.token('niko/app', 'plain.yaml');
    // public: every unit readable (the Actions bot can read it), nothing writable
    assert.deepEqual(await w.can(tok, 'niko/public'), { read: 200, write: 403, status: 403, tasks: 200, dispatch: 403 });
    // on niko's allowed_cross_repo_ids: code read only (MakeRestrictedPermissions)
    assert.deepEqual(await w.can(tok, 'niko/shared'), { read: 200, write: 403, status: 403, tasks: 403, dispatch: 403 });
    assert.deepEqual(await w.can(tok, 'niko/other'), { read: 404, write: 404, status: 404, tasks: 404, dispatch: 404 });
    // another owner's private repository that names niko as a collaborative owner (niko/app is private)
    assert.equal((await w.can(tok, 'yan/target')).read, 200);
    assert.equal((await w.can(tok, 'yan/closed')).read, 404);
    // the allow-list is the owner's own: rosa's run cannot use it
    assert.equal((await w.can(await w.token('rosa/app', 'plain.yaml'), 'niko/shared')).read, 404);
  });

  it('git over HTTP follows the same permission', async () => {
    const tok = await w.token('niko/app', 'plain.yaml');
    const refs = (repo) => fetch(`${w.sb.url}/${repo}.git/info/refs?service=git-upload-pack`, { headers: { Authorization: `Basic ${Buffer.from(`x:${tok}`).toString('base64')}` } });
    assert.equal((await refs('niko/app')).status, 200);
    assert.equal((await refs('niko/shared')).status, 200);
    assert.equal((await refs('niko/other')).status, 404);
  });
});

for (const flavor of ['gitea-1.25', 'forgejo-12']) {
  describe(`the run token on ${flavor}`, () => {
    let w;
    before(async () => {
      w = await world(flavor);
    });
    after(async () => {
      const v = await violations(w.sb);
      await w.sb.stop();
      assert.deepEqual(v, [], JSON.stringify(v, null, 2));
    });

    it('`permissions:` and the owner settings are ignored: write on every unit of its own repository', async () => {
      const full = { read: 200, write: 200, status: 201, tasks: 200, dispatch: 204 };
      assert.deepEqual(await w.can(await w.token('niko/app', 'read.yaml'), 'niko/app'), full);
      assert.deepEqual(await w.can(await w.token('niko/app', 'statuses.yaml'), 'niko/app'), full);
      assert.deepEqual(await w.can(await w.token('rosa/app', 'plain.yaml'), 'rosa/app'), full);
    });

    it('every other repository is 404, public and allow-listed ones included; git over HTTP: 403 on private ones', async () => {
      const tok = await w.token('niko/app', 'plain.yaml');
      for (const repo of ['niko/public', 'niko/shared', 'niko/other', 'yan/target']) {
        assert.deepEqual(await w.can(tok, repo), { read: 404, write: 404, status: 404, tasks: 404, dispatch: 404 }, repo);
      }
      const refs = (repo) => fetch(`${w.sb.url}/${repo}.git/info/refs?service=git-upload-pack`, { headers: { Authorization: `Basic ${Buffer.from(`x:${tok}`).toString('base64')}` } });
      // routers/web/repo/githttp.go @v1.25.5 L194-203; a public pull asks for no auth at all
      assert.equal((await refs('niko/shared')).status, 403);
      assert.equal((await refs('niko/public')).status, 200);
    });
  });
}
