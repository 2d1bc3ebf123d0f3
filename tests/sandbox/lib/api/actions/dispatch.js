'use strict';
// Workflow dispatch: POST /actions/workflows/{workflow}/dispatches (Gitea ActionsDispatchWorkflow,
// Forgejo DispatchWorkflow): finding the workflow file, resolving the ref, the inputs as each
// release reads them, the run title, cancellation and concurrency, then a queued run.

const git = require('../../git');
const { parseWorkflow, dispatchConfig, interpolate } = require('../../workflow');
const { ApiError, queryBool } = require('../common');

// ListWorkflows: the first workflow folder that exists at the commit is the only one searched
// (Gitea modules/actions/workflows.go @v1.25.5 L47: .gitea/workflows, else .github/workflows;
// @v1.26.4 L53: the first existing of [actions] WORKFLOW_DIRS; Forgejo @v11.0.15 L46: .forgejo,
// .gitea, .github). A file in a later folder is not found: Gitea 404, Forgejo 500 (below).
async function findWorkflow(sb, repo, sha, workflowId) {
  for (const dir of sb.settings.workflow_dirs) {
    const d = await git.treeEntry(repo.gitDir, sha, dir);
    if (!d || d.type !== 'tree') continue;
    const p = `${dir}/${workflowId}`;
    const e = /\.ya?ml$/.test(workflowId) ? await git.treeEntry(repo.gitDir, sha, p) : null;
    if (e && e.type === 'blob') {
      const text = (await git.readBlob(repo.gitDir, e.sha)).toString();
      return { dir, path: p, text };
    }
    return null;
  }
  return null;
}

// The ref a dispatch runs on, as each server resolves it.
async function dispatchRef(sb, repo, ref) {
  if (sb.flavor.kind === 'gitea') {
    // refs/tags/X -> tag, refs/heads/X -> branch, anything else is a branch name
    let full;
    if (ref.startsWith('refs/tags/') || ref.startsWith('refs/heads/')) full = ref;
    else full = `refs/heads/${ref}`;
    const sha = await git.revParse(repo.gitDir, `${full}^{commit}`);
    if (!sha) return null;
    return { sha, ref: full, kind: full.startsWith('refs/tags/') ? 'tag' : 'branch', name: full.replace(/^refs\/(heads|tags)\//, '') };
  }
  // Forgejo's ExpandRef: refs/..., tags/..., heads/..., then a tag, a branch, a commit
  let full = null;
  if (ref.startsWith('refs/')) full = ref;
  else if (ref.startsWith('tags/') || ref.startsWith('heads/')) full = `refs/${ref}`;
  else if (await git.revParse(repo.gitDir, `refs/tags/${ref}^{commit}`)) full = `refs/tags/${ref}`;
  else if (await git.revParse(repo.gitDir, `refs/heads/${ref}^{commit}`)) full = `refs/heads/${ref}`;
  else if (/^[0-9a-f]{7,40}$/.test(ref) && (await git.revParse(repo.gitDir, `${ref}^{commit}`))) full = ref;
  if (!full) return { error: `could not expand reference '${ref}'` };
  const sha = await git.revParse(repo.gitDir, `${full}^{commit}`);
  if (!sha) return { error: `object does not exist [id: ${full}, rel_path: ]` };
  return { sha, ref: full, kind: full.startsWith('refs/tags/') ? 'tag' : full.startsWith('refs/heads/') ? 'branch' : 'commit', name: full.replace(/^refs\/(heads|tags)\//, '') };
}

async function dispatch(ctx) {
  const { sb, repo, body, query, flavor, auth } = ctx;
  const b = body || {};
  const workflowId = ctx.params.workflow_id || ctx.params.workflowfilename;
  const forgejo = flavor.kind === 'forgejo';
  if (!b.ref) throw new ApiError(flavor.missingRefStatus, forgejo ? 'ref is empty' : 'ref is required parameter');
  const ref = await dispatchRef(sb, repo, b.ref);
  if (!ref || ref.error) {
    // Forgejo: a plain error -> 500, whose message production servers hide
    if (forgejo) throw new ApiError(flavor.dispatchNotFoundStatus, '', { hidden: ref ? ref.error : b.ref });
    throw new ApiError(404, `ref ${JSON.stringify(b.ref)} doesn't exist`);
  }
  const wfFile = await findWorkflow(sb, repo, ref.sha, workflowId);
  if (!wfFile) {
    if (forgejo) throw new ApiError(flavor.dispatchNotFoundStatus, '', { hidden: 'workflow not found' });
    throw new ApiError(404, `workflow ${JSON.stringify(workflowId)} doesn't exist`);
  }
  let wf;
  try {
    wf = parseWorkflow(wfFile.text);
  } catch (e) {
    throw new ApiError(500, '', { hidden: `unable to parse workflow ${workflowId}: ${e.message}` });
  }
  let wd = dispatchConfig(wf);
  if (!wd) {
    if (flavor.rejectsNonDispatchWorkflow) throw new ApiError(422, `workflow ${JSON.stringify(workflowId)} has no workflow_dispatch event trigger`);
    sb.warn(ctx, `${workflowId} has no workflow_dispatch trigger; Gitea < 1.26 and Forgejo dispatch it anyway`);
    wd = { inputs: {} };
  }
  const given = b.inputs || {};
  const inputs = {};
  for (const [k, cfg] of Object.entries(wd.inputs)) {
    const has = Object.prototype.hasOwnProperty.call(given, k);
    let v = has ? String(given[k]) : undefined;
    if (flavor.kind === 'forgejo') {
      // services/actions/workflows.go resolveDispatchInput
      if (!v) {
        v = cfg.default;
        if (!v) {
          if (cfg.required) throw new ApiError(400, `input required for '${cfg.description || k}'`);
          continue;
        }
      } else if (cfg.type === 'boolean') {
        if (flavor.booleanInputOnQuirk) {
          // v11/v12: strconv.FormatBool(val == "on"), meant for the web form's checkbox
          if (v !== 'on') sb.warn(ctx, `input "${k}" is a boolean: Forgejo ${flavor.version} turns ${JSON.stringify(v)} into "false" (only "on" gives "true")`);
          v = String(v === 'on');
        } else if (v === 'on') v = 'true';
      }
    } else {
      // Gitea: the given value, else the default; `required` is not checked by the API
      if (!has) {
        v = cfg.default;
        if (cfg.required && !v) sb.warn(ctx, `input "${k}" is required by ${workflowId} but was not given; Gitea dispatches anyway with ""`);
      }
    }
    if (cfg.type === 'boolean' && v !== '' && v !== 'true' && v !== 'false') sb.warn(ctx, `input "${k}" is a boolean but got ${JSON.stringify(v)}`);
    if (cfg.type === 'choice' && cfg.options && v !== '' && !cfg.options.includes(v)) sb.warn(ctx, `input "${k}" is a choice of ${JSON.stringify(cfg.options)} but got ${JSON.stringify(v)}`);
    if (cfg.type === 'number' && v !== '' && Number.isNaN(Number(v))) sb.warn(ctx, `input "${k}" is a number but got ${JSON.stringify(v)}`);
    inputs[k] = v;
  }
  for (const k of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(wd.inputs, k)) sb.warn(ctx, `input "${k}" is not declared by ${workflowId}; the server ignores it`);
  }
  const limit = sb.settings.limit_dispatch_inputs;
  if (forgejo && limit !== null && Object.keys(inputs).length > limit) {
    // services/actions/workflows.go @v11.0.15 L94-96 (Dispatch): the declared inputs that got a
    // value or have a non-empty default, against [actions] LIMIT_DISPATCH_INPUTS; a plain error -> 500
    throw new ApiError(500, '', { hidden: `to many inputs (${Object.keys(inputs).length} > LIMIT_DISPATCH_INPUTS ${limit})` });
  }
  const head = await git.readCommit(repo.gitDir, ref.sha);
  const subject = head.message.split('\n')[0];
  let title;
  // Forgejo: the workflow's name, else ".forgejo/workflows/<file>" (whatever the folder)
  if (forgejo) title = wf.name || `.forgejo/workflows/${workflowId}`;
  else {
    title = subject;
    if (flavor.runNameEvaluated && wf.runName) {
      try {
        const v = interpolate(wf.runName, {
          inputs,
          github: { event_name: 'workflow_dispatch', ref: ref.ref, ref_name: ref.name, sha: ref.sha, actor: auth.user.name, repository: `${repo.owner}/${repo.name}`, repository_owner: repo.owner, workflow: wf.name || wfFile.path, event: { inputs } },
          vars: {},
          env: {},
        });
        if (v) title = v;
      } catch (e) {
        sb.warn(ctx, `run-name of ${workflowId} could not be evaluated: ${e.message}`);
      }
    }
  }
  if (flavor.cancelPreviousOnDispatch) {
    for (const r of sb.runs.forRepo(repo)) {
      if (r.status !== 'completed' && r.workflowId === workflowId && r.ref === ref.ref && r.event === 'workflow_dispatch') {
        // CancelPreviousJobs(repo, ref, workflowID, event)
        sb.runs.cancel(r, `a newer dispatch of ${workflowId} on ${ref.ref} (Gitea ${flavor.version} cancels previous runs)`);
      }
    }
  }
  let concurrency = null;
  if (flavor.runConcurrency && wf.doc.concurrency !== undefined && wf.doc.concurrency !== null) {
    const raw = typeof wf.doc.concurrency === 'object' ? wf.doc.concurrency : { group: wf.doc.concurrency };
    const exprCtx = {
      inputs,
      github: { event_name: 'workflow_dispatch', ref: ref.ref, ref_name: ref.name, sha: ref.sha, actor: auth.user.name, repository: `${repo.owner}/${repo.name}`, repository_owner: repo.owner, workflow: wf.name || wfFile.path, run_id: String(sb.runs.nextRunId), event: { inputs } },
      vars: {},
      env: {},
    };
    try {
      const group = interpolate(String(raw.group ?? ''), exprCtx);
      const c = raw['cancel-in-progress'];
      const cancel = typeof c === 'boolean' ? c : typeof c === 'string' ? ['true', '1'].includes(interpolate(c, exprCtx).trim().toLowerCase()) : false;
      if (group) concurrency = { group, cancel };
    } catch (e) {
      throw new ApiError(500, '', { hidden: `EvaluateRunConcurrencyFillModel: ${e.message}` });
    }
  }
  const fault = sb.takeRunFault(`RUN ${repo.owner}/${repo.name}/${workflowId}`);
  const run = sb.runs.create({
    repo,
    workflowId,
    workflowDir: wfFile.dir,
    workflowPath: wfFile.path,
    payloadWorkflow: forgejo ? `.forgejo/workflows/${workflowId}` : workflowId,
    dispatchable: !!dispatchConfig(wf),
    workflow: wf,
    workflowText: wfFile.text,
    ref: ref.ref,
    refName: ref.name,
    sha: ref.sha,
    inputs,
    actor: auth.user,
    title,
    fault,
    concurrency,
  });
  sb.runs.schedule();
  if (forgejo) {
    if (flavor.returnRunInfo && b.return_run_info === true) {
      return { status: 201, body: { id: run.id, run_number: run.index, jobs: run.jobs.map((j) => j.key) } };
    }
    return { status: 204 };
  }
  if (flavor.returnRunDetails && queryBool(query, 'return_run_details', false)) {
    return { status: 200, body: { workflow_run_id: run.id, run_url: `${sb.api}/repos/${repo.owner}/${repo.name}/actions/runs/${run.id}`, html_url: sb.runHtmlUrl(run) } };
  }
  return { status: 204 };
}


// Gitea: group /actions/workflows with reqToken(), reqRepoReader(TypeActions), the route adds
// reqRepoWriter(TypeActions) (api.go @v1.25.5 L1203-1209, @v1.26.4 L1227-1233); Forgejo: reqToken(),
// reqRepoWriter(TypeActions) inside the reqRepoReader(TypeActions) group (api.go @v12.0.4 L1229)
const routes = [
  { operationId: 'ActionsDispatchWorkflow', access: 'writer', unit: 'actions', token: true, handler: dispatch },
  { operationId: 'DispatchWorkflow', access: 'writer', unit: 'actions', token: true, handler: dispatch },
];

module.exports = { routes };
