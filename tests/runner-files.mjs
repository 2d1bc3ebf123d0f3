// What a runner hands a step and reads back from it; shared by the tests and benchmarks that
// run dist/index.js as a runner would.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The committed action, as runners start it. */
export const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');

/**
 * The environment a runner gives a step: the workspace `dir` with the step's output and summary
 * files in it (`dir/output`, `dir/summary`), the server at `serverUrl` and its API, and the
 * repository the job runs for.
 * @param {{dir: string, serverUrl: string, repository?: string}} where
 * @returns {Record<string, string | undefined>}
 */
export function runnerEnv({ dir, serverUrl, repository }) {
  return {
    PATH: process.env.PATH,
    GITHUB_WORKSPACE: dir,
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    GITHUB_SERVER_URL: serverUrl,
    GITHUB_API_URL: `${serverUrl}/api/v1`,
    GITHUB_REPOSITORY: repository,
  };
}

/**
 * Parses a $GITHUB_OUTPUT file: `name<<DELIMITER` heredocs, as the shim writes them.
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseOutputs(text) {
  const outputs = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]);
    if (!m) continue;
    const value = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]);
    outputs[m[1]] = value.join('\n');
  }
  return outputs;
}

/**
 * Runs the committed dist/index.js as a runner runs a step: `INPUT_*` from `inputs` (an
 * `undefined` value leaves one out), `env` on top of runnerEnv(), in a fresh workspace that is
 * removed afterwards. Resolves to the exit code, the log (stdout and stderr), the parsed outputs,
 * the job summary, every file the step left in its workspace (`files`: path → text), the wall
 * time, and with `measureMemory` the process's peak resident set size (`maxRssKiB`, from
 * `process.resourceUsage()` at exit).
 * @param {{serverUrl: string, repository?: string, inputs?: Record<string, string | undefined>,
 *          env?: Record<string, string | undefined>, measureMemory?: boolean}} step
 * @returns {Promise<{code: number | null, log: string, outputs: Record<string, string>,
 *          summary: string, files: Record<string, string>, ms: number, maxRssKiB?: number}>}
 */
export function runStep({ serverUrl, repository, inputs = {}, env = {}, measureMemory = false }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'gitops-step-'));
  const all = { ...runnerEnv({ dir, serverUrl, repository }), ...env };
  for (const [k, v] of Object.entries(inputs)) all[`INPUT_${k.toUpperCase()}`] = v;
  for (const [k, v] of Object.entries(all)) if (v === undefined) delete all[k];
  const rssFile = path.join(dir, '.max-rss');
  const args = [];
  if (measureMemory) {
    const preload = path.join(dir, '.measure.cjs');
    writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`);
    args.push('--require', preload);
  }
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...args, DIST], { env: all, cwd: dir });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.on('close', (code) => {
      const ms = Date.now() - started;
      const files = {};
      for (const name of readdirSync(dir, { recursive: true })) {
        const full = path.join(dir, name);
        if (full !== rssFile && !full.endsWith('.measure.cjs') && statSync(full).isFile()) files[name] = readFileSync(full, 'utf8');
      }
      const result = { code, log, outputs: parseOutputs(files.output ?? ''), summary: files.summary ?? '', files, ms };
      if (measureMemory && existsSync(rssFile)) result.maxRssKiB = Number(readFileSync(rssFile, 'utf8'));
      rmSync(dir, { recursive: true, force: true });
      resolve(result);
    });
  });
}
