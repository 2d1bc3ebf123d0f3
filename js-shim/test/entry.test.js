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
/**
 * Lays out a dist-like folder: the shim's modules plus `core/gitops_action.js` = `coreSource`,
 * and runs `node index.js` there with `env` (plus PATH).
 */
function runEntry(coreSource, env = {}) {
  const dir = path.join(tmp, String(n++));
  fs.mkdirSync(path.join(dir, 'core'), { recursive: true });
  for (const f of fs.readdirSync(SHIM).filter((f) => f.endsWith('.js'))) {
    fs.copyFileSync(path.join(SHIM, f), path.join(dir, f));
  }
  fs.writeFileSync(path.join(dir, 'core', 'gitops_action.js'), coreSource);
  const result = spawnSync(process.execPath, ['index.js'], { cwd: dir, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 20_000 });
  return { ...result, dir };
}

test('ok: exit 0, outputs in GITHUB_OUTPUT, the long log fully flushed', () => {
  const out = path.join(tmp, 'out-ok');
  const { status, stdout, stderr } = runEntry(
    `exports.run = async (req, host) => {
       for (let i = 0; i < 20000; i++) host.log('info', 'line ' + i);
       return { ok: true, outputs: { changed: 'true', version: req.inputs.version }, summary: '' };
     };`,
    { GITHUB_OUTPUT: out, INPUT_VERSION: '1.2.3' },
  );
  assert.equal(stderr, '');
  assert.equal(status, 0);
  const lines = stdout.split('\n');
  assert.equal(lines.length, 20001);
  assert.equal(lines[19999], 'line 19999');
  assert.match(fs.readFileSync(out, 'utf8'), /^changed<<(ghadelimiter_[0-9a-f-]{36})\ntrue\n\1\nversion<<(ghadelimiter_[0-9a-f-]{36})\n1\.2\.3\n\2\n$/);
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
