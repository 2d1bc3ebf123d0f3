'use strict';
// Running one workflow run with nektos/act in host mode, as a runner registered at the sandbox's
// runner address would: the checkout (cloned over HTTP through the runner address with the run's
// token), the actions its steps use (resolved as the server's [actions] DEFAULT_ACTIONS_URL and the
// runners say), the event, secrets and environment, and act's output, from which the jobs' starts
// and ends are read.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');
const git = require('./git');
const { repoJson } = require('./api/repos');
const { userJson } = require('./api/users');

const DEFAULT_ACTION_EXCLUDE = ['.git', 'target', '.venv', '.tools', 'fuzz', 'tests', '.ci'];

// act copies a local action folder whole: a copy of the project without build output and tooling.
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

// `uses:` of a step: {host: 'https://github.com' | null (the default), owner, repo, path, ref} or null
// for local (./) and docker:// steps. The URL form `http(s)://host/owner/repo[/path]@ref` names its server.
function parseUses(uses) {
  if (typeof uses !== 'string' || uses.startsWith('./') || uses.startsWith('docker://')) return null;
  let host = null;
  let rest = uses;
  const m = /^(https?:\/\/[^/]+)\/(.*)$/.exec(uses);
  if (m) {
    host = m[1];
    rest = m[2];
  }
  const at = rest.lastIndexOf('@');
  if (at < 0) return { bad: `${uses} has no @ref` };
  const parts = rest.slice(0, at).split('/');
  if (parts.length < 2 || !parts[0] || !parts[1]) return { bad: `${uses} is not owner/repo[/path]@ref` };
  return { host, owner: parts[0], repo: parts[1], path: parts.slice(2).join('/'), ref: rest.slice(at + 1), uses };
}

// The server URL `uses: owner/repo@ref` resolves to: modules/setting/actions.go defaultActionsURL.URL()
// (Gitea @v1.26.4: "github" -> https://github.com, "self" -> ROOT_URL; Forgejo @v12.0.4: the same
// two words, any other string as is), sent to the runner as gitea_default_actions_url.
function defaultActionsUrl(sb) {
  const v = sb.settings.default_actions_url;
  if (v === 'github') return 'https://github.com';
  if (v === 'self') return sb.url;
  return String(v).replace(/\/+$/, '');
}

// The steps' `uses:` of the workflow and of the local reusable workflows it calls
// (`jobs.x.uses: ./.gitea/workflows/y.yml`), and the remote reusable workflows (`jobs.x.uses: o/r/...@ref`).
function collectUses(workflow, workDir) {
  const steps = [];
  const remoteReusable = [];
  const seen = new Set();
  const visit = (wf, file) => {
    for (const [key, job] of Object.entries((wf && wf.jobs) || {})) {
      if (!job || typeof job !== 'object') continue;
      if (typeof job.uses === 'string') {
        if (job.uses.startsWith('./')) {
          const p = path.join(workDir, job.uses.split('@')[0]);
          if (seen.has(p) || !fs.existsSync(p)) continue;
          seen.add(p);
          try {
            visit(YAML.parse(fs.readFileSync(p, 'utf8')), job.uses);
          } catch {
            /* act reports it */
          }
        } else remoteReusable.push({ job: key, uses: job.uses, file });
      }
      for (const step of job.steps || []) if (step && typeof step.uses === 'string') steps.push({ job: key, uses: step.uses, file });
    }
  };
  visit(workflow, null);
  return { steps, remoteReusable };
}

// Resolves every step's action as the runner would: `owner/repo@ref` at the default actions URL,
// the URL form at its server. This sandbox's own repositories (public URL or runner address) are
// cloned anonymously over HTTP, as runners clone actions without a token (act step_action_remote.go:
// "Shouldn't provide token when cloning actions"); any other server is stood in for by
// --local-action / --action-dir mappings (a key without a host is on github.com).
// Returns {local: {'owner/repo@ref': dir}, rewrite: [[uses, short]], errors: [text]}.
async function resolveActions(sb, run, workDir, runDir, staged) {
  const { steps, remoteReusable } = collectUses(run.workflow, workDir);
  const local = {};
  const rewrite = [];
  const errors = [];
  const sources = new Map(); // owner/repo@ref -> source URL
  const dflt = defaultActionsUrl(sb);
  const ours = new Set([new URL(sb.url).origin, new URL(sb.runnerUrl).origin]);
  for (const s of steps) {
    const u = parseUses(s.uses);
    if (!u) continue;
    if (u.bad) {
      errors.push(`${s.uses}: ${u.bad}`);
      continue;
    }
    const base = u.host || dflt;
    const source = `${base}/${u.owner}/${u.repo}`;
    const key = `${u.owner}/${u.repo}@${u.ref}`;
    if (sources.has(key) && sources.get(key) !== source) {
      errors.push(`${key} is used from both ${sources.get(key)} and ${source}: the sandbox gives act one folder per owner/repo@ref`);
      continue;
    }
    sources.set(key, source);
    if (u.host) rewrite.push([s.uses, `${u.owner}/${u.repo}${u.path ? '/' + u.path : ''}@${u.ref}`]);
    if (local[key]) continue;
    let origin;
    try {
      origin = new URL(base).origin;
    } catch {
      errors.push(`unable to clone ${source}: ${JSON.stringify(base)} is not a URL`);
      continue;
    }
    if (ours.has(origin)) {
      // this server: an anonymous clone of its repository at the ref
      const dir = path.join(runDir, 'actions', `${u.owner}-${u.repo}@${u.ref}`.replace(/[^A-Za-z0-9@._-]/g, '_'));
      const r = await git.run(['clone', '-q', '--no-checkout', `${base}/${u.owner}/${u.repo}.git`, dir], { allowFail: true });
      if (r.code !== 0) {
        errors.push(`unable to clone ${source} refs/heads/${u.ref}: ${r.stderr.trim().split('\n').pop()} (runners clone actions without a token: the repository must exist here and be public)`);
        continue;
      }
      const co = await git.run(['checkout', '-q', u.ref], { cwd: dir, allowFail: true });
      if (co.code !== 0) {
        errors.push(`unable to clone ${source} refs/heads/${u.ref}: reference not found`);
        continue;
      }
      local[key] = dir;
      continue;
    }
    const mapped = sb.actionMapping(source, u.ref);
    if (!mapped) {
      errors.push(
        `unable to clone ${source} refs/heads/${u.ref}: the sandbox does not reach ${origin}` +
          (u.host ? '' : ` (${s.uses} resolves to ${dflt}, the server's [actions] DEFAULT_ACTIONS_URL)`) +
          `; stand in for it with --local-action ${origin === 'https://github.com' ? '' : origin + '/'}${key}=DIR`,
      );
      continue;
    }
    local[key] = mapped === 'action-dir' ? await staged() : mapped;
  }
  // remote reusable workflows are read through act's --local-repository (not resolved like the
  // servers' runners do: see README "Left out"); give act every github.com stand-in for them
  if (remoteReusable.length) {
    for (const [k, v] of Object.entries(sb.githubStandIns())) if (!local[k]) local[k] = v === 'action-dir' ? await staged() : v;
  }
  return { local, rewrite, errors };
}

// Rewrites URL-form `uses:` to owner/repo@ref (act 0.2.89 rejects the URL form: "Expected format
// {org}/{repo}[/path]@ref") in the checked-out workflow files act reads.
function rewriteUses(files, rewrite) {
  for (const f of files) {
    if (!fs.existsSync(f)) continue;
    let text = fs.readFileSync(f, 'utf8');
    const before = text;
    for (const [from, to] of rewrite) text = text.split(from).join(to);
    if (text !== before) fs.writeFileSync(f, text);
  }
}

// Reads act's output line by line: `[<workflow>/<job>] ⭐ Run Set up job` starts a job,
// `[<workflow>/<job>] 🏁  Job succeeded|failed` ends it (a matrix job's lines end in -1, -2 ...,
// a reusable workflow's jobs in /<inner job>).
function jobLineParser(manager, run) {
  let buf = '';
  const wfName = run.workflow.name || path.basename(run.workflowPath);
  const names = run.jobs.map((j) => ({ job: j, name: String(j.name) })).sort((a, b) => b.name.length - a.name.length);
  const jobOf = (label) => {
    if (!label.startsWith(`${wfName}/`)) return null;
    const rest = label.slice(wfName.length + 1);
    for (const { job, name } of names) {
      if (rest === name || rest.startsWith(`${name}/`) || new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+$`).test(rest)) return { job, nested: rest.startsWith(`${name}/`) };
    }
    return null;
  };
  return (chunk) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const m = /^\[(.+?)\s*\] (.*)$/.exec(line);
      if (!m) continue;
      const hit = jobOf(m[1]);
      if (!hit) continue;
      manager.jobStarted(run, hit.job);
      const end = /🏁 {2}Job (succeeded|failed)/.exec(m[2]);
      if (end && !hit.nested && !hit.job.matrix) manager.jobFinished(run, hit.job, end[1] === 'succeeded' ? 'success' : 'failure');
      if (end && end[1] === 'failed') hit.job.sawFailure = true;
    }
  };
}

async function executeWithAct(manager, run) {
  const sb = manager.sb;
  const dir = path.join(sb.dataDir, 'runs', String(run.id));
  const home = path.join(dir, 'home');
  const work = path.join(dir, 'work');
  fs.mkdirSync(home, { recursive: true });
  // the workspace: cloned through the runner address with the run's token (what a checkout step
  // does), the remote left without credentials
  const remoteUrl = `${sb.runnerUrl}/${run.repo.owner}/${run.repo.name}.git`;
  const clone = await git.run(['-c', `http.extraHeader=Authorization: token ${run.cloneToken}`, 'clone', '-q', '--no-checkout', remoteUrl, work], { allowFail: true });
  if (clone.code !== 0) {
    manager.appendLog(run, `[sandbox] could not clone ${remoteUrl}: ${clone.stderr.trim()}\n`);
    return manager.finish(run, 'failure');
  }
  await git.run(['checkout', '-q', '-B', run.refName || 'main', run.sha], { cwd: work });
  if (run.status !== 'in_progress') return undefined; // cancelled while checking out

  const actPath = sb.options.actPath;
  if (!actPath || !fs.existsSync(actPath)) {
    manager.appendLog(run, `[sandbox] act not found at ${actPath}: run tests/sandbox/install-act.sh\n`);
    return manager.finish(run, 'failure');
  }

  let stagedDir = null;
  const staged = async () => {
    if (!stagedDir) {
      stagedDir = path.join(dir, 'action');
      stageActionDir(sb.options.actionDir, stagedDir, sb.options.actionExclude);
    }
    return stagedDir;
  };
  const actions = await resolveActions(sb, run, work, dir, staged);
  if (actions.errors.length) {
    for (const e of actions.errors) manager.appendLog(run, `[sandbox] ${e}\n`);
    // A runner took the first jobs (a task each: models/actions/task.go CreateTaskForRunner) and
    // failed them while setting them up; the jobs that need them never start.
    for (const j of run.jobs) if (!j.needs.length) manager.jobStarted(run, j);
    return manager.finish(run, 'failure');
  }
  if (actions.rewrite.length) {
    const files = [path.join(work, run.workflowPath), ...fs.readdirSync(path.join(work, path.dirname(run.workflowPath))).map((f) => path.join(work, path.dirname(run.workflowPath), f))];
    rewriteUses([...new Set(files)], actions.rewrite);
    manager.appendLog(run, `[sandbox] for act, which reads no URL-form uses: ${actions.rewrite.map(([a, b]) => `${a} -> ${b}`).join(', ')}\n`);
  }

  // The run's event payload (api.WorkflowDispatchPayload): the repository as convert.ToRepo
  // gives it with no access mode, the sender as convert.ToUserWithAccessMode
  // (G services/actions/workflow.go DispatchActionWorkflow @v1.24.7 L232, @v1.25.5 L176, @v1.26.4 L159;
  // F services/actions/workflows.go Dispatch @v11.0.15/@v12.0.4 L101). Its html_url is on the public
  // URL (repo.HTMLURL: G models/repo/repo.go @v1.25.5 httplib.MakeAbsoluteURL, which is ROOT_URL
  // unless the dispatching request came through a proxy that names its public host; F @v12.0.4
  // setting.AppURL), while the job's GITHUB_SERVER_URL is the runner's address (below).
  const event = {
    inputs: run.inputs,
    ref: run.ref,
    workflow: run.payloadWorkflow,
    repository: repoJson(sb, run.repo, 'none'),
    sender: userJson(sb, run.actor),
  };
  const eventPath = path.join(dir, 'event.json');
  fs.writeFileSync(eventPath, JSON.stringify(event, null, 2));
  const secrets = { ...sb.repoSecrets(run.repo), GITEA_TOKEN: run.token, GITHUB_TOKEN: run.token };
  const secretFile = path.join(dir, 'secrets.env');
  fs.writeFileSync(secretFile, Object.entries(secrets).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });

  const labels = new Set(['ubuntu-latest']);
  for (const j of run.jobs) for (const l of j.labels) labels.add(l);
  // act_runner: GitHubInstance = client.Address(), the address it registered with (notes §9)
  const instance = sb.runnerUrl;
  // a workflow without workflow_dispatch (dispatched anyway by Gitea < 1.26.3 and Forgejo): let act
  // pick the workflow's first event
  const args = [...(run.dispatchable ? ['workflow_dispatch'] : ['--detect-event']), '--no-cache-server', '--action-offline-mode'];
  for (const l of labels) args.push('-P', `${l}=-self-hosted`);
  args.push(
    '-W', path.join(work, run.workflowPath),
    '-e', eventPath,
    '-C', work,
    '--action-cache-path', path.join(home, '.cache', 'act'),
    '--github-instance', new URL(instance).host,
    '--defaultbranch', run.repo.defaultBranch,
    '-a', run.actor.name,
    '--env', `GITHUB_SERVER_URL=${instance}`,
    '--env', `GITHUB_API_URL=${instance}/api/v1`,
    '--env', 'GITEA_ACTIONS=true',
    '--env', `GITHUB_RUN_ID=${run.id}`,
    '--env', `GITHUB_RUN_NUMBER=${run.index}`,
    '--secret-file', secretFile,
    '--var-file', '/dev/null',
    '--env-file', '/dev/null',
    '--input-file', '/dev/null',
  );
  for (const [k, v] of Object.entries(actions.local)) args.push('--local-repository', `${k}=${v}`);

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
  manager.appendLog(run, `[sandbox] ${actPath} ${args.join(' ')}\n`);
  const child = spawn(actPath, args, { cwd: work, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  run.proc = child;
  const parse = jobLineParser(manager, run);
  child.stdout.on('data', (d) => {
    const text = d.toString();
    manager.appendLog(run, text);
    parse(text);
  });
  child.stderr.on('data', (d) => manager.appendLog(run, d.toString()));
  child.on('error', (e) => manager.appendLog(run, `[sandbox] act failed to start: ${e}\n`));
  child.on('close', (code, signal) => {
    run.proc = null;
    manager.appendLog(run, `[sandbox] act exited with ${code === null ? signal : code}\n`);
    // leave nothing behind: a step may have started background processes
    if (child.pid) require('./runs').killTree(child.pid, 'SIGKILL');
    manager.finish(run, run.cancelRequested ? 'cancelled' : code === 0 ? 'success' : 'failure');
  });
  return undefined;
}

module.exports = { executeWithAct, stageActionDir, parseUses, defaultActionsUrl, DEFAULT_ACTION_EXCLUDE };
