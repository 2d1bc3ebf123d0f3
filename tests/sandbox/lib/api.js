'use strict';
// The /api/v1 handlers, keyed by the spec's operationId. Each gets a context
// {sb, flavor, params, query, body, auth, repo, access} and returns {status, body, headers}
// (or throws an ApiError).

const git = require('./git');
const { parseWorkflow, dispatchConfig, interpolate } = require('./workflow');
const { GO_BOOL } = require('./spec');

class ApiError extends Error {
  constructor(status, message, extra) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
const encPath = (p) => p.split('/').map(encodeURIComponent).join('/');
const b64 = (buf) => Buffer.from(buf).toString('base64');
const goBool = (v) => v !== undefined && GO_BOOL.has(v) && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);

function queryBool(query, name, dflt) {
  const v = query.get(name);
  if (v === null || v === '') return dflt;
  return goBool(v);
}

// Gitea's utils.GetListOptions: page >= 1, limit default 30 (API.DefaultPagingNum), max 50.
function listOptions(query) {
  let page = parseInt(query.get('page') || '1', 10);
  if (!(page > 0)) page = 1;
  let limit = parseInt(query.get('limit') || '0', 10);
  if (!(limit > 0)) limit = 30;
  if (limit > 50) limit = 50;
  return { page, limit };
}

// Gitea's context.SetLinkHeader + SetTotalCountHeader.
function pagingHeaders(sb, ctx, total, pageSize) {
  const headers = { 'X-Total-Count': String(total), 'Access-Control-Expose-Headers': 'X-Total-Count, Link' };
  const pages = Math.ceil(total / pageSize);
  const page = Math.max(1, parseInt(ctx.query.get('page') || '1', 10) || 1);
  const link = (p) => {
    // Go's url.Values.Encode(): keys sorted
    const q = new URLSearchParams(ctx.query);
    q.set('page', String(p));
    q.sort();
    return `<${sb.url}${ctx.pathname}?${q.toString()}>`;
  };
  const links = [];
  if (page < pages) {
    links.push(`${link(page + 1)}; rel="next"`);
    links.push(`${link(pages)}; rel="last"`);
  }
  if (page > 1) {
    links.push(`${link(1)}; rel="first"`);
    links.push(`${link(page - 1)}; rel="prev"`);
  }
  if (links.length) headers.Link = links.join(',');
  return headers;
}

// ---- JSON builders -----------------------------------------------------------------------

function userJson(sb, u) {
  if (!u) return null;
  return {
    id: u.id,
    login: u.name,
    login_name: '',
    source_id: 0,
    full_name: u.fullName || '',
    email: u.email,
    avatar_url: `${sb.url}/avatars/${u.id}`,
    html_url: `${sb.url}/${u.name}`,
    language: '',
    is_admin: false,
    last_login: ZERO_TIME,
    created: u.created,
    restricted: false,
    active: true,
    prohibit_login: false,
    location: '',
    website: '',
    description: '',
    visibility: 'public',
    followers_count: 0,
    following_count: 0,
    starred_repos_count: 0,
    username: u.name,
  };
}

function repoJson(sb, repo, access) {
  const owner = sb.userByName(repo.owner);
  const perms = access ? { admin: access === 'admin', push: access === 'admin' || access === 'write', pull: access !== 'none' } : undefined;
  const j = {
    id: repo.id,
    owner: userJson(sb, owner),
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    description: repo.description || '',
    empty: !!repo.empty,
    private: !!repo.private,
    fork: false,
    template: false,
    mirror: false,
    size: 0,
    language: '',
    languages_url: `${sb.api}/repos/${repo.owner}/${repo.name}/languages`,
    html_url: `${sb.url}/${repo.owner}/${repo.name}`,
    url: `${sb.api}/repos/${repo.owner}/${repo.name}`,
    link: '',
    ssh_url: `ssh://git@127.0.0.1/${repo.owner}/${repo.name}.git`,
    clone_url: `${sb.url}/${repo.owner}/${repo.name}.git`,
    original_url: '',
    website: '',
    stars_count: 0,
    forks_count: 0,
    watchers_count: 1,
    open_issues_count: 0,
    open_pr_counter: 0,
    release_counter: 0,
    default_branch: repo.defaultBranch,
    archived: false,
    created_at: repo.created,
    updated_at: repo.updated || repo.created,
    archived_at: '1970-01-01T00:00:00Z',
    permissions: perms,
    has_issues: true,
    internal_tracker: { enable_time_tracker: true, allow_only_contributors_to_track_time: true, enable_issue_dependencies: true },
    has_wiki: true,
    has_pull_requests: true,
    has_projects: true,
    has_releases: true,
    has_packages: true,
    has_actions: true,
    ignore_whitespace_conflicts: false,
    allow_merge_commits: true,
    allow_rebase: true,
    allow_rebase_explicit: true,
    allow_squash_merge: true,
    allow_fast_forward_only_merge: true,
    allow_rebase_update: true,
    default_delete_branch_after_merge: false,
    default_merge_style: 'merge',
    default_allow_maintainer_edit: false,
    avatar_url: '',
    internal: false,
    mirror_interval: '',
    object_format_name: 'sha1',
    mirror_updated: ZERO_TIME,
    repo_transfer: null,
    topics: [],
  };
  if (sb.flavor.kind === 'gitea') {
    Object.assign(j, { has_code: true, projects_mode: 'all', licenses: [], branch_count: repo.branchCount || 1, allow_manual_merge: false, autodetect_manual_merge: false, default_target_branch: repo.defaultBranch });
  } else {
    Object.assign(j, { has_wiki_contents: false, globally_editable_wiki: false, wiki_branch: 'main', default_update_style: 'merge', wiki_clone_url: `${sb.url}/${repo.owner}/${repo.name}.wiki.git`, wiki_ssh_url: '' });
  }
  if (!perms) delete j.permissions;
  return j;
}

const NOT_SIGNED = () => ({ verified: false, reason: 'gpg.error.not_signed_commit', signature: '', signer: null, payload: '' });

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

// api.ContentsResponse for a tree entry; `withContent` adds base64 content (files only).
async function contentsJson(sb, repo, ref, entry, filePath, { withContent, lastCommit }) {
  const type = entry.type === 'tree' ? 'dir' : entry.type === 'commit' ? 'submodule' : entry.mode === '120000' ? 'symlink' : 'file';
  const refQ = encodeURIComponent(ref.name);
  const htmlKind = ref.kind === 'tag' ? 'tag' : ref.kind === 'commit' ? 'commit' : 'branch';
  const self = `${sb.api}/repos/${repo.owner}/${repo.name}/contents/${encPath(filePath)}?ref=${refQ}`;
  const gitUrl = `${sb.api}/repos/${repo.owner}/${repo.name}/git/${type === 'dir' ? 'trees' : 'blobs'}/${entry.sha}`;
  const html = `${sb.url}/${repo.owner}/${repo.name}/src/${htmlKind}/${encPath(ref.name)}/${encPath(filePath)}`;
  const j = {
    name: filePath.split('/').pop(),
    path: filePath,
    sha: entry.sha,
    last_commit_sha: '',
    type,
    size: type === 'dir' ? 0 : entry.size,
    encoding: null,
    content: null,
    target: null,
    url: self,
    html_url: html,
    git_url: gitUrl,
    download_url: type === 'dir' ? null : `${sb.url}/${repo.owner}/${repo.name}/raw/${htmlKind}/${encPath(ref.name)}/${encPath(filePath)}`,
    submodule_git_url: null,
    _links: { self, git: gitUrl, html },
  };
  if (lastCommit) {
    j.last_commit_sha = lastCommit.sha;
    if (sb.flavor.kind === 'gitea') {
      j.last_author_date = lastCommit.author.date;
      j.last_committer_date = lastCommit.committer.date;
      j.last_commit_message = lastCommit.message;
    } else {
      j.last_commit_when = lastCommit.committer.date;
    }
  }
  if (withContent && type === 'file') {
    j.encoding = 'base64';
    j.content = b64(await git.readBlob(repo.gitDir, entry.sha));
  }
  if (type === 'symlink') j.target = (await git.readBlob(repo.gitDir, entry.sha)).toString();
  return j;
}

async function resolveRefOr404(repo, ref) {
  const r = await git.resolveRef(repo.gitDir, ref);
  if (!r) throw new ApiError(404, `object does not exist [id: ${ref}, rel_path: ]`);
  return r;
}

// ---- handlers ----------------------------------------------------------------------------

const handlers = {};

handlers.getVersion = async ({ sb }) => ({ status: 200, body: { version: sb.flavor.version } });

handlers.userGetCurrent = async ({ sb, auth }) => ({ status: 200, body: userJson(sb, auth.user) });

handlers.repoGet = async ({ sb, repo, access }) => ({ status: 200, body: repoJson(sb, repo, access) });

async function getContents(ctx, filePath) {
  const { sb, repo, query } = ctx;
  const refName = query.get('ref') || repo.defaultBranch;
  if (repo.empty) throw new ApiError(404, `object does not exist [id: ${refName}, rel_path: ${filePath}]`);
  const ref = await resolveRefOr404(repo, refName);
  const p = filePath.replace(/^\/+|\/+$/g, '');
  const entry = await git.treeEntry(repo.gitDir, ref.sha, p);
  if (!entry) throw new ApiError(404, `object does not exist [id: ${ref.sha}, rel_path: ${p}]`);
  if (entry.type === 'tree') {
    const entries = await git.listDir(repo.gitDir, ref.sha, p);
    const out = [];
    for (const e of entries) {
      const last = await lastCommitOf(repo, ref.sha, e.path);
      out.push(await contentsJson(sb, repo, ref, e, e.path, { withContent: false, lastCommit: last }));
    }
    return { status: 200, body: out };
  }
  const last = await lastCommitOf(repo, ref.sha, p);
  return { status: 200, body: await contentsJson(sb, repo, ref, entry, p, { withContent: true, lastCommit: last }) };
}

async function lastCommitOf(repo, rev, p) {
  const sha = await git.lastCommitFor(repo.gitDir, rev, p);
  return sha ? git.readCommit(repo.gitDir, sha) : null;
}

handlers.repoGetContents = (ctx) => getContents(ctx, ctx.params.filepath);
handlers.repoGetContentsList = (ctx) => getContents(ctx, '');

function checkPath(p) {
  const clean = String(p || '').replace(/^\/+/, '');
  const parts = clean.split('/');
  if (!clean || parts.some((x) => x === '' || x === '.' || x === '..' || x.toLowerCase() === '.git')) {
    throw new ApiError(422, `path contains a malformed path component [path: ${p}]`);
  }
  return clean;
}

function decodeContent(s) {
  if (s === undefined || s === null) return Buffer.alloc(0);
  const str = String(s).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(str) || str.length % 4 === 1) throw new ApiError(422, 'illegal base64 data in content');
  return Buffer.from(str, 'base64');
}

function identity(id) {
  if (!id || (!id.name && !id.email)) return null;
  return { name: id.name || '', email: id.email || '' };
}

// Applies file operations as one commit, like services/repository/files (ChangeRepoFiles).
// ops: [{operation: create|update|delete|rename|upload, path, content, sha, from_path}]
async function changeFiles(ctx, opts, ops) {
  const { sb, repo, auth, flavor } = ctx;
  return sb.withRepoLock(repo, async () => {
    const baseBranch = opts.branch || repo.defaultBranch;
    let baseSha = await git.branchSha(repo.gitDir, baseBranch);
    const branches = await git.listBranches(repo.gitDir);
    if (!baseSha) {
      if (branches.length === 0 && baseBranch === repo.defaultBranch) baseSha = null; // empty repository
      else throw new ApiError(404, `branch does not exist [name: ${baseBranch}]`);
    }
    let target = baseBranch;
    let expectOld = baseSha;
    if (opts.new_branch && opts.new_branch !== baseBranch) {
      if (branches.some((b) => b.name === opts.new_branch)) throw new ApiError(422, `branch already exists [name: ${opts.new_branch}]`);
      target = opts.new_branch;
      expectOld = null;
    }
    // current state of the paths touched
    const files = new Map();
    const lookup = async (p) => {
      if (files.has(p)) return files.get(p);
      const e = baseSha ? await git.treeEntry(repo.gitDir, baseSha, p) : null;
      files.set(p, e);
      return e;
    };
    const changes = [];
    const results = [];
    const stale = (given, expected) => new ApiError(opts._deleteRoute ? flavor.deleteStaleStatus : flavor.staleShaStatus, `sha does not match [given: ${given}, expected: ${expected}]`);
    const missing = (p) => new ApiError(opts._deleteRoute ? 404 : flavor.missingFileStatus, flavor.missingFileStatus === 500 ? '' : `object does not exist [id: ${baseSha || ''}, rel_path: ${p}]`, { hidden: `file does not exist [path: ${p}]` });
    // handleCheckErrors: no part of the target path may be a file, and the target not a directory
    const checkTarget = async (p) => {
      const parts = p.split('/');
      for (let i = 1; i < parts.length; i++) {
        const e = await lookup(parts.slice(0, i).join('/'));
        if (!e) break;
        if (e.type !== 'tree') throw new ApiError(422, `a file exists where you’re trying to create a subdirectory [path: ${parts.slice(0, i).join('/')}]`);
      }
      const t = await lookup(p);
      if (t && t.type === 'tree') throw new ApiError(422, `a directory exists where you’re trying to create a file [path: ${p}]`);
    };
    for (const op of ops) {
      const p = checkPath(op.path);
      const operation = op.operation;
      const content = operation === 'delete' ? null : decodeContent(op.content);
      if (operation === 'create' || operation === 'upload') {
        await checkTarget(p);
        const e = await lookup(p);
        if (e) throw new ApiError(422, `repository file already exists [path: ${p}]`);
        changes.push({ path: p, content });
        files.set(p, { type: 'blob', mode: '100644' });
        results.push(p);
      } else if (operation === 'update' || operation === 'rename') {
        const from = op.from_path ? checkPath(op.from_path) : p;
        const e = await lookup(from);
        if (!e || e.type !== 'blob') throw missing(from);
        if (op.sha && op.sha !== e.sha) throw stale(op.sha, e.sha);
        await checkTarget(p);
        if (from !== p) {
          const t = await lookup(p);
          if (t) throw new ApiError(422, `repository file already exists [path: ${p}]`);
          changes.push({ path: from, delete: true });
          files.set(from, null);
        }
        const newContent = operation === 'rename' && (op.content === undefined || op.content === null) ? await git.readBlob(repo.gitDir, e.sha) : content;
        changes.push({ path: p, content: newContent, mode: e.mode === '100755' ? '100755' : '100644' });
        files.set(p, { type: 'blob', mode: e.mode });
        results.push(p);
      } else if (operation === 'delete') {
        const e = await lookup(p);
        if (!e || e.type !== 'blob') throw missing(p);
        if (op.sha && op.sha !== e.sha) throw stale(op.sha, e.sha);
        changes.push({ path: p, delete: true });
        files.set(p, null);
        results.push(null);
      } else {
        throw new ApiError(422, `unknown operation "${operation}"`);
      }
    }
    const doer = auth.user;
    let author = identity(opts.author);
    let committer = identity(opts.committer);
    if (!committer) committer = author;
    if (!author) author = committer;
    if (!author) author = committer = { name: doer.fullName || doer.name, email: doer.email };
    if (opts.dates && opts.dates.author) author = { ...author, date: opts.dates.author };
    if (opts.dates && opts.dates.committer) committer = { ...committer, date: opts.dates.committer };
    let message = opts.message;
    if (!message) {
      // routers/api/v1/repo/file.go changeFilesCommitMessage
      const of = (kinds) => ops.filter((o) => kinds.includes(o.operation)).map((o) => o.path);
      const parts = [];
      if (of(['create']).length) parts.push(`Add ${of(['create']).join(', ')}`);
      if (of(['update', 'upload', 'rename']).length) parts.push(`Update ${of(['update', 'upload', 'rename']).join(', ')}`);
      if (of(['delete']).length) parts.push(`Delete ${of(['delete']).join(', ')}`);
      message = parts.join('\n');
    }
    if (opts.signoff) message += `\n\nSigned-off-by: ${committer.name} <${committer.email}>`;
    let commit;
    try {
      commit = await git.writeCommit(repo.gitDir, { parent: baseSha, branch: target, expectOld, changes, message, author, committer });
    } catch (e) {
      if (e.casFailed) throw new ApiError(500, e.message);
      throw e;
    }
    repo.empty = false;
    repo.updated = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    sb.recordWrite(repo, target, commit.sha, auth);
    const c = await git.readCommit(repo.gitDir, commit.sha);
    const ref = { name: target, kind: 'branch', sha: commit.sha };
    const contents = [];
    for (const p of results) {
      if (p === null) {
        contents.push(null);
        continue;
      }
      const e = await git.treeEntry(repo.gitDir, commit.sha, p);
      contents.push(await contentsJson(sb, repo, ref, e, p, { withContent: true, lastCommit: c }));
    }
    return { commit: fileCommitJson(sb, repo, c), contents };
  });
}

handlers.repoCreateFile = async (ctx) => {
  const b = ctx.body || {};
  const r = await changeFiles(ctx, b, [{ operation: 'create', path: ctx.params.filepath, content: b.content }]);
  return { status: 201, body: { content: r.contents[0], commit: r.commit, verification: NOT_SIGNED() } };
};

handlers.repoUpdateFile = async (ctx) => {
  const b = ctx.body || {};
  const { flavor } = ctx;
  if (b.content === undefined || b.content === null) throw new ApiError(422, '[Content]: Required');
  if (!b.sha) {
    if (flavor.putRequiresSha) throw new ApiError(422, '[SHA]: Required');
    // Gitea 1.26: a PUT without sha creates the file
    const r = await changeFiles(ctx, b, [{ operation: 'create', path: ctx.params.filepath, content: b.content }]);
    return { status: 201, body: { content: r.contents[0], commit: r.commit, verification: NOT_SIGNED() } };
  }
  const r = await changeFiles(ctx, b, [{ operation: 'update', path: ctx.params.filepath, content: b.content, sha: b.sha, from_path: b.from_path }]);
  return { status: 200, body: { content: r.contents[0], commit: r.commit, verification: NOT_SIGNED() } };
};

handlers.repoDeleteFile = async (ctx) => {
  const b = ctx.body || {};
  if (!b.sha) throw new ApiError(422, '[SHA]: Required');
  // DeleteFile has its own error mapping: a stale sha is 400 (1.24, Forgejo) or 422, a missing file 404
  const r = await changeFiles(ctx, { ...b, _deleteRoute: true }, [{ operation: 'delete', path: ctx.params.filepath, sha: b.sha }]);
  return { status: 200, body: { content: null, commit: r.commit, verification: NOT_SIGNED() } };
};

handlers.repoChangeFiles = async (ctx) => {
  const b = ctx.body || {};
  if (!Array.isArray(b.files) || !b.files.length) throw new ApiError(422, '[Files]: Required');
  const r = await changeFiles(ctx, b, b.files);
  // Gitea lists at most API.DefaultPagingNum (30) files in the answer (GetContentsListFromTreePaths)
  const files = ctx.flavor.kind === 'gitea' ? r.contents.slice(0, 30) : r.contents;
  return { status: 201, body: { files, commit: r.commit, verification: NOT_SIGNED() } };
};

handlers.repoGetAllCommits = async (ctx) => {
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
  const opt = { stat: queryBool(query, 'stat', true), files: queryBool(query, 'files', true), verification: queryBool(query, 'verification', true) };
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
};

handlers.repoGetSingleCommit = async (ctx) => {
  const { sb, repo, params, query } = ctx;
  const sha = params.sha;
  if (!/^[0-9a-zA-Z._/-]+$/.test(sha)) throw new ApiError(422, `sha not valid: ${sha}`);
  const r = await git.resolveRef(repo.gitDir, sha);
  if (!r) throw new ApiError(404, `object does not exist [id: ${sha}, rel_path: ]`);
  const c = await git.readCommit(repo.gitDir, r.sha);
  const opt = { stat: queryBool(query, 'stat', true), files: queryBool(query, 'files', true), verification: queryBool(query, 'verification', true) };
  return { status: 200, body: await commitJson(sb, repo, c, opt) };
};

// ---- branches ----------------------------------------------------------------------------

// convert.ToBranch (no branch protection) with convert.ToPayloadCommit
async function branchJson(sb, repo, name, sha, ctx) {
  const c = await git.readCommit(repo.gitDir, sha);
  const uname = (email) => {
    const u = sb.userByEmail(email);
    return u ? u.name : '';
  };
  const canWrite = ctx.access === 'write' || ctx.access === 'admin';
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

handlers.repoGetBranch = async (ctx) => {
  const { sb, repo, params } = ctx;
  const sha = await git.branchSha(repo.gitDir, params.branch);
  if (!sha) throw new ApiError(404, '', { notFound: true });
  return { status: 200, body: await branchJson(sb, repo, params.branch, sha, ctx) };
};

handlers.repoListBranches = async (ctx) => {
  const { sb, repo, query } = ctx;
  const all = await git.listBranches(repo.gitDir);
  const { page, limit } = listOptions(query);
  const body = [];
  for (const b of all.slice((page - 1) * limit, page * limit)) body.push(await branchJson(sb, repo, b.name, b.sha, ctx));
  return { status: 200, body, headers: pagingHeaders(sb, ctx, all.length, limit) };
};

// ---- tags --------------------------------------------------------------------------------

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

handlers.repoCreateTag = async (ctx) => {
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
};

handlers.repoGetTag = async (ctx) => {
  const t = await tagJson(ctx.sb, ctx.repo, ctx.params.tag);
  if (!t) throw new ApiError(404, `tag doesn't exist: ${ctx.params.tag}`, { notFoundMessage: true });
  return { status: 200, body: t };
};

handlers.repoListTags = async (ctx) => {
  const { sb, repo, query } = ctx;
  const r = await git.run(['for-each-ref', '--sort=-creatordate', '--format=%(refname:strip=2)', 'refs/tags/'], { gitDir: repo.gitDir });
  const names = r.text.split('\n').filter(Boolean);
  const { page, limit } = listOptions(query);
  const body = [];
  for (const n of names.slice((page - 1) * limit, page * limit)) body.push(await tagJson(sb, repo, n));
  return { status: 200, body, headers: pagingHeaders(sb, ctx, names.length, limit) };
};

handlers.repoDeleteTag = async (ctx) => {
  const { repo, params } = ctx;
  const id = await git.revParse(repo.gitDir, `refs/tags/${params.tag}`);
  if (!id) throw new ApiError(404, '', { notFound: true });
  await git.run(['update-ref', '-d', `refs/tags/${params.tag}`, id], { gitDir: repo.gitDir });
  return { status: 204 };
};

// ---- statuses ----------------------------------------------------------------------------

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

handlers.repoCreateStatus = async (ctx) => {
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
  return { status: 201, body: statusJson(sb, repo, s) };
};

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

handlers.repoListStatuses = async (ctx) => {
  const sha = (await git.revParse(ctx.repo.gitDir, `${ctx.params.sha}^{commit}`)) || ctx.params.sha;
  return listStatusesFor(ctx, sha);
};

handlers.repoListStatusesByRef = async (ctx) => {
  const r = await git.resolveRef(ctx.repo.gitDir, ctx.params.ref);
  if (!r) throw new ApiError(404, `ref "${ctx.params.ref}" not found`);
  return listStatusesFor(ctx, r.sha);
};

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

handlers.repoGetCombinedStatusByRef = async (ctx) => {
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
      body: { state: worstState(statuses.map((s) => s.state)), sha: r.sha, total_count: statuses.length, statuses: statuses.map((s) => statusJson(sb, repo, s)), repository: repoJson(sb, repo, ctx.access), commit_url: '', url: '' },
    };
  }
  const body = { state: '', sha: r.sha, total_count: statuses.length, statuses: null, repository: repoJson(sb, repo, ctx.access), commit_url: commitUrl, url: `${commitUrl}/status` };
  if (statuses.length) {
    body.statuses = statuses.map((s) => statusJson(sb, repo, s));
    body.state = combineStates(statuses.map((s) => s.state));
  } else if (flavor.combinedStatus === 'combine-empty-pending') body.state = 'pending';
  return { status: 200, body, headers };
};

// ---- actions -----------------------------------------------------------------------------

// ListWorkflows: the first workflow folder that exists at the commit is the only one searched.
async function findWorkflow(sb, repo, sha, workflowId) {
  for (const dir of sb.flavor.workflowDirs) {
    const d = await git.treeEntry(repo.gitDir, sha, dir);
    if (!d || d.type !== 'tree') continue;
    const p = `${dir}/${workflowId}`;
    const e = /\.ya?ml$/.test(workflowId) ? await git.treeEntry(repo.gitDir, sha, p) : null;
    if (e && e.type === 'blob') {
      const text = (await git.readBlob(repo.gitDir, e.sha)).toString();
      return { dir, path: p, text };
    }
    return null;
  }
  return null;
}

// The ref a dispatch runs on, as each server resolves it.
async function dispatchRef(sb, repo, ref) {
  if (sb.flavor.kind === 'gitea') {
    // refs/tags/X -> tag, refs/heads/X -> branch, anything else is a branch name
    let full;
    if (ref.startsWith('refs/tags/') || ref.startsWith('refs/heads/')) full = ref;
    else full = `refs/heads/${ref}`;
    const sha = await git.revParse(repo.gitDir, `${full}^{commit}`);
    if (!sha) return null;
    return { sha, ref: full, kind: full.startsWith('refs/tags/') ? 'tag' : 'branch', name: full.replace(/^refs\/(heads|tags)\//, '') };
  }
  // Forgejo's ExpandRef: refs/..., tags/..., heads/..., then a tag, a branch, a commit
  let full = null;
  if (ref.startsWith('refs/')) full = ref;
  else if (ref.startsWith('tags/') || ref.startsWith('heads/')) full = `refs/${ref}`;
  else if (await git.revParse(repo.gitDir, `refs/tags/${ref}^{commit}`)) full = `refs/tags/${ref}`;
  else if (await git.revParse(repo.gitDir, `refs/heads/${ref}^{commit}`)) full = `refs/heads/${ref}`;
  else if (/^[0-9a-f]{7,40}$/.test(ref) && (await git.revParse(repo.gitDir, `${ref}^{commit}`))) full = ref;
  if (!full) return { error: `could not expand reference '${ref}'` };
  const sha = await git.revParse(repo.gitDir, `${full}^{commit}`);
  if (!sha) return { error: `object does not exist [id: ${full}, rel_path: ]` };
  return { sha, ref: full, kind: full.startsWith('refs/tags/') ? 'tag' : full.startsWith('refs/heads/') ? 'branch' : 'commit', name: full.replace(/^refs\/(heads|tags)\//, '') };
}

async function dispatch(ctx) {
  const { sb, repo, body, query, flavor, auth } = ctx;
  const b = body || {};
  const workflowId = ctx.params.workflow_id || ctx.params.workflowfilename;
  const forgejo = flavor.kind === 'forgejo';
  if (!b.ref) throw new ApiError(flavor.missingRefStatus, forgejo ? 'ref is empty' : 'ref is required parameter');
  const ref = await dispatchRef(sb, repo, b.ref);
  if (!ref || ref.error) {
    // Forgejo: a plain error -> 500, whose message production servers hide
    if (forgejo) throw new ApiError(flavor.dispatchNotFoundStatus, '', { hidden: ref ? ref.error : b.ref });
    throw new ApiError(404, `ref ${JSON.stringify(b.ref)} doesn't exist`);
  }
  const wfFile = await findWorkflow(sb, repo, ref.sha, workflowId);
  if (!wfFile) {
    if (forgejo) throw new ApiError(flavor.dispatchNotFoundStatus, '', { hidden: 'workflow not found' });
    throw new ApiError(404, `workflow ${JSON.stringify(workflowId)} doesn't exist`);
  }
  let wf;
  try {
    wf = parseWorkflow(wfFile.text);
  } catch (e) {
    throw new ApiError(500, '', { hidden: `unable to parse workflow ${workflowId}: ${e.message}` });
  }
  let wd = dispatchConfig(wf);
  if (!wd) {
    if (flavor.rejectsNonDispatchWorkflow) throw new ApiError(422, `workflow ${JSON.stringify(workflowId)} has no workflow_dispatch event trigger`);
    sb.warn(ctx, `${workflowId} has no workflow_dispatch trigger; Gitea < 1.26 and Forgejo dispatch it anyway`);
    wd = { inputs: {} };
  }
  const given = b.inputs || {};
  const inputs = {};
  for (const [k, cfg] of Object.entries(wd.inputs)) {
    const has = Object.prototype.hasOwnProperty.call(given, k);
    let v = has ? String(given[k]) : undefined;
    if (flavor.kind === 'forgejo') {
      // services/actions/workflows.go resolveDispatchInput
      if (!v) {
        v = cfg.default;
        if (!v) {
          if (cfg.required) throw new ApiError(400, `input required for '${cfg.description || k}'`);
          continue;
        }
      } else if (cfg.type === 'boolean') {
        if (flavor.booleanInputOnQuirk) {
          // v11/v12: strconv.FormatBool(val == "on"), meant for the web form's checkbox
          if (v !== 'on') sb.warn(ctx, `input "${k}" is a boolean: Forgejo ${flavor.version} turns ${JSON.stringify(v)} into "false" (only "on" gives "true")`);
          v = String(v === 'on');
        } else if (v === 'on') v = 'true';
      }
    } else {
      // Gitea: the given value, else the default; `required` is not checked by the API
      if (!has) {
        v = cfg.default;
        if (cfg.required && !v) sb.warn(ctx, `input "${k}" is required by ${workflowId} but was not given; Gitea dispatches anyway with ""`);
      }
    }
    if (cfg.type === 'boolean' && v !== '' && v !== 'true' && v !== 'false') sb.warn(ctx, `input "${k}" is a boolean but got ${JSON.stringify(v)}`);
    if (cfg.type === 'choice' && cfg.options && v !== '' && !cfg.options.includes(v)) sb.warn(ctx, `input "${k}" is a choice of ${JSON.stringify(cfg.options)} but got ${JSON.stringify(v)}`);
    if (cfg.type === 'number' && v !== '' && Number.isNaN(Number(v))) sb.warn(ctx, `input "${k}" is a number but got ${JSON.stringify(v)}`);
    inputs[k] = v;
  }
  for (const k of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(wd.inputs, k)) sb.warn(ctx, `input "${k}" is not declared by ${workflowId}; the server ignores it`);
  }
  const head = await git.readCommit(repo.gitDir, ref.sha);
  const subject = head.message.split('\n')[0];
  let title;
  // Forgejo: the workflow's name, else ".forgejo/workflows/<file>" (whatever the folder)
  if (forgejo) title = wf.name || `.forgejo/workflows/${workflowId}`;
  else {
    title = subject;
    if (flavor.runNameEvaluated && wf.runName) {
      try {
        const v = interpolate(wf.runName, {
          inputs,
          github: { event_name: 'workflow_dispatch', ref: ref.ref, ref_name: ref.name, sha: ref.sha, actor: auth.user.name, repository: `${repo.owner}/${repo.name}`, repository_owner: repo.owner, workflow: wf.name || wfFile.path, event: { inputs } },
          vars: {},
          env: {},
        });
        if (v) title = v;
      } catch (e) {
        sb.warn(ctx, `run-name of ${workflowId} could not be evaluated: ${e.message}`);
      }
    }
  }
  if (flavor.cancelPreviousOnDispatch) {
    for (const r of sb.runs.forRepo(repo)) {
      if (r.status !== 'completed' && r.workflowId === workflowId && r.ref === ref.ref && r.event === 'workflow_dispatch') {
        // CancelPreviousJobs(repo, ref, workflowID, event)
        sb.runs.cancel(r, `a newer dispatch of ${workflowId} on ${ref.ref} (Gitea ${flavor.version} cancels previous runs)`);
      }
    }
  }
  let concurrency = null;
  if (flavor.runConcurrency && wf.doc.concurrency !== undefined && wf.doc.concurrency !== null) {
    const raw = typeof wf.doc.concurrency === 'object' ? wf.doc.concurrency : { group: wf.doc.concurrency };
    const exprCtx = {
      inputs,
      github: { event_name: 'workflow_dispatch', ref: ref.ref, ref_name: ref.name, sha: ref.sha, actor: auth.user.name, repository: `${repo.owner}/${repo.name}`, repository_owner: repo.owner, workflow: wf.name || wfFile.path, run_id: String(sb.runs.nextRunId), event: { inputs } },
      vars: {},
      env: {},
    };
    try {
      const group = interpolate(String(raw.group ?? ''), exprCtx);
      const c = raw['cancel-in-progress'];
      const cancel = typeof c === 'boolean' ? c : typeof c === 'string' ? ['true', '1'].includes(interpolate(c, exprCtx).trim().toLowerCase()) : false;
      if (group) concurrency = { group, cancel };
    } catch (e) {
      throw new ApiError(500, '', { hidden: `EvaluateRunConcurrencyFillModel: ${e.message}` });
    }
  }
  const fault = sb.takeRunFault(`RUN ${repo.owner}/${repo.name}/${workflowId}`);
  const run = sb.runs.create({
    repo,
    workflowId,
    workflowDir: wfFile.dir,
    workflowPath: wfFile.path,
    payloadWorkflow: forgejo ? `.forgejo/workflows/${workflowId}` : workflowId,
    dispatchable: !!dispatchConfig(wf),
    workflow: wf,
    workflowText: wfFile.text,
    ref: ref.ref,
    refName: ref.name,
    sha: ref.sha,
    inputs,
    actor: auth.user,
    title,
    fault,
    concurrency,
  });
  sb.runs.schedule();
  if (forgejo) {
    if (flavor.returnRunInfo && b.return_run_info === true) {
      return { status: 201, body: { id: run.id, run_number: run.index, jobs: run.jobs.map((j) => j.key) } };
    }
    return { status: 204 };
  }
  if (flavor.returnRunDetails && queryBool(query, 'return_run_details', false)) {
    return { status: 200, body: { workflow_run_id: run.id, run_url: `${sb.api}/repos/${repo.owner}/${repo.name}/actions/runs/${run.id}`, html_url: sb.runHtmlUrl(run) } };
  }
  return { status: 204 };
}

handlers.ActionsDispatchWorkflow = dispatch;
handlers.DispatchWorkflow = dispatch;

function giteaStatus(run) {
  // convert.ToActionsStatus: StatusWaiting -> "queued", StatusBlocked -> "waiting"
  if (run.status === 'completed') return { status: 'completed', conclusion: run.conclusion };
  if (run.status === 'blocked') return { status: 'waiting', conclusion: '' };
  return { status: run.status, conclusion: '' };
}

// timeutil.TimeStamp(0).AsLocalTime(): a time that never happened is the Unix epoch (server in UTC)
const EPOCH = '1970-01-01T00:00:00Z';

// convert.ToActionWorkflowRun
function workflowRunJson(sb, run) {
  const st = giteaStatus(run);
  const j = {
    id: run.id,
    url: `${sb.api}/repos/${run.repo.owner}/${run.repo.name}/actions/runs/${run.id}`,
    html_url: sb.runHtmlUrl(run),
    display_title: run.title,
    path: `${run.workflowId}@${run.ref}`,
    event: run.event,
    run_attempt: 0,
    run_number: run.index,
    head_sha: run.sha,
    head_branch: run.ref.startsWith('refs/heads/') ? run.refName : '',
    status: st.status,
    actor: userJson(sb, run.actor),
    trigger_actor: userJson(sb, run.actor),
    repository: repoJson(sb, run.repo, 'none'),
    started_at: run.started || EPOCH,
    completed_at: run.completed || EPOCH,
  };
  if (!j.head_branch) delete j.head_branch;
  if (st.conclusion) j.conclusion = st.conclusion;
  return j;
}

// convert.ToActionWorkflowJob
function workflowJobJson(sb, run, job) {
  const st = giteaStatus(run);
  const j = {
    id: job.id,
    url: `${sb.api}/repos/${run.repo.owner}/${run.repo.name}/actions/jobs/${job.id}`,
    html_url: `${sb.runHtmlUrl(run)}/jobs/${job.id}`,
    run_id: run.id,
    run_url: `${sb.api}/repos/${run.repo.owner}/${run.repo.name}/actions/runs/${run.id}`,
    name: job.name,
    labels: job.labels,
    run_attempt: run.started ? 1 : 0,
    head_sha: run.sha,
    head_branch: run.ref.startsWith('refs/heads/') ? run.refName : '',
    status: st.status,
    steps: null,
    created_at: run.created,
    started_at: run.started || EPOCH,
    completed_at: run.completed || EPOCH,
  };
  if (!j.head_branch) delete j.head_branch;
  if (st.conclusion) j.conclusion = st.conclusion;
  if (run.started) {
    // a task exists: runner and steps
    j.runner_id = 1;
    j.runner_name = 'sandbox-act';
    j.steps = job.steps.map((s, i) => {
      const step = { name: s.name, number: i, status: st.status, started_at: run.started, completed_at: run.completed || EPOCH };
      if (st.conclusion) step.conclusion = st.conclusion;
      return step;
    });
  }
  return j;
}

// routers/api/v1/shared/action.go convertToInternal: the `status` filter of /actions/runs
const RUN_STATUS_FILTER = {
  pending: ['blocked'], waiting: ['blocked'], requested: ['blocked'], action_required: ['blocked'],
  queued: ['queued'],
  in_progress: ['in_progress'],
  completed: ['success', 'failure', 'skipped', 'cancelled'],
  failure: ['failure'],
  success: ['success'],
  skipped: ['skipped'], neutral: ['skipped'],
  cancelled: ['cancelled'], timed_out: ['cancelled'],
};

function runState(run) {
  return run.status === 'completed' ? run.conclusion : run.status;
}

handlers.getWorkflowRuns = async (ctx) => {
  const { sb, repo, query } = ctx;
  let runs = sb.runs.forRepo(repo).slice().reverse();
  const f = (k) => query.get(k);
  if (f('event')) runs = runs.filter((r) => r.event === f('event'));
  if (f('branch')) runs = runs.filter((r) => r.ref === `refs/heads/${f('branch')}`);
  const statuses = query.getAll('status');
  if (statuses.length) {
    const wanted = new Set();
    for (const s of statuses) {
      if (!RUN_STATUS_FILTER[s]) throw new ApiError(400, `Invalid status ${s}`);
      for (const x of RUN_STATUS_FILTER[s]) wanted.add(x);
    }
    runs = runs.filter((r) => wanted.has(runState(r)));
  }
  if (f('actor')) {
    if (!sb.userByName(f('actor'))) throw new ApiError(500, '', { hidden: `user does not exist [name: ${f('actor')}]` });
    runs = runs.filter((r) => r.actor.name.toLowerCase() === f('actor').toLowerCase());
  }
  if (f('head_sha')) runs = runs.filter((r) => r.sha === f('head_sha'));
  const { page, limit } = listOptions(query);
  const total = runs.length;
  const body = { workflow_runs: runs.slice((page - 1) * limit, page * limit).map((r) => workflowRunJson(sb, r)), total_count: total };
  return { status: 200, body, headers: pagingHeaders(sb, ctx, total, limit) };
};

function runOr404(ctx, id) {
  const run = ctx.sb.runs.get(id);
  if (!run || run.repo !== ctx.repo) throw new ApiError(404, '', { notFound: true });
  return run;
}

handlers.GetWorkflowRun = async (ctx) => ({ status: 200, body: workflowRunJson(ctx.sb, runOr404(ctx, ctx.params.run)) });

handlers.listWorkflowRunJobs = async (ctx) => {
  const run = runOr404(ctx, ctx.params.run);
  let jobs = run.jobs.map((j) => workflowJobJson(ctx.sb, run, j));
  const s = ctx.query.get('status');
  if (s) jobs = jobs.filter((j) => j.status === s || j.conclusion === s);
  const { page, limit } = listOptions(ctx.query);
  return { status: 200, body: { jobs: jobs.slice((page - 1) * limit, page * limit), total_count: jobs.length }, headers: pagingHeaders(ctx.sb, ctx, jobs.length, limit) };
};

// actions_model.Status as a string (tasks, Forgejo runs)
function modelStatus(run) {
  if (run.status === 'queued') return 'waiting';
  if (run.status === 'blocked') return 'blocked';
  if (run.status === 'in_progress') return 'running';
  return run.conclusion;
}

handlers.ListActionTasks = async (ctx) => {
  const { sb, repo, query } = ctx;
  const tasks = [];
  for (const run of sb.runs.forRepo(repo)) {
    if (!run.started) continue; // a task exists once a runner picked the job up
    for (const job of run.jobs) {
      tasks.push({
        id: job.taskId,
        name: job.name,
        head_branch: run.refName,
        head_sha: run.sha,
        run_number: run.index,
        event: run.event,
        display_title: run.title,
        status: modelStatus(run),
        workflow_id: run.workflowId,
        url: sb.runHtmlUrl(run),
        created_at: run.started,
        updated_at: run.updated,
        run_started_at: run.started,
      });
    }
  }
  tasks.sort((a, b) => b.id - a.id);
  let list = tasks;
  const statuses = query.getAll('status').flatMap((s) => s.split(','));
  if (statuses.length) {
    const bad = statuses.find((s) => !['unknown', 'waiting', 'running', 'success', 'failure', 'cancelled', 'skipped', 'blocked'].includes(s));
    if (bad && ctx.flavor.kind === 'forgejo') throw new ApiError(400, `unknown status: ${bad}`);
    list = list.filter((t) => statuses.includes(t.status));
  }
  const { page, limit } = listOptions(query);
  return { status: 200, body: { workflow_runs: list.slice((page - 1) * limit, page * limit), total_count: list.length } };
};

function forgejoRunJson(sb, run, access) {
  const payload = {
    inputs: run.inputs,
    ref: run.ref,
    repository: repoJson(sb, run.repo, 'none'),
    sender: userJson(sb, run.actor),
    workflow: run.payloadWorkflow || run.workflowPath,
  };
  const dur = run.started ? (Date.parse(run.completed || new Date().toISOString()) - Date.parse(run.started)) * 1e6 : 0;
  return {
    id: run.id,
    title: run.title,
    repository: repoJson(sb, run.repo, access),
    workflow_id: run.workflowId,
    index_in_repo: run.index,
    trigger_user: userJson(sb, run.actor),
    ScheduleID: 0,
    prettyref: run.refName,
    is_ref_deleted: false,
    commit_sha: run.sha,
    is_fork_pull_request: false,
    need_approval: false,
    approved_by: 0,
    event: run.event,
    event_payload: JSON.stringify(payload),
    trigger_event: run.event,
    status: modelStatus(run),
    started: run.started || EPOCH,
    stopped: run.completed || EPOCH,
    created: run.created,
    updated: run.updated,
    duration: Math.max(0, Math.round(dur)),
    html_url: sb.runHtmlUrl(run),
  };
}

handlers.ListActionRuns = async (ctx) => {
  const { sb, repo, query, access } = ctx;
  let runs = sb.runs.forRepo(repo).slice().reverse();
  const statuses = query.getAll('status').flatMap((s) => s.split(','));
  for (const s of statuses) {
    if (!['unknown', 'waiting', 'running', 'success', 'failure', 'cancelled', 'skipped', 'blocked'].includes(s)) throw new ApiError(400, `unknown status: ${s}`);
  }
  if (statuses.length) runs = runs.filter((r) => statuses.includes(modelStatus(r)));
  const events = query.getAll('event').flatMap((s) => s.split(','));
  if (events.length) runs = runs.filter((r) => events.includes(r.event));
  if (query.get('run_number')) runs = runs.filter((r) => r.index === Number(query.get('run_number')));
  if (query.get('head_sha')) runs = runs.filter((r) => r.sha === query.get('head_sha'));
  if (query.get('ref')) runs = runs.filter((r) => r.ref === query.get('ref'));
  if (query.get('workflow_id')) runs = runs.filter((r) => r.workflowId === query.get('workflow_id'));
  const { page, limit } = listOptions(query);
  return { status: 200, body: { workflow_runs: runs.slice((page - 1) * limit, page * limit).map((r) => forgejoRunJson(sb, r, access)), total_count: runs.length } };
};

handlers.ActionRun = async (ctx) => ({ status: 200, body: forgejoRunJson(ctx.sb, runOr404(ctx, ctx.params.run_id), ctx.access) });

// What each operation needs: 'public' (no auth), 'user' (a token), or a repo access level.
const REQUIRES = {
  getVersion: 'public',
  userGetCurrent: 'user',
  repoGet: 'read',
  repoGetContents: 'read',
  repoGetContentsList: 'read',
  repoCreateFile: 'write',
  repoUpdateFile: 'write',
  repoDeleteFile: 'write',
  repoChangeFiles: 'write',
  repoGetAllCommits: 'read',
  repoGetSingleCommit: 'read',
  repoCreateStatus: 'write',
  repoListStatuses: 'read',
  repoListStatusesByRef: 'read',
  repoGetCombinedStatusByRef: 'read',
  repoGetBranch: 'read',
  repoListBranches: 'read',
  repoCreateTag: 'write',
  repoGetTag: 'read',
  repoListTags: 'read',
  repoDeleteTag: 'write',
  ActionsDispatchWorkflow: 'write',
  DispatchWorkflow: 'write',
  getWorkflowRuns: 'read',
  GetWorkflowRun: 'read',
  listWorkflowRunJobs: 'read',
  ListActionRuns: 'read',
  ActionRun: 'read',
  ListActionTasks: 'read',
};

module.exports = { handlers, REQUIRES, ApiError, userJson, repoJson, workflowRunJson, forgejoRunJson, modelStatus };
