// The route table: every operation with its access level and the file that answers it, from the
// command line (--routes) and from a running sandbox (GET /_sandbox/routes); no lib file over 1,000 lines.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { HERE, api, startSandbox, quietSeed } from './helpers.mjs';

const routesOf = (flavor) => JSON.parse(execFileSync(process.execPath, [path.join(HERE, 'server.js'), '--routes', '--json', '--flavor', flavor], { encoding: 'utf8' }));

describe('route table', () => {
  it('--routes lists method, path, operationId, access, unit, token and an existing file per operation', () => {
    const rows = routesOf('gitea-1.26');
    const byId = Object.fromEntries(rows.filter((r) => r.operationId).map((r) => [r.operationId, r]));
    assert.deepEqual(
      ['method', 'path', 'operationId', 'access', 'token', 'file'].map((k) => [k, byId.repoUpdateFile[k]]),
      [['method', 'PUT'], ['path', '/api/v1/repos/{owner}/{repo}/contents/{filepath}'], ['operationId', 'repoUpdateFile'], ['access', 'writer'], ['token', true], ['file', 'lib/api/contents.js']],
    );
    assert.equal(byId.getVersion.access, 'public');
    for (const r of rows) assert.ok(existsSync(path.join(HERE, r.file)), `${r.file} exists`);
    assert.ok(rows.some((r) => r.path === '/_sandbox/routes' && r.access === 'sandbox'));
    // a release without the route does not list it
    assert.ok(!routesOf('gitea-1.24').some((r) => r.operationId === 'getWorkflowRuns'));
    assert.ok(routesOf('forgejo-12').some((r) => r.operationId === 'DispatchWorkflow'));
    const text = execFileSync(process.execPath, [path.join(HERE, 'server.js'), '--routes'], { encoding: 'utf8' });
    assert.match(text, /^METHOD +PATH +OPERATIONID +ACCESS +UNIT +TOKEN +FILE$/m);
    assert.match(text, /^PUT +\/api\/v1\/repos\/\{owner\}\/\{repo\}\/contents\/\{filepath\} +repoUpdateFile +writer +code +token +lib\/api\/contents\.js$/m);
  });

  it('GET /_sandbox/routes answers the same table for the running flavor', async () => {
    const sb = await startSandbox({ flavor: 'forgejo-11', seed: quietSeed(), capacity: 0 });
    try {
      const r = await api(sb, 'GET', '/_sandbox/routes');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.map(({ doc, ...x }) => x), routesOf('forgejo-11'));
    } finally {
      await sb.stop();
    }
  });

  it('no file in lib/ is over 1,000 lines', () => {
    const walk = (d) => readdirSync(d).flatMap((f) => (statSync(path.join(d, f)).isDirectory() ? walk(path.join(d, f)) : [path.join(d, f)]));
    for (const f of walk(path.join(HERE, 'lib'))) {
      const lines = readFileSync(f, 'utf8').split('\n').length;
      assert.ok(lines <= 1000, `${path.relative(HERE, f)} has ${lines} lines`);
    }
  });
});
