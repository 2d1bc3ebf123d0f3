'use strict';
// Workflow runs as the API shows them: Gitea's GET /actions/runs[/{run}[/jobs]]
// (convert.ToActionWorkflowRun / ToActionWorkflowJob) and Forgejo 12's GET /actions/runs[/{run_id}]
// (convert.ToActionRun).

const { ApiError, EPOCH, listOptions, pagingHeaders } = require('../common');
const { userJson } = require('../users');
const { repoJson } = require('../repos');

function giteaStatus(run) {
  // convert.ToActionsStatus: StatusWaiting -> "queued", StatusBlocked -> "waiting"
  if (run.status === 'completed') return { status: 'completed', conclusion: run.conclusion };
  if (run.status === 'blocked') return { status: 'waiting', conclusion: '' };
  return { status: run.status, conclusion: '' };
}


// convert.ToActionWorkflowRun
function workflowRunJson(sb, run) {
  const st = giteaStatus(run);
  const j = {
    id: run.id,
    url: `${sb.api}/repos/${run.repo.owner}/${run.repo.name}/actions/runs/${run.id}`,
    html_url: sb.runHtmlUrl(run),
    display_title: run.title,
    path: `${run.workflowId}@${run.ref}`,
    event: run.event,
    run_attempt: 0,
    run_number: run.index,
    head_sha: run.sha,
    head_branch: run.ref.startsWith('refs/heads/') ? run.refName : '',
    status: st.status,
    actor: userJson(sb, run.actor),
    trigger_actor: userJson(sb, run.actor),
    repository: repoJson(sb, run.repo, 'none'),
    started_at: run.started || EPOCH,
    completed_at: run.completed || EPOCH,
  };
  if (!j.head_branch) delete j.head_branch;
  if (st.conclusion) j.conclusion = st.conclusion;
  return j;
}

// convert.ToActionsStatus of a job's actions_model.Status
function jobGiteaStatus(job) {
  switch (job.status) {
    case 'waiting':
      return { status: 'queued', conclusion: '' };
    case 'blocked':
      return { status: 'waiting', conclusion: '' };
    case 'running':
      return { status: 'in_progress', conclusion: '' };
    default:
      return { status: 'completed', conclusion: job.status };
  }
}

// convert.ToActionWorkflowJob (services/convert/convert.go @v1.25.5)
function workflowJobJson(sb, run, job) {
  const st = jobGiteaStatus(job);
  const index = run.jobs.indexOf(job);
  const j = {
    id: job.id,
    url: `${sb.api}/repos/${run.repo.owner}/${run.repo.name}/actions/jobs/${job.id}`,
    // the job's index in its run, not its id: fmt.Sprintf("%s/jobs/%d", job.Run.HTMLURL(), jobIndex)
    html_url: `${sb.runHtmlUrl(run)}/jobs/${index}`,
    run_id: run.id,
    run_url: `${sb.api}/repos/${run.repo.owner}/${run.repo.name}/actions/runs/${run.id}`,
    name: job.name,
    labels: job.labels,
    run_attempt: job.taskId ? 1 : 0,
    head_sha: run.sha,
    head_branch: run.ref.startsWith('refs/heads/') ? run.refName : '',
    status: st.status,
    steps: null,
    created_at: run.created,
    started_at: job.started || EPOCH,
    completed_at: job.stopped || EPOCH,
  };
  if (!j.head_branch) delete j.head_branch;
  if (st.conclusion) j.conclusion = st.conclusion;
  if (job.taskId) {
    // a task exists: runner and steps
    j.runner_id = 1;
    j.runner_name = 'sandbox-act';
    j.steps = job.steps.map((s, i) => {
      const step = { name: s.name, number: i, status: st.status, started_at: job.started, completed_at: job.stopped || EPOCH };
      if (st.conclusion) step.conclusion = st.conclusion;
      return step;
    });
  }
  return j;
}

// routers/api/v1/shared/action.go @v1.25.5 convertToInternal: the `status` filter of /actions/runs
// and /actions/jobs, as actions_model.Status names
const STATUS_FILTER = {
  pending: ['blocked'], waiting: ['blocked'], requested: ['blocked'], action_required: ['blocked'],
  queued: ['waiting'],
  in_progress: ['running'],
  completed: ['success', 'failure', 'skipped', 'cancelled'],
  failure: ['failure'],
  success: ['success'],
  skipped: ['skipped'], neutral: ['skipped'],
  cancelled: ['cancelled'], timed_out: ['cancelled'],
};

function statusFilter(query) {
  const wanted = new Set();
  for (const s of query.getAll('status')) {
    if (!STATUS_FILTER[s]) throw new ApiError(400, `Invalid status ${s}`);
    for (const x of STATUS_FILTER[s]) wanted.add(x);
  }
  return wanted.size ? wanted : null;
}

const pagingFor = (ctx, total, limit) => (ctx.flavor.actionsPagingHeaders ? pagingHeaders(ctx.sb, ctx, total, limit) : undefined);

async function getWorkflowRuns(ctx) {
  const { sb, repo, query } = ctx;
  let runs = sb.runs.forRepo(repo).slice().reverse();
  const f = (k) => query.get(k);
  if (f('event')) runs = runs.filter((r) => r.event === f('event'));
  if (f('branch')) runs = runs.filter((r) => r.ref === `refs/heads/${f('branch')}`);
  const wanted = statusFilter(query);
  if (wanted) runs = runs.filter((r) => wanted.has(modelStatus(r)));
  if (f('actor')) {
    if (!sb.userByName(f('actor'))) throw new ApiError(500, '', { hidden: `user does not exist [name: ${f('actor')}]` });
    runs = runs.filter((r) => r.actor.name.toLowerCase() === f('actor').toLowerCase());
  }
  if (f('head_sha')) runs = runs.filter((r) => r.sha === f('head_sha'));
  const { page, limit } = listOptions(query);
  const total = runs.length;
  const body = { workflow_runs: runs.slice((page - 1) * limit, page * limit).map((r) => workflowRunJson(sb, r)), total_count: total };
  return { status: 200, body, headers: pagingFor(ctx, total, limit) };
}

function runOr404(ctx, id) {
  const run = ctx.sb.runs.get(id);
  if (!run || run.repo !== ctx.repo) throw new ApiError(404, '', { notFound: true });
  return run;
}

async function GetWorkflowRun(ctx) {
  return { status: 200, body: workflowRunJson(ctx.sb, runOr404(ctx, ctx.params.run)) };
}

// shared.ListJobs: the jobs of one run, or (repo level, GET /actions/jobs) of every run, newest last
function listJobs(ctx, runs) {
  const wanted = statusFilter(ctx.query);
  let pairs = runs.flatMap((run) => run.jobs.map((job) => [run, job]));
  if (wanted) pairs = pairs.filter(([, job]) => wanted.has(job.status));
  const { page, limit } = listOptions(ctx.query);
  const jobs = pairs.slice((page - 1) * limit, page * limit).map(([run, job]) => workflowJobJson(ctx.sb, run, job));
  return { status: 200, body: { jobs, total_count: pairs.length }, headers: pagingFor(ctx, pairs.length, limit) };
}

async function listWorkflowRunJobs(ctx) {
  return listJobs(ctx, [runOr404(ctx, ctx.params.run)]);
}

async function listWorkflowJobs(ctx) {
  return listJobs(ctx, ctx.sb.runs.forRepo(ctx.repo));
}

// actions_model.Status as a string (tasks, Forgejo runs)
function modelStatus(run) {
  if (run.status === 'queued') return 'waiting';
  if (run.status === 'blocked') return 'blocked';
  if (run.status === 'in_progress') return 'running';
  return run.conclusion;
}

function forgejoRunJson(sb, run, access) {
  const payload = {
    inputs: run.inputs,
    ref: run.ref,
    repository: repoJson(sb, run.repo, 'none'),
    sender: userJson(sb, run.actor),
    workflow: run.payloadWorkflow || run.workflowPath,
  };
  const dur = run.started ? (Date.parse(run.completed || new Date().toISOString()) - Date.parse(run.started)) * 1e6 : 0;
  return {
    id: run.id,
    title: run.title,
    repository: repoJson(sb, run.repo, access),
    workflow_id: run.workflowId,
    index_in_repo: run.index,
    trigger_user: userJson(sb, run.actor),
    ScheduleID: 0,
    prettyref: run.refName,
    is_ref_deleted: false,
    commit_sha: run.sha,
    is_fork_pull_request: false,
    need_approval: false,
    approved_by: 0,
    event: run.event,
    event_payload: JSON.stringify(payload),
    trigger_event: run.event,
    status: modelStatus(run),
    started: run.started || EPOCH,
    stopped: run.completed || EPOCH,
    created: run.created,
    updated: run.updated,
    duration: Math.max(0, Math.round(dur)),
    html_url: sb.runHtmlUrl(run),
  };
}

async function ListActionRuns(ctx) {
  const { sb, repo, query, perm: access } = ctx;
  let runs = sb.runs.forRepo(repo).slice().reverse();
  // routers/api/v1/repo/action.go @v12.0.4 ListActionRuns: ctx.FormStrings (one value per parameter
  // occurrence, no comma splitting) for status and event; run_number and head_sha; nothing else
  const statuses = query.getAll('status');
  for (const s of statuses) {
    if (!['unknown', 'waiting', 'running', 'success', 'failure', 'cancelled', 'skipped', 'blocked'].includes(s)) throw new ApiError(400, `unknown status: ${s}`);
  }
  if (statuses.length) runs = runs.filter((r) => statuses.includes(modelStatus(r)));
  const events = query.getAll('event');
  if (events.length) runs = runs.filter((r) => events.includes(r.event));
  if (query.get('run_number')) runs = runs.filter((r) => r.index === Number(query.get('run_number')));
  if (query.get('head_sha')) runs = runs.filter((r) => r.sha === query.get('head_sha'));
  for (const k of ['ref', 'workflow_id']) if (query.get(k)) sb.warn(ctx, `query parameter "${k}" is in Forgejo's later spec, but ${ctx.flavor.name} ignores it`);
  const { page, limit } = listOptions(query);
  return { status: 200, body: { workflow_runs: runs.slice((page - 1) * limit, page * limit).map((r) => forgejoRunJson(sb, r, access)), total_count: runs.length } };
}

async function ActionRun(ctx) {
  return { status: 200, body: forgejoRunJson(ctx.sb, runOr404(ctx, ctx.params.run_id), ctx.perm) };
}

// The repository-level lists (GET /actions/runs, GET /actions/jobs) are registered by
// addActionsRoutes: routers/api/v1/api.go @v1.25.5 L947-948 `m.Get("/runs", reqToken(), reqChecker, ...)`
// with reqChecker = reqOwner() (L1201): 403 "user should be the owner of the repo" for anyone
// else, the run token included; @v1.26.4 L977-978 with reqReaderCheck = reqRepoReader(TypeActions)
// (L1225, commit 484eacb7bf), the token still required; absent in 1.24 (flavors.js).
const repoLevelList = { access: 'reader', unit: 'actions', token: true, flavors: { 'gitea-1.25': { access: 'owner', unit: undefined, token: true } } };

const routes = [
  { operationId: 'getWorkflowRuns', ...repoLevelList, handler: getWorkflowRuns },
  { operationId: 'listWorkflowJobs', ...repoLevelList, handler: listWorkflowJobs },
  // group `/actions` with reqRepoReader(unit.TypeActions), no reqToken (api.go @v1.25.5 L1289-1305, @v1.26.4 L1314-1334)
  { operationId: 'GetWorkflowRun', access: 'reader', unit: 'actions', handler: GetWorkflowRun },
  { operationId: 'listWorkflowRunJobs', access: 'reader', unit: 'actions', handler: listWorkflowRunJobs },
  // Forgejo 12: group `/actions` with reqRepoReader(unit.TypeActions), no reqToken (api.go @v12.0.4 L1220-1232)
  { operationId: 'ListActionRuns', access: 'reader', unit: 'actions', handler: ListActionRuns },
  { operationId: 'ActionRun', access: 'reader', unit: 'actions', handler: ActionRun },
];

module.exports = { routes, workflowRunJson, forgejoRunJson, modelStatus, runOr404 };
