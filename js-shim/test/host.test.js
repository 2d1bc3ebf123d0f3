'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { createHost, describeFetchFailure, FETCH_TIMEOUT_MS } = require('../host.js');

/** A host whose log lines and panic messages are collected. */
function collectingHost() {
  const lines = [];
  const panics = [];
  const host = createHost({ print: (l) => lines.push(l), onPanic: (m) => panics.push(m) });
  return { host, lines, panics };
}

test('log: info is plain, other levels are escaped workflow commands', () => {
  const { host, lines } = collectingHost();
  host.log('info', 'plain 100% text');
  host.log('debug', 'd');
  host.log('notice', 'n');
  host.log('warning', 'w\nsecond line');
  host.log('error', 'e 50%\r');
  host.log('group', 'Update chart/Chart.yaml');
  host.log('endgroup', '');
  assert.deepEqual(lines, [
    'plain 100% text',
    '::debug::d',
    '::notice::n',
    '::warning::w%0Asecond line',
    '::error::e 50%25%0D',
    '::group::Update chart/Chart.yaml',
    '::endgroup::',
  ]);
});

test('files: read, write, realPath; failures carry an error code', () => {
  const { host } = collectingHost();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-host-'));
  try {
    const file = path.join(dir, 'a.yaml');
    host.writeFile(file, new TextEncoder().encode('version: 1\n'));
    const bytes = host.readFile(file);
    assert.ok(bytes instanceof Uint8Array);
    assert.equal(Buffer.from(bytes).toString(), 'version: 1\n');
    fs.symlinkSync(file, path.join(dir, 'link.yaml'));
    assert.equal(host.realPath(path.join(dir, 'link.yaml')), fs.realpathSync(file));
    assert.throws(() => host.readFile(path.join(dir, 'missing')), { code: 'ENOENT' });
    assert.throws(() => host.realPath(path.join(dir, 'missing')), { code: 'ENOENT' });
    assert.throws(() => host.writeFile(path.join(dir, 'no/such/dir'), new Uint8Array()), { code: 'ENOENT' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('now, sleep, randomHex, panic', async () => {
  const { host, panics } = collectingHost();
  const t0 = host.now();
  assert.ok(Math.abs(t0 - Date.now()) < 1000);
  await host.sleep(20);
  assert.ok(host.now() - t0 >= 15);
  assert.match(host.randomHex(16), /^[0-9a-f]{32}$/);
  assert.notEqual(host.randomHex(8), host.randomHex(8));
  host.panic('index out of bounds');
  assert.deepEqual(panics, ['index out of bounds']);
});

test.describe('fetch against a local server', () => {
  let server;
  let base;
  const seen = [];
  test.before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (req.url.startsWith('/slow')) return setTimeout(() => res.end('late'), 2000);
        res.writeHead(req.url === '/missing' ? 404 : 201, { 'X-Mixed-Case': 'Yes', 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ path: req.url }));
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
  });
  test.after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('returns status, lower-cased headers and body; sends method, headers, body', async () => {
    const { host } = collectingHost();
    const res = await host.fetch({
      method: 'POST',
      url: `${base}/api/v1/repos/o/r/dispatches?x=1`,
      headers: { Authorization: 'token s3cr3t', 'Content-Type': 'application/json' },
      body: '{"ref":"main"}',
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers['x-mixed-case'], 'Yes');
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.body, '{"path":"/api/v1/repos/o/r/dispatches?x=1"}');
    const req = seen.at(-1);
    assert.equal(req.method, 'POST');
    assert.equal(req.headers.authorization, 'token s3cr3t');
    assert.equal(req.body, '{"ref":"main"}');
  });

  test('an HTTP error status resolves; GET is the default method', async () => {
    const { host } = collectingHost();
    const res = await host.fetch({ url: `${base}/missing` });
    assert.equal(res.status, 404);
    assert.equal(seen.at(-1).method, 'GET');
  });

  test('times out after timeoutMs, naming the request but not its query or headers', async () => {
    const { host } = collectingHost();
    const started = Date.now();
    await assert.rejects(
      host.fetch({ url: `${base}/slow?token=q`, headers: { Authorization: 'token s3cr3t' }, timeoutMs: 200 }),
      (err) => {
        assert.equal(err.message, `GET ${base}/slow: timed out after 200 ms`);
        return true;
      },
    );
    assert.ok(Date.now() - started < 1500);
  });

  test('a refused connection says so', async () => {
    const closed = http.createServer();
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address();
    await new Promise((resolve) => closed.close(resolve));
    const { host } = collectingHost();
    await assert.rejects(host.fetch({ url: `http://127.0.0.1:${port}/x` }), {
      message: `GET http://127.0.0.1:${port}/x: connection refused (ECONNREFUSED)`,
    });
  });

  test('an invalid header value is reported without the value', async () => {
    const { host } = collectingHost();
    await assert.rejects(host.fetch({ url: `${base}/x`, headers: { Authorization: 'token s3cr3t-val\u0000ue' } }), (err) => {
      assert.match(err.message, /^GET http:\/\/127\.0\.0\.1:\d+\/x: /);
      assert.doesNotMatch(err.message, /s3cr3t/);
      return true;
    });
  });

  test('headers may be a Map; a null body is no body', async () => {
    const { host } = collectingHost();
    const res = await host.fetch({ url: `${base}/m`, headers: new Map([['X-Token', 'abc']]), body: null });
    assert.equal(res.status, 201);
    assert.equal(seen.at(-1).headers['x-token'], 'abc');
    await assert.rejects(host.fetch({ url: `${base}/m`, headers: new Map([['Authorization', 'token map-s3cr3t\u0000']]) }), (err) => {
      assert.doesNotMatch(err.message, /s3cr3t/);
      return true;
    });
  });

  test('URL credentials are reported without them', async () => {
    const { host } = collectingHost();
    await assert.rejects(host.fetch({ url: `http://user:pa55word@127.0.0.1:1/x` }), (err) => {
      assert.match(err.message, /^GET http:\/\/127\.0\.0\.1:1\/x: /);
      assert.doesNotMatch(err.message, /pa55word/);
      return true;
    });
  });

  test('an invalid URL is reported as such', async () => {
    const { host } = collectingHost();
    await assert.rejects(host.fetch({ method: 'GET', url: 'gitea.example/api' }), { message: 'GET "gitea.example/api": invalid URL' });
  });
});

test('describeFetchFailure names DNS failures and falls back to the cause', () => {
  const failed = (cause) => Object.assign(new TypeError('fetch failed'), { cause });
  assert.equal(describeFetchFailure(failed({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND gitea.invalid' }), 1, 'gitea.invalid'), 'DNS lookup of gitea.invalid failed (ENOTFOUND)');
  assert.equal(describeFetchFailure(failed({ code: 'EAI_AGAIN' }), 1, 'h'), 'DNS lookup of h failed (EAI_AGAIN)');
  assert.equal(describeFetchFailure(failed({ code: 'ECONNRESET' }), 1, 'h'), 'connection reset (ECONNRESET)');
  assert.equal(describeFetchFailure(failed({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }), 1, 'h'), 'fetch failed: self-signed certificate');
  assert.equal(FETCH_TIMEOUT_MS, 30000);
});
