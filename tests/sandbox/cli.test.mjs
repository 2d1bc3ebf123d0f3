// The command line: one JSON line when ready, a YAML seed file, and a clean stop on SIGTERM
// (act process groups killed, the temporary data directory removed).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HERE, api, ensureAct, processesMentioning, waitRun } from './helpers.mjs';

const act = ensureAct();

function start(args) {
  const child = spawn(process.execPath, [path.join(HERE, 'server.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const ready = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ line: out.slice(0, nl), rest: () => out.slice(nl + 1) });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, ready, exited, stderr: () => err };
}

describe('server.js', () => {
  it('prints {"url","runner_url","flavor","tokens"} and serves the demo world', async () => {
    const s = start(['--flavor', 'forgejo-11', '--port', '0', '--server', 'max_blob_size=123456', '--server', 'default_actions_url=github']);
    try {
      const { line, rest } = await s.ready;
      const info = JSON.parse(line);
      assert.deepEqual(Object.keys(info), ['url', 'runner_url', 'flavor', 'tokens']);
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(info.runner_url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(info.runner_url, info.url);
      assert.equal(info.flavor, 'forgejo-11');
      assert.match(info.tokens.niko, /^[0-9a-f]{40}$/);
      const sb = { url: info.url };
      assert.equal((await api(sb, 'GET', '/version')).body.version, '11.0.15+gitea-1.22.0');
      assert.equal((await api({ url: info.runner_url }, 'GET', '/version')).body.version, '11.0.15+gitea-1.22.0', 'the runner address serves the same API');
      const chart = await api(sb, 'GET', '/repos/niko/agent-platform-gitops/contents/dev/Chart.yaml', { token: info.tokens.niko });
      assert.equal(Buffer.from(chart.body.content, 'base64').toString(), readFileSync(path.join(HERE, '..', '..', 'examples', 'gitops-repo', 'dev', 'Chart.yaml'), 'utf8'));
      const wf = await api(sb, 'GET', '/repos/niko/agent-platform/contents/.gitea/workflows/build.yaml', { token: info.tokens.niko });
      assert.match(Buffer.from(wf.body.content, 'base64').toString(), /uses: niko\/gitops-action@v1/);
      const settings = (await api(sb, 'GET', '/_sandbox/settings')).body;
      assert.deepEqual([settings.max_blob_size, settings.default_actions_url, settings.limit_dispatch_inputs], [123456, 'github', 10]);
      assert.equal(rest(), '', 'exactly one line on stdout');
    } finally {
      s.child.kill('SIGTERM');
      const e = await s.exited;
      assert.equal(e.code, 0, s.stderr());
    }
  });

  it('reads a YAML seed and stops cleanly on SIGTERM while a run is in progress', { skip: act.skip }, async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'sandbox-cli-'));
    try {
      mkdirSync(path.join(tmp, 'files', '.gitea', 'workflows'), { recursive: true });
      writeFileSync(
        path.join(tmp, 'files', '.gitea', 'workflows', 'slow.yaml'),
        'name: Slow\non: workflow_dispatch\njobs:\n  slow:\n    runs-on: ubuntu-latest\n    steps:\n      - run: sleep 59.321\n',
      );
      writeFileSync(
        path.join(tmp, 'seed.yaml'),
        [
          'users:',
          '  - {name: ada, email: ada@example.com}',
          'tokens:',
          '  - {name: ada-pat, user: ada, scopes: [write:repository]}',
          'repos:',
          '  - name: ada/slow',
          '    default_branch: trunk',
          '    files_from: files',
          '    files:',
          '      README.md: "# slow\\n"',
          '',
        ].join('\n'),
      );
      const s = start(['--seed', path.join(tmp, 'seed.yaml'), '--act', act.path]);
      const info = JSON.parse((await s.ready).line);
      const sb = { url: info.url };
      const repo = await api(sb, 'GET', '/repos/ada/slow', { token: info.tokens.ada });
      assert.equal(repo.body.default_branch, 'trunk');
      const d = await api(sb, 'POST', '/repos/ada/slow/actions/workflows/slow.yaml/dispatches?return_run_details=true', { token: info.tokens.ada, body: { ref: 'trunk' } });
      assert.equal(d.status, 200, d.text);
      const sinfo = (await api(sb, 'GET', '/_sandbox/info')).body;
      assert.ok(existsSync(sinfo.dataDir));
      await waitRun(sb, d.body.workflow_run_id, 'in_progress', 10000);
      const deadline = Date.now() + 20000;
      while (processesMentioning('sleep 59.321').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(processesMentioning('sleep 59.321').length > 0, 'the step runs');
      s.child.kill('SIGTERM');
      const e = await s.exited;
      assert.equal(e.code, 0, s.stderr());
      assert.deepEqual(processesMentioning('sleep 59.321'), [], 'no process left behind');
      assert.deepEqual(processesMentioning(sinfo.dataDir), []);
      assert.equal(existsSync(sinfo.dataDir), false, 'the temporary data directory is removed');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
