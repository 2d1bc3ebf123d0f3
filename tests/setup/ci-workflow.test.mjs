// The project's own CI (.gitea/workflows/ci.yml) runs the README's test command, and act reads
// the workflow (`act --list` loads it through act's workflow schema, which rejects unknown keys
// and contexts). Not a dry run: act's `-n` still runs `run:` steps in host mode.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ACT = path.join(ROOT, '.venv', 'bin', 'act');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

test('.gitea/workflows/ci.yml runs the README test command, and act reads it', (t) => {
  const testCommand = README.match(/^bash (scripts\/test\.sh)\b/m);
  assert.ok(testCommand, 'README names its test command as `bash scripts/test.sh`');
  const workflow = fs.readFileSync(path.join(ROOT, '.gitea', 'workflows', 'ci.yml'), 'utf8');
  const runs = [...workflow.matchAll(/^\s+run: (.+)$/gm)].map((m) => m[1].trim());
  assert.equal(runs.at(-1), `bash ${testCommand[1]}`, 'the last step runs the README test command');
  assert.match(workflow, /^\s+branches: \[main\]$/m, 'it runs on pushes to main');

  assert.ok(fs.existsSync(ACT), `act is not installed at ${ACT}: run scripts/setup.sh`);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-workflow-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  const list = (file) =>
    spawnSync(ACT, ['--list', '-W', file], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: home, ACT_DISABLE_VERSION_CHECK: '1' }, encoding: 'utf8', timeout: 60_000 });
  const r = list('.gitea/workflows/ci.yml');
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  // act lists the events in map order, which varies from run to run: compare them as a set.
  const row = r.stdout.match(/^0\s+test\s+test\s+CI\s+ci\.yml\s+(\S+)\s*$/m);
  assert.ok(row, r.stdout);
  assert.deepEqual(row[1].split(',').sort(), ['pull_request', 'push']);

  // the check can fail: a workflow with an unknown key is refused
  const broken = path.join(home, 'broken.yml');
  fs.writeFileSync(broken, workflow.replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    no-such-key: 1'));
  assert.notEqual(list(broken).status, 0, 'act refuses a workflow with an unknown key');
});
