'use strict';
// Issues, as far as pull requests need them: POST /issues and GET /issues/{index} (so that issue and
// pull request numbers come from one sequence, as on the servers), and the comments of an issue or
// pull request, GET/POST /issues/{index}/comments (routers/api/v1/repo/issue.go, issue_comment.go).

const { ApiError, nowIso } = require('./common');
const { userJson } = require('./users');
const P = require('../pulls');

const issueHtml = (sb, repo, issue) => `${sb.url}/${repo.owner}/${repo.name}/${issue.isPull ? 'pulls' : 'issues'}/${issue.index}`;

// services/convert/issue.go toIssue
function issueJson(sb, repo, issue) {
  const pr = issue.pull;
  const j = {
    id: issue.id,
    url: `${sb.api}/repos/${repo.owner}/${repo.name}/issues/${issue.index}`,
    html_url: issueHtml(sb, repo, issue),
    number: issue.index,
    user: userJson(sb, issue.poster),
    original_author: '',
    original_author_id: 0,
    title: issue.title,
    body: issue.body,
    ref: '',
    assets: [],
    labels: [],
    milestone: null,
    assignee: issue.assignees.length ? userJson(sb, issue.assignees[0]) : null,
    assignees: issue.assignees.length ? issue.assignees.map((u) => userJson(sb, u)) : null,
    state: issue.isClosed ? 'closed' : 'open',
    is_locked: false,
    comments: issue.comments.length,
    created_at: issue.created,
    updated_at: issue.updated,
    closed_at: issue.closed,
    due_date: null,
    pull_request: pr ? { merged: pr.hasMerged, merged_at: pr.hasMerged ? pr.mergedAt : null, draft: P.isWip(issue.title), html_url: issueHtml(sb, repo, issue) } : null,
    repository: { id: repo.id, name: repo.name, owner: repo.owner, full_name: `${repo.owner}/${repo.name}` },
    pin_order: 0,
  };
  // modules/structs/issue.go: time_estimate from Gitea 1.25, content_version from 1.26
  if (sb.flavor.name === 'gitea-1.25' || sb.flavor.name === 'gitea-1.26') j.time_estimate = 0;
  if (sb.flavor.name === 'gitea-1.26') j.content_version = 0;
  return j;
}

// services/convert/issue_comment.go ToAPIComment: html_url with #issuecomment-ID; issue_url for an
// issue, pull_request_url for a pull request.
function commentJson(sb, repo, issue, c) {
  const html = issueHtml(sb, repo, issue);
  return {
    id: c.id,
    html_url: `${html}#issuecomment-${c.id}`,
    pull_request_url: issue.isPull ? html : '',
    issue_url: issue.isPull ? '' : html,
    user: userJson(sb, c.user),
    original_author: '',
    original_author_id: 0,
    body: c.body,
    assets: [],
    created_at: c.created,
    updated_at: c.created,
  };
}

// GetIssueByIndex failing: Gitea answers 500 (APIErrorInternal), Forgejo 404 "IsErrIssueNotExist"
// (routers/api/v1/repo/issue_comment.go @v1.26.4, @v12.0.4 CreateIssueComment, ListIssueComments).
function issueForComments(ctx) {
  const issue = P.findIssue(ctx.repo, ctx.params.index);
  const text = `issue does not exist [id: 0, repo_id: ${ctx.repo.id}, index: ${ctx.params.index}]`;
  if (!issue) {
    if (ctx.flavor.kind === 'gitea') throw new ApiError(500, '', { hidden: text });
    throw new ApiError(404, 'IsErrIssueNotExist', { notFoundMessage: true, errors: [text] });
  }
  if (!ctx.perm.canRead(issue.isPull ? 'pull_requests' : 'issues')) throw new ApiError(404, '', { notFound: true });
  return issue;
}

function createIssue(ctx) {
  const { sb, repo, auth } = ctx;
  const f = ctx.body || {};
  if (!f.title) throw new ApiError(422, '[Title]: Required');
  const issue = P.newIssue(sb, repo, { title: f.title, body: f.body, poster: auth.user, isPull: false });
  if (f.closed) {
    issue.isClosed = true;
    issue.closed = issue.created;
  }
  return { status: 201, body: issueJson(sb, repo, issue) };
}

function getIssue(ctx) {
  const issue = P.findIssue(ctx.repo, ctx.params.index);
  if (!issue || !ctx.perm.canRead(issue.isPull ? 'pull_requests' : 'issues')) throw new ApiError(404, '', { notFound: true });
  return { status: 200, body: issueJson(ctx.sb, ctx.repo, issue) };
}

function createComment(ctx) {
  const { sb, repo, auth } = ctx;
  const issue = issueForComments(ctx);
  const f = ctx.body || {};
  if (!f.body) throw new ApiError(422, '[Body]: Required');
  const c = { id: sb.nextCommentId++, user: auth.user, body: f.body, created: nowIso() };
  issue.comments.push(c);
  issue.updated = c.created;
  return { status: 201, body: commentJson(sb, repo, issue, c) };
}

function listComments(ctx) {
  const issue = issueForComments(ctx);
  return { status: 200, body: issue.comments.map((c) => commentJson(ctx.sb, ctx.repo, issue, c)), headers: { 'X-Total-Count': String(issue.comments.length) } };
}

const routes = [
  { operationId: 'issueCreateIssue', access: 'reader', unit: 'issues', token: true, handler: createIssue },
  { operationId: 'issueGetIssue', access: 'reader', handler: getIssue },
  { operationId: 'issueCreateComment', access: 'reader', token: true, handler: createComment },
  { operationId: 'issueGetComments', access: 'reader', handler: listComments },
];

module.exports = { routes };
