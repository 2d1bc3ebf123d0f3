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

    it('no token: 401 on a private repo; public repos and /version are readable', async () => {
      const r = await api(sb, 'GET', R);
      assert.equal(r.status, 401);
      assert.equal(r.body.message, 'token is required');
      assert.equal(typeof r.body.url, 'string');
      assert.equal((await api(sb, 'GET', '/version')).status, 200);
      assert.equal((await api(sb, 'GET', '/repos/niko/public/contents/README.md')).status, 200);
      assert.equal((await api(sb, 'PUT', '/repos/niko/public/contents/README.md', { body: { content: b64('x'), sha: '0'.repeat(40) } })).status, 401);
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
      const s = await api(sb, 'POST', `${R}/statuses/${cur.body.last_commit_sha}`, { token: T['bob-pat'], body: { state: 'success', context: 'c' } });
      assert.equal(s.status, 403);
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

describe('the automatic run token', () => {
  let sb;
  let T;
  before(async () => {
    sb = await startSandbox({ seed: quietSeed(), capacity: 1 });
    T = sb.tokenNames;
  });
  after(async () => {
    const v = await violations(sb);
    await sb.stop();
    assert.deepEqual(v, []);
  });

  it('writes its own repo, reads others, cannot dispatch elsewhere, and dies with the run', async () => {
    // a run that hangs keeps its token alive without needing act
    await api(sb, 'POST', '/_sandbox/faults', { body: { route: 'RUN niko/gitops/deploy.yaml', kind: 'run-hang' } });
    const d = await api(sb, 'POST', '/repos/niko/gitops/actions/workflows/deploy.yaml/dispatches?return_run_details=true', { token: T['niko-pat'], body: { ref: 'main', inputs: { version: '1' } } });
    assert.equal(d.status, 200);
    const run = sb.sandbox.runs.get(d.body.workflow_run_id);
    assert.equal(run.status, 'in_progress');
    const tok = run.token;
    const cur = await api(sb, 'GET', '/repos/niko/gitops/contents/README.md', { token: tok });
    assert.equal(cur.status, 200);
    const w = await api(sb, 'PUT', '/repos/niko/gitops/contents/README.md', { token: tok, body: { content: b64('# by the run\n'), sha: cur.body.sha, message: 'from the run' } });
    assert.equal(w.status, 200);
    assert.equal(w.body.commit.author.name, 'Gitea Actions');
    assert.equal(w.body.commit.author.email, 'teabot@gitea.io');
    const s = await api(sb, 'POST', `/repos/niko/gitops/statuses/${w.body.commit.sha}`, { token: tok, body: { state: 'success', context: 'run' } });
    assert.equal(s.status, 201);
    assert.equal((await api(sb, 'GET', '/repos/niko/app/contents/README.md', { token: tok })).status, 200);
    const other = await api(sb, 'GET', '/repos/niko/app/contents/README.md', { token: tok });
    const w2 = await api(sb, 'PUT', '/repos/niko/app/contents/README.md', { token: tok, body: { content: b64('x'), sha: other.body.sha } });
    assert.equal(w2.status, 403);
    const d2 = await api(sb, 'POST', '/repos/niko/app/actions/workflows/deploy.yaml/dispatches', { token: tok, body: { ref: 'main' } });
    assert.equal(d2.status, 403);
    await api(sb, 'POST', `/_sandbox/runs/${run.id}/cancel`);
    assert.equal((await api(sb, 'GET', '/repos/niko/gitops', { token: tok })).status, 401, 'the token expires with its run');
  });
});
