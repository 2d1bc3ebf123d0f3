'use strict';
// GET /actions/tasks (ListActionTasks, convert.ToActionTask).

const { ApiError, listOptions } = require('../common');
const { modelStatus } = require('./runs');

async function ListActionTasks(ctx) {
  const { sb, repo, query } = ctx;
  const tasks = [];
  for (const run of sb.runs.forRepo(repo)) {
    if (!run.started) continue; // a task exists once a runner picked the job up
    for (const job of run.jobs) {
      tasks.push({
        id: job.taskId,
        name: job.name,
        head_branch: run.refName,
        head_sha: run.sha,
        run_number: run.index,
        event: run.event,
        display_title: run.title,
        status: modelStatus(run),
        workflow_id: run.workflowId,
        url: sb.runHtmlUrl(run),
        created_at: run.started,
        updated_at: run.updated,
        run_started_at: run.started,
      });
    }
  }
  tasks.sort((a, b) => b.id - a.id);
  let list = tasks;
  const statuses = query.getAll('status').flatMap((s) => s.split(','));
  if (statuses.length) {
    const bad = statuses.find((s) => !['unknown', 'waiting', 'running', 'success', 'failure', 'cancelled', 'skipped', 'blocked'].includes(s));
    if (bad && ctx.flavor.kind === 'forgejo') throw new ApiError(400, `unknown status: ${bad}`);
    list = list.filter((t) => statuses.includes(t.status));
  }
  const { page, limit } = listOptions(query);
  return { status: 200, body: { workflow_runs: list.slice((page - 1) * limit, page * limit), total_count: list.length } };
}

const routes = [{ operationId: 'ListActionTasks', access: 'reader', unit: 'actions', handler: ListActionTasks }];

module.exports = { routes };
