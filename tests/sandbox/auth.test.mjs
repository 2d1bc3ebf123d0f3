// Auth like the real server: header forms, 401/403/404, token scopes and repo allow-lists,
// collaborators, and the same tokens over git smart HTTP.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSandbox, api, b64, violations, quietSeed } from './helpers.mjs';

const run = promisify(execFile);
const gitEnv = { PATH: process.env.PATH, HOME: os.tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };
const gitc = (args, cwd) => run('git', args, { cwd, env: gitEnv });

for (const flavor of ['gitea-1.26', 'forgejo-12']) {
  describe(`auth ${flavor}`, () => {
    let sb;
    let T;
    let tmp;
    const R = '/repos/niko/gitops';
    before(async () => {
      sb = await startSandbox({ flavor, seed: quietSeed(), capacity: 0 });
      T = sb.tokenNames;
      tmp = mkdtempSync(path.join(os.tmpdir(), 'sandbox-auth-'));
    });
    after(async () => {
      const v = await violations(sb);
      await sb.stop();
      rmSync(tmp, { recursive: true, force: true });
      assert.deepEqual(v, []);
    });

    it('no token: a private repo is 404 (repoAssignment), a write to a public one 401; public repos and /version are readable', async () => {
      // routers/api/v1/api.go @v1.25.5 repoAssignment: no access at all -> 404, before reqToken
      const r = await api(sb, 'GET', R);
      assert.equal(r.status, 404);
      assert.equal(typeof r.body.url, 'string');
      assert.equal((await api(sb, 'GET', `${R}/contents/README.md`)).status, 404);
      assert.equal((await api(sb, 'GET', '/version')).status, 200);
      const pub = await api(sb, 'GET', '/repos/niko/public');
      assert.equal(pub.status, 200);
      assert.deepEqual(pub.body.permissions, { admin: false, push: false, pull: true });
      assert.equal((await api(sb, 'GET', '/repos/niko/public/contents/README.md')).status, 200);
      const w = await api(sb, 'PUT', '/repos/niko/public/contents/README.md', { body: { content: b64('x'), sha: '0'.repeat(40) } });
      assert.equal(w.status, 401);
      assert.equal(w.body.message, 'token is required');
    });

    it('an unknown token is 401', async () => {
      assert.equal((await api(sb, 'GET', R, { token: 'deadbeef' })).status, 401);
    });

    it('"token X", "Bearer X" (any case) and Basic with the token as password all work', async () => {
      const t = T['niko-pat'];
      for (const h of [`token ${t}`, `TOKEN ${t}`, `Bearer ${t}`, `bearer ${t}`, `Basic ${Buffer.from(`niko:${t}`).toString('base64')}`, `Basic ${Buffer.from(`${t}:x-oauth-basic`).toString('base64')}`]) {
        assert.equal((await api(sb, 'GET', R, { auth: h })).status, 200, h.split(' ')[0]);
      }
    });

    it('a read:repository token reads but cannot write (403)', async () => {
      assert.equal((await api(sb, 'GET', R, { token: T['niko-read'] })).status, 200);
      const cur = await api(sb, 'GET', `${R}/contents/README.md`, { token: T['niko-read'] });
      const w = await api(sb, 'PUT', `${R}/contents/README.md`, { token: T['niko-read'], body: { content: b64('x'), sha: cur.body.sha } });
      assert.equal(w.status, 403);
      assert.match(w.body.message, /required scope/);
      const d = await api(sb, 'POST', `${R}/actions/workflows/deploy.yaml/dispatches`, { token: T['niko-read'], body: { ref: 'main', inputs: { version: '1' } } });
      assert.equal(d.status, 403);
    });

    it('a token without a repository scope is 403 even for reads', async () => {
      assert.equal((await api(sb, 'GET', R, { token: T['niko-user-only'] })).status, 403);
      assert.equal((await api(sb, 'GET', '/user', { token: T['niko-user-only'] })).body.login, 'niko');
    });

    it('a token limited to named repos gets 404 elsewhere', async () => {
      assert.equal((await api(sb, 'GET', R, { token: T['niko-gitops-only'] })).status, 200);
      assert.equal((await api(sb, 'GET', '/repos/niko/app', { token: T['niko-gitops-only'] })).status, 404);
    });

    it('a user without access gets 404; a read collaborator gets 403 on writes', async () => {
      assert.equal((await api(sb, 'GET', R, { token: T['eve-pat'] })).status, 404);
      assert.equal((await api(sb, 'GET', R, { token: T['bob-pat'] })).status, 200);
      const cur = await api(sb, 'GET', `${R}/contents/README.md`, { token: T['bob-pat'] });
      const w = await api(sb, 'PUT', `${R}/contents/README.md`, { token: T['bob-pat'], body: { content: b64('x'), sha: cur.body.sha } });
      assert.equal(w.status, 403);
      // Gitea 1.25+: ReqChangeRepoFileOptionsAndCheck; Forgejo: reqRepoBranchWriter
      assert.equal(w.body.message, flavor.startsWith('forgejo') ? 'user should have a permission to write to this branch' : 'user should have a permission to write to the target branch');
      const s = await api(sb, 'POST', `${R}/statuses/${cur.body.last_commit_sha}`, { token: T['bob-pat'], body: { state: 'success', context: 'c' } });
      assert.equal(s.status, 403);
      assert.equal(s.body.message, 'user should have a permission to write to a repo');
    });

    it('git clone/fetch/push over smart HTTP with the same tokens', async () => {
      const base = sb.url.replace('http://', '');
      const anon = await gitc(['clone', '-q', `http://${base}/niko/gitops.git`, path.join(tmp, 'anon')]).catch((e) => e);
      assert.ok(anon instanceof Error, 'anonymous clone of a private repo fails');
      assert.match(String(anon.stderr), /401|Authentication failed|could not read Username/);
      const dir = path.join(tmp, 'rw');
      await gitc(['clone', '-q', `http://niko:${T['niko-pat']}@${base}/niko/gitops.git`, dir]);
      writeFileSync(path.join(dir, 'pushed.txt'), 'pushed\n');
      await gitc(['add', 'pushed.txt'], dir);
      await gitc(['-c', 'user.name=Niko', '-c', 'user.email=niko@example.com', 'commit', '-qm', 'pushed over http'], dir);
      await gitc(['push', '-q', 'origin', 'main'], dir);
      const c = await api(sb, 'GET', `${R}/contents/pushed.txt`, { token: T['niko-pat'] });
      assert.equal(c.status, 200);
      // a read-only token can fetch but not push
      const ro = path.join(tmp, 'ro');
      await gitc(['clone', '-q', `http://niko:${T['niko-read']}@${base}/niko/gitops.git`, ro]);
      writeFileSync(path.join(ro, 'nope.txt'), 'nope\n');
      await gitc(['add', 'nope.txt'], ro);
      await gitc(['-c', 'user.name=Niko', '-c', 'user.email=niko@example.com', 'commit', '-qm', 'nope'], ro);
      const denied = await gitc(['push', '-q', 'origin', 'main'], ro).catch((e) => e);
      assert.ok(denied instanceof Error);
      assert.match(String(denied.stderr), /403/);
      // no access at all: 404
      const eve = await gitc(['clone', '-q', `http://eve:${T['eve-pat']}@${base}/niko/gitops.git`, path.join(tmp, 'eve')]).catch((e) => e);
      assert.ok(eve instanceof Error);
      assert.match(String(eve.stderr), /not found|404/i);
    });
  });
}

// The run's own token (secrets.GITEA_TOKEN): Gitea <= 1.25 and Forgejo answer 404 for any other
// repository, reads included (repoAssignment: task.RepoID != repo.ID); Gitea 1.26 reads a public
// repository or one on the owner's allow-list, never writes or dispatches elsewhere. More in runtoken.test.mjs.
for (const flavor of ['gitea-1.25', 'gitea-1.26', 'forgejo-11']) {
  describe(`the automatic run token ${flavor}`, () => {
    let sb;
    let T;
    before(async () => {
      sb = await startSandbox({ flavor, seed: quietSeed(), capacity: 1 });
      T = sb.tokenNames;
    });
    after(async () => {
      const v = await violations(sb);
      await sb.stop();
      assert.deepEqual(v, []);
    });

    it('writes its own repo, cannot reach others as the release says, dies with the run', async () => {
      const forgejo = flavor.startsWith('forgejo');
      // a run that hangs keeps its token alive without needing act
      await api(sb, 'POST', '/_sandbox/faults', { body: { route: 'RUN niko/gitops/deploy.yaml', kind: 'run-hang' } });
      const d = await api(sb, 'POST', '/repos/niko/gitops/actions/workflows/deploy.yaml/dispatches', { token: T['niko-pat'], body: { ref: 'main', inputs: { version: '1' } } });
      assert.equal(d.status, 204);
      const run = sb.sandbox.runs.runs[0];
      assert.equal(run.status, 'in_progress');
      const tok = run.token;
      const cur = await api(sb, 'GET', '/repos/niko/gitops/contents/README.md', { token: tok });
      assert.equal(cur.status, 200);
      const w = await api(sb, 'PUT', '/repos/niko/gitops/contents/README.md', { token: tok, body: { content: b64('# by the run\n'), sha: cur.body.sha, message: 'from the run' } });
      assert.equal(w.status, 200);
      assert.equal(w.body.commit.author.name, forgejo ? 'Forgejo Actions' : 'Gitea Actions');
      assert.equal(w.body.commit.author.email, forgejo ? 'noreply@forgejo.org' : 'teabot@gitea.io');
      const s = await api(sb, 'POST', `/repos/niko/gitops/statuses/${w.body.commit.sha}`, { token: tok, body: { state: 'success', context: 'run' } });
      assert.equal(s.status, 201);
      // another private repository of the same owner (not on an allow-list): 404 in every release
      assert.equal((await api(sb, 'GET', '/repos/niko/app/contents/README.md', { token: tok })).status, 404);
      assert.equal((await api(sb, 'POST', '/repos/niko/app/actions/workflows/deploy.yaml/dispatches', { token: tok, body: { ref: 'main' } })).status, 404);
      // a public repository: 404 up to 1.25 and in Forgejo; Gitea 1.26 reads it, cannot write
      const pub = await api(sb, 'GET', '/repos/niko/public/contents/README.md', { token: tok });
      assert.equal(pub.status, flavor === 'gitea-1.26' ? 200 : 404);
      if (flavor === 'gitea-1.26') {
        const pw = await api(sb, 'PUT', '/repos/niko/public/contents/README.md', { token: tok, body: { content: b64('x'), sha: pub.body.sha } });
        assert.equal(pw.status, 403);
      }
      await api(sb, 'POST', `/_sandbox/runs/${run.id}/cancel`);
      assert.equal((await api(sb, 'GET', '/repos/niko/gitops', { token: tok })).status, 401, 'the token expires with its run');
    });
  });
}
