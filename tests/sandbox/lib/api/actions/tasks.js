'use strict';
// GET /actions/tasks (ListActionTasks, convert.ToActionTask): one entry per task, i.e. per job a
// runner picked up; a job still waiting for a runner has no task and is not listed.

const { listOptions, pagingHeaders } = require('../common');

// services/convert/convert.go @v1.26.4 ToActionTask (the same code in Gitea v1.24.7/v1.25.5 and
// Forgejo v11.0.15/v12.0.4): id is the task's, name the job's, run_number the run's index,
// display_title the run's title (per flavor, see dispatch.js), status actions_model.Status.String(),
// workflow_id the file name, url AppURL + run.Link() (index up to 1.25 and in Forgejo, id in 1.26),
// head_branch run.PrettyRef(), created/updated/run_started_at the task's times.
function taskJson(sb, run, job) {
  return {
    id: job.taskId,
    name: job.name,
    head_branch: run.refName,
    head_sha: run.sha,
    run_number: run.index,
    event: run.event,
    display_title: run.title,
    status: job.status,
    workflow_id: run.workflowId,
    url: sb.runHtmlUrl(run),
    created_at: job.started,
    updated_at: job.updated || job.started,
    run_started_at: job.started,
  };
}

async function ListActionTasks(ctx) {
  const { sb, repo, query, flavor } = ctx;
  const tasks = [];
  for (const run of sb.runs.forRepo(repo)) for (const job of run.jobs) if (job.taskId) tasks.push(taskJson(sb, run, job));
  // models/actions/task_list.go FindTaskOptions.ToOrders: "`id` DESC" (all five tags)
  tasks.sort((a, b) => b.id - a.id);
  // no release filters tasks (routers/api/v1/repo/action.go ListActionTasks reads only the paging)
  if (query.get('status')) sb.warn(ctx, `${flavor.name} ignores the status filter of /actions/tasks (ListActionTasks reads only page and limit)`);
  const { page, limit } = listOptions(query);
  const body = { workflow_runs: tasks.slice((page - 1) * limit, page * limit), total_count: tasks.length };
  // Gitea 1.26 also sets Link and X-Total-Count (routers/api/v1/repo/action.go @v1.26.4 L796)
  return { status: 200, body, headers: flavor.actionsPagingHeaders ? pagingHeaders(sb, ctx, tasks.length, limit) : undefined };
}

// group `/actions` with reqRepoReader(unit.TypeActions), no reqToken: Gitea api.go @v1.25.5 L1289-1290,
// Forgejo api.go @v12.0.4 L1220-1221 (public repositories: anonymous readers too)
const routes = [{ operationId: 'ListActionTasks', access: 'reader', unit: 'actions', handler: ListActionTasks }];

module.exports = { routes };
