'use strict';
// Workflow runs: a queue in front of a fixed number of runner slots, the runs' jobs and their
// tasks, each run executed by nektos/act (lib/act.js) in host mode in a fresh checkout of the
// dispatched ref.

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { parsePermissions } = require('./auth');

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

  // The run whose automatic token (or the sandbox's own checkout token) this is, while it runs.
  activeToken(token) {
    for (const r of this.runs) {
      if (r.status === 'completed') continue;
      if (r.token === token) return { run: r, internal: false };
      if (r.cloneToken === token) return { run: r, internal: true };
    }
    return null;
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
      // what the sandbox's own checkout of the ref authenticates with (not given to the run)
      cloneToken: crypto.randomBytes(20).toString('hex'),
      log: '',
      proc: null,
      jobs: Object.entries(info.workflow.jobs || {}).map(([key, job]) => {
        const j = job || {};
        const needs = [].concat(j.needs || []).map(String);
        return {
          id: this.nextJobId++,
          key,
          name: j.name || key,
          labels: [].concat(j['runs-on'] || []).map(String),
          steps: (j.steps || []).map((s, i) => ({ number: i + 1, name: s.name || (s.uses ? `Run ${s.uses}` : `Run ${String(s.run || '').split('\n')[0]}`) })),
          needs,
          uses: typeof j.uses === 'string' ? j.uses : null,
          matrix: !!(j.strategy && j.strategy.matrix),
          // services/actions/run.go @v1.26.4 L131-132 ExtractJobPermissionsFromWorkflow: the job's
          // `permissions:`, else the workflow's, else none (the owner/repo default mode applies)
          permissions: parsePermissions(j.permissions !== undefined ? j.permissions : info.workflow.doc && info.workflow.doc.permissions),
          // actions_model.Status: a job with needs is blocked, the others wait for a runner
          status: needs.length ? 'blocked' : 'waiting',
          taskId: null, // a task exists once a runner picked the job up
          started: null,
          stopped: null,
          updated: t,
        };
      }),
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
    this.notify();
    if (run.fault === 'run-hang' || run.fault === 'run-fail') {
      // no act: the jobs a runner would pick up first (those without needs) get their tasks
      for (const j of run.jobs) if (!j.needs.length) this.jobStarted(run, j);
    }
    if (run.fault === 'run-hang') {
      this.appendLog(run, '[sandbox] fault injected: this run hangs until it is cancelled\n');
      return;
    }
    if (run.fault === 'run-fail') {
      this.appendLog(run, '[sandbox] fault injected: this run fails\n');
      setTimeout(() => this.finish(run, 'failure'), 20);
      return;
    }
    require('./act')
      .executeWithAct(this, run)
      .catch((e) => {
        this.appendLog(run, `[sandbox] could not start the run: ${e.stack || e}\n`);
        this.finish(run, 'failure');
      });
  }

  // A runner picked the job up: its task is created, running (models/actions/task.go CreateTaskForRunner).
  jobStarted(run, job) {
    if (job.taskId || run.status !== 'in_progress') return;
    job.taskId = this.nextTaskId++;
    job.status = 'running';
    job.started = job.updated = nowIso();
    this.notify();
  }

  jobFinished(run, job, status) {
    // a run being cancelled: act reports the killed jobs as failed; the servers mark them cancelled (finish)
    if (!job.taskId || job.status !== 'running' || run.cancelRequested) return;
    job.status = status;
    job.stopped = job.updated = nowIso();
    this.notify();
  }

  finish(run, conclusion) {
    if (run.status === 'completed') return;
    run.status = 'completed';
    run.conclusion = conclusion;
    run.completed = nowIso();
    run.updated = run.completed;
    for (const j of run.jobs) {
      if (j.status === 'running') {
        // a job still running ends with the run (a matrix or reusable-workflow job: failure if act
        // reported a failed part)
        j.status = conclusion === 'cancelled' ? 'cancelled' : j.sawFailure ? 'failure' : conclusion;
        j.stopped = j.updated = run.completed;
      } else if (j.status === 'waiting' || j.status === 'blocked') {
        // never picked up: cancelled with the run, else skipped (a failed need, or act skipped it); no task
        j.status = conclusion === 'cancelled' ? 'cancelled' : 'skipped';
        j.updated = run.completed;
      }
    }
    this.appendLog(run, `[sandbox] run ${run.id} completed: ${conclusion}\n`);
    this.notify();
    this.schedule();
    if (!this.sb.options.keepRunDirs && !this.stopping) {
      // keep event.json; the log stays in memory
      for (const d of ['home', 'work', 'action', 'actions', 'tmp', 'secrets.env']) {
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

module.exports = { RunManager, killTree, descendants, nowIso };
