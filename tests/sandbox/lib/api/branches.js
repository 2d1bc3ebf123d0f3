'use strict';
// Branches: the api.Branch view (convert.ToBranch, no branch protection) and GET /branches[/{branch}].

const git = require('../git');
const { ApiError, NOT_SIGNED, listOptions, pagingHeaders } = require('./common');

// convert.ToBranch with convert.ToPayloadCommit
async function branchJson(sb, repo, name, sha, ctx) {
  const c = await git.readCommit(repo.gitDir, sha);
  const uname = (email) => {
    const u = sb.userByEmail(email);
    return u ? u.name : '';
  };
  const canWrite = ctx.perm.canWrite('code');
  return {
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
    user_can_push: canWrite && ctx.auth.kind !== 'none',
    user_can_merge: canWrite && ctx.auth.kind !== 'none',
    effective_branch_protection_name: '',
  };
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
