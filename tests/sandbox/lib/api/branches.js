'use strict';
// Branches: the api.Branch view (convert.ToBranch) and GET /branches[/{branch}].

const git = require('../git');
const { ApiError, NOT_SIGNED, listOptions, pagingHeaders } = require('./common');
const protection = require('../protection');

// convert.ToBranch with convert.ToPayloadCommit (services/convert/convert.go, all five tags): with a
// rule matching the branch, `protected`, its approvals and status checks, user_can_push from the
// rule (CanUserPush), user_can_merge from its merge whitelist, and the rule's name for a repository admin.
async function branchJson(sb, repo, name, sha, ctx) {
  const c = await git.readCommit(repo.gitDir, sha);
  const uname = (email) => {
    const u = sb.userByEmail(email);
    return u ? u.name : '';
  };
  const canWrite = ctx.perm.canWrite('code');
  const signedIn = ctx.auth.kind !== 'none';
  const rule = protection.firstMatch(sb.flavor, repo, name);
  const j = {
    name,
    commit: {
      id: c.sha,
      message: c.message,
      url: `${sb.url}/${repo.owner}/${repo.name}/commit/${c.sha}`,
      author: { name: c.author.name, email: c.author.email, username: uname(c.author.email) },
      committer: { name: c.committer.name, email: c.committer.email, username: uname(c.committer.email) },
      verification: NOT_SIGNED(),
      timestamp: c.author.date,
      added: null,
      removed: null,
      modified: null,
    },
    protected: false,
    required_approvals: 0,
    enable_status_check: false,
    status_check_contexts: [],
    user_can_push: canWrite && signedIn,
    user_can_merge: canWrite && signedIn,
    effective_branch_protection_name: '',
  };
  if (rule) {
    Object.assign(j, {
      protected: true,
      required_approvals: rule.requiredApprovals,
      enable_status_check: rule.enable_status_check,
      status_check_contexts: rule.statusCheckContexts,
      user_can_push: signedIn && protection.canUserPush(rule, ctx.auth.user, ctx.perm),
      user_can_merge: signedIn && protection.isMergeWhitelisted(rule, ctx.auth.user, ctx.perm),
      effective_branch_protection_name: ctx.perm.isAdmin ? rule.ruleName : '',
    });
  }
  return j;
}

async function repoGetBranch(ctx) {
  const { sb, repo, params } = ctx;
  const sha = await git.branchSha(repo.gitDir, params.branch);
  if (!sha) throw new ApiError(404, '', { notFound: true });
  return { status: 200, body: await branchJson(sb, repo, params.branch, sha, ctx) };
}

async function repoListBranches(ctx) {
  const { sb, repo, query } = ctx;
  const all = await git.listBranches(repo.gitDir);
  const { page, limit } = listOptions(query);
  const body = [];
  for (const b of all.slice((page - 1) * limit, page * limit)) body.push(await branchJson(sb, repo, b.name, b.sha, ctx));
  return { status: 200, body, headers: pagingHeaders(sb, ctx, all.length, limit) };
}

const routes = [
  { operationId: 'repoGetBranch', access: 'reader', unit: 'code', handler: repoGetBranch },
  { operationId: 'repoListBranches', access: 'reader', unit: 'code', handler: repoListBranches },
];

module.exports = { routes };
