// The hostile request faults (README "Faults"): echo-credentials, hang, drip, huge-body,
// malformed-body, and the write fault empty-sha. Each is counted in /_sandbox/faults hits.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { addFault, startSandbox, FLAVORS, api, b64, violations, quietSeed } from './helpers.mjs';

describe('hostile faults', () => {
  let sb;
  let T;
  const R = '/repos/niko/gitops';
  before(async () => {
    sb = await startSandbox({ seed: quietSeed(), capacity: 0 });
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

  const hits = async (f) => (await api(sb, 'GET', `/_sandbox/faults/${f.id}`)).body.hits;
  const readme = async () => (await api(sb, 'GET', '/_sandbox/repos/niko/gitops/file?path=README.md')).text;
  // GET with node:http, counting the body's bytes without keeping them
  const count = (url, { stopAfter } = {}) =>
    new Promise((resolve, reject) => {
      const req = http.get(url, (res) => {
        let bytes = 0;
        res.on('data', (d) => {
          bytes += d.length;
          if (stopAfter && bytes >= stopAfter) {
            req.destroy();
            resolve({ res, bytes, aborted: true });
          }
        });
        res.on('end', () => resolve({ res, bytes }));
        res.on('error', reject);
      });
      req.on('error', (e) => (e.code === 'ECONNRESET' ? null : reject(e)));
    });

  it('echo-credentials: the error message repeats the Authorization header, Basic credentials put back in the URL, and the query', async () => {
    const f = await addFault(sb, { route: 'GET /api/v1/repos/{owner}/{repo}', kind: 'echo-credentials', count: 3 });
    const r1 = await api(sb, 'GET', R, { token: T['niko-pat'] });
    assert.equal(r1.status, 500);
    assert.ok(r1.body.message.includes(`Authorization: token ${T['niko-pat']}`), r1.body.message);
    const basic = `Basic ${Buffer.from(`niko:${T['niko-pat']}`).toString('base64')}`;
    const r2 = await api(sb, 'GET', `${R}?token=in-the-query`, { auth: basic });
    assert.ok(r2.body.message.includes(`http://niko:${T['niko-pat']}@127.0.0.1:`), r2.body.message);
    assert.ok(r2.body.message.includes('?token=in-the-query'));
    assert.ok(r2.body.url.includes(`niko:${T['niko-pat']}@`));
    assert.equal(await hits(f), 2);
    const g = await addFault(sb, { route: 'GET /api/v1/version', kind: 'echo-credentials', status: 401 });
    assert.equal((await api(sb, 'GET', '/version', { token: 'secret-value' })).status, 401);
    assert.equal(await hits(g), 1);
  });

  it('hang: the request is accepted and never answered (nothing is done) until the client gives up', async () => {
    const f = await addFault(sb, { route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'hang' });
    const before = await readme();
    const cur = await api(sb, 'GET', `${R}/contents/README.md`, { token: T['niko-pat'] });
    const t = Date.now();
    await assert.rejects(
      fetch(`${sb.api}${R}/contents/README.md`, { method: 'PUT', headers: { Authorization: `token ${T['niko-pat']}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ content: b64('hung\n'), sha: cur.body.sha }), signal: AbortSignal.timeout(300) }),
      /TimeoutError|aborted/,
    );
    assert.ok(Date.now() - t >= 290);
    assert.equal(await readme(), before, 'nothing was written');
    assert.equal(await hits(f), 1);
    const entry = (await api(sb, 'GET', '/_sandbox/requests?method=PUT')).body.at(-1);
    assert.deepEqual([entry.hung, entry.status], [true, 0]);
    assert.equal((await api(sb, 'GET', '/version')).status, 200, 'other requests are served');
  });

  it('drip: the real response, one byte every `ms`; a client with a short deadline gives up', async () => {
    const f = await addFault(sb, { route: 'GET /api/v1/version', kind: 'drip', ms: 2, count: 2 });
    const t = Date.now();
    const r = await api(sb, 'GET', '/version');
    const took = Date.now() - t;
    assert.deepEqual([r.status, r.body.version], [200, FLAVORS['gitea-1.26'].version]);
    assert.ok(took >= 150, `a ~100-byte response at 2 ms a byte takes a while (${took} ms)`);
    await addFault(sb, { route: 'GET /api/v1/version', kind: 'drip', ms: 50 });
    await assert.rejects(fetch(`${sb.api}/version`, { signal: AbortSignal.timeout(200) }), /TimeoutError|aborted/);
    assert.equal(await hits(f), 2, 'the first fault is used up, the second got the next request');
    // on a git route too
    await addFault(sb, { route: 'GET /{owner}/{repo}.git/info/refs', kind: 'drip', ms: 1, bytes: 8 });
    const refs = await fetch(`${sb.url}/niko/gitops.git/info/refs?service=git-upload-pack`, { headers: { Authorization: `Basic ${Buffer.from(`niko:${T['niko-pat']}`).toString('base64')}` } });
    assert.equal(refs.status, 200);
    assert.match(await refs.text(), /^001e# service=git-upload-pack/);
  });

  it('huge-body: N MiB of valid JSON streamed (Content-Length or chunked); 64 MiB by default, without holding it', async () => {
    const f = await addFault(sb, { route: 'GET /api/v1/version', kind: 'huge-body', mib: 2 });
    const r = await fetch(`${sb.api}/version`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-length'), String(2 * 1048576));
    const text = await r.text();
    assert.equal(text.length, 2 * 1048576);
    assert.equal(JSON.parse(text).padding.length, 2 * 1048576 - '{"padding":""}'.length);
    await addFault(sb, { route: 'GET /api/v1/version', kind: 'huge-body', mib: 1, chunked: true, status: 201 });
    const c = await count(`${sb.api}/version`);
    assert.deepEqual([c.res.statusCode, c.res.headers['content-length'], c.res.headers['transfer-encoding'], c.bytes], [201, undefined, 'chunked', 1048576]);
    // the default 64 MiB, read by another process: the server's buffers stay small all along
    await addFault(sb, { route: 'GET /api/v1/version', kind: 'huge-body' });
    const base = process.memoryUsage().arrayBuffers;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 2);
    const { stdout } = await promisify(execFile)('curl', ['-s', '-o', '/dev/null', '-w', '%{size_download}', `${sb.api}/version`]);
    clearInterval(sampler);
    assert.equal(Number(stdout), 64 * 1048576);
    assert.ok(peak - base < 16 * 1048576, `the 64 MiB were never held at once (peak +${peak - base} bytes)`);
    // a client that stops reading: the server stops writing
    await addFault(sb, { route: 'GET /api/v1/version', kind: 'huge-body' });
    const part = await count(`${sb.api}/version`, { stopAfter: 1048576 });
    assert.equal(part.aborted, true);
    await new Promise((res) => setTimeout(res, 100));
    const entry = (await api(sb, 'GET', '/_sandbox/requests?path=/api/v1/version')).body.at(-1);
    assert.ok(entry.bytes < 64 * 1048576, `stopped after ${entry.bytes} bytes`);
    assert.equal(await hits(f), 1);
  });

  it('malformed-body: the wrong JSON shape for the operation, HTML as JSON, a truncated real answer (perform), or a raw body', async () => {
    const f = await addFault(sb, { route: 'GET /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'malformed-body' });
    const obj = await api(sb, 'GET', `${R}/contents/README.md`, { token: T['niko-pat'] });
    assert.equal(obj.status, 200);
    assert.ok(Array.isArray(obj.body), 'an array where the spec declares an object');
    await addFault(sb, { route: 'GET /api/v1/repos/{owner}/{repo}/commits', kind: 'malformed-body' });
    const arr = await api(sb, 'GET', `${R}/commits`, { token: T['niko-pat'] });
    assert.ok(arr.body && !Array.isArray(arr.body) && typeof arr.body.items === 'string', 'an object where the spec declares an array');
    await addFault(sb, { route: 'GET /api/v1/version', kind: 'malformed-body', body: 'not-json', status: 202 });
    const html = await api(sb, 'GET', '/version');
    assert.deepEqual([html.status, html.body], [202, undefined]);
    assert.match(html.headers.get('content-type'), /application\/json/);
    assert.match(html.text, /^<!DOCTYPE html>/);
    // truncated with perform: the write lands, its answer is cut in half
    const cur = await api(sb, 'GET', `${R}/contents/README.md`, { token: T['niko-pat'] });
    await addFault(sb, { route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'malformed-body', body: 'truncated', perform: true });
    const cut = await api(sb, 'PUT', `${R}/contents/README.md`, { token: T['niko-pat'], body: { content: b64('performed\n'), sha: cur.body.sha } });
    assert.deepEqual([cut.status, cut.body], [200, undefined]);
    assert.match(cut.text, /^\{"content":\{/);
    assert.equal(await readme(), 'performed\n', 'the write happened');
    // without perform nothing happens
    const cur2 = await api(sb, 'GET', `${R}/contents/README.md`, { token: T['niko-pat'] });
    await addFault(sb, { route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'malformed-body', body: 'raw', raw: '{"commit":{"sha":' });
    const raw = await api(sb, 'PUT', `${R}/contents/README.md`, { token: T['niko-pat'], body: { content: b64('not performed\n'), sha: cur2.body.sha } });
    assert.equal(raw.text, '{"commit":{"sha":');
    assert.equal(await readme(), 'performed\n');
    assert.equal(await hits(f), 1);
    assert.equal((await api(sb, 'POST', '/_sandbox/faults', { body: { route: 'GET /x', kind: 'malformed-body', body: 'weird' } })).status, 400);
    assert.equal((await api(sb, 'POST', '/_sandbox/faults', { body: { route: 'GET /x', kind: 'malformed-body', body: 'raw' } })).status, 400);
  });

  it('empty-sha: a contents write answers success with commit sha "" (or the given one) and nothing lands', async () => {
    const f = await addFault(sb, { route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'empty-sha' });
    const before = await readme();
    const writes = (await api(sb, 'GET', '/_sandbox/writes')).body.length;
    const cur = await api(sb, 'GET', `${R}/contents/README.md`, { token: T['niko-pat'] });
    const r = await api(sb, 'PUT', `${R}/contents/README.md`, { token: T['niko-pat'], body: { content: b64('claimed\n'), sha: cur.body.sha } });
    assert.equal(r.status, 200);
    assert.equal(r.body.commit.sha, '');
    assert.equal(r.body.content.last_commit_sha, '', 'no commit sha anywhere in the answer');
    assert.equal(Buffer.from(r.body.content.content, 'base64').toString(), 'claimed\n', 'the answer looks real');
    assert.equal(await readme(), before, 'nothing landed');
    assert.equal((await api(sb, 'GET', '/_sandbox/writes')).body.length, writes);
    await addFault(sb, { regex: '^POST /api/v1/repos/niko/gitops/contents$', kind: 'empty-sha', sha: 'not-a-sha' });
    const cf = await api(sb, 'POST', `${R}/contents`, { token: T['niko-pat'], body: { files: [{ operation: 'create', path: 'claimed.txt', content: b64('c\n') }] } });
    assert.deepEqual([cf.status, cf.body.commit.sha], [201, 'not-a-sha']);
    assert.equal((await api(sb, 'GET', `${R}/contents/claimed.txt`, { token: T['niko-pat'] })).status, 404);
    assert.equal(await hits(f), 1);
    const ok = await api(sb, 'PUT', `${R}/contents/README.md`, { token: T['niko-pat'], body: { content: b64('real\n'), sha: cur.body.sha } });
    assert.match(ok.body.commit.sha, /^[0-9a-f]{40}$/, 'the fault is used up');
    assert.equal(await readme(), 'real\n');
  });
});

