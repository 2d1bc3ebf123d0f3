'use strict';
// GET /actions/workflows[/{workflow_id}] (Gitea 1.24+): the workflow files of the default branch's
// first existing workflow folder (services/convert/convert.go @v1.25.5 ListActionWorkflows,
// getActionWorkflowEntry).

const git = require('../../git');
const { ApiError, encPath, ZERO_TIME } = require('../common');
const { parseWorkflow } = require('../../workflow');

async function listWorkflows(sb, repo) {
  const sha = await git.branchSha(repo.gitDir, repo.defaultBranch);
  if (!sha) throw new ApiError(500, '', { hidden: `branch ${repo.defaultBranch} does not exist` });
  const commit = await git.readCommit(repo.gitDir, sha);
  for (const dir of sb.settings.workflow_dirs) {
    const d = await git.treeEntry(repo.gitDir, sha, dir);
    if (!d || d.type !== 'tree') continue;
    // modules/actions/workflows.go ListWorkflows: recursive, .yml and .yaml only
    const files = (await git.listAllFiles(repo.gitDir, sha)).filter((f) => f.path.startsWith(`${dir}/`) && /\.ya?ml$/.test(f.path));
    const out = [];
    for (const f of files) {
      const id = f.path.slice(dir.length + 1);
      let name = id;
      try {
        const wf = parseWorkflow((await git.readBlob(repo.gitDir, f.sha)).toString());
        if (wf.name) name = String(wf.name); // only a name the file gives
      } catch {
        /* logged by the server; the file name stays */
      }
      out.push({
        id,
        name,
        path: `${dir}/${id}`,
        state: 'active',
        // "the timestamp of the latest commit" (of the default branch)
        created_at: commit.author.date,
        updated_at: commit.author.date,
        url: `${sb.api}/repos/${repo.owner}/${repo.name}/actions/workflows/${encPath(id)}`,
        html_url: `${sb.url}/${repo.owner}/${repo.name}/src/branch/${encPath(repo.defaultBranch)}/${encPath(dir)}/${encPath(id)}`,
        badge_url: `${sb.url}/${repo.owner}/${repo.name}/actions/workflows/${encPath(id)}/badge.svg?branch=${encodeURIComponent(repo.defaultBranch)}`,
        deleted_at: ZERO_TIME,
      });
    }
    return out;
  }
  return [];
}

async function ActionsListRepositoryWorkflows(ctx) {
  const workflows = await listWorkflows(ctx.sb, ctx.repo);
  return { status: 200, body: { workflows, total_count: workflows.length } };
}

async function ActionsGetWorkflow(ctx) {
  const id = ctx.params.workflow_id;
  const wf = (await listWorkflows(ctx.sb, ctx.repo)).find((w) => w.id === id);
  // routers/api/v1/repo/action.go @v1.25.5 ActionsGetWorkflow: util.ErrNotExist -> 404 with the error's text
  if (!wf) throw new ApiError(404, `workflow "${id}" not found`);
  return { status: 200, body: wf };
}

// group /actions/workflows with reqToken(), reqRepoReader(unit.TypeActions): routers/api/v1/api.go
// @v1.24.7 L1195-1201, @v1.25.5 L1203-1209 (absent in Forgejo 11/12)
const routes = [
  { operationId: 'ActionsListRepositoryWorkflows', access: 'reader', unit: 'actions', token: true, handler: ActionsListRepositoryWorkflows },
  { operationId: 'ActionsGetWorkflow', access: 'reader', unit: 'actions', token: true, handler: ActionsGetWorkflow },
];

module.exports = { routes };
