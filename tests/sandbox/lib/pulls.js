'use strict';
// Pull requests as the servers keep them: the issue they share a number sequence with, the head
// ref refs/pull/N/head, the mergeability test, the checks before a merge (branch protection,
// approvals, status checks), the merge itself as real commits in the bare repository, and the
// scheduled auto-merge ("merge when checks succeed"). The API views and handlers are in
// lib/api/pulls.js and lib/api/issues.js; differences between releases are flavor fields
// (lib/flavors.js) with their source.

const git = require('./git');
const { ApiError, nowIso } = require('./api/common');
const { compile, filePatterns, matchesAny } = require('./glob');
const protection = require('./protection');

function log(...a) {
  if (process.env.SANDBOX_QUIET) return;
  process.stderr.write(`[sandbox] ${a.join(' ')}\n`);
}

// ---- issues and their numbers -------------------------------------------------------------

// A new issue (a pull request's too): issues and pull requests share one index per repository
// (models/issues/issue.go NewIssueWithIndex, db.GetNextResourceIndex "issue_index").
function newIssue(sb, repo, { title, body, poster, isPull }) {
  const now = nowIso();
  const issue = { id: sb.nextIssueId++, index: repo.nextIssueIndex++, title, body: body || '', poster, isPull, isClosed: false, created: now, updated: now, closed: null, comments: [], assignees: [], pull: null };
  repo.issues.push(issue);
  return issue;
}

const findIssue = (repo, index) => repo.issues.find((i) => i.index === Number(index)) || null;
const findPull = (repo, index) => {
  const i = findIssue(repo, index);
  return i && i.pull ? i.pull : null;
};
const pulls = (repo) => repo.issues.filter((i) => i.pull).map((i) => i.pull);

// setting.Repository.PullRequest.WorkInProgressPrefixes default ["WIP:", "[WIP]"], compared
// ASCII-case-insensitively (models/issues/pull.go CutWorkInProgressPrefix, all five tags).
const isWip = (title) => ['WIP:', '[WIP]'].some((p) => title.slice(0, p.length).toUpperCase() === p);

// ---- the git side -------------------------------------------------------------------------

const pullRef = (pr) => `refs/pull/${pr.index}/head`;

// The PR's head commit: the head branch's tip while it exists, else refs/pull/N/head.
async function headShaOf(repo, pr) {
  return (await git.branchSha(repo.gitDir, pr.headBranch)) || (await git.refSha(repo.gitDir, pullRef(pr)));
}

// The git side of a PR's test for one (base tip, head tip) pair: commits are immutable, so it is
// computed once (merge base, commits behind, the three-way merge, the changed files and counts).
const pairCache = new Map();
function testPair(gitDir, baseSha, headSha) {
  const key = `${gitDir}\0${baseSha}\0${headSha}`;
  if (!pairCache.has(key)) {
    if (pairCache.size > 5000) pairCache.delete(pairCache.keys().next().value);
    const p = computePair(gitDir, baseSha, headSha);
    p.catch(() => pairCache.delete(key));
    pairCache.set(key, p);
  }
  return pairCache.get(key);
}

async function computePair(gitDir, baseSha, headSha) {
  const mb = await git.mergeBase(gitDir, baseSha, headSha);
  if (!mb) return { status: 'conflict', mergeBase: '', behind: 0, conflicts: [], diff: { files: [], additions: 0, deletions: 0 } }; // unrelated histories
  const behind = baseSha === mb ? 0 : (await git.commitsBetween(gitDir, mb, baseSha)).length;
  const diff = await git.diffStat(gitDir, mb, headSha);
  if (headSha === mb) return { status: 'ancestor', mergeBase: mb, behind, conflicts: [], diff };
  const m = await git.mergeTree(gitDir, baseSha, headSha);
  if (m.conflicts.length) return { status: 'conflict', mergeBase: mb, behind, conflicts: m.conflicts, diff };
  const empty = m.tree === (await git.readCommit(gitDir, baseSha)).tree;
  return { status: empty ? 'empty' : 'mergeable', mergeBase: mb, behind, conflicts: [], diff };
}

// services/pull/patch.go checkPullRequestMergeableByTmpRepo (the same steps in all five tags):
// the merge base; `ancestor` when the head is already in the base; `conflict` when a three-way
// merge conflicts; `empty` when merging changes nothing; else `mergeable`, with the changed files
// that match the base rule's protected_file_patterns. `checking` while a re-test is pending
// (the `pull_check_ms` setting). A merged PR keeps what it had.
async function testPull(sb, repo, pr) {
  const baseSha = await git.branchSha(repo.gitDir, pr.baseBranch);
  const branchSha = await git.branchSha(repo.gitDir, pr.headBranch);
  const headSha = branchSha || (await git.refSha(repo.gitDir, pullRef(pr)));
  const refs = { baseSha, headSha, branchSha };
  if (pr.hasMerged) {
    const { diff } = await testPair(repo.gitDir, pr.mergedBaseSha, pr.headSha);
    return { ...refs, status: 'merged', headSha: pr.headSha, mergeBase: pr.mergeBase, conflicts: [], behind: 0, protectedFiles: [], diff };
  }
  if (!baseSha || !headSha) return { ...refs, status: 'error', mergeBase: pr.mergeBase || '', conflicts: [], behind: 0, protectedFiles: [], diff: null };
  const pair = await testPair(repo.gitDir, baseSha, headSha);
  if (pair.mergeBase) pr.mergeBase = pair.mergeBase;
  const out = { ...refs, ...pair, mergeBase: pr.mergeBase || '', protectedFiles: [] };
  if (pair.status === 'mergeable') {
    const rule = protection.firstMatch(sb.flavor, repo, pr.baseBranch);
    const pats = rule ? filePatterns(rule.protectedFilePatterns) : [];
    out.protectedFiles = pats.length ? pair.diff.files.filter((f) => matchesAny(pats, f)).map((f) => f.toLowerCase()) : [];
  }
  if (pr.checkingUntil && Date.now() < pr.checkingUntil && pair.status !== 'conflict') out.status = 'checking';
  return out;
}

// PullRequest.Mergeable(): not while checking, on a conflict or an error, nor for a WIP title.
const viewMergeable = (pr, t) => !['checking', 'conflict', 'error'].includes(t.status) && !isWip(pr.issue.title);

// ---- status checks ------------------------------------------------------------------------

// commitStatusPriorities (modules/structs/commit_status.go): NoBetterThan knows five states only.
const PRIORITY = { error: 0, failure: 1, warning: 2, pending: 3, success: 4 };
const noBetterThan = (a, b) => a in PRIORITY && b in PRIORITY && PRIORITY[a] <= PRIORITY[b];

// CommitStatusStates.Combine (modules/commitstatus @v1.25.5, @v1.26.4)
function combine(states) {
  let ok = 0;
  for (const s of states) {
    if (['error', 'failure', 'warning'].includes(s)) return 'failure';
    if (s === 'success' || s === 'skipped') ok++;
  }
  return ok > 0 && ok === states.length ? 'success' : 'pending';
}

// CalcCommitStatus @v1.24.7: the worst of the five states, starting from success; an empty list
// gives an empty status (state "").
function calc124(list) {
  if (!list.length) return '';
  let state = 'success';
  let last = null;
  for (const s of list) {
    if (noBetterThan(s.state, state)) {
      state = s.state;
      last = s;
    }
  }
  return (last || list[0]).state;
}

// CalcCommitStatus @v11.0.15/@v12.0.4: the latest worst one; none -> nil ("").
function calcForgejo(list) {
  if (!list.length) return '';
  let cur = list[0];
  for (const s of list.slice(1)) if (noBetterThan(s.state, cur.state)) cur = s;
  return cur.state;
}

function contextGlobs(contexts) {
  const out = [];
  for (const c of contexts || []) {
    try {
      out.push(compile(c));
    } catch {
      /* glob.Compile failed: logged and skipped */
    }
  }
  return out;
}

// services/pull/commit_status.go MergeRequiredContextsCommitStatus, per release (flavor
// field statusCheckEval): the state of the latest statuses (one per context) of `sha` given the
// required context globs.
function requiredContextsState(flavor, statuses, contexts) {
  const globs = contextGlobs(contexts);
  if (flavor.statusCheckEval === 'gitea-1.25') {
    // @v1.25.5 = @v1.26.4: no statuses -> pending; no contexts -> all combined; every context must match
    if (!statuses.length) return 'pending';
    if (!contexts || !contexts.length) return combine(statuses.map((s) => s.state));
    const required = [];
    let allMatched = true;
    for (const g of globs) {
      const hits = statuses.filter((s) => g.test(s.context));
      required.push(...hits);
      allMatched = allMatched && hits.length > 0;
    }
    if (!required.length) return 'pending';
    const st = combine(required.map((s) => s.state));
    if (allMatched) return st;
    return st === 'failure' ? 'failure' : 'pending';
  }
  // @v1.24.7, @v11.0.15, @v12.0.4: the worst state over the contexts; one without a status -> pending
  let matched = 0;
  let returned = 'success';
  if (contexts && contexts.length) {
    for (const g of globs) {
      const hits = statuses.filter((s) => g.test(s.context));
      let target;
      if (flavor.statusCheckEval === 'gitea-1.24') target = calc124(hits);
      else if (flavor.statusCheckEval === 'forgejo-12') target = hits.length ? hits[0].state : ''; // the first match only
      else target = hits.reduce((t, s) => (t === '' || noBetterThan(s.state, t) ? s.state : t), '');
      matched += flavor.statusCheckEval === 'forgejo-12' ? Math.min(hits.length, 1) : hits.length;
      if (target === '') {
        if (noBetterThan('pending', returned)) returned = 'pending';
        break;
      }
      if (noBetterThan(target, returned)) returned = target;
    }
  }
  if (matched === 0 && returned === 'success') return flavor.statusCheckEval === 'gitea-1.24' ? calc124(statuses) : calcForgejo(statuses);
  return returned;
}

// The latest status per context of `sha` (GetLatestCommitStatus), oldest first.
function latestStatuses(sb, repo, sha) {
  const latest = new Map();
  for (const s of sb.statusesOf(repo)) if (s.sha === sha) latest.set(s.context, s);
  return [...latest.values()].sort((a, b) => a.id - b.id);
}

// IsPullCommitStatusPass: only with enable_status_check on the base's rule; only `success` passes.
function statusChecksPass(sb, repo, rule, headSha) {
  if (!rule || !rule.enable_status_check) return true;
  return requiredContextsState(sb.flavor, latestStatuses(sb, repo, headSha), rule.statusCheckContexts) === 'success';
}

// ---- reviews ------------------------------------------------------------------------------

// GetGrantedApprovalsCount: official, not dismissed approvals (not stale with ignore_stale_approvals).
function approvals(pr, rule, headSha) {
  return pr.reviews.filter((r) => r.type === 'APPROVED' && r.official && !r.dismissed && !(rule.ignore_stale_approvals && r.commitId !== headSha)).length;
}

// ---- the checks before a merge ------------------------------------------------------------

// services/pull/merge.go CheckPullBranchProtections (all five tags): the first reason the base's
// rule refuses the merge, or null.
function protectionFailure(sb, repo, pr, t) {
  const rule = protection.firstMatch(sb.flavor, repo, pr.baseBranch);
  if (!rule) return null;
  if (!statusChecksPass(sb, repo, rule, t.headSha)) return 'Not all required status checks successful';
  if (rule.requiredApprovals > 0 && approvals(pr, rule, t.headSha) < rule.requiredApprovals) return 'Does not have enough approvals';
  if (rule.block_on_rejected_reviews && pr.reviews.some((r) => r.type === 'REQUEST_CHANGES' && r.official && !r.dismissed)) return 'There are requested changes';
  if (rule.block_on_official_review_requests && pr.reviewRequests.some((q) => q.official)) return 'There are official review requests';
  if (rule.block_on_outdated_branch && t.behind > 0) return 'The head branch is behind the base branch';
  if (filePatterns(rule.protectedFilePatterns).length && t.protectedFiles.length) return 'Changed protected files';
  return null;
}

// IsUserAllowedToMerge: code write without a rule; with a rule, its merge whitelist (or code write).
function allowedToMerge(sb, repo, pr, user, perm) {
  if (!user) return false;
  const rule = protection.firstMatch(sb.flavor, repo, pr.baseBranch);
  return rule ? protection.isMergeWhitelisted(rule, user, perm) : perm.canWrite('code');
}

// services/pull/check.go CheckPullMergeable, in its order: merged, closed, allowed, (manually-merged
// stops here), WIP, not mergeable (checking, conflict, error, ancestor; an empty PR passes), the
// branch protection (ignored when scheduling an auto-merge; an admin's force_merge per release),
// signing. -> null or {code, reason}.
function checkMergeable(sb, repo, pr, t, user, perm, type, forceMerge) {
  if (pr.hasMerged) return { code: 'merged' };
  if (pr.issue.isClosed) return { code: 'closed' };
  if (!allowedToMerge(sb, repo, pr, user, perm)) return { code: 'not-allowed' };
  if (type === 'manually') return null;
  if (isWip(pr.issue.title)) return { code: 'wip' };
  if (t.status !== 'mergeable' && t.status !== 'empty') return { code: 'not-mergeable' };
  const reason = protectionFailure(sb, repo, pr, t);
  if (reason && type !== 'auto' && !(forceMerge && mayForceMerge(sb, repo, pr, user, perm))) return { code: 'protection', reason };
  const rule = protection.firstMatch(sb.flavor, repo, pr.baseBranch);
  // isSignedIfRequired: the sandbox has no signing key (asymkey SignMerge: ErrWontSign{noKey})
  if (rule && rule.require_signed_commits) return { code: 'wont-sign', reason: 'wont sign: nokey' };
  return null;
}

// force_merge: Gitea (services/pull/check.go @v1.26.4) lets a repository admin skip the branch
// protection unless block_admin_merge_override; Forgejo (@v12.0.4) lets a site admin always, a
// repository admin unless apply_to_admins.
function mayForceMerge(sb, repo, pr, user, perm) {
  const rule = protection.firstMatch(sb.flavor, repo, pr.baseBranch);
  if (sb.flavor.kind === 'gitea') return perm.isAdmin && !(rule && rule.blockAdminMergeOverride);
  if (user && user.admin) return true;
  return perm.isAdmin && !(rule && rule.applyToAdmins);
}

// ---- merging --------------------------------------------------------------------------------

const signature = (u) => ({ name: u.fullName || u.name, email: u.email });

// services/pull/merge.go getMergeMessage (all five tags), without a repository template:
// squash "<title> (#N)", merge and rebase-merge "Merge pull request '<title>' (#N) from <head>
// into <base>", rebase none.
function defaultMergeMessage(pr, style) {
  if (style === 'rebase') return '';
  if (style === 'squash') return `${pr.issue.title} (#${pr.index})`;
  return `Merge pull request '${pr.issue.title}' (#${pr.index}) from ${pr.headBranch} into ${pr.baseBranch}`;
}

// Replays the commits of base..head onto `onto` as `git rebase` does (merges dropped, commits that
// become empty dropped, authors kept, the doer as committer) -> the new tip, or throws a 409.
async function replay(repo, onto, from, head, doer) {
  const list = (await git.commitsBetween(repo.gitDir, from, head)).filter(Boolean);
  let tip = onto;
  for (const sha of list) {
    const c = await git.readCommit(repo.gitDir, sha);
    if (c.parents.length > 1) continue;
    const m = await git.mergeTree(repo.gitDir, tip, sha, c.parents[0]);
    if (m.conflicts.length) throw new ApiError(409, `Rebase Error: conflicts while rebasing ${sha} onto ${tip}: ${m.conflicts.join(', ')}`);
    if (m.tree === (await git.readCommit(repo.gitDir, tip)).tree) continue;
    tip = git.writeCommitObject(repo.gitDir, { tree: m.tree, parents: [tip], message: c.message, author: { ...c.author, date: c.author.date }, committer: signature(doer) });
  }
  return tip;
}

// services/pull/merge.go Merge with the style's doMergeStyle*: the new base tip as real commits,
// moved with a compare-and-swap on the base branch (a moved base is 409 `merge push out of date`).
async function mergeCommits(sb, repo, pr, t, doer, style, message, headCommitId) {
  // Merge(): a given head_commit_id must be the current head (ErrSHADoesNotMatch -> 409)
  if (headCommitId && headCommitId !== t.headSha) throw new ApiError(409, 'head out of date');
  const { baseSha, headSha } = t;
  const me = signature(doer);
  let newTip;
  if (style === 'merge' || style === 'squash') {
    const m = await git.mergeTree(repo.gitDir, baseSha, headSha);
    if (m.conflicts.length) throw new ApiError(409, `Merge Conflict Error: ${m.conflicts.join(', ')}`);
    newTip = style === 'merge'
      ? git.writeCommitObject(repo.gitDir, { tree: m.tree, parents: [baseSha, headSha], message, author: me, committer: me })
      // merge_squash.go: the PR poster is the author (getAuthorSignatureSquash), the doer commits
      : git.writeCommitObject(repo.gitDir, { tree: m.tree, parents: [baseSha], message, author: signature(pr.issue.poster), committer: me });
  } else if (style === 'rebase' || style === 'rebase-merge') {
    const rebased = (await git.isAncestor(repo.gitDir, baseSha, headSha)) ? headSha : await replay(repo, baseSha, t.mergeBase, headSha, doer);
    if (style === 'rebase') newTip = rebased;
    else {
      // merge_rebase.go: rebase, then `git merge --no-ff`: parents [base, rebased head]
      const tree = (await git.readCommit(repo.gitDir, rebased)).tree;
      newTip = git.writeCommitObject(repo.gitDir, { tree, parents: [baseSha, rebased], message, author: me, committer: me });
    }
  } else if (style === 'fast-forward-only') {
    // merge_ff_only.go `git merge --ff-only`: diverged branches are ErrMergeDivergingFastForwardOnly, unmapped -> 500
    if (!(await git.isAncestor(repo.gitDir, baseSha, headSha))) throw new ApiError(500, '', { hidden: `ErrMergeDivergingFastForwardOnly: ${pr.baseBranch} and ${pr.headBranch} have diverged` });
    newTip = headSha;
  } else throw new ApiError(405, `${style} is not allowed an allowed merge style for this repository`);
  if (!(await git.updateRef(repo.gitDir, `refs/heads/${pr.baseBranch}`, newTip, baseSha, `sandbox: merge #${pr.index}`))) throw new ApiError(409, 'merge push out of date');
  Object.assign(pr, { hasMerged: true, mergedSha: newTip, mergedBaseSha: baseSha, headSha, mergedAt: nowIso(), merger: doer, autoMerge: null });
  const now = nowIso();
  Object.assign(pr.issue, { isClosed: true, closed: now, updated: now });
  repo.updated = now;
  await sb.afterRefUpdate(repo);
  return newTip;
}

// What happens to the head branch after a merge with delete_branch_after_merge (flavor field
// deleteBranchAfterMerge): null, or the ApiError the release answers although the merge happened.
async function deleteHeadBranch(sb, repo, pr, user, perm) {
  const kind = sb.flavor.deleteBranchAfterMerge;
  const others = pulls(repo).some((p) => p !== pr && !p.hasMerged && !p.issue.isClosed && p.headBranch === pr.headBranch);
  const isDefault = pr.headBranch === repo.defaultBranch;
  const isProtected = !!protection.firstMatch(sb.flavor, repo, pr.headBranch);
  const canWrite = perm.canWrite('code');
  const del = async () => {
    const sha = await git.branchSha(repo.gitDir, pr.headBranch);
    if (!sha) return kind === 'gitea-1.24' ? new ApiError(404, '', { notFound: true }) : null;
    await git.updateRef(repo.gitDir, `refs/heads/${pr.headBranch}`, null, sha);
    await sb.afterRefUpdate(repo);
    return null;
  };
  if (kind === 'gitea-1.25') {
    // services/repository/branch.go @v1.25.5/@v1.26.4 DeleteBranchAfterMerge: every refusal is only logged
    if (others || isDefault || !canWrite || isProtected) return null;
    if ((await git.branchSha(repo.gitDir, pr.headBranch)) !== pr.headSha) return null; // new commits on the branch
    return del();
  }
  if (kind === 'gitea-1.24') {
    // routers/api/v1/repo/pull.go @v1.24.7 MergePullRequest: CanDeleteBranch failing skips silently
    if (isDefault || !canWrite || isProtected || others) return null;
    return del();
  }
  // Forgejo services/repository/branch.go @v12.0.4 DeleteBranchAfterMerge, mapped by MergePullRequest
  if (others) return null;
  if (!canWrite) return new ApiError(403, 'insufficient permission to delete head branch');
  if (isDefault) return new ApiError(403, 'the head branch is the default branch');
  if (isProtected) return new ApiError(403, 'the head branch is protected');
  return del();
}

// ---- auto-merge -----------------------------------------------------------------------------

// A check of a scheduled auto-merge, soon and under the repository's lock (the pr_auto_merge queue).
// StartPRCheckAndAutoMerge queues only a PR that is not merged and CanAutoMerge (status mergeable).
function queueAutoMerge(sb, repo, pr, why) {
  if (!pr.autoMerge || pr.hasMerged) return;
  setImmediate(() => {
    if (sb.stopped) return;
    sb.withRepoLock(repo, () => runAutoMerge(sb, repo, pr, why)).catch((e) => log(`auto-merge of ${repo.key}#${pr.index}: ${e.stack || e}`));
  });
}

// services/automerge/automerge.go handlePullRequestAutoMerge (all five tags): the schedule exists,
// the head branch exists, the status checks pass, the scheduling user still exists (the Actions
// user is not a database user: GetUserByID fails and nothing is merged), CheckPullMergeable
// (approvals included), then Merge with the scheduled style and message. Every refusal is only logged.
async function runAutoMerge(sb, repo, pr, why) {
  const am = pr.autoMerge;
  if (!am || pr.hasMerged) return;
  const note = (msg) => {
    pr.autoMergeLog.push(`${nowIso()} ${why}: ${msg}`);
    log(`auto-merge ${repo.key}#${pr.index} (${why}): ${msg}`);
  };
  const t = await testPull(sb, repo, pr);
  if (t.status !== 'mergeable') return note(`not queued: status ${t.status}`);
  if (!(await git.branchSha(repo.gitDir, pr.headBranch))) return note('the head branch does not exist');
  const rule = protection.firstMatch(sb.flavor, repo, pr.baseBranch);
  if (!statusChecksPass(sb, repo, rule, t.headSha)) return note('unsuccessful status checks');
  if (am.doer.id < 0) return note(`Unable to get scheduled User[${am.doer.id}]: user does not exist [uid: ${am.doer.id}, name: ]`);
  const perm = sb.userPermission(am.doer, repo);
  const failed = checkMergeable(sb, repo, pr, t, am.doer, perm, 'general', false);
  if (failed) return note(`CheckPullMergeable: ${failed.reason || failed.code}`);
  // Forgejo (@v11.0.15, @v12.0.4) drops the schedule before merging, Gitea when the merge succeeded
  if (sb.flavor.kind === 'forgejo') pr.autoMerge = null;
  try {
    await mergeCommits(sb, repo, pr, t, am.doer, am.style, am.message, '');
  } catch (e) {
    return note(`Merge: ${e.message || (e.extra && e.extra.hidden)}`);
  }
  pr.autoMergeLog.push(`${nowIso()} ${why}: merged`);
  pr.mergedBySchedule = true;
  if (am.deleteBranch) await deleteHeadBranch(sb, repo, pr, am.doer, perm);
}

// ---- ref updates ----------------------------------------------------------------------------

// After any branch moved (contents API, merge, git push, branch deletion): keep refs/pull/N/head of
// open PRs on their head branch (services/pull/pull.go AddTestPullRequestTask / UpdateRef), dismiss
// approvals on a pushed head when the rule says so (dismiss_stale_approvals), start the re-test
// of every open PR whose head or base moved, which ends with an auto-merge check
// (services/pull/check.go: markPullRequestAsMergeable @v1.26.4, testPR @v12.0.4).
async function branchesMoved(sb, repo, changed) {
  for (const pr of pulls(repo)) {
    if (pr.hasMerged || pr.issue.isClosed) continue;
    const headMoved = changed.has(pr.headBranch);
    if (!headMoved && !changed.has(pr.baseBranch)) continue;
    if (headMoved) {
      const tip = changed.get(pr.headBranch);
      if (tip && tip !== pr.headSha) {
        await git.updateRef(repo.gitDir, pullRef(pr), tip, pr.headSha, `sandbox: head of #${pr.index}`);
        pr.headSha = tip;
        const rule = protection.firstMatch(sb.flavor, repo, pr.baseBranch);
        if (rule && rule.dismiss_stale_approvals) for (const r of pr.reviews) if (r.type === 'APPROVED') r.dismissed = true;
      }
    }
    const ms = Number(sb.settings.pull_check_ms) || 0;
    if (ms > 0) {
      pr.checkingUntil = Date.now() + ms;
      setTimeout(() => queueAutoMerge(sb, repo, pr, 're-test'), ms + 5).unref();
    } else queueAutoMerge(sb, repo, pr, 're-test');
  }
}

module.exports = {
  newIssue,
  findIssue,
  findPull,
  pulls,
  isWip,
  pullRef,
  headShaOf,
  testPull,
  viewMergeable,
  allowedToMerge,
  checkMergeable,
  defaultMergeMessage,
  mergeCommits,
  deleteHeadBranch,
  queueAutoMerge,
  branchesMoved,
};
