'use strict';
// Workflow runs: a queue in front of a fixed number of runner slots, each run executed by
// nektos/act in host mode in a fresh checkout of the dispatched ref.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const git = require('./git');

const MAX_LOG = 2 * 1024 * 1024;

function nowIso() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// All descendants of `pid` (from /proc), deepest last.
function descendants(pid) {
  const children = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(rest[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {
      /* gone */
    }
  }
  const out = [];
  const walk = (p) => {
    for (const c of children.get(p) || []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function pgidOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return null;
  }
}

// Terminates act and everything it started. act runs host-mode steps on a pseudo-terminal,
// in a session (and process group) of their own, so killing act's group is not enough:
// every process group found below act is signalled too.
function killTree(pid, signal) {
  const pids = [pid, ...descendants(pid)];
  const groups = new Set(pids.map(pgidOf).filter((g) => g && g > 1 && g !== process.pid && g !== pgidOf(process.pid)));
  for (const g of groups) {
    try {
      process.kill(-g, signal);
    } catch {
      /* already gone */
    }
  }
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      /* already gone */
    }
  }
  return pids;
}

const DEFAULT_ACTION_EXCLUDE = ['.git', 'target', '.venv', '.tools', 'fuzz', 'tests', '.ci'];

function stageActionDir(src, dst, exclude) {
  const top = new Set(exclude || DEFAULT_ACTION_EXCLUDE);
  fs.cpSync(src, dst, {
    recursive: true,
    dereference: false,
    filter: (p) => {
      const rel = path.relative(src, p);
      if (!rel) return true;
      const first = rel.split(path.sep)[0];
      return !top.has(first);
    },
  });
}

class RunManager {
  constructor(sb) {
    this.sb = sb; // the sandbox: flavor, repos, users, dataDir, options, faults, url
    this.runs = [];
    this.nextRunId = 1;
    this.nextJobId = 1;
    this.nextTaskId = 1;
    this.indexByRepo = new Map();
    this.capacity = sb.options.capacity;
    this.waiters = new Set();
    this.stopping = false;
  }

  get(id) {
    return this.runs.find((r) => r.id === Number(id));
  }

  forRepo(repo) {
    return this.runs.filter((r) => r.repo === repo);
  }

  activeToken(token) {
    return this.runs.find((r) => r.token === token && r.status !== 'completed');
  }

  // Creates a run in the queue. `info`: {repo, workflowId, workflowDir, workflowPath, workflow (parsed),
  // workflowText, ref, refName, sha, inputs, actor, title, fault}
  create(info) {
    const repo = info.repo;
    const idx = (this.indexByRepo.get(repo.key) || 0) + 1;
    this.indexByRepo.set(repo.key, idx);
    const t = nowIso();
    const run = {
      id: this.nextRunId++,
      index: idx,
      repo,
      workflowId: info.workflowId,
      workflowDir: info.workflowDir,
      workflowPath: info.workflowPath,
      payloadWorkflow: info.payloadWorkflow || info.workflowId,
      dispatchable: info.dispatchable !== false,
      workflowName: info.workflow.name || info.workflowPath,
      workflowText: info.workflowText,
      workflow: info.workflow,
      ref: info.ref,
      refName: info.refName,
      sha: info.sha,
      event: 'workflow_dispatch',
      inputs: info.inputs,
      actor: info.actor,
      title: info.title,
      fault: info.fault || null,
      status: 'queued', // queued | blocked | in_progress | completed (converted per flavor)
      concurrency: info.concurrency || null, // {group, cancel} (Gitea 1.26)
      conclusion: null, // success | failure | cancelled
      created: t,
      updated: t,
      started: null,
      completed: null,
      token: crypto.randomBytes(20).toString('hex'),
      log: '',
      proc: null,
      jobs: Object.entries(info.workflow.jobs || {}).map(([key, job]) => ({
        id: this.nextJobId++,
        key,
        name: (job && job.name) || key,
        labels: [].concat((job && job['runs-on']) || []).map(String),
        steps: ((job && job.steps) || []).map((s, i) => ({ number: i + 1, name: s.name || (s.uses ? `Run ${s.uses}` : `Run ${String(s.run || '').split('\n')[0]}`) })),
        taskId: null,
      })),
    };
    this.runs.push(run);
    this.appendLog(run, `[sandbox] run ${run.id} (#${run.index}) queued: ${run.workflowPath} at ${run.ref} (${run.sha})\n`);
    if (run.concurrency) this.applyConcurrency(run);
    return run;
  }

  // Gitea 1.26 (services/actions/clear_tasks.go PrepareToStartRunWithConcurrency,
  // models/actions/run.go CancelPreviousJobsByRunConcurrency): a new run of a concurrency group
  // cancels the group's waiting and blocked runs (and its running ones with cancel-in-progress);
  // without cancel-in-progress it is blocked while a run of the group is running.
  applyConcurrency(run) {
    const { group, cancel } = run.concurrency;
    this.appendLog(run, `[sandbox] concurrency group ${JSON.stringify(group)}, cancel-in-progress: ${cancel}\n`);
    const same = (r) => r !== run && r.repo === run.repo && r.concurrency && r.concurrency.group === group;
    // decide first: cancelling below re-runs the scheduler
    if (!cancel && this.runs.some((r) => same(r) && r.status === 'in_progress')) {
      run.status = 'blocked';
      this.appendLog(run, '[sandbox] blocked until the running run of its concurrency group completes\n');
    }
    for (const r of this.runs.filter(same)) {
      if (r.status === 'queued' || r.status === 'blocked' || (cancel && r.status === 'in_progress')) {
        this.cancel(r, `a newer run (${run.id}) of concurrency group ${JSON.stringify(group)}`);
      }
    }
  }

  unblock() {
    for (const r of this.runs) {
      if (r.status !== 'blocked') continue;
      const { group } = r.concurrency;
      const busy = this.runs.some((x) => x !== r && x.repo === r.repo && x.concurrency && x.concurrency.group === group && x.status === 'in_progress');
      if (!busy) {
        r.status = 'queued';
        this.appendLog(r, '[sandbox] unblocked\n');
      }
    }
  }

  appendLog(run, text) {
    if (run.log.length < MAX_LOG) run.log += text;
    run.updated = nowIso();
  }

  schedule() {
    if (this.stopping) return;
    this.unblock();
    let running = this.runs.filter((r) => r.status === 'in_progress').length;
    for (const run of this.runs) {
      if (running >= this.capacity) break;
      if (run.status !== 'queued') continue;
      running++;
      this.start(run);
    }
  }

  start(run) {
    run.status = 'in_progress';
    run.started = nowIso();
    run.updated = run.started;
    for (const j of run.jobs) j.taskId = this.nextTaskId++;
    this.notify();
    if (run.fault === 'run-hang') {
      this.appendLog(run, '[sandbox] fault injected: this run hangs until it is cancelled\n');
      return;
    }
    if (run.fault === 'run-fail') {
      this.appendLog(run, '[sandbox] fault injected: this run fails\n');
      setTimeout(() => this.finish(run, 'failure'), 20);
      return;
    }
    this.execute(run).catch((e) => {
      this.appendLog(run, `[sandbox] could not start the run: ${e.stack || e}\n`);
      this.finish(run, 'failure');
    });
  }

  async execute(run) {
    const sb = this.sb;
    const dir = path.join(sb.dataDir, 'runs', String(run.id));
    const home = path.join(dir, 'home');
    const work = path.join(dir, 'work');
    fs.mkdirSync(home, { recursive: true });
    const remoteUrl = `${sb.url}/${run.repo.owner}/${run.repo.name}.git`;
    await git.checkout(run.repo.gitDir, run.sha, work, { branch: run.refName, remoteUrl });
    if (run.status !== 'in_progress') return; // cancelled while checking out

    const actPath = sb.options.actPath;
    if (!actPath || !fs.existsSync(actPath)) {
      this.appendLog(run, `[sandbox] act not found at ${actPath}: run tests/sandbox/install-act.sh\n`);
      return this.finish(run, 'failure');
    }

    // Refuse remote actions that are not mapped to a local folder: act would try to clone
    // them from the internet.
    // act copies a local action folder whole: give it a copy of the project without build
    // output and tooling (target/, .venv/, .git/, tests/ ...).
    const actionCopy = path.join(dir, 'action');
    stageActionDir(sb.options.actionDir, actionCopy, sb.options.actionExclude);
    const localActions = { 'niko/gitops-action@v1': actionCopy, ...sb.options.localActions };
    const unmapped = [];
    for (const job of Object.values(run.workflow.jobs || {})) {
      for (const step of (job && job.steps) || []) {
        if (!step || typeof step.uses !== 'string') continue;
        const u = step.uses;
        if (u.startsWith('./') || u.startsWith('docker://')) continue;
        const key = u.replace(/^https?:\/\/[^/]+\//, '');
        if (!localActions[key]) unmapped.push(u);
      }
    }
    if (unmapped.length) {
      this.appendLog(run, `[sandbox] the workflow uses actions that are not available offline: ${unmapped.join(', ')}; map them with --local-action owner/repo@ref=DIR\n`);
      return this.finish(run, 'failure');
    }

    const event = {
      inputs: run.inputs,
      ref: run.ref,
      workflow: run.payloadWorkflow,
      repository: { full_name: `${run.repo.owner}/${run.repo.name}`, name: run.repo.name, owner: { login: run.repo.owner }, default_branch: run.repo.defaultBranch },
      sender: { login: run.actor.name },
    };
    const eventPath = path.join(dir, 'event.json');
    fs.writeFileSync(eventPath, JSON.stringify(event, null, 2));
    const secrets = { ...sb.repoSecrets(run.repo), GITEA_TOKEN: run.token, GITHUB_TOKEN: run.token };
    const secretFile = path.join(dir, 'secrets.env');
    fs.writeFileSync(secretFile, Object.entries(secrets).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });

    const labels = new Set(['ubuntu-latest']);
    for (const j of run.jobs) for (const l of j.labels) labels.add(l);
    const host = new URL(sb.url).host;
    // a workflow without workflow_dispatch (dispatched anyway by Gitea < 1.26 and Forgejo): let act
    // pick the workflow's first event
    const args = [...(run.dispatchable ? ['workflow_dispatch'] : ['--detect-event']), '--no-cache-server', '--action-offline-mode'];
    for (const l of labels) args.push('-P', `${l}=-self-hosted`);
    args.push(
      '-W', path.join(work, run.workflowPath),
      '-e', eventPath,
      '-C', work,
      '--action-cache-path', path.join(home, '.cache', 'act'),
      '--github-instance', host,
      '--defaultbranch', run.repo.defaultBranch,
      '-a', run.actor.name,
      '--env', `GITHUB_SERVER_URL=${sb.url}`,
      '--env', `GITHUB_API_URL=${sb.url}/api/v1`,
      '--env', 'GITEA_ACTIONS=true',
      '--env', `GITHUB_RUN_ID=${run.id}`,
      '--env', `GITHUB_RUN_NUMBER=${run.index}`,
      '--secret-file', secretFile,
      '--var-file', '/dev/null',
      '--env-file', '/dev/null',
      '--input-file', '/dev/null',
    );
    for (const [k, v] of Object.entries(localActions)) if (v) args.push('--local-repository', `${k}=${v}`);

    const dead = 'http://127.0.0.1:9'; // nothing listens there: any attempt to reach the internet fails at once
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      LANG: 'C.UTF-8',
      TMPDIR: path.join(dir, 'tmp'),
      ACT_DISABLE_VERSION_CHECK: '1',
      NO_COLOR: '1',
      HTTP_PROXY: dead,
      HTTPS_PROXY: dead,
      ALL_PROXY: dead,
      http_proxy: dead,
      https_proxy: dead,
      all_proxy: dead,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      GIT_CONFIG_NOSYSTEM: '1',
    };
    fs.mkdirSync(env.TMPDIR, { recursive: true });
    this.appendLog(run, `[sandbox] ${actPath} ${args.join(' ')}\n`);
    const child = spawn(actPath, args, { cwd: work, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    run.proc = child;
    child.stdout.on('data', (d) => this.appendLog(run, d.toString()));
    child.stderr.on('data', (d) => this.appendLog(run, d.toString()));
    child.on('error', (e) => this.appendLog(run, `[sandbox] act failed to start: ${e}\n`));
    child.on('close', (code, signal) => {
      run.proc = null;
      this.appendLog(run, `[sandbox] act exited with ${code === null ? signal : code}\n`);
      // leave nothing behind: a step may have started background processes
      if (child.pid) killTree(child.pid, 'SIGKILL');
      this.finish(run, run.cancelRequested ? 'cancelled' : code === 0 ? 'success' : 'failure');
    });
  }

  finish(run, conclusion) {
    if (run.status === 'completed') return;
    run.status = 'completed';
    run.conclusion = conclusion;
    run.completed = nowIso();
    run.updated = run.completed;
    this.appendLog(run, `[sandbox] run ${run.id} completed: ${conclusion}\n`);
    this.notify();
    this.schedule();
    if (!this.sb.options.keepRunDirs && !this.stopping) {
      // keep event.json; the log stays in memory
      for (const d of ['home', 'work', 'action', 'tmp', 'secrets.env']) {
        fs.rm(path.join(this.sb.dataDir, 'runs', String(run.id), d), { recursive: true, force: true }, () => {});
      }
    }
  }

  cancel(run, why) {
    if (run.status === 'completed') return false;
    this.appendLog(run, `[sandbox] cancelling: ${why}\n`);
    run.cancelRequested = true;
    if (run.status === 'queued' || run.status === 'blocked' || !run.proc) {
      this.finish(run, 'cancelled');
      return true;
    }
    const pid = run.proc.pid;
    killTree(pid, 'SIGTERM');
    setTimeout(() => {
      if (run.proc && run.proc.pid === pid) killTree(pid, 'SIGKILL');
    }, 3000).unref();
    return true;
  }

  notify() {
    for (const w of [...this.waiters]) w();
  }

  // Resolves when `pred()` is true or after `timeoutMs`.
  waitFor(pred, timeoutMs) {
    return new Promise((resolve) => {
      if (pred()) return resolve(true);
      const w = () => {
        if (pred()) {
          this.waiters.delete(w);
          clearTimeout(t);
          resolve(true);
        }
      };
      const t = setTimeout(() => {
        this.waiters.delete(w);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  async stopAll() {
    this.stopping = true;
    const live = this.runs.filter((r) => r.proc);
    for (const r of live) {
      r.cancelRequested = true;
      killTree(r.proc.pid, 'SIGTERM');
    }
    const deadline = Date.now() + 3000;
    while (live.some((r) => r.proc) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    for (const r of live) if (r.proc) killTree(r.proc.pid, 'SIGKILL');
    const deadline2 = Date.now() + 2000;
    while (live.some((r) => r.proc) && Date.now() < deadline2) await new Promise((res) => setTimeout(res, 50));
    for (const r of this.runs) if (r.status !== 'completed') this.finish(r, 'cancelled');
  }
}

module.exports = { RunManager, killTree, nowIso, stageActionDir, DEFAULT_ACTION_EXCLUDE };
