'use strict';
// Commits: the api.Commit / api.FileCommitResponse views (convert.ToCommit, GetFileCommitResponse),
// GET /commits and GET /git/commits/{sha}.

const git = require('../git');
const { ApiError, NOT_SIGNED, listOptions, pagingHeaders, queryBool } = require('./common');
const { userJson } = require('./users');

function commitMeta(sb, repo, sha, created) {
  return { url: `${sb.api}/repos/${repo.owner}/${repo.name}/git/commits/${sha}`, sha, created };
}

// api.FileCommitResponse
function fileCommitJson(sb, repo, c) {
  return {
    url: `${sb.api}/repos/${repo.owner}/${repo.name}/git/commits/${c.sha}`,
    sha: c.sha,
    created: c.committer.date,
    html_url: `${sb.url}/${repo.owner}/${repo.name}/commit/${c.sha}`,
    author: { name: c.author.name, email: c.author.email, date: c.author.date },
    committer: { name: c.committer.name, email: c.committer.email, date: c.committer.date },
    parents: c.parents.map((p) => commitMeta(sb, repo, p, c.committer.date)),
    message: c.message,
    tree: { url: `${sb.api}/repos/${repo.owner}/${repo.name}/git/trees/${c.tree}`, sha: c.tree, created: c.committer.date },
  };
}

// api.Commit
async function commitJson(sb, repo, c, { stat, files, verification }) {
  const j = {
    url: `${sb.api}/repos/${repo.owner}/${repo.name}/git/commits/${c.sha}`,
    sha: c.sha,
    created: c.committer.date,
    html_url: `${sb.url}/${repo.owner}/${repo.name}/commit/${c.sha}`,
    commit: {
      url: `${sb.api}/repos/${repo.owner}/${repo.name}/git/commits/${c.sha}`,
      author: { name: c.author.name, email: c.author.email, date: c.author.date },
      committer: { name: c.committer.name, email: c.committer.email, date: c.committer.date },
      message: c.message,
      tree: { url: `${sb.api}/repos/${repo.owner}/${repo.name}/git/trees/${c.tree}`, sha: c.tree, created: c.committer.date },
      verification: verification ? NOT_SIGNED() : null,
    },
    author: userJson(sb, sb.userByEmail(c.author.email)),
    committer: userJson(sb, sb.userByEmail(c.committer.email)),
    parents: c.parents.map((p) => commitMeta(sb, repo, p, c.committer.date)),
    files: null,
    stats: null,
  };
  if (stat || files) {
    const ch = await git.commitChanges(repo.gitDir, c.sha);
    if (files) j.files = ch.files;
    if (stat) j.stats = ch.stats;
  }
  return j;
}

const commitOptions = (query) => ({ stat: queryBool(query, 'stat', true), files: queryBool(query, 'files', true), verification: queryBool(query, 'verification', true) });

async function repoGetAllCommits(ctx) {
  const { sb, repo, query } = ctx;
  if (repo.empty) throw new ApiError(409, 'Git Repository is empty.');
  const { page, limit } = listOptions(query);
  const shaParam = query.get('sha') || repo.defaultBranch;
  const ref = await git.resolveRef(repo.gitDir, shaParam);
  if (!ref) throw new ApiError(404, `object does not exist [id: ${shaParam}, rel_path: ]`);
  const filePath = query.get('path') || '';
  const not = query.get('not') || undefined;
  const since = sb.flavor.kind === 'gitea' && sb.flavor.version >= '1.25' ? query.get('since') || undefined : undefined;
  const until = sb.flavor.kind === 'gitea' && sb.flavor.version >= '1.25' ? query.get('until') || undefined : undefined;
  const total = await git.revCount(repo.gitDir, ref.sha, { filePath, not, since, until });
  if (filePath && total === 0) throw new ApiError(404, '', { notFound: true }); // APIErrorNotFound("FileCommitsCount", nil)
  // With `path`, Gitea pages by git.CommitsRangeSize (50) and ignores `limit`
  // (repo.CommitsByFileAndRange); the headers still use `limit`.
  const pageSize = filePath ? 50 : limit;
  const shas = await git.revList(repo.gitDir, ref.sha, { skip: (page - 1) * pageSize, max: pageSize, filePath, not, since, until });
  const commits = await git.readCommits(repo.gitDir, shas);
  const opt = commitOptions(query);
  const body = [];
  for (const c of commits) body.push(await commitJson(sb, repo, c, opt));
  const pages = Math.ceil(total / limit);
  const headers = {
    ...pagingHeaders(sb, ctx, total, limit),
    'X-Page': String(page),
    'X-PerPage': String(limit),
    'X-Total': String(total),
    'X-PageCount': String(pages),
    'X-HasMore': String(page < pages),
  };
  headers['Access-Control-Expose-Headers'] = 'X-Total-Count, Link, X-HasMore, X-Page, X-PerPage, X-Total, X-PageCount';
  return { status: 200, body, headers };
}

async function repoGetSingleCommit(ctx) {
  const { sb, repo, params, query } = ctx;
  const sha = params.sha;
  if (!/^[0-9a-zA-Z._/-]+$/.test(sha)) throw new ApiError(422, `sha not valid: ${sha}`);
  const r = await git.resolveRef(repo.gitDir, sha);
  if (!r) throw new ApiError(404, `object does not exist [id: ${sha}, rel_path: ]`);
  const c = await git.readCommit(repo.gitDir, r.sha);
  return { status: 200, body: await commitJson(sb, repo, c, commitOptions(query)) };
}

const routes = [
  { operationId: 'repoGetAllCommits', access: 'reader', unit: 'code', handler: repoGetAllCommits },
  { operationId: 'repoGetSingleCommit', access: 'reader', unit: 'code', handler: repoGetSingleCommit },
];

module.exports = { routes, commitMeta, fileCommitJson, commitJson };
