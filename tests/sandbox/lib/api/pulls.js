'use strict';
// Pull requests: the api.PullRequest and api.PullReview views and the /pulls routes
// (routers/api/v1/repo/pull.go, pull_review.go). The group is mustAllowPulls + reqRepoReader(code)
// in routers/api/v1/api.go (all five tags); writes add reqToken. The model (mergeability, checks,
// merging, auto-merge) is lib/pulls.js.

const git = require('../git');
const { ApiError, nowIso, listOptions, pagingHeaders } = require('./common');
const { userJson } = require('./users');
const { repoJson } = require('./repos');
const P = require('../pulls');
const protection = require('../protection');

const htmlUrl = (sb, repo, index) => `${sb.url}/${repo.owner}/${repo.name}/pulls/${index}`;

// services/convert/pull.go ToAPIPullRequest: url and html_url are the web page; head.ref is the
// branch while it exists, else refs/pull/N/head; the diff counts run from the merge base to the head.
async function pullJson(sb, repo, pr, perm) {
  const issue = pr.issue;
  const t = await P.testPull(sb, repo, pr);
  const baseSha = t.baseSha || '';
  const branchSha = t.branchSha;
  // after a merge the head shown is still the branch's tip while it exists
  const headSha = branchSha || (pr.hasMerged ? pr.headSha : t.headSha) || '';
  const r = repoJson(sb, repo, perm);
  const url = htmlUrl(sb, repo, pr.index);
  const gitea = sb.flavor.kind === 'gitea';
  const j = {
    id: pr.id,
    url,
    number: pr.index,
    user: userJson(sb, issue.poster),
    title: issue.title,
    body: issue.body,
    labels: [],
    milestone: null,
    assignee: issue.assignees.length ? userJson(sb, issue.assignees[0]) : null,
    // util.SliceNilAsEmpty in Gitea 1.26's converter; null without assignees elsewhere
    assignees: issue.assignees.length ? issue.assignees.map((u) => userJson(sb, u)) : sb.flavor.name === 'gitea-1.26' ? [] : null,
    requested_reviewers: pr.reviewRequests.map((q) => userJson(sb, q.user)),
    requested_reviewers_teams: [],
    state: issue.isClosed ? 'closed' : 'open',
    draft: P.isWip(issue.title),
    is_locked: false,
    comments: issue.comments.length,
    html_url: url,
    diff_url: `${url}.diff`,
    patch_url: `${url}.patch`,
    mergeable: P.viewMergeable(pr, t),
    merged: pr.hasMerged,
    merged_at: pr.hasMerged ? pr.mergedAt : null,
    merge_commit_sha: pr.hasMerged ? pr.mergedSha : null,
    merged_by: pr.hasMerged ? userJson(sb, pr.merger) : null,
    allow_maintainer_edit: pr.allowMaintainerEdit,
    base: { label: pr.baseBranch, ref: pr.baseBranch, sha: baseSha, repo_id: repo.id, repo: r },
    head: { label: pr.headBranch, ref: branchSha ? pr.headBranch : P.pullRef(pr), sha: headSha, repo_id: repo.id, repo: r },
    merge_base: pr.mergeBase || '',
    due_date: null,
    created_at: issue.created,
    updated_at: issue.updated,
    closed_at: issue.closed,
    pin_order: 0,
  };
  // ReviewComments has omitempty: code comments only, none here; the diff from the merge base
  if (t.diff) Object.assign(j, { additions: t.diff.additions, deletions: t.diff.deletions, changed_files: t.diff.files.length });
  if (gitea && sb.flavor.name === 'gitea-1.26') j.content_version = 0; // modules/structs/pull.go @v1.26.4
  if (!gitea) j.flow = 0; // Forgejo: 0 = a branch, 1 = AGit
  return j;
}

// services/convert/pull_review.go ToPullReview
function reviewJson(sb, repo, pr, r) {
  return {
    id: r.id,
    user: userJson(sb, r.user),
    team: null,
    state: r.type,
    body: r.body,
    commit_id: r.commitId,
    stale: r.commitId !== pr.headSha,
    official: r.official,
    dismissed: r.dismissed,
    comments_count: 0,
    submitted_at: r.created,
    updated_at: r.created,
    html_url: `${htmlUrl(sb, repo, pr.index)}#issuecomment-${r.commentId}`,
    pull_request_url: htmlUrl(sb, repo, pr.index),
  };
}

// APIErrorNotFound("GetPullRequestByIndex", err) / ctx.NotFound("GetPullRequestByIndex", err)
// (MergePullRequest, CreatePullReview): the string is the message, the error is listed
const noSuchPull = (repo) => new ApiError(404, 'GetPullRequestByIndex', { notFoundMessage: true, errors: [`pull request does not exist [id: 0, issue_id: 0, head_repo_id: 0, base_repo_id: ${repo.id}, head_branch: , base_branch: ]`] });

function pullOr404(ctx) {
  const pr = P.findPull(ctx.repo, ctx.params.index);
  if (!pr) throw new ApiError(404, '', { notFound: true });
  return pr;
}

// ---- reading ----------------------------------------------------------------------------------

const SORTS = {
  oldest: (a, b) => a.issue.id - b.issue.id,
  recentupdate: (a, b) => b.issue.updated.localeCompare(a.issue.updated) || b.issue.id - a.issue.id,
  leastupdate: (a, b) => a.issue.updated.localeCompare(b.issue.updated) || a.issue.id - b.issue.id,
  recentclose: (a, b) => String(b.issue.closed || '').localeCompare(String(a.issue.closed || '')) || b.issue.id - a.issue.id,
  mostcomment: (a, b) => b.issue.comments.length - a.issue.comments.length || b.issue.id - a.issue.id,
  leastcomment: (a, b) => a.issue.comments.length - b.issue.comments.length || b.issue.id - a.issue.id,
};

// ListPullRequests (models/issues/pull_list.go listPullRequestStatement, all five tags): `state`
// open|closed filters, anything else (omitted included) lists all, whatever the specs' default
// says; `base_branch` only in Gitea; no `head` filter anywhere; newest first by default.
async function list(ctx) {
  const { sb, repo, query } = ctx;
  let prs = P.pulls(repo);
  const state = (query.get('state') || '').trim();
  if (state === 'open' || state === 'closed') prs = prs.filter((p) => p.issue.isClosed === (state === 'closed'));
  if (sb.flavor.kind === 'gitea' && query.get('base_branch')) prs = prs.filter((p) => p.baseBranch === query.get('base_branch').trim());
  const poster = query.get('poster');
  if (poster) {
    const u = sb.userByName(poster);
    if (!u) throw new ApiError(400, `user does not exist [uid: 0, name: ${poster}]`);
    prs = prs.filter((p) => p.issue.poster.id === u.id);
  }
  // the sandbox has no labels or milestones: asking for one matches nothing
  if (query.getAll('labels').join('') || Number(query.get('milestone')) > 0) prs = [];
  prs.sort(SORTS[(query.get('sort') || '').trim()] || ((a, b) => b.issue.id - a.issue.id));
  const { page, limit } = listOptions(query);
  const body = [];
  for (const pr of prs.slice((page - 1) * limit, page * limit)) body.push(await pullJson(sb, repo, pr, ctx.perm));
  return { status: 200, body, headers: pagingHeaders(sb, ctx, prs.length, limit) };
}

const get = async (ctx) => ({ status: 200, body: await pullJson(ctx.sb, ctx.repo, pullOr404(ctx), ctx.perm) });

// GetPullRequestByBaseHead (all five tags): head is `branch`, `owner:branch` or `owner/repo:branch`;
// models/issues/pull.go GetPullRequestByBaseHeadInfo has no state filter and no ORDER BY: the
// first PR for the pair, open, closed or merged (the sandbox: the oldest).
async function byBaseHead(ctx) {
  const { sb, repo, params } = ctx;
  let head = params.head;
  if (head.includes(':')) {
    const [who, branch] = [head.slice(0, head.indexOf(':')), head.slice(head.indexOf(':') + 1)];
    const [owner, name] = who.includes('/') ? who.split('/') : [who, repo.name];
    if (sb.repoByName(owner, name) !== repo) throw new ApiError(404, '', { notFound: true });
    head = branch;
  }
  const pr = P.pulls(repo).find((p) => p.baseBranch === params.base && p.headBranch === head);
  if (!pr) throw new ApiError(404, '', { notFound: true });
  return { status: 200, body: await pullJson(sb, repo, pr, ctx.perm) };
}

// IsPullRequestMerged: 204 when merged, else 404.
function isMerged(ctx) {
  const pr = pullOr404(ctx);
  if (!pr.hasMerged) throw new ApiError(404, '', { notFound: true });
  return { status: 204 };
}

// ---- creating and editing ---------------------------------------------------------------------

// The `head`/`base` of a new PR: a branch of this repository (`owner:branch` or
// `owner/repo:branch` naming this repository; the sandbox has no forks: another repository is
// 404), with the release's answer for a ref that is missing or not a branch.
async function resolveCompare(ctx, base, head) {
  const { sb, repo, flavor } = ctx;
  let headBranch = head;
  const colon = head.indexOf(':');
  if (colon >= 0) {
    const who = head.slice(0, colon);
    const [owner, name] = who.includes('/') ? who.split('/') : [who, repo.name];
    if (sb.repoByName(owner, name) !== repo) throw new ApiError(404, '', { notFound: true, hidden: 'forks are not modelled' });
    headBranch = head.slice(colon + 1);
  }
  const kindOf = async (ref) => {
    if (await git.branchSha(repo.gitDir, ref)) return 'branch';
    const r = await git.resolveRef(repo.gitDir, ref);
    return r ? r.kind : null;
  };
  const baseKind = await kindOf(base);
  const headKind = await kindOf(headBranch);
  if (flavor.kind === 'gitea') {
    // routers/api/v1/repo/pull.go @v1.26.4 parseCompareInfo: a missing ref is APIErrorNotFound();
    // CreatePullRequest: "base and head must be branches"
    if (!baseKind || !headKind) throw new ApiError(404, '', { notFound: true });
    if (baseKind !== 'branch' || headKind !== 'branch') throw new ApiError(422, 'Invalid PullRequest: base and head must be branches');
  } else {
    // Forgejo parseCompareInfo: NotFound("BaseNotExist"); a missing head is NotFound("IsRefExist")
    // @v12.0.4; @v11.0.15 checks IsCommitExist(baseBranch) for the head (a bug): the head passes,
    // and GetCompareInfo fails on it: 500 (inferred from the code, not run)
    if (!baseKind) throw new ApiError(404, 'BaseNotExist', { notFoundMessage: true, errors: [] });
    if (!headKind) {
      if (flavor.forgejoHeadCheckBug) throw new ApiError(500, '', { hidden: `GetCompareInfo: ${headBranch} is not a ref` });
      throw new ApiError(404, 'IsRefExist', { notFoundMessage: true, errors: [] });
    }
    if (baseKind !== 'branch' || headKind !== 'branch') throw new ApiError(501, 'the sandbox does not model pull requests from or to a tag or a commit (Forgejo accepts them)');
  }
  return headBranch;
}

function mayOpenPull(sb, repo, user, perm) {
  if (user.admin || perm.canWrite('code')) return true;
  const owner = sb.userByName(repo.owner);
  const lower = user.name.toLowerCase();
  if (owner && owner.id === user.id) return true;
  if (owner && owner.isOrg && owner.members.has(lower)) return true;
  return !!repo.collaborators[lower];
}

// CreatePullRequest (routers/api/v1/repo/pull.go, services/pull/pull.go NewPullRequest).
async function create(ctx) {
  const { sb, repo, flavor, auth } = ctx;
  const f = ctx.body || {};
  for (const [k, name] of [['head', 'Head'], ['base', 'Base'], ['title', 'Title']]) if (!f[k]) throw new ApiError(422, `[${name}]: Required`);
  if (f.head === f.base) throw new ApiError(422, 'Invalid PullRequest: There are no changes between the head and the base');
  const headBranch = await resolveCompare(ctx, f.base, f.head);
  // models/issues/pull.go GetUnmergedPullRequest: an open, unmerged PR for the same head and base
  const existing = P.pulls(repo).find((p) => !p.hasMerged && !p.issue.isClosed && p.headBranch === headBranch && p.baseBranch === f.base);
  if (existing) {
    throw new ApiError(409, `pull request already exists for these targets [id: ${existing.id}, issue_id: ${existing.index}, head_repo_id: ${repo.id}, base_repo_id: ${repo.id}, head_branch: ${existing.headBranch}, base_branch: ${existing.baseBranch}]`);
  }
  if (f.milestone > 0) throw new ApiError(404, '', { notFound: true }); // no milestones in the sandbox
  const assignees = [];
  for (const name of [...new Set([...(f.assignee ? [f.assignee] : []), ...(f.assignees || [])])]) {
    const u = sb.userByName(name);
    if (!u) throw new ApiError(422, `Assignee does not exist: [name: user does not exist [uid: 0, name: ${name}]]`);
    // access_model.CanBeAssigned: write on some unit, or read on pull requests
    if (u.isOrg || !sb.userPermission(u, repo).canRead('pull_requests')) throw new ApiError(422, `user doesn't have access to repo [user_id: ${u.id}, repo_name: ${repo.name}]`);
    assignees.push(u);
  }
  const reviewers = [];
  if (flavor.kind === 'gitea') {
    // parseReviewersByNames (Gitea only): an unknown reviewer is NotFound("UserNotExist", ...)
    for (const name of f.reviewers || []) {
      const u = String(name).includes('@') ? sb.userByEmail(name) : sb.userByName(name);
      if (!u) throw new ApiError(404, 'UserNotExist', { notFoundMessage: true, errors: [`User '${name}' not exist`] });
      reviewers.push(u);
    }
    // services/pull/pull.go NewPullRequest: a site admin, or repo_model.IsOwnerMemberCollaborator
    // (the owner, a member of the owning organisation, a collaborator), or code write on the head
    // repository; else models/issues/pull.go ErrMustCollaborator -> 403
    if (!mayOpenPull(sb, repo, auth.user, ctx.perm)) throw new ApiError(403, 'user must be a collaborator');
  }
  const headSha = await git.branchSha(repo.gitDir, headBranch);
  const issue = P.newIssue(sb, repo, { title: f.title, body: f.body, poster: auth.user, isPull: true });
  issue.assignees = assignees;
  const pr = {
    id: sb.nextPullId++,
    index: issue.index,
    issue,
    headBranch,
    baseBranch: f.base,
    headSha,
    mergeBase: '',
    hasMerged: false,
    reviews: [],
    reviewRequests: [],
    autoMerge: null,
    autoMergeLog: [],
    // G26: allow_maintainer_edit from the option, else the repository default (false)
    allowMaintainerEdit: flavor.name === 'gitea-1.26' ? !!f.allow_maintainer_edit : false,
  };
  issue.pull = pr;
  const rule = protection.firstMatch(flavor, repo, pr.baseBranch);
  for (const u of reviewers) if (u.id !== auth.user.id) pr.reviewRequests.push({ user: u, official: protection.isOfficialReviewer(rule, u, sb.userPermission(u, repo)) });
  // PushToBaseRepo: refs/pull/N/head
  await git.updateRef(repo.gitDir, P.pullRef(pr), headSha, null, `sandbox: pull request #${pr.index}`);
  await P.testPull(sb, repo, pr);
  return { status: 201, body: await pullJson(sb, repo, pr, ctx.perm) };
}

// EditPullRequest: the poster or a pull-request writer (else 403 without a body); 201 on success
// (all five tags); a state change on a merged PR is 412.
async function edit(ctx) {
  const { sb, repo, flavor, auth } = ctx;
  const pr = pullOr404(ctx);
  const issue = pr.issue;
  const f = ctx.body || {};
  if (issue.poster.id !== auth.user.id && !ctx.perm.canWrite('pull_requests')) throw new ApiError(403, '', { emptyBody: true });
  if (f.title) issue.title = f.title;
  if (typeof f.body === 'string') issue.body = f.body;
  if (f.state !== undefined && f.state !== null) {
    if (pr.hasMerged) throw new ApiError(412, 'cannot change state of this pull request, it was already merged');
    let closed;
    if (flavor.kind === 'gitea') {
      // routers/api/v1/repo/issue.go closeOrReopenIssue
      if (f.state !== 'open' && f.state !== 'closed') throw new ApiError(412, `unknown state: ${f.state}`);
      closed = f.state === 'closed';
    } else closed = f.state === 'closed'; // Forgejo: anything but "closed" reopens
    if (closed !== issue.isClosed) {
      issue.isClosed = closed;
      issue.closed = closed ? nowIso() : null;
    }
  }
  if (f.base && f.base !== pr.baseBranch && !pr.hasMerged) {
    if (!(await git.branchSha(repo.gitDir, f.base))) throw new ApiError(404, `new base '${f.base}' not exist`);
    pr.baseBranch = f.base;
  }
  if (typeof f.allow_maintainer_edit === 'boolean') pr.allowMaintainerEdit = f.allow_maintainer_edit;
  issue.updated = nowIso();
  return { status: 201, body: await pullJson(sb, repo, pr, ctx.perm) };
}

// ---- merging ------------------------------------------------------------------------------------

const STYLES = ['merge', 'rebase', 'rebase-merge', 'squash', 'fast-forward-only', 'manually-merged'];

// MergePullRequestForm as the release decodes it: Gitea 1.26 (services/forms/repo_form.go
// @v1.26.4 UnmarshalJSON) takes `do`/`Do`, `merge_title_field`/`MergeTitleField`, ...; the others
// have Go fields without json tags, which encoding/json matches case-insensitively by the Go
// name (`Do`, `do`, `MergeTitleField`), so `merge_title_field` is ignored there.
function mergeForm(ctx) {
  const b = ctx.body || {};
  const both = ctx.flavor.mergeFormFields === 'both';
  const field = (goName, snake) => {
    if (both && b[snake] !== undefined && b[snake] !== '') return b[snake];
    const k = Object.keys(b).find((x) => x.toLowerCase() === goName.toLowerCase() && (both ? x === goName : true));
    return k === undefined ? '' : b[k];
  };
  if (!both) {
    for (const snake of ['merge_title_field', 'merge_message_field', 'merge_commit_id']) {
      if (b[snake] !== undefined) ctx.sb.warn(ctx, `body field "${snake}" is ignored by ${ctx.flavor.name}: its form field has no json tag, send ${snake.replace(/(^|_)(\w)/g, (m, u, c) => c.toUpperCase()).replace('Id', 'ID')}`);
    }
  }
  return {
    style: String(field('Do', 'do') || ''),
    title: String(field('MergeTitleField', 'merge_title_field') || ''),
    message: String(field('MergeMessageField', 'merge_message_field') || ''),
    headCommitId: b.head_commit_id || '',
    forceMerge: !!b.force_merge,
    whenChecksSucceed: !!b.merge_when_checks_succeed,
    deleteBranch: b.delete_branch_after_merge,
  };
}

// MergePullRequest (routers/api/v1/repo/pull.go): CheckPullMergeable, then either schedule
// (merge_when_checks_succeed: 201, empty) or merge (200, empty), then the head branch.
async function merge(ctx) {
  const { sb, repo, flavor, auth, perm } = ctx;
  const pr = P.findPull(repo, ctx.params.index);
  if (!pr) throw noSuchPull(repo);
  const form = mergeForm(ctx);
  if (!form.style) throw new ApiError(422, '[Do]: Required');
  if (!STYLES.includes(form.style)) throw new ApiError(422, '[Do]: In');
  return sb.withRepoLock(repo, async () => {
    const type = form.style === 'manually-merged' ? 'manually' : form.whenChecksSucceed ? 'auto' : 'general';
    const t = await P.testPull(sb, repo, pr);
    const failed = P.checkMergeable(sb, repo, pr, t, auth.user, perm, type, form.forceMerge);
    if (failed) throw mergeRefusal(flavor, failed);
    // the sandbox's repositories allow every style but manually-merged (allow_manual_merge: false)
    if (form.style === 'manually-merged') throw new ApiError(405, 'manually-merged is not allowed an allowed merge style for this repository');
    let message = form.title.trim() || P.defaultMergeMessage(pr, form.style);
    if (form.message.trim()) message += `\n\n${form.message.trim()}`;
    // services/pull/merge.go @v1.25.5/@v1.26.4 ShouldDeleteBranchAfterMerge: an omitted value takes
    // the repository default (false); Gitea 1.24 and Forgejo read a plain bool
    const deleteBranch = form.deleteBranch === undefined || form.deleteBranch === null ? false : !!form.deleteBranch;
    if (form.whenChecksSucceed) {
      if (pr.autoMerge) throw new ApiError(409, `pull request is already scheduled to auto merge when checks succeed [pull_id: ${pr.id}]`);
      pr.autoMerge = { doer: auth.user, style: form.style, message, deleteBranch, scheduled: nowIso() };
      pr.autoMergeLog.push(`${nowIso()} scheduled by ${auth.user.name} (${form.style})`);
      // Gitea ScheduleAutoMerge starts a check at once (services/automerge/automerge.go
      // @v1.24.7..v1.26.4); Forgejo's (@v11.0.15, @v12.0.4) waits for a status, a review or a re-test
      if (flavor.autoMergeChecksAtOnce) P.queueAutoMerge(sb, repo, pr, 'scheduled');
      return { status: 201 };
    }
    await P.mergeCommits(sb, repo, pr, t, auth.user, form.style, message, form.headCommitId);
    if (deleteBranch) {
      const after = await P.deleteHeadBranch(sb, repo, pr, auth.user, perm);
      if (after) throw after;
    }
    return { status: 200 };
  });
}

// The answers to CheckPullMergeable's refusals (routers/api/v1/repo/pull.go MergePullRequest).
function mergeRefusal(flavor, failed) {
  switch (failed.code) {
    case 'closed':
      return new ApiError(404, '', { notFound: true });
    case 'not-allowed':
      return new ApiError(405, 'User not allowed to merge PR');
    case 'merged':
      // "" in Gitea 1.24 and Forgejo, "The PR is already merged" from Gitea 1.25
      return new ApiError(405, flavor.mergeAlreadyMergedMessage);
    case 'wip':
      return new ApiError(405, 'Work in progress PRs cannot be merged');
    case 'not-mergeable':
      return new ApiError(405, 'Please try again later');
    case 'protection':
      // Gitea: util.ErrorWrap(ErrNotReadyToMerge, reason); Forgejo: models.ErrDisallowedToMerge
      return new ApiError(405, flavor.kind === 'gitea' ? failed.reason : `not allowed to merge [reason: ${failed.reason}]`);
    default:
      return new ApiError(405, failed.reason || failed.code);
  }
}

// CancelScheduledAutoMerge: 404 when nothing is scheduled; someone else than the scheduler needs
// IsUserAllowedToMerge (Gitea 1.25/1.26) or repository admin (Gitea 1.24, Forgejo).
function cancelAutoMerge(ctx) {
  const { sb, repo, auth, perm, flavor } = ctx;
  const pr = pullOr404(ctx);
  if (!pr.autoMerge) throw new ApiError(404, '', { notFound: true });
  if (pr.autoMerge.doer.id !== auth.user.id) {
    const allowed = flavor.cancelAutoMergeNeeds === 'merge' ? P.allowedToMerge(sb, repo, pr, auth.user, perm) : perm.isAdmin;
    if (!allowed) throw new ApiError(403, 'user has no permission to cancel the scheduled auto merge');
  }
  pr.autoMerge = null;
  pr.autoMergeLog.push(`${nowIso()} cancelled by ${auth.user.name}`);
  return { status: 204 };
}

// ---- reviews ------------------------------------------------------------------------------------

const listReviews = (ctx) => {
  const pr = pullOr404(ctx);
  return { status: 200, body: pr.reviews.map((r) => reviewJson(ctx.sb, ctx.repo, pr, r)) };
};

// CreatePullReview (routers/api/v1/repo/pull_review.go, services/pull/review.go SubmitReview): one's
// own PR cannot be approved or rejected (422); a rejection needs a body; an approval or rejection
// is official when the reviewer is an official reviewer of the base's rule (IsOfficialReviewer) and
// replaces the reviewer's earlier official one; a closed PR cannot be reviewed (422).
async function createReview(ctx) {
  const { sb, repo, auth, perm, flavor } = ctx;
  const pr = P.findPull(repo, ctx.params.index);
  if (!pr) throw noSuchPull(repo);
  const f = ctx.body || {};
  const event = f.event || '';
  const body = String(f.body || '');
  const mine = pr.issue.poster.id === auth.user.id;
  let type;
  if (event === 'APPROVED') {
    if (mine) throw new ApiError(422, 'approve your own pull is not allowed');
    type = 'APPROVED';
  } else if (event === 'REQUEST_CHANGES') {
    if (mine) throw new ApiError(422, 'reject your own pull is not allowed');
    if (!body.trim()) throw new ApiError(422, `review event ${event} requires a body`);
    type = 'REQUEST_CHANGES';
  } else if (event === 'COMMENT') {
    if (!body.trim() && !(f.comments || []).length) throw new ApiError(422, `review event ${event} requires a body or a comment`);
    type = 'COMMENT';
  } else {
    if (!body.trim()) throw new ApiError(422, `review event ${event} requires a body`);
    type = 'PENDING';
  }
  if (pr.issue.isClosed && !pr.hasMerged) throw new ApiError(422, "can't submit review for a closed or merged PR");
  const headSha = await P.headShaOf(repo, pr);
  let official = false;
  if (type === 'APPROVED' || type === 'REQUEST_CHANGES') {
    for (const r of pr.reviews) if (r.user.id === auth.user.id) r.official = false;
    official = protection.isOfficialReviewer(protection.firstMatch(flavor, repo, pr.baseBranch), auth.user, perm);
  }
  const r = { id: sb.nextReviewId++, commentId: sb.nextCommentId++, user: auth.user, type, body, commitId: f.commit_id || headSha, official, dismissed: false, created: nowIso() };
  pr.reviews.push(r);
  pr.reviewRequests = pr.reviewRequests.filter((q) => q.user.id !== auth.user.id);
  pr.issue.updated = r.created;
  // services/automerge/notify.go PullRequestReview: an approval starts an auto-merge check (all five tags)
  if (type === 'APPROVED') P.queueAutoMerge(sb, repo, pr, 'approval');
  return { status: 200, body: reviewJson(sb, repo, pr, r) };
}

const routes = [
  { operationId: 'repoListPullRequests', access: 'reader', unit: 'code', handler: list },
  { operationId: 'repoCreatePullRequest', access: 'reader', unit: 'code', token: true, handler: create },
  { operationId: 'repoGetPullRequest', access: 'reader', unit: 'code', handler: get },
  { operationId: 'repoGetPullRequestByBaseHead', access: 'reader', unit: 'code', handler: byBaseHead },
  { operationId: 'repoEditPullRequest', access: 'reader', unit: 'code', token: true, handler: edit },
  { operationId: 'repoPullRequestIsMerged', access: 'reader', unit: 'code', handler: isMerged },
  { operationId: 'repoMergePullRequest', access: 'reader', unit: 'code', token: true, handler: merge },
  { operationId: 'repoCancelScheduledAutoMerge', access: 'reader', unit: 'code', token: true, handler: cancelAutoMerge },
  { operationId: 'repoListPullReviews', access: 'reader', unit: 'code', handler: listReviews },
  { operationId: 'repoCreatePullReview', access: 'reader', unit: 'code', token: true, handler: createReview },
];

module.exports = { routes };
