'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { createHost, describeRequestFailure, FETCH_TIMEOUT_MS } = require('../host.js');

/** A host whose log lines and panic messages are collected. */
function collectingHost() {
  const lines = [];
  const panics = [];
  const host = createHost({ print: (l) => lines.push(l), onPanic: (m) => panics.push(m) });
  return { host, lines, panics };
}

test('log: info is plain, the core\'s other levels are escaped workflow commands', () => {
  const { host, lines } = collectingHost();
  host.log('info', 'plain 100% text');
  host.log('debug', 'd 50%\r');
  host.log('warning', 'w\nsecond line');
  host.log('group', 'Update chart/Chart.yaml');
  host.log('endgroup', '');
  host.log('unknown', '::error::not a command\nvalue: x\n::set-env name=A::b\n##[set-output name=x;]y');
  assert.deepEqual(lines, [
    'plain 100% text',
    '::debug::d 50%25%0D',
    '::warning::w%0Asecond line',
    '::group::Update chart/Chart.yaml',
    '::endgroup::',
    ' ::error::not a command\nvalue: x\n ::set-env name=A::b\n ##[set-output name=x;]y',
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
        if (req.url === '/big') return res.end('x'.repeat(2_000_000));
        if (req.url === '/drip') {
          res.writeHead(200);
          const drip = setInterval(() => res.write('.'), 100);
          res.on('close', () => clearInterval(drip));
          return setTimeout(() => res.end(), 3000);
        }
        if (req.url === '/redirect') {
          res.writeHead(301, { Location: 'https://elsewhere.example/x' });
          return res.end();
        }
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

  test('an answer larger than maxBytes is not read', async () => {
    const { host } = collectingHost();
    await assert.rejects(host.fetch({ url: `${base}/big`, maxBytes: 1000 }), {
      message: `GET ${base}/big: the answer is larger than 1000 bytes; not read`,
    });
    const whole = await host.fetch({ url: `${base}/big`, maxBytes: 3_000_000 });
    assert.equal(whole.body.length, 2_000_000);
  });

  test('the timeout bounds the whole exchange: a dripping answer cannot stretch it', async () => {
    const { host } = collectingHost();
    const started = Date.now();
    await assert.rejects(host.fetch({ url: `${base}/drip`, timeoutMs: 400 }), { message: `GET ${base}/drip: timed out after 400 ms` });
    assert.ok(Date.now() - started < 1500);
  });

  test('a redirect is returned, not followed', async () => {
    const { host } = collectingHost();
    const res = await host.fetch({ url: `${base}/redirect` });
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, 'https://elsewhere.example/x');
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

test('describeRequestFailure names DNS failures and falls back to the message', () => {
  const failed = (code, message = 'm') => Object.assign(new Error(message), { code });
  assert.equal(describeRequestFailure(failed('ENOTFOUND'), 'gitea.invalid'), 'DNS lookup of gitea.invalid failed (ENOTFOUND)');
  assert.equal(describeRequestFailure(failed('EAI_AGAIN'), 'h'), 'DNS lookup of h failed (EAI_AGAIN)');
  assert.equal(describeRequestFailure(failed('ECONNRESET'), 'h'), 'connection reset (ECONNRESET)');
  assert.equal(describeRequestFailure(failed('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'h'), 'self-signed certificate');
  assert.equal(FETCH_TIMEOUT_MS, 30000);
});
