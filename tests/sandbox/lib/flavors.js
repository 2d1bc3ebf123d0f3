'use strict';
// The server releases the sandbox imitates. Every difference between them that the sandbox
// models is a field here (or, for a route's access level, an override next to the route in
// lib/api/), with the upstream file and tag it was read from. Sources:
//   Gitea   github.com/davidlovas/gitea (upstream tags)      v1.24.7, v1.25.5, v1.26.4
//   Forgejo github.com/rohitkumarankam/forgejo (upstream tags) v11.0.15, v12.0.4
// (`git show TAG:path`), summarised with citations in ../sources/forge-facts-11.md and, for
// branch protection and pull requests, ../sources/forge-facts-14.md.

const GITEA_SPEC = 'swagger.v1.26.4.json';
const FORGEJO_SPEC = 'forgejo.swagger.v15.0.3.json';

const base = {
  gitea: {
    kind: 'gitea',
    spec: GITEA_SPEC,
    // modules/actions/workflows.go @v1.25.5 ListWorkflows: .gitea/workflows, and only if it does not
    // exist .github/workflows (1.26: the first existing of [actions] WORKFLOW_DIRS, same default)
    workflowDirs: ['.gitea/workflows', '.github/workflows'],
    staleShaStatus: 422, // routers/api/v1/repo/file.go @v1.25.5 handleChangeRepoFilesError: IsErrSHADoesNotMatch -> 422
    // services/context/api.go @v1.25.5 APIErrorNotFound: {"message": "not found", "url", "errors": null}
    notFound: { message: 'not found', errors: null },
    // routers/api/v1/repo/action.go @v1.25.5 L1015 ActionsDispatchWorkflow: "ref is required parameter" -> 422
    missingRefStatus: 422,
    requiredInputsEnforced: false, // services/actions/workflow.go @v1.25.5: fills defaults, never checks `required`
    // routers/api/v1/repo/file.go @v1.25.5 L608 handleChangeRepoFilesError: errors.Is(err, util.ErrNotExist) -> 404
    missingFileStatus: 404,
    deleteStaleStatus: 422, // DELETE contents with a stale sha: handleChangeRepoFilesError @v1.25.5 (DeleteFile uses it too)
    // dispatch: an unknown ref or workflow -> 404 (util.ErrNotExist, services/actions/workflow.go);
    // a workflow without workflow_dispatch is dispatched anyway before 1.26.3
    dispatchNotFoundStatus: 404,
    rejectsNonDispatchWorkflow: false,
    // services/repository/files/content.go @v1.25.5 GetBlobBySHA: above [api] DEFAULT_MAX_BLOB_SIZE
    // the pointers stay nil: "content": null, "encoding": null, the real size
    blobTooLarge: 'null',
    // routers/api/v1/repo/file.go @v1.25.5: no case for git.ErrPushRejected -> 500 (message hidden)
    pushRejectedStatus: 500,
    // routers/api/v1/api.go @v1.25.5 repoAssignment: the Actions token answers 404 for any other
    // repository (task.RepoID != repo.ID), Write on every unit of its own
    runToken: 'own-repo',
    // modules/setting/actions.go @v1.25.5: DEFAULT_ACTIONS_URL "github" (https://github.com) or "self"
    defaultActionsUrl: 'github',
    actionsUrlChoices: ['github', 'self'],
    limitDispatchInputs: null, // Gitea has no [actions] LIMIT_DISPATCH_INPUTS
    actionsPagingHeaders: false, // routers/api/v1/repo/action.go @v1.25.5 ListActionTasks, shared/action.go ListRuns/ListJobs: no Link/X-Total-Count
    contentsCommitFields: 'gitea-pointers', // modules/structs/repo_file.go @v1.25.5: *string last_commit_sha, dates, omitempty
    // routers/api/v1/repo/file.go @v1.25.5 ReqChangeRepoFileOptionsAndCheck
    branchWriteMessage: 'user should have a permission to write to the target branch',
    // operationIds (from the spec) this release does not serve: answered 404
    missingOperations: ['repoGetContentsExt'],
    // ---- branch protection and pull requests (notes: ../sources/forge-facts-14.md) ----
    protectionNameSlashes: false, // routers/api/v1/api.go @v1.25.5 L1267 `/branch_protections/{name}`
    editForcePushUsernamesBug: false, // routers/api/v1/repo/branch.go @v1.25.5 EditBranchProtection reads force_push_allowlist_usernames
    // routers/api/v1/repo/file.go @v1.25.5 DeleteFile -> handleChangeRepoFilesError: ErrFilePathProtected -> 403
    deleteProtectedFileStatus: 403,
    // routers/api/v1/repo/pull.go @v1.25.5 MergePullRequest: ErrHasMerged -> 405 "The PR is already merged"
    mergeAlreadyMergedMessage: 'The PR is already merged',
    mergeFormFields: 'go', // services/forms/repo_form.go @v1.25.5 MergePullRequestForm: Do, MergeTitleField, ... without json tags
    // services/repository/branch.go @v1.25.5 DeleteBranchAfterMerge: errors only logged; an omitted
    // delete_branch_after_merge takes the repository default (services/pull/merge.go ShouldDeleteBranchAfterMerge)
    deleteBranchAfterMerge: 'gitea-1.25',
    statusCheckEval: 'gitea-1.25', // services/pull/commit_status.go @v1.25.5 = @v1.26.4 MergeRequiredContextsCommitStatus
    autoMergeChecksAtOnce: true, // services/automerge/automerge.go @v1.25.5 ScheduleAutoMerge -> StartPRCheckAndAutoMerge
    cancelAutoMergeNeeds: 'merge', // routers/api/v1/repo/pull.go @v1.25.5 CancelScheduledAutoMerge: IsUserAllowedToMerge
    forgejoHeadCheckBug: false,
  },
  forgejo: {
    kind: 'forgejo',
    spec: FORGEJO_SPEC,
    // modules/actions/workflows.go @v11.0.15 ListWorkflows: the first existing of the three
    workflowDirs: ['.forgejo/workflows', '.gitea/workflows', '.github/workflows'],
    notFound: { message: "The target couldn't be found.", errors: [] }, // services/context/api.go @v12.0.4 NotFound()
    missingRefStatus: 400, // routers/api/v1/repo/action.go @v12.0.4 L655: "ref is empty" -> 400
    requiredInputsEnforced: true, // services/actions/workflows.go @v11.0.15 Dispatch InputRequiredErr -> 400 (action.go @v12.0.4 L678)
    // routers/api/v1/repo/file.go @v12.0.4 handleCreateOrUpdateFileError does not map a missing file: 500
    missingFileStatus: 500,
    // routers/api/v1/repo/file.go @v11.0.15 and @v12.0.4 DeleteFile: IsErrSHADoesNotMatch -> 400
    deleteStaleStatus: 400,
    combinedStatus: 'legacy', // models/git/commit_status.go CalcCommitStatus (worst state); no statuses -> an all-empty object
    // services/actions/workflows.go @v12.0.4 GetWorkflowFromCommit: "could not expand reference" / "workflow not found" are plain
    // errors, not util.ErrNotExist: the API answers 500
    dispatchNotFoundStatus: 500,
    rejectsNonDispatchWorkflow: false,
    // services/actions/workflows.go @v11.0.15 and @v12.0.4 L89: a boolean input becomes
    // strconv.FormatBool(val == "on"): "true" turns into "false"
    booleanInputOnQuirk: true,
    // services/repository/files/content.go @v11.0.15 and @v12.0.4 GetBlobBySHA: content "" above the
    // limit, Encoding "base64" always, the real size
    blobTooLarge: 'empty-base64',
    pushRejectedStatus: 500, // routers/api/v1/repo/file.go @v12.0.4 handleCreateOrUpdateFileError: no mapping -> 500
    runToken: 'own-repo', // routers/api/v1/api.go @v12.0.4 repoAssignment L202: task.RepoID != repo.ID -> NotFound
    // modules/setting/actions.go @v12.0.4: DEFAULT_ACTIONS_URL default https://data.forgejo.org; "github",
    // "self" or any other string, used as is
    defaultActionsUrl: 'https://data.forgejo.org',
    actionsUrlChoices: null,
    // modules/setting/actions.go @v11.0.15 and @v12.0.4: [actions] LIMIT_DISPATCH_INPUTS default 10
    limitDispatchInputs: 10,
    actionsPagingHeaders: false, // routers/api/v1/repo/action.go @v12.0.4 ListActionTasks, ListActionRuns: no headers
    // routers/api/v1/api.go @v12.0.4 reqRepoBranchWriter
    branchWriteMessage: 'user should have a permission to write to this branch',
    missingOperations: [],
    // ---- branch protection and pull requests ----
    protectionNameSlashes: false, // routers/api/v1/api.go @v12.0.4 L1199 `/branch_protections/{name}`
    editForcePushUsernamesBug: false, // Forgejo has no force-push allowlist
    // routers/api/v1/repo/file.go @v11.0.15/@v12.0.4 DeleteFile maps only ErrUserCannotCommit to 403
    deleteProtectedFileStatus: 500,
    // routers/api/v1/repo/pull.go @v12.0.4 MergePullRequest: ErrHasMerged -> ctx.Error(405, "PR already merged", "")
    mergeAlreadyMergedMessage: '',
    mergeFormFields: 'go', // services/forms/repo_form.go @v12.0.4 MergePullRequestForm: no json tags on Do, MergeTitleField, ...
    deleteBranchAfterMerge: 'forgejo', // services/repository/branch.go @v12.0.4 DeleteBranchAfterMerge, mapped to 403 by MergePullRequest
    statusCheckEval: 'forgejo-12', // services/pull/commit_status.go @v12.0.4: the first status per required context
    // services/automerge/automerge.go @v11.0.15/@v12.0.4 ScheduleAutoMerge only stores the schedule
    autoMergeChecksAtOnce: false,
    cancelAutoMergeNeeds: 'admin', // routers/api/v1/repo/pull.go @v12.0.4 CancelScheduledAutoMerge: IsUserRepoAdmin
    forgejoHeadCheckBug: false,
  },
};

const FLAVORS = {
  'gitea-1.24': {
    ...base.gitea,
    version: '1.24.7',
    // routers/api/v1/api.go @v1.24.7 addActionsRoutes: no /actions/runs, /runs/{run}, /jobs
    missingOperations: ['getWorkflowRuns', 'GetWorkflowRun', 'listWorkflowRunJobs', 'listWorkflowJobs', 'repoGetContentsExt'],
    returnRunDetails: false, // ?return_run_details from 1.26 (routers/api/v1/repo/action.go @v1.26.4 L1027)
    runNameEvaluated: false, // services/actions/workflow.go @v1.24.7 L245: the head commit's first line
    cancelPreviousOnDispatch: true, // services/actions/workflow.go @v1.24.7 L259 CancelPreviousJobs on every dispatch
    putRequiresSha: true, // modules/structs/repo_file.go @v1.24.7 L45 UpdateFileOptions.SHA binding:"Required"
    missingFileStatus: 500, // routers/api/v1/repo/file.go @v1.24.7 handleCreateOrUpdateFileError L721 does not map git.ErrNotExist
    deleteStaleStatus: 400, // routers/api/v1/repo/file.go @v1.24.7 DeleteFile: IsErrSHADoesNotMatch -> 400
    // combined status: models/git/commit_status.go @v1.24.7 L232 CalcCommitStatus picks the worst
    // state (error -> failure); routers/api/v1/repo/status.go L216 answers {} without statuses
    combinedStatus: 'legacy',
    notFound: { message: "The target couldn't be found.", errors: [] }, // services/context/api.go @v1.24.7 NotFound(): the locale's text
    runLinkUses: 'index', // models/actions/run.go @v1.24.7 Link: run.Index
    // modules/structs/repo_file.go @v1.24.7: last_commit_sha, last_committer_date, last_author_date always
    contentsCommitFields: 'gitea-1.24',
    branchWriteMessage: 'user should have a permission to write to this branch', // api.go @v1.24.7 reqRepoBranchWriter
    // routers/api/v1/repo/branch.go @v1.24.7 EditBranchProtection reads force_push_allowlist_usernames
    // only when force_push_allowlist_deploy_keys is sent (fixed in 1.25)
    editForcePushUsernamesBug: true,
    deleteProtectedFileStatus: 500, // routers/api/v1/repo/file.go @v1.24.7 DeleteFile maps only ErrUserCannotCommit to 403
    mergeAlreadyMergedMessage: '', // routers/api/v1/repo/pull.go @v1.24.7 MergePullRequest: ErrHasMerged -> 405 ""
    // routers/api/v1/repo/pull.go @v1.24.7 MergePullRequest: CanDeleteBranch failing skips silently,
    // DeleteBranch failing answers 404/403 after the merge
    deleteBranchAfterMerge: 'gitea-1.24',
    statusCheckEval: 'gitea-1.24', // services/pull/commit_status.go @v1.24.7: the worst state over the required contexts
    cancelAutoMergeNeeds: 'admin', // routers/api/v1/repo/pull.go @v1.24.7 CancelScheduledAutoMerge: IsUserRepoAdmin
  },
  'gitea-1.25': {
    ...base.gitea,
    version: '1.25.5',
    missingOperations: [],
    returnRunDetails: false,
    runNameEvaluated: true, // services/actions/workflow.go @v1.25.5 L149-164: run-name evaluated (commit 0534eddd16)
    cancelPreviousOnDispatch: true, // services/actions/workflow.go @v1.25.5 L190 CancelPreviousJobs
    putRequiresSha: true, // modules/structs/repo_file.go @v1.25.5 L29 binding:"Required"
    runLinkUses: 'index', // models/actions/run.go @v1.25.5 Link: run.Index
    // modules/commitstatus CommitStatusStates.Combine() (@v1.25.5); no statuses -> state "" (sha, urls, repository filled)
    combinedStatus: 'combine-empty-blank',
  },
  'gitea-1.26': {
    ...base.gitea,
    version: '1.26.4',
    missingOperations: [],
    returnRunDetails: true, // routers/api/v1/repo/action.go @v1.26.4 L1027 ?return_run_details
    runNameEvaluated: true, // services/actions/run.go @v1.26.4 L88-90
    cancelPreviousOnDispatch: false, // 40f71bcd4c removed CancelPreviousJobs (only `concurrency` cancels)
    putRequiresSha: false, // commit 9a73a1fb83 (in v1.26.4): UpdateFile with an empty sha creates the file (201)
    // services/actions/workflow.go: "workflow %q has no workflow_dispatch event trigger" -> 422 from v1.26.3 (8bf445e86a)
    rejectsNonDispatchWorkflow: true,
    runConcurrency: true, // models/actions/run.go @v1.26.4 L421 CancelPreviousJobsByRunConcurrency (commit 40f71bcd4c)
    runLinkUses: 'id', // models/actions/run.go @v1.26.4 Link: run.ID
    combinedStatus: 'combine-empty-pending', // services/convert/status.go @v1.26.4 ToCombinedStatus: no statuses -> state "pending"
    // routers/api/v1/repo/file.go @v1.26.4 handleChangeRepoFilesError: git.IsErrPushRejected -> 403 err.Message
    pushRejectedStatus: 403,
    // models/perm/access/repo_permission.go @v1.26.4 GetActionsUserRepoPermission: per-unit token
    // permissions (job `permissions:`, owner/repo token_permission_mode), read-only cross-repo access
    runToken: 'gitea-1.26',
    // routers/api/v1/repo/action.go @v1.26.4 ListActionTasks L796, shared/action.go ListRuns L188 / ListJobs L82: SetLinkHeader + SetTotalCountHeader
    actionsPagingHeaders: true,
    workflowDirsSetting: true, // modules/setting/actions.go @v1.26.4 [actions] WORKFLOW_DIRS
    protectionNameSlashes: true, // routers/api/v1/api.go @v1.26.4 L1292 `/branch_protections/*`
    // services/forms/repo_form.go @v1.26.4 MergePullRequestForm.UnmarshalJSON: do/Do, merge_title_field/MergeTitleField, ...
    mergeFormFields: 'both',
  },
  'forgejo-11': {
    ...base.forgejo,
    version: '11.0.15+gitea-1.22.0',
    missingOperations: ['ListActionRuns', 'ActionRun', 'DeleteActionRun'], // routers/api/v1/api.go @v11.0.15 L1188-1196: no /actions/runs (v12 L1222)
    returnRunInfo: true, // routers/api/v1/repo/action.go @v11.0.15 L616: body `return_run_info` -> 201 {id, run_number, jobs}
    runNameEvaluated: false, // services/actions/workflows.go @v11.0.15 L66-69: the title is the workflow's name
    cancelPreviousOnDispatch: false, // services/actions/workflows.go @v11.0.15 Dispatch: no cancel
    putRequiresSha: true, // modules/structs/repo_file.go @v11.0.15 L43/L45 binding:"Required"
    runLinkUses: 'index', // models/actions/run.go @v11.0.15 Link: run.Index
    // routers/api/v1/repo/file.go @v11.0.15 handleCreateOrUpdateFileError L755: IsErrSHADoesNotMatch -> 422
    staleShaStatus: 422,
    contentsCommitFields: 'forgejo-11', // modules/structs/repo_file.go @v11.0.15: last_commit_sha only
    // services/pull/commit_status.go @v11.0.15: the worst status per required context
    statusCheckEval: 'forgejo-11',
    // routers/api/v1/repo/pull.go @v11.0.15 parseCompareInfo: headIsTag := headGitRepo.IsCommitExist(baseBranch)
    // lets a missing head through; GetCompareInfo then fails (500; fixed in v12)
    forgejoHeadCheckBug: true,
    // services/automerge/automerge.go @v11.0.15 RemoveScheduledAutoMerge: IsUserAllowedToMerge (v12: repository admin)
    cancelAutoMergeNeeds: 'merge',
  },
  'forgejo-12': {
    ...base.forgejo,
    version: '12.0.4+gitea-1.22.0',
    returnRunInfo: true, // routers/api/v1/repo/action.go @v12.0.4 L692
    runNameEvaluated: false,
    cancelPreviousOnDispatch: false, // services/actions/workflows.go @v12.0.4 Dispatch: no cancel
    putRequiresSha: true, // modules/structs/repo_file.go @v12.0.4 binding:"Required"
    runLinkUses: 'index', // models/actions/run.go @v12.0.4 Link: run.Index
    // routers/api/v1/repo/file.go @v12.0.4 handleCreateOrUpdateFileError: IsErrSHADoesNotMatch -> 409 Conflict
    staleShaStatus: 409,
    contentsCommitFields: 'forgejo-12', // modules/structs/repo_file.go @v12.0.4: + last_commit_when
  },
};

for (const [name, f] of Object.entries(FLAVORS)) f.name = name;

const DEFAULT_FLAVOR = 'gitea-1.26';

function getFlavor(name) {
  const f = FLAVORS[name || DEFAULT_FLAVOR];
  if (!f) throw new Error(`unknown flavor ${JSON.stringify(name)}; known: ${Object.keys(FLAVORS).join(', ')}`);
  return f;
}

// [api] DEFAULT_MAX_BLOB_SIZE: modules/setting/api.go (all five tags) DefaultMaxBlobSize 10485760
const DEFAULT_MAX_BLOB_SIZE = 10485760;

// The server settings a seed (`server:`), startSandbox({server}) or POST /_sandbox/settings may
// change, with their per-flavor defaults.
function defaultSettings(flavor) {
  return {
    max_blob_size: DEFAULT_MAX_BLOB_SIZE,
    default_actions_url: flavor.defaultActionsUrl,
    limit_dispatch_inputs: flavor.limitDispatchInputs,
    workflow_dirs: flavor.workflowDirs,
    pull_check_ms: 0,
  };
}

// Checks and applies `patch` to `settings` as the flavor's setting loader would.
function applySettings(flavor, settings, patch) {
  const out = { ...settings };
  for (const [k, v] of Object.entries(patch || {})) {
    switch (k) {
      case 'max_blob_size':
        if (!Number.isInteger(Number(v)) || Number(v) < 0) throw new Error(`server.max_blob_size must be a byte count, got ${JSON.stringify(v)}`);
        out.max_blob_size = Number(v);
        break;
      case 'default_actions_url':
        if (flavor.actionsUrlChoices && !flavor.actionsUrlChoices.includes(v)) {
          // modules/setting/actions.go @v1.26.4 loadActionsFrom: a custom http(s) URL falls back to
          // "github" (logged); anything else stops the server
          if (/^https?:\/\//.test(String(v))) out.default_actions_url = 'github';
          else throw new Error(`unsupported [actions] DEFAULT_ACTIONS_URL: ${JSON.stringify(v)} (${flavor.name} accepts ${flavor.actionsUrlChoices.join(' or ')})`);
        } else out.default_actions_url = String(v);
        break;
      case 'limit_dispatch_inputs':
        if (flavor.limitDispatchInputs === null) throw new Error(`${flavor.name} has no [actions] LIMIT_DISPATCH_INPUTS`);
        out.limit_dispatch_inputs = Number(v);
        break;
      case 'workflow_dirs': {
        if (!flavor.workflowDirsSetting) throw new Error(`${flavor.name} has no [actions] WORKFLOW_DIRS (Gitea 1.26+)`);
        // modules/setting/actions.go @v1.26.4 L125-138: trimmed, "\" -> "/", trailing "/" removed, not empty
        const dirs = [].concat(v).map((d) => String(d).trim().replace(/\\/g, '/').replace(/\/+$/, '')).filter(Boolean);
        if (!dirs.length) throw new Error('[actions] WORKFLOW_DIRS must contain at least one entry');
        out.workflow_dirs = dirs;
        break;
      }
      case 'pull_check_ms':
        // not a server setting: how long a pull request stays `checking` after its head or base
        // moved (the servers re-test it in a queue, services/pull/check.go); 0: at once
        if (!Number.isInteger(Number(v)) || Number(v) < 0) throw new Error(`pull_check_ms must be a number of milliseconds, got ${JSON.stringify(v)}`);
        out.pull_check_ms = Number(v);
        break;
      default:
        throw new Error(`unknown server setting ${JSON.stringify(k)}; known: max_blob_size, default_actions_url, limit_dispatch_inputs, workflow_dirs, pull_check_ms`);
    }
  }
  return out;
}

module.exports = { FLAVORS, DEFAULT_FLAVOR, getFlavor, defaultSettings, applySettings, DEFAULT_MAX_BLOB_SIZE };
