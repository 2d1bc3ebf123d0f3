// The measurements of scripts/bench-bounds.sh (see its header): the action's bounds on time and
// output size, measured in real time on the shipped dist/ as a runner starts it.
//
// Usage: node scripts/bench/bounds.mjs [VALUES (default 20000)]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { REPO_ROOT, startSandbox } from '../../tests/sandbox/helpers.mjs';
import { runnerEnv } from '../../tests/runner-files.mjs';

const VALUES = Number(process.argv[2] || 20000);
const SOURCE_COMMIT = '0123456789abcdef0123456789abcdef01234567';

/** Runs `node dist/index.js` with `env`; resolves with the exit code, output and wall time. */
function runAction(env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/index.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, ms: performance.now() - t0 }));
  });
}

const size = (file) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

async function largeEdit() {
  const lines = ['images:'];
  for (let i = 0; i < VALUES; i++) lines.push(`  app${i}: 1.0.0 # pinned`);
  const file = `${lines.join('\n')}\n`;
  const seed = {
    users: [{ name: 'niko', email: 'niko@example.com', full_name: 'Niko' }],
    tokens: [{ name: 'niko-pat', user: 'niko', scopes: ['write:repository'] }],
    repos: [{ name: 'niko/gitops', default_branch: 'main', files: { 'big/values.yaml': file }, message: 'seed' }],
  };
  const sb = await startSandbox({ flavor: 'gitea-1.26', seed, capacity: 1 });
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-bounds-'));
  try {
    const env = {
      ...runnerEnv({ dir, serverUrl: sb.url, repository: 'niko/gitops' }),
      INPUT_MODE: 'update',
      INPUT_TOKEN: sb.tokenNames['niko-pat'],
      INPUT_FILE: 'big/values.yaml',
      INPUT_YQ_TPL: '.images[] = "{{VERSION}}"',
      INPUT_VERSION: '2.0.0',
      INPUT_SOURCE_REPO: 'niko/app',
      INPUT_SOURCE_COMMIT: SOURCE_COMMIT,
      INPUT_DISPATCH_ID: 'bench-bounds-1',
    };
    const r = await runAction(env);
    const outputs = size(env.GITHUB_OUTPUT);
    const summary = size(env.GITHUB_STEP_SUMMARY);
    const status = /^status<<.*\n(.*)\n/m.exec(readFileSync(env.GITHUB_OUTPUT, 'utf8'))?.[1] ?? '?';
    console.log(
      `large edit: ${VALUES} values changed in a ${kb(file.length)} file: update ${status} (exit ${r.code}) in ${(r.ms / 1000).toFixed(2)} s ` +
        `[target < 5 s]; outputs ${kb(outputs)}, job summary ${kb(summary)}, log ${kb(r.out.length)} [target < 1 MiB each]`,
    );
    if (r.code !== 0) console.log(r.out.slice(-2000));
  } finally {
    await sb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function silentServer() {
  // Accepts connections and never answers: no status line, no byte.
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-bounds-'));
  try {
    const env = {
      ...runnerEnv({ dir, serverUrl: url, repository: 'niko/app' }),
      INPUT_MODE: 'dispatch',
      INPUT_TOKEN: 'bench-token',
      INPUT_GITOPS_REPO: 'niko/gitops',
      INPUT_GITOPS_FILE: 'dev/Chart.yaml',
      INPUT_GITOPS_YQ_TPL: '.version = "{{VERSION}}"',
      INPUT_VERSION: '1.2.3',
      INPUT_TIMEOUT: '10s',
      GITHUB_SHA: SOURCE_COMMIT,
    };
    const r = await runAction(env);
    console.log(
      `silent server: dispatch with timeout 10s against a server that never answers ended (exit ${r.code}) after ` +
        `${(r.ms / 1000).toFixed(2)} s [target < 20 s]`,
    );
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await largeEdit();
await silentServer();
