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

// convert.ToActionWorkflowJob
function workflowJobJson(sb, run, job) {
  const st = giteaStatus(run);
  const j = {
    id: job.id,
    url: `${sb.api}/repos/${run.repo.owner}/${run.repo.name}/actions/jobs/${job.id}`,
    html_url: `${sb.runHtmlUrl(run)}/jobs/${job.id}`,
    run_id: run.id,
    run_url: `${sb.api}/repos/${run.repo.owner}/${run.repo.name}/actions/runs/${run.id}`,
    name: job.name,
    labels: job.labels,
    run_attempt: run.started ? 1 : 0,
    head_sha: run.sha,
    head_branch: run.ref.startsWith('refs/heads/') ? run.refName : '',
    status: st.status,
    steps: null,
    created_at: run.created,
    started_at: run.started || EPOCH,
    completed_at: run.completed || EPOCH,
  };
  if (!j.head_branch) delete j.head_branch;
  if (st.conclusion) j.conclusion = st.conclusion;
  if (run.started) {
    // a task exists: runner and steps
    j.runner_id = 1;
    j.runner_name = 'sandbox-act';
    j.steps = job.steps.map((s, i) => {
      const step = { name: s.name, number: i, status: st.status, started_at: run.started, completed_at: run.completed || EPOCH };
      if (st.conclusion) step.conclusion = st.conclusion;
      return step;
    });
  }
  return j;
}

// routers/api/v1/shared/action.go convertToInternal: the `status` filter of /actions/runs
const RUN_STATUS_FILTER = {
  pending: ['blocked'], waiting: ['blocked'], requested: ['blocked'], action_required: ['blocked'],
  queued: ['queued'],
  in_progress: ['in_progress'],
  completed: ['success', 'failure', 'skipped', 'cancelled'],
  failure: ['failure'],
  success: ['success'],
  skipped: ['skipped'], neutral: ['skipped'],
  cancelled: ['cancelled'], timed_out: ['cancelled'],
}

function runState(run) {
  return run.status === 'completed' ? run.conclusion : run.status;
}

async function getWorkflowRuns(ctx) {
  const { sb, repo, query } = ctx;
  let runs = sb.runs.forRepo(repo).slice().reverse();
  const f = (k) => query.get(k);
  if (f('event')) runs = runs.filter((r) => r.event === f('event'));
  if (f('branch')) runs = runs.filter((r) => r.ref === `refs/heads/${f('branch')}`);
  const statuses = query.getAll('status');
  if (statuses.length) {
    const wanted = new Set();
    for (const s of statuses) {
      if (!RUN_STATUS_FILTER[s]) throw new ApiError(400, `Invalid status ${s}`);
      for (const x of RUN_STATUS_FILTER[s]) wanted.add(x);
    }
    runs = runs.filter((r) => wanted.has(runState(r)));
  }
  if (f('actor')) {
    if (!sb.userByName(f('actor'))) throw new ApiError(500, '', { hidden: `user does not exist [name: ${f('actor')}]` });
    runs = runs.filter((r) => r.actor.name.toLowerCase() === f('actor').toLowerCase());
  }
  if (f('head_sha')) runs = runs.filter((r) => r.sha === f('head_sha'));
  const { page, limit } = listOptions(query);
  const total = runs.length;
  const body = { workflow_runs: runs.slice((page - 1) * limit, page * limit).map((r) => workflowRunJson(sb, r)), total_count: total };
  return { status: 200, body, headers: pagingHeaders(sb, ctx, total, limit) };
}

function runOr404(ctx, id) {
  const run = ctx.sb.runs.get(id);
  if (!run || run.repo !== ctx.repo) throw new ApiError(404, '', { notFound: true });
  return run;
}

async function GetWorkflowRun(ctx) {
  return { status: 200, body: workflowRunJson(ctx.sb, runOr404(ctx, ctx.params.run)) };
}

async function listWorkflowRunJobs(ctx) {
  const run = runOr404(ctx, ctx.params.run);
  let jobs = run.jobs.map((j) => workflowJobJson(ctx.sb, run, j));
  const s = ctx.query.get('status');
  if (s) jobs = jobs.filter((j) => j.status === s || j.conclusion === s);
  const { page, limit } = listOptions(ctx.query);
  return { status: 200, body: { jobs: jobs.slice((page - 1) * limit, page * limit), total_count: jobs.length }, headers: pagingHeaders(ctx.sb, ctx, jobs.length, limit) };
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
  const { sb, repo, query, access } = ctx;
  let runs = sb.runs.forRepo(repo).slice().reverse();
  const statuses = query.getAll('status').flatMap((s) => s.split(','));
  for (const s of statuses) {
    if (!['unknown', 'waiting', 'running', 'success', 'failure', 'cancelled', 'skipped', 'blocked'].includes(s)) throw new ApiError(400, `unknown status: ${s}`);
  }
  if (statuses.length) runs = runs.filter((r) => statuses.includes(modelStatus(r)));
  const events = query.getAll('event').flatMap((s) => s.split(','));
  if (events.length) runs = runs.filter((r) => events.includes(r.event));
  if (query.get('run_number')) runs = runs.filter((r) => r.index === Number(query.get('run_number')));
  if (query.get('head_sha')) runs = runs.filter((r) => r.sha === query.get('head_sha'));
  if (query.get('ref')) runs = runs.filter((r) => r.ref === query.get('ref'));
  if (query.get('workflow_id')) runs = runs.filter((r) => r.workflowId === query.get('workflow_id'));
  const { page, limit } = listOptions(query);
  return { status: 200, body: { workflow_runs: runs.slice((page - 1) * limit, page * limit).map((r) => forgejoRunJson(sb, r, access)), total_count: runs.length } };
}

async function ActionRun(ctx) {
  return { status: 200, body: forgejoRunJson(ctx.sb, runOr404(ctx, ctx.params.run_id), ctx.access) };
}

const routes = [
  { operationId: 'getWorkflowRuns', access: 'reader', unit: 'actions', handler: getWorkflowRuns },
  { operationId: 'GetWorkflowRun', access: 'reader', unit: 'actions', handler: GetWorkflowRun },
  { operationId: 'listWorkflowRunJobs', access: 'reader', unit: 'actions', handler: listWorkflowRunJobs },
  { operationId: 'ListActionRuns', access: 'reader', unit: 'actions', handler: ListActionRuns },
  { operationId: 'ActionRun', access: 'reader', unit: 'actions', handler: ActionRun },
];

module.exports = { routes, workflowRunJson, forgejoRunJson, modelStatus };
