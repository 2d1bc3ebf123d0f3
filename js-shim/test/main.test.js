'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { EventEmitter } = require('node:events');
const { runAction } = require('../main.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-main-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A stand-in for `process` (env, cwd, exitCode, `on`/`emit`), with `print` collecting lines. */
function fakeProc(env) {
  const proc = new EventEmitter();
  proc.env = env;
  proc.cwd = () => '/cwd';
  proc.exitCode = undefined;
  const printed = [];
  proc.print = (line) => printed.push(line);
  proc.lines = () => [...printed];
  return proc;
}

/** A fresh file path in the temp dir. */
let n = 0;
const tmpFile = (name) => path.join(tmp, `${n++}-${name}`);

/** Runs the shim against a fake core whose `run` is `run`. */
async function runWith(env, run) {
  const proc = fakeProc(env);
  await runAction({ proc, print: proc.print, loadCore: () => ({ run }), newUuid: () => 'uuid' });
  return proc;
}

test('masks every token input before anything else is printed or loaded', async () => {
  const proc = fakeProc({ INPUT_TOKEN: 'ghs_secret', INPUT_STATUS_TOKEN: 'line1\nline2\n', INPUT_MODE: 'apply', INPUT_REPO: 'o/r' });
  let linesAtLoad;
  await runAction({
    proc,
    print: proc.print,
    loadCore: () => {
      linesAtLoad = proc.lines();
      return {
        async run(request, host) {
          host.log('info', `using ${request.inputs.token}`);
          return { ok: true, outputs: {}, summary: '' };
        },
      };
    },
  });
  const masks = ['::add-mask::ghs_secret', '::add-mask::line1', '::add-mask::line2'];
  assert.deepEqual(linesAtLoad, masks);
  assert.deepEqual(proc.lines(), [...masks, 'using ghs_secret']);
  assert.equal(proc.exitCode, 0);
});

test('the core gets lower-cased inputs, a copy of the environment and the cwd', async () => {
  const env = { INPUT_GITOPS_FILE: 'values.yaml', INPUT_yq_tpl: '.a = 1', GITHUB_WORKSPACE: '/ws' };
  let seen;
  const proc = await runWith(env, async (request) => {
    seen = request;
    return { ok: true, outputs: {}, summary: '' };
  });
  assert.deepEqual(seen.inputs, { gitops_file: 'values.yaml', yq_tpl: '.a = 1' });
  assert.deepEqual(seen.env, env);
  assert.notEqual(seen.env, env);
  assert.equal(seen.cwd, '/cwd');
  assert.equal(proc.exitCode, 0);
});

test('ok: outputs and summary are written, exit code 0', async () => {
  const out = tmpFile('output');
  const summary = tmpFile('summary');
  const proc = await runWith({ GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: summary }, async () => ({
    ok: true,
    outputs: { changed: 'true', diff: '-a\n+b' },
    summary: '### Updated',
  }));
  assert.equal(fs.readFileSync(out, 'utf8'), 'changed<<ghadelimiter_uuid\ntrue\nghadelimiter_uuid\ndiff<<ghadelimiter_uuid\n-a\n+b\nghadelimiter_uuid\n');
  assert.equal(fs.readFileSync(summary, 'utf8'), '### Updated\n');
  assert.deepEqual(proc.lines(), []);
  assert.equal(proc.exitCode, 0);
});

test('not ok: outputs still written, an annotation with file/line/col, exit code 1', async () => {
  const out = tmpFile('output');
  const summary = tmpFile('summary');
  const proc = await runWith({ GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: summary }, async () => ({
    ok: false,
    outputs: { changed: 'false' },
    summary: 'failed',
    error: { message: 'unexpected token `=`\n.version = = 1\n          ^', file: 'chart/a,b.yaml', line: 3, col: 11 },
  }));
  assert.equal(fs.readFileSync(out, 'utf8'), 'changed<<ghadelimiter_uuid\nfalse\nghadelimiter_uuid\n');
  assert.equal(fs.readFileSync(summary, 'utf8'), 'failed\n');
  assert.deepEqual(proc.lines(), ['::error file=chart/a%2Cb.yaml,line=3,col=11::unexpected token `=`%0A.version = = 1%0A          ^']);
  assert.equal(proc.exitCode, 1);
});

test('not ok without a location, or without an error at all', async () => {
  let proc = await runWith({}, async () => ({ ok: false, outputs: {}, summary: '', error: { message: 'mode is required' } }));
  assert.deepEqual(proc.lines(), ['::error::mode is required']);
  assert.equal(proc.exitCode, 1);
  proc = await runWith({}, async () => ({ ok: false, outputs: {}, summary: '' }));
  assert.deepEqual(proc.lines(), ['::error::gitops-action failed']);
  assert.equal(proc.exitCode, 1);
});

test('panic: the message the hook reported is printed, nothing else is written', async () => {
  const out = tmpFile('output');
  const proc = await runWith({ GITHUB_OUTPUT: out }, async (request, host) => {
    host.panic("called `Option::unwrap()` on a `None` value at /build/src/lib.rs:10:5");
    throw new WebAssembly.RuntimeError('unreachable');
  });
  assert.deepEqual(proc.lines(), ['::error::gitops-action crashed: called `Option::unwrap()` on a `None` value at /build/src/lib.rs:10:5']);
  assert.equal(fs.existsSync(out), false);
  assert.equal(proc.exitCode, 1);
});

test('a rejection without a panic message reports the JS error', async () => {
  const proc = await runWith({}, async () => {
    throw new WebAssembly.RuntimeError('unreachable');
  });
  assert.deepEqual(proc.lines(), ['::error::gitops-action crashed: RuntimeError: unreachable']);
  assert.equal(proc.exitCode, 1);
});

test('a trap surfacing as an uncaught exception is reported once', async () => {
  const proc = fakeProc({});
  runAction({
    proc,
    print: proc.print,
    loadCore: () => ({
      run: (request, host) => {
        host.panic('boom');
        return new Promise(() => {});
      },
    }),
  });
  await new Promise(setImmediate);
  proc.emit('uncaughtException', new WebAssembly.RuntimeError('unreachable'));
  proc.emit('unhandledRejection', new WebAssembly.RuntimeError('unreachable'));
  assert.deepEqual(proc.lines(), ['::error::gitops-action crashed: boom']);
  assert.equal(proc.exitCode, 1);
});

test('a core that fails to load is reported after the masks', async () => {
  const proc = fakeProc({ INPUT_TOKEN: 'ghs_x' });
  await runAction({
    proc,
    print: proc.print,
    loadCore: () => {
      throw new Error("Cannot find module './core/gitops_action.js'");
    },
  });
  assert.deepEqual(proc.lines(), ['::add-mask::ghs_x', "::error::gitops-action crashed: Error: Cannot find module './core/gitops_action.js'"]);
  assert.equal(proc.exitCode, 1);
});

test('an unwritable output file fails the step', async () => {
  const proc = await runWith({ GITHUB_OUTPUT: path.join(tmp, 'no/such/dir/output') }, async () => ({ ok: true, outputs: { changed: 'true' }, summary: '' }));
  assert.equal(proc.lines().length, 1);
  assert.match(proc.lines()[0], /^::error::gitops-action could not write its results: ENOENT/);
  assert.equal(proc.exitCode, 1);
});
