'use strict';
// Tags: the api.Tag view (convert.ToTag) and POST/GET/DELETE /tags.

const git = require('../git');
const { ApiError, listOptions, pagingHeaders } = require('./common');
const { commitMeta } = require('./commits');

// convert.ToTag: annotated tags carry their own id and message; a lightweight tag shows the commit's
async function tagJson(sb, repo, name) {
  const full = `refs/tags/${name}`;
  const id = await git.revParse(repo.gitDir, full);
  if (!id) return null;
  const type = (await git.run(['cat-file', '-t', id], { gitDir: repo.gitDir })).text.trim();
  const commitSha = await git.revParse(repo.gitDir, `${full}^{commit}`);
  const c = await git.readCommit(repo.gitDir, commitSha);
  let message = c.message;
  if (type === 'tag') {
    const raw = (await git.run(['cat-file', 'tag', id], { gitDir: repo.gitDir })).text;
    const sep = raw.indexOf('\n\n');
    message = sep >= 0 ? raw.slice(sep + 2) : '';
  }
  return {
    name,
    message: message.trim(),
    id,
    commit: commitMeta(sb, repo, commitSha, c.committer.date),
    zipball_url: `${sb.url}/${repo.owner}/${repo.name}/archive/${encodeURIComponent(name + '.zip')}`,
    tarball_url: `${sb.url}/${repo.owner}/${repo.name}/archive/${encodeURIComponent(name + '.tar.gz')}`,
  };
}

async function repoCreateTag(ctx) {
  const { sb, repo, auth } = ctx;
  const b = ctx.body || {};
  if (!b.tag_name) throw new ApiError(422, '[TagName]: Required');
  const target = b.target || repo.defaultBranch;
  return sb.withRepoLock(repo, async () => {
    const r = await git.resolveRef(repo.gitDir, target);
    if (!r) throw new ApiError(404, `target not found: object does not exist [id: ${target}, rel_path: ]`);
    if (await git.revParse(repo.gitDir, `refs/tags/${b.tag_name}`)) throw new ApiError(409, `tag already exists [name: ${b.tag_name}]`);
    const check = await git.run(['check-ref-format', `refs/tags/${b.tag_name}`], { allowFail: true });
    if (check.code !== 0) throw new ApiError(500, '', { hidden: `invalid tag name ${b.tag_name}` });
    if (b.message) {
      const u = auth.user;
      await git.run(['tag', '-a', '-F', '-', b.tag_name, r.sha], { gitDir: repo.gitDir, input: b.message, env: { GIT_COMMITTER_NAME: u.fullName || u.name, GIT_COMMITTER_EMAIL: u.email } });
    } else {
      await git.run(['update-ref', `refs/tags/${b.tag_name}`, r.sha, git.ZERO], { gitDir: repo.gitDir });
    }
    // Gitea answers 201 (its 1.26 spec says 200: a known deviation, see lib/spec.js)
    return { status: 201, body: await tagJson(sb, repo, b.tag_name) };
  });
}

async function repoGetTag(ctx) {
  const t = await tagJson(ctx.sb, ctx.repo, ctx.params.tag);
  if (!t) throw new ApiError(404, `tag doesn't exist: ${ctx.params.tag}`, { notFoundMessage: true });
  return { status: 200, body: t };
}

async function repoListTags(ctx) {
  const { sb, repo, query } = ctx;
  const r = await git.run(['for-each-ref', '--sort=-creatordate', '--format=%(refname:strip=2)', 'refs/tags/'], { gitDir: repo.gitDir });
  const names = r.text.split('\n').filter(Boolean);
  const { page, limit } = listOptions(query);
  const body = [];
  for (const n of names.slice((page - 1) * limit, page * limit)) body.push(await tagJson(sb, repo, n));
  return { status: 200, body, headers: pagingHeaders(sb, ctx, names.length, limit) };
}

async function repoDeleteTag(ctx) {
  const { repo, params } = ctx;
  const id = await git.revParse(repo.gitDir, `refs/tags/${params.tag}`);
  if (!id) throw new ApiError(404, '', { notFound: true });
  await git.run(['update-ref', '-d', `refs/tags/${params.tag}`, id], { gitDir: repo.gitDir });
  return { status: 204 };
}

const routes = [
  { operationId: 'repoCreateTag', access: 'writer', unit: 'code', handler: repoCreateTag },
  { operationId: 'repoGetTag', access: 'reader', unit: 'code', handler: repoGetTag },
  { operationId: 'repoListTags', access: 'reader', unit: 'code', handler: repoListTags },
  { operationId: 'repoDeleteTag', access: 'writer', unit: 'code', handler: repoDeleteTag },
];

module.exports = { routes };
