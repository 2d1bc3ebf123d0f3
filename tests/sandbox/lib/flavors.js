'use strict';
// The server releases the sandbox can imitate. Every difference between them that the
// sandbox models is a field here, with the place it comes from (see
// /work/shared/gitea-api/FACTS.md, copied in spirit into tests/sandbox/README.md).

const GITEA_SPEC = 'swagger.v1.26.4.json';
const FORGEJO_SPEC = 'forgejo.swagger.v15.0.3.json';

const base = {
  gitea: {
    kind: 'gitea',
    spec: GITEA_SPEC,
    // workflow folders searched, in order (Gitea: [actions] WORKFLOW_DIRS default)
    workflowDirs: ['.gitea/workflows', '.github/workflows'],
    staleShaStatus: 422, // ErrSHADoesNotMatch -> 422 (routers/api/v1/repo/file.go)
    // APIErrorNotFound(): {"message": "not found", "url", "errors": null} (1.25+)
    notFound: { message: 'not found', errors: null },
    missingRefStatus: 422, // empty ref -> 422
    requiredInputsEnforced: false, // Gitea's API fills defaults, never checks `required`
    missingFileStatus: 404, // update of a file that is not there: errors.Is(err, util.ErrNotExist) -> 404 (1.25+)
    deleteStaleStatus: 422, // DELETE contents with a stale sha: handleChangeRepoFilesError (1.25+)
    // dispatch: an unknown ref or workflow -> 404 (util.ErrNotExist); a workflow without
    // workflow_dispatch is dispatched anyway before 1.26 (services/actions/workflow.go)
    dispatchNotFoundStatus: 404,
    rejectsNonDispatchWorkflow: false,
    // operationIds (from the spec) this release does not serve: answered 404
    missingOperations: [],
  },
  forgejo: {
    kind: 'forgejo',
    spec: FORGEJO_SPEC,
    workflowDirs: ['.forgejo/workflows', '.gitea/workflows', '.github/workflows'],
    staleShaStatus: 409, // Forgejo answers 409 Conflict for a stale sha
    notFound: { message: "The target couldn't be found.", errors: [] }, // ctx.NotFound()
    missingRefStatus: 400, // "ref is empty" -> 400 (routers/api/v1/repo/action.go)
    requiredInputsEnforced: true, // InputRequiredErr -> 400 (services/actions/workflows.go)
    // handleCreateOrUpdateFileError does not map a missing file: 500
    missingFileStatus: 500,
    deleteStaleStatus: 400, // DeleteFile maps ErrSHADoesNotMatch to 400
    combinedStatus: 'legacy', // ToCombinedStatus with NoBetterThan; no statuses -> an all-empty object
    // GetWorkflowFromCommit: "could not expand reference" / "workflow not found" are plain
    // errors, not util.ErrNotExist: the API answers 500
    dispatchNotFoundStatus: 500,
    rejectsNonDispatchWorkflow: false,
    // v11/v12: a boolean input becomes strconv.FormatBool(val == "on"): "true" turns into "false"
    booleanInputOnQuirk: true,
    missingOperations: [],
  },
};

const FLAVORS = {
  'gitea-1.24': {
    ...base.gitea,
    version: '1.24.6',
    missingOperations: ['getWorkflowRuns', 'GetWorkflowRun', 'listWorkflowRunJobs'], // /actions/runs from 1.25
    returnRunDetails: false, // ?return_run_details from 1.26
    runNameEvaluated: false, // display_title = head commit's first line before 1.25
    cancelPreviousOnDispatch: true, // CancelPreviousJobs on every dispatch, 1.24.0-1.25.x
    putRequiresSha: true, // UpdateFileOptions.SHA binding:"Required" up to 1.25
    missingFileStatus: 500, // 1.24's handleCreateOrUpdateFileError does not map git.ErrNotExist
    deleteStaleStatus: 400, // 1.24's DeleteFile maps ErrSHADoesNotMatch to 400
    // combined status: 1.24 picks the worst state (error -> failure) and answers {} without statuses
    combinedStatus: 'legacy',
    notFound: { message: "The target couldn't be found.", errors: [] }, // 1.24's ctx.NotFound(): the locale's text
    runLinkUses: 'index', // web links use run_number up to 1.25
  },
  'gitea-1.25': {
    ...base.gitea,
    version: '1.25.3',
    returnRunDetails: false,
    runNameEvaluated: true,
    cancelPreviousOnDispatch: true,
    putRequiresSha: true,
    runLinkUses: 'index',
    // CommitStatusStates.Combine(); no statuses -> state "" (sha, urls, repository filled)
    combinedStatus: 'combine-empty-blank',
  },
  'gitea-1.26': {
    ...base.gitea,
    version: '1.26.4',
    returnRunDetails: true,
    runNameEvaluated: true,
    cancelPreviousOnDispatch: false,
    putRequiresSha: false, // from 1.26 a PUT without sha creates the file
    rejectsNonDispatchWorkflow: true, // 1.26: "workflow %q has no workflow_dispatch event trigger" -> 422
    runConcurrency: true, // workflow-level `concurrency:` (group, cancel-in-progress) from 1.26
    runLinkUses: 'id', // web links use the run id from 1.26
    combinedStatus: 'combine-empty-pending', // no statuses -> state "pending"
  },
  'forgejo-11': {
    ...base.forgejo,
    version: '11.0.3+gitea-1.22.0',
    missingOperations: ['ListActionRuns', 'ActionRun', 'DeleteActionRun'], // /actions/runs from v12
    returnRunInfo: true, // body `return_run_info` from v11
    runNameEvaluated: false, // Forgejo: title is the workflow's name
    cancelPreviousOnDispatch: false,
    putRequiresSha: true,
    runLinkUses: 'index',
  },
  'forgejo-12': {
    ...base.forgejo,
    version: '12.0.1+gitea-1.22.0',
    returnRunInfo: true,
    runNameEvaluated: false,
    cancelPreviousOnDispatch: false,
    putRequiresSha: true,
    runLinkUses: 'index',
  },
};

for (const [name, f] of Object.entries(FLAVORS)) f.name = name;

const DEFAULT_FLAVOR = 'gitea-1.26';

function getFlavor(name) {
  const f = FLAVORS[name || DEFAULT_FLAVOR];
  if (!f) throw new Error(`unknown flavor ${JSON.stringify(name)}; known: ${Object.keys(FLAVORS).join(', ')}`);
  return f;
}

module.exports = { FLAVORS, DEFAULT_FLAVOR, getFlavor };
