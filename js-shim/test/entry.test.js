'use strict';
// Runs the real entry point (index.js, as dist/index.js) in a child process, with a fake core
// module in place of the wasm-bindgen one: exit codes, stream flushing and crash reporting as a
// runner sees them.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const SHIM = path.join(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-entry-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** Lays out a dist-like folder: the shim's modules plus `core/gitops_action.js` = `coreSource`. */
function layout(coreSource) {
  const dir = path.join(tmp, String(n++));
  fs.mkdirSync(path.join(dir, 'core'), { recursive: true });
  for (const f of fs.readdirSync(SHIM).filter((f) => f.endsWith('.js'))) {
    fs.copyFileSync(path.join(SHIM, f), path.join(dir, f));
  }
  fs.writeFileSync(path.join(dir, 'core', 'gitops_action.js'), coreSource);
  return dir;
}

/** Runs `node index.js` in a {@link layout} with `env` (plus PATH). */
function runEntry(coreSource, env = {}) {
  const dir = layout(coreSource);
  return spawnSync(process.execPath, ['index.js'], { cwd: dir, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 20_000, maxBuffer: 1 << 24 });
}

/** A core that logs `count` lines of 100 characters, then succeeds. */
const chattyCore = (count) => `exports.run = async (req, host) => {
  for (let i = 0; i < ${count}; i++) host.log('info', String(i).padEnd(99, '.'));
  return { ok: true, outputs: {}, summary: '' };
};`;

test('ok: exit 0, outputs in GITHUB_OUTPUT', () => {
  const out = path.join(tmp, 'out-ok');
  const { status, stdout, stderr } = runEntry(
    `exports.run = async (req, host) => ({ ok: true, outputs: { changed: 'true', version: req.inputs.version }, summary: '' });`,
    { GITHUB_OUTPUT: out, INPUT_VERSION: '1.2.3' },
  );
  assert.equal(stderr, '');
  assert.equal(stdout, '');
  assert.equal(status, 0);
  assert.match(fs.readFileSync(out, 'utf8'), /^changed<<(ghadelimiter_[0-9a-f-]{36})\ntrue\n\1\nversion<<(ghadelimiter_[0-9a-f-]{36})\n1\.2\.3\n\2\n$/);
});

test('a long log is written whole and in order', () => {
  const { status, stdout } = runEntry(chattyCore(20000));
  assert.equal(status, 0);
  const lines = stdout.split('\n');
  assert.equal(lines.length, 20001);
  lines.slice(0, -1).forEach((line, i) => assert.equal(line, String(i).padEnd(99, '.')));
});

const python = spawnSync('python3', ['--version']).status === 0;

test('a full non-blocking stdout pipe (slow reader) loses nothing', { skip: !python && 'python3 is not installed' }, () => {
  // python3 gives node a pipe in non-blocking mode and reads it only after a second: the
  // 2 MB log overflows the 64 KiB pipe buffer, so writes hit EAGAIN.
  const reader = [
    'import os, subprocess, sys, time',
    'r, w = os.pipe()',
    'os.set_blocking(w, False)',
    "p = subprocess.Popen([sys.argv[1], 'index.js'], cwd=sys.argv[2], stdout=w, env={'PATH': os.environ['PATH']})",
    'os.close(w)',
    'time.sleep(1)',
    "data = b''.join(iter(lambda: os.read(r, 1 << 16), b''))",
    "print(p.wait(), len(data), data.count(b'\\n'))",
  ].join('\n');
  const { stdout, stderr } = spawnSync('python3', ['-c', reader, process.execPath, layout(chattyCore(20000))], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(stderr, '');
  assert.equal(stdout, '0 2000000 20000\n');
});

test('not ok: exit 1 with the annotation', () => {
  const { status, stdout } = runEntry(
    `exports.run = async () => ({ ok: false, outputs: {}, summary: '', error: { message: 'bad', file: 'f.yaml', line: 1, col: 2 } });`,
  );
  assert.equal(status, 1);
  assert.equal(stdout, '::error file=f.yaml,line=1,col=2::bad\n');
});

test('panic inside a microtask (as wasm-bindgen-futures polls): exit 1, the panic message, no stack', () => {
  const { status, stdout, stderr } = runEntry(
    `exports.run = (req, host) => new Promise(() => {
       queueMicrotask(() => {
         host.panic('index out of bounds: the len is 0 but the index is 0');
         throw new WebAssembly.RuntimeError('unreachable');
       });
     });`,
    { INPUT_TOKEN: 'ghs_x' },
  );
  assert.equal(status, 1);
  assert.equal(stdout, '::add-mask::ghs_x\n::error::gitops-action crashed: index out of bounds: the len is 0 but the index is 0\n');
  assert.equal(stderr, '');
});

test('a core that cannot load (missing wasm): exit 1 with the error', () => {
  const { status, stdout } = runEntry(`require('fs').readFileSync(__dirname + '/gitops_action_bg.wasm');`);
  assert.equal(status, 1);
  assert.match(stdout, /^::error::gitops-action crashed: Error: ENOENT: no such file or directory, open '.*gitops_action_bg\.wasm'\n$/);
});

test('an old Node in the job container gets a message naming the runner label, not a crash', () => {
  const dir = layout(`exports.run = async () => { throw new Error('must not load'); };`);
  // Node 16, as the node:16-bullseye images of runners registered before 2024-03 have it.
  fs.writeFileSync(
    path.join(dir, 'old-node.js'),
    `Object.defineProperty(process, 'version', { value: 'v16.20.2' });
     Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '16.20.2' } });`,
  );
  const r = spawnSync(process.execPath, ['-r', './old-node.js', 'index.js'], { cwd: dir, env: { PATH: process.env.PATH }, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^::error::gitops-action needs Node\.js 20 or newer in the job container, and this job runs Node v16\.20\.2\./);
  assert.match(r.stdout, /ubuntu-latest:docker:\/\/docker\.gitea\.com\/runner-images:ubuntu-latest/);
  assert.doesNotMatch(r.stdout, /must not load|crashed/);
});
