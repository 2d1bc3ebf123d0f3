// Fault injection (each kind, counted), the request log, and --strict.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { addFault, startSandbox, api, b64, violations, quietSeed, waitRun } from './helpers.mjs';

const gitEnv = { PATH: process.env.PATH, HOME: os.tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };
const gitc = (args, cwd) => promisify(execFile)('git', args, { cwd, env: gitEnv });

describe('faults', () => {
  let sb;
  let T;
  const R = '/repos/niko/gitops';
  before(async () => {
    sb = await startSandbox({ seed: quietSeed(), capacity: 2 });
    T = sb.tokenNames;
  });
  beforeEach(async () => {
    await api(sb, 'DELETE', '/_sandbox/faults');
  });
  after(async () => {
    const v = await violations(sb);
    await sb.stop();
    assert.deepEqual(v, []);
  });

  const fault = async (id) => (await api(sb, 'GET', `/_sandbox/faults/${id}`)).body;

  it('latency delays matching requests only', async () => {
    const f = await addFault(sb, { route: 'GET /api/v1/repos/{owner}/{repo}', kind: 'latency', ms: 300, count: 1 });
    let t = Date.now();
    assert.equal((await api(sb, 'GET', R, { token: T['niko-pat'] })).status, 200);
    assert.ok(Date.now() - t >= 290, 'delayed');
    t = Date.now();
    await api(sb, 'GET', R, { token: T['niko-pat'] });
    assert.ok(Date.now() - t < 250, 'count exhausted');
    assert.equal((await fault(f.id)).hits, 1);
  });

  it('502/503/504 bursts: `count` responses, then the real answer', async () => {
    const f = await addFault(sb, { route: 'GET /api/v1/version', kind: 'status', status: 503, count: 2 });
    assert.equal((await api(sb, 'GET', '/version')).status, 503);
    assert.equal((await api(sb, 'GET', '/version')).status, 503);
    assert.equal((await api(sb, 'GET', '/version')).status, 200);
    assert.equal((await fault(f.id)).hits, 2);
    const g = await addFault(sb, { route: '* /api/v1/version', kind: '502' });
    const r = await api(sb, 'GET', '/version');
    assert.equal(r.status, 502);
    assert.match(r.headers.get('content-type'), /text\/html/, 'a proxy error page, not JSON');
    assert.equal((await fault(g.id)).hits, 1);
    await addFault(sb, { regex: '^GET /api/v1/version$', kind: '504' });
    assert.equal((await api(sb, 'GET', '/version')).status, 504);
  });

  it('`skip` lets the first matching requests through', async () => {
    await addFault(sb, { route: 'GET /api/v1/version', kind: 'status', status: 502, skip: 1 });
    assert.equal((await api(sb, 'GET', '/version')).status, 200);
    assert.equal((await api(sb, 'GET', '/version')).status, 502);
    assert.equal((await api(sb, 'GET', '/version')).status, 200);
  });

  it('429 with Retry-After', async () => {
    await addFault(sb, { route: 'GET /api/v1/repos/{owner}/{repo}/commits', kind: 'rate-limit', retryAfter: 7 });
    const r = await api(sb, 'GET', `${R}/commits`, { token: T['niko-pat'] });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '7');
  });

  it('a dropped connection: the client gets a network error and nothing happens', async () => {
    const before = (await api(sb, 'GET', '/_sandbox/repos/niko/gitops/commits')).body.length;
    const cur = await api(sb, 'GET', `${R}/contents/README.md`, { token: T['niko-pat'] });
    const f = await addFault(sb, { route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'drop' });
    await assert.rejects(api(sb, 'PUT', `${R}/contents/README.md`, { token: T['niko-pat'], body: { content: b64('dropped\n'), sha: cur.body.sha } }));
    assert.equal((await api(sb, 'GET', '/_sandbox/repos/niko/gitops/commits')).body.length, before);
    assert.equal((await fault(f.id)).hits, 1);
  });

  it('a lost response: the client gets a network error although the commit landed', async () => {
    const cur = await api(sb, 'GET', `${R}/contents/README.md`, { token: T['niko-pat'] });
    const f = await addFault(sb, { route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{path}', kind: 'lost-response' });
    await assert.rejects(api(sb, 'PUT', `${R}/contents/README.md`, { token: T['niko-pat'], body: { content: b64('landed\n'), sha: cur.body.sha, message: 'lost answer' } }));
    const log = (await api(sb, 'GET', '/_sandbox/repos/niko/gitops/commits')).body;
    assert.equal(log[0].message, 'lost answer\n');
    // a retry with the old sha now conflicts: the client has to re-read
    const retry = await api(sb, 'PUT', `${R}/contents/README.md`, { token: T['niko-pat'], body: { content: b64('landed\n'), sha: cur.body.sha } });
    assert.equal(retry.status, 422);
    assert.equal((await fault(f.id)).hits, 1);
    const req = (await api(sb, 'GET', '/_sandbox/requests?method=PUT')).body.find((x) => x.lost);
    assert.ok(req, 'the request log marks the lost response');
  });

  it('git over HTTP: a push whose answer is lost still lands; a 503 on fetch fails the clone', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'sandbox-faults-'));
    try {
      const remote = `http://niko:${T['niko-pat']}@${sb.url.replace('http://', '')}/niko/gitops.git`;
      await gitc(['clone', '-q', remote, path.join(tmp, 'w')]);
      writeFileSync(path.join(tmp, 'w', 'pushed.txt'), 'x\n');
      await gitc(['add', 'pushed.txt'], path.join(tmp, 'w'));
      await gitc(['-c', 'user.name=N', '-c', 'user.email=n@e', 'commit', '-qm', 'lost push'], path.join(tmp, 'w'));
      const f = await addFault(sb, { route: 'POST /{owner}/{repo}.git/git-receive-pack', kind: 'lost-response' });
      await assert.rejects(gitc(['push', '-q', 'origin', 'main'], path.join(tmp, 'w')));
      const log = (await api(sb, 'GET', '/_sandbox/repos/niko/gitops/commits')).body;
      assert.equal(log[0].message, 'lost push\n', 'the push landed');
      assert.equal((await fault(f.id)).hits, 1);
      await addFault(sb, { route: 'GET /{owner}/{repo}.git/info/refs', kind: 'status', status: 503 });
      await assert.rejects(gitc(['clone', '-q', remote, path.join(tmp, 'w2')]), /503/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('a run that fails and a run that hangs', async () => {
    await addFault(sb, { route: 'RUN niko/gitops/deploy.yaml', kind: 'run-fail' });
    const d1 = await api(sb, 'POST', `${R}/actions/workflows/deploy.yaml/dispatches?return_run_details=true`, { token: T['niko-pat'], body: { ref: 'main', inputs: { version: '1' } } });
    const r1 = await waitRun(sb, d1.body.workflow_run_id, 'completed', 10000);
    assert.equal(r1.conclusion, 'failure');
    assert.match(r1.log, /fault injected: this run fails/);
    const api1 = await api(sb, 'GET', `${R}/actions/runs/${r1.id}`, { token: T['niko-pat'] });
    assert.equal(api1.body.status, 'completed');
    assert.equal(api1.body.conclusion, 'failure');

    const f = await addFault(sb, { route: 'RUN niko/gitops/deploy.yaml', kind: 'run-hang' });
    const d2 = await api(sb, 'POST', `${R}/actions/workflows/deploy.yaml/dispatches?return_run_details=true`, { token: T['niko-pat'], body: { ref: 'main', inputs: { version: '2' } } });
    const r2 = await waitRun(sb, d2.body.workflow_run_id, 'completed', 1500);
    assert.equal(r2.status, 'in_progress', 'still running');
    const tasks = await api(sb, 'GET', `${R}/actions/tasks`, { token: T['niko-pat'] });
    assert.equal(tasks.body.workflow_runs[0].status, 'running');
    await api(sb, 'POST', `/_sandbox/runs/${r2.id}/cancel`);
    const r2b = await waitRun(sb, r2.id, 'completed', 5000);
    assert.equal(r2b.conclusion, 'cancelled');
    assert.equal((await fault(f.id)).hits, 1);
    const page = await fetch(r2b.html_url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /hangs until it is cancelled/);
  });

  it('the request log counts API calls and can be reset', async () => {
    await api(sb, 'DELETE', '/_sandbox/requests');
    await api(sb, 'GET', '/version');
    await api(sb, 'GET', R, { token: T['niko-pat'] });
    await api(sb, 'GET', `${R}/contents/README.md`, { token: T['niko-pat'] });
    const log = (await api(sb, 'GET', '/_sandbox/requests')).body;
    assert.deepEqual(log.map((r) => [r.method, r.route, r.status]), [
      ['GET', 'GET /api/v1/version', 200],
      ['GET', 'GET /api/v1/repos/{owner}/{repo}', 200],
      ['GET', 'GET /api/v1/repos/{owner}/{repo}/contents/{filepath}', 200],
    ]);
    assert.ok(log.every((r) => typeof r.durationMs === 'number'));
    assert.equal(log[1].user, 'niko');
  });

  it('rejects a malformed fault', async () => {
    assert.equal((await api(sb, 'POST', '/_sandbox/faults', { body: { route: 'GET /x', kind: 'explode' } })).status, 400);
    assert.equal((await api(sb, 'POST', '/_sandbox/faults', { body: { kind: 'drop' } })).status, 400);
  });
});

describe('--strict', () => {
  let sb;
  let T;
  before(async () => {
    sb = await startSandbox({ seed: quietSeed(), capacity: 0, strict: true });
    T = sb.tokenNames;
  });
  after(() => sb.stop());

  it('answers 500 with the violation when a request breaks the spec', async () => {
    const r = await api(sb, 'POST', '/repos/niko/gitops/actions/workflows/deploy.yaml/dispatches', { token: T['niko-pat'], body: { ref: 'main', inputs: { version: 3 } } });
    assert.equal(r.status, 500);
    assert.match(r.body.message, /sandbox --strict: the request violates .*body\/inputs\/version must be string/);
    const q = await api(sb, 'GET', '/repos/niko/gitops/commits?limit=abc', { token: T['niko-pat'] });
    assert.equal(q.status, 500);
    assert.match(q.body.message, /query parameter limit must be an integer/);
    assert.equal((await violations(sb)).length, 2);
    assert.equal((await api(sb, 'GET', '/repos/niko/gitops/commits?limit=1', { token: T['niko-pat'] })).status, 200);
  });
});
