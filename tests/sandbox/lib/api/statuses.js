'use strict';
// Commit statuses: the api.CommitStatus / api.CombinedStatus views, POST/GET /statuses/{sha},
// GET /commits/{ref}/statuses and GET /commits/{ref}/status.

const git = require('../git');
const { ApiError, listOptions, pagingHeaders } = require('./common');
const { userJson } = require('./users');
const { repoJson } = require('./repos');
const { pulls, queueAutoMerge } = require('../pulls');

function statusJson(sb, repo, s) {
  return {
    id: s.index,
    status: s.state,
    target_url: s.target_url,
    description: s.description,
    url: `${sb.api}/repos/${repo.owner}/${repo.name}/statuses/${s.sha}`,
    context: s.context,
    creator: userJson(sb, s.creator),
    created_at: s.created,
    updated_at: s.created,
  };
}

async function repoCreateStatus(ctx) {
  const { sb, repo, params, body, flavor, auth } = ctx;
  const b = body || {};
  // NewCommitStatus: the state is stored as given (no check); GetCommit(sha) must resolve
  const sha = await git.revParse(repo.gitDir, `${params.sha}^{commit}`);
  if (!sha) {
    // Gitea: GetCommit fails and the handler answers a 500 (message hidden in production)
    throw new ApiError(500, '', { hidden: `object does not exist [id: ${params.sha}, rel_path: ]` });
  }
  const t = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const list = sb.statusesOf(repo);
  const s = {
    id: sb.nextStatusId++,
    index: list.filter((x) => x.sha === sha).length + 1, // CommitStatus.Index, per commit
    sha,
    state: b.state,
    target_url: b.target_url || '',
    description: b.description || '',
    context: b.context || 'default',
    creator: auth.user,
    created: t,
    updated: t,
  };
  list.push(s);
  // a success status starts an auto-merge check of the PRs whose head is this commit
  // (Gitea services/automerge/notify.go CreateCommitStatus; Forgejo
  // services/repository/commitstatus/commitstatus.go @v12.0.4 L119: StartPRCheckAndAutoMergeBySHA)
  if (s.state === 'success') for (const pr of pulls(repo)) if (!pr.hasMerged && pr.headSha === sha) queueAutoMerge(sb, repo, pr, `status ${s.context}`);
  return { status: 201, body: statusJson(sb, repo, s) };
}

function listStatusesFor(ctx, sha) {
  const { sb, repo, query } = ctx;
  let list = sb.statusesOf(repo).filter((s) => s.sha === sha);
  const state = query.get('state');
  if (state) list = list.filter((s) => s.state === state);
  const sort = query.get('sort');
  list = [...list];
  if (sort === 'oldest' || sort === 'leastindex' || sort === 'leastupdate') list.sort((a, b) => a.id - b.id);
  else list.sort((a, b) => b.id - a.id);
  const { page, limit } = listOptions(query);
  const total = list.length;
  const body = list.slice((page - 1) * limit, page * limit).map((s) => statusJson(sb, repo, s));
  return { status: 200, body, headers: pagingHeaders(sb, ctx, total, limit) };
}

async function repoListStatuses(ctx) {
  const sha = (await git.revParse(ctx.repo.gitDir, `${ctx.params.sha}^{commit}`)) || ctx.params.sha;
  return listStatusesFor(ctx, sha);
}

async function repoListStatusesByRef(ctx) {
  const r = await git.resolveRef(ctx.repo.gitDir, ctx.params.ref);
  if (!r) throw new ApiError(404, `ref "${ctx.params.ref}" not found`);
  return listStatusesFor(ctx, r.sha);
}

// commitstatus.CommitStatusStates.Combine (Gitea 1.25+)
function combineStates(states) {
  let ok = 0;
  for (const st of states) {
    if (st === 'error' || st === 'failure' || st === 'warning') return 'failure';
    if (st === 'success' || st === 'skipped') ok++;
  }
  return ok > 0 && ok === states.length ? 'success' : 'pending';
}

// the older rule (Gitea 1.24, Forgejo): the worst state by priority, then error -> failure
const PRIORITY = { error: 0, failure: 1, warning: 2, pending: 3, success: 4 };
function worstState(states) {
  let st = '';
  for (const s of states) if (st === '' || (PRIORITY[s] ?? 5) <= (PRIORITY[st] ?? 5)) st = s;
  return st === 'error' ? 'failure' : st;
}

async function repoGetCombinedStatusByRef(ctx) {
  const { sb, repo, params, flavor } = ctx;
  const r = await git.resolveRef(repo.gitDir, params.ref);
  if (!r) throw new ApiError(404, `object does not exist [id: ${params.ref}, rel_path: ]`);
  const all = sb.statusesOf(repo).filter((s) => s.sha === r.sha);
  const latest = new Map();
  for (const s of all) latest.set(s.context, s); // later ones win
  const statuses = [...latest.values()].sort((a, b) => b.id - a.id);
  const commitUrl = `${sb.api}/repos/${repo.owner}/${repo.name}/commits/${r.sha}`;
  const headers = flavor.combinedStatus === 'legacy' ? {} : { 'X-Total-Count': String(statuses.length) };
  if (flavor.combinedStatus === 'legacy') {
    if (!statuses.length) {
      return { status: 200, body: { state: '', sha: '', total_count: 0, statuses: null, repository: null, commit_url: '', url: '' } };
    }
    return {
      status: 200,
      body: { state: worstState(statuses.map((s) => s.state)), sha: r.sha, total_count: statuses.length, statuses: statuses.map((s) => statusJson(sb, repo, s)), repository: repoJson(sb, repo, ctx.perm), commit_url: '', url: '' },
    };
  }
  const body = { state: '', sha: r.sha, total_count: statuses.length, statuses: null, repository: repoJson(sb, repo, ctx.perm), commit_url: commitUrl, url: `${commitUrl}/status` };
  if (statuses.length) {
    body.statuses = statuses.map((s) => statusJson(sb, repo, s));
    body.state = combineStates(statuses.map((s) => s.state));
  } else if (flavor.combinedStatus === 'combine-empty-pending') body.state = 'pending';
  return { status: 200, body, headers };
}

const routes = [
  { operationId: 'repoCreateStatus', access: 'writer', unit: 'code', handler: repoCreateStatus },
  { operationId: 'repoListStatuses', access: 'reader', unit: 'code', handler: repoListStatuses },
  { operationId: 'repoListStatusesByRef', access: 'reader', unit: 'code', handler: repoListStatusesByRef },
  { operationId: 'repoGetCombinedStatusByRef', access: 'reader', unit: 'code', handler: repoGetCombinedStatusByRef },
];

module.exports = { routes };
