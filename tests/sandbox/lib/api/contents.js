'use strict';
// Contents: the api.ContentsResponse view, GET /contents[/{path}] and the writes
// (POST/PUT/DELETE /contents/{path}, POST /contents = ChangeFiles), each one real commit
// (services/repository/files ChangeRepoFiles).

const git = require('../git');
const { ApiError, NOT_SIGNED, encPath, b64 } = require('./common');
const { fileCommitJson } = require('./commits');
const protection = require('../protection');

// api.ContentsResponse for a tree entry (services/repository/files/content.go
// getFileContentsByEntryInternal). `withContent` adds the base64 content (files only), `lastCommit`
// the last commit's fields as the release names them, `withMessage` its message (only
// /contents-ext?includes=commit_message, Gitea 1.25+).
async function contentsJson(sb, repo, ref, entry, filePath, { withContent, lastCommit, withMessage, withCommitMeta = true }) {
  const type = entry.type === 'tree' ? 'dir' : entry.type === 'commit' ? 'submodule' : entry.mode === '120000' ? 'symlink' : 'file';
  const refQ = encodeURIComponent(ref.name);
  const htmlKind = ref.kind === 'tag' ? 'tag' : ref.kind === 'commit' ? 'commit' : 'branch';
  const self = `${sb.api}/repos/${repo.owner}/${repo.name}/contents/${encPath(filePath)}?ref=${refQ}`;
  const gitUrl = `${sb.api}/repos/${repo.owner}/${repo.name}/git/${type === 'dir' ? 'trees' : 'blobs'}/${entry.sha}`;
  const html = `${sb.url}/${repo.owner}/${repo.name}/src/${htmlKind}/${encPath(ref.name)}/${encPath(filePath)}`;
  const fields = sb.flavor.contentsCommitFields;
  const j = {
    name: filePath.split('/').pop(),
    path: filePath,
    sha: entry.sha,
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
  // modules/structs/repo_file.go: Gitea 1.24 and Forgejo have a plain `last_commit_sha string`
  // (always there); Gitea 1.25+ has *string fields with omitempty, filled when commit metadata is asked for
  if (fields !== 'gitea-pointers') j.last_commit_sha = '';
  if (lastCommit && (withCommitMeta || fields !== 'gitea-pointers')) {
    j.last_commit_sha = lastCommit.sha;
    if (fields === 'gitea-1.24' || fields === 'gitea-pointers') {
      j.last_author_date = lastCommit.author.date;
      j.last_committer_date = lastCommit.committer.date;
    } else if (fields === 'forgejo-12') {
      j.last_commit_when = lastCommit.committer.date;
    }
  }
  // Gitea 1.25+: never in /contents; only /contents-ext?includes=commit_message
  if (lastCommit && withMessage) j.last_commit_message = lastCommit.message;
  if (withContent && type === 'file') {
    if (entry.size > sb.settings.max_blob_size) {
      // above [api] DEFAULT_MAX_BLOB_SIZE (GetBlobBySHA): Gitea leaves both pointers nil
      // (content.go @v1.25.5 L243); Forgejo sends "" with encoding base64 (content.go @v12.0.4 L271)
      if (sb.flavor.blobTooLarge === 'empty-base64') {
        j.encoding = 'base64';
        j.content = '';
      }
    } else {
      j.encoding = 'base64';
      j.content = b64(await git.readBlob(repo.gitDir, entry.sha));
    }
  }
  if (type === 'symlink') j.target = (await git.readBlob(repo.gitDir, entry.sha)).toString();
  return j;
}

async function resolveRefOr404(repo, ref) {
  const r = await git.resolveRef(repo.gitDir, ref);
  if (!r) throw new ApiError(404, `object does not exist [id: ${ref}, rel_path: ]`);
  return r;
}

async function lastCommitOf(repo, rev, p) {
  const sha = await git.lastCommitFor(repo.gitDir, rev, p);
  return sha ? git.readCommit(repo.gitDir, sha) : null;
}

// routers/api/v1/repo/file.go GetContents / GetContentsExt: a path that is not there is
// APIErrorNotFound("GetContentsOrList", err) (the string replaces the message)
const notThere = (id, p) => new ApiError(404, 'GetContentsOrList', { notFoundMessage: true, errors: [`object does not exist [id: ${id}, rel_path: ${p}]`] });

// {file, dir}: the file's entry, or the directory's entries (files_service.GetContentsOrList).
async function readContents(ctx, filePath, opts) {
  const { sb, repo, query } = ctx;
  const refName = query.get('ref') || repo.defaultBranch;
  if (repo.empty) throw notThere(refName, filePath);
  const ref = await resolveRefOr404(repo, refName);
  const p = filePath.replace(/^\/+|\/+$/g, '');
  const entry = await git.treeEntry(repo.gitDir, ref.sha, p);
  if (!entry) throw notThere(ref.sha, p);
  const needCommit = opts.commitMeta || opts.commitMessage || sb.flavor.contentsCommitFields !== 'gitea-pointers';
  const one = async (e, ep, withContent) => contentsJson(sb, repo, ref, e, ep, { withContent, lastCommit: needCommit ? await lastCommitOf(repo, ref.sha, ep) : null, withMessage: !!opts.commitMessage, withCommitMeta: !!opts.commitMeta });
  if (entry.type === 'tree') {
    const out = [];
    // never include file content when listing a directory
    for (const e of await git.listDir(repo.gitDir, ref.sha, p)) out.push(await one(e, e.path, false));
    return { dir: out };
  }
  return { file: await one(entry, p, opts.fileContent) };
}

async function getContents(ctx, filePath) {
  const r = await readContents(ctx, filePath, { fileContent: true, commitMeta: true });
  return { status: 200, body: r.file || r.dir };
}

// GET /contents-ext/{path}?includes=file_content,lfs_metadata,commit_metadata,commit_message
// (routers/api/v1/repo/file.go @v1.25.5 GetContentsExt; new in 1.25.0)
async function getContentsExt(ctx) {
  let filePath = ctx.params.filepath || '';
  if (filePath === '.' || filePath === '/') filePath = '';
  const opts = {};
  for (const inc of (ctx.query.get('includes') || '').split(',')) {
    if (!inc) continue;
    const key = { file_content: 'fileContent', lfs_metadata: 'lfs', commit_metadata: 'commitMeta', commit_message: 'commitMessage' }[inc];
    if (!key) throw new ApiError(400, `unknown include option "${inc}"`);
    opts[key] = true;
  }
  const r = await readContents(ctx, filePath, opts);
  return { status: 200, body: r.file ? { file_contents: r.file } : { dir_contents: r.dir } };
}

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

// The internal push of the write was rejected (fault `push-rejected`; `hookText` is what the
// pre-receive hook printed, which git relays as "remote: " lines).
function pushRejected(flavor, hookText) {
  // modules/git/error.go @v1.26.4 ErrPushRejected.GenerateMessage: only the remote lines, without
  // an "error: " prefix, each trimmed (git pads sideband lines with spaces when stderr is not a
  // terminal, so a bare "error:" line becomes empty); none -> "push is rejected"
  const lines = hookText ? String(hookText).split('\n').map((l) => l.trim().replace(/^error:(\s|$)/, '').trim()) : [];
  const message = lines.join('\n').trim() || 'push is rejected';
  // routers/api/v1/repo/file.go @v1.26.4 handleChangeRepoFilesError: git.IsErrPushRejected -> 403 err.Message;
  // Gitea 1.24/1.25 and Forgejo 11/12 do not map it: 500, the message hidden
  if (flavor.pushRejectedStatus === 403) return new ApiError(403, message);
  return new ApiError(500, '', { hidden: `push rejected: ${message}` });
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
    const treePaths = ops.map((op) => checkPath(op.path));
    if (opts.new_branch && opts.new_branch !== baseBranch) {
      if (branches.some((b) => b.name === opts.new_branch)) throw new ApiError(422, `branch already exists [name: ${opts.new_branch}]`);
      target = opts.new_branch;
      expectOld = null;
    } else {
      // ChangeRepoFiles: VerifyBranchProtection only when writing to the branch itself; a write to a
      // new branch skips the base branch's rule (services/repository/files/update.go, all five tags)
      try {
        protection.verifyContentsWrite(sb, repo, auth, ctx.perm, baseBranch, treePaths);
      } catch (e) {
        // DeleteFile @v1.24.7 and Forgejo @v11.0.15/@v12.0.4 map only ErrUserCannotCommit to 403:
        // a protected file is a 500 there (routers/api/v1/repo/file.go DeleteFile)
        if (opts._deleteRoute && e.extra && e.extra.protectedFile && flavor.deleteProtectedFileStatus === 500) throw new ApiError(500, '', { hidden: e.message });
        throw e;
      }
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
    const faultKey = `${ctx.method} ${ctx.pathname}`;
    const rejected = sb.takePushFault(faultKey);
    if (rejected) throw pushRejected(flavor, rejected.message);
    // fault `empty-sha`: the commit is built but no branch moves, and the answer claims success
    const emptySha = sb.takeWriteFault(faultKey);
    let commit;
    try {
      commit = await git.writeCommit(repo.gitDir, { parent: baseSha, branch: target, expectOld, changes, message, author, committer, noRef: true });
    } catch (e) {
      if (e.casFailed) throw new ApiError(500, e.message);
      throw e;
    }
    if (!emptySha) {
      // the internal push of the new branch passes the pre-receive hook as the doer: a rule on the
      // new branch applies (routers/private/hook_pre_receive.go preReceiveBranch); refused ->
      // git.ErrPushRejected, 403 in Gitea 1.26, 500 elsewhere (as the `push-rejected` fault)
      if (target !== baseBranch) {
        const refusal = protection.preReceiveBranch(sb, repo, auth.user, ctx.perm, { branch: target, oldSha: git.ZERO, newSha: commit.sha, force: false, files: changes.map((c) => c.path), newestCommit: commit.sha });
        if (refusal) throw pushRejected(flavor, protection.hookStderr(flavor, refusal));
      }
      if (!(await git.updateRef(repo.gitDir, `refs/heads/${target}`, commit.sha, expectOld, 'sandbox: contents API'))) {
        throw new ApiError(500, `branch ${target} moved while committing`);
      }
      repo.empty = false;
      repo.updated = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      sb.recordWrite(repo, target, commit.sha, auth);
      await sb.afterRefUpdate(repo);
    }
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
    if (emptySha) {
      const sha = emptySha.sha === null ? '' : emptySha.sha;
      for (const x of contents) if (x && 'last_commit_sha' in x) x.last_commit_sha = sha;
      return { commit: fileCommitJson(sb, repo, { ...c, sha }), contents };
    }
    return { commit: fileCommitJson(sb, repo, c), contents };
  });
}

async function repoCreateFile(ctx) {
  const b = ctx.body || {};
  const r = await changeFiles(ctx, b, [{ operation: 'create', path: ctx.params.filepath, content: b.content }]);
  return { status: 201, body: { content: r.contents[0], commit: r.commit, verification: NOT_SIGNED() } };
}

async function repoUpdateFile(ctx) {
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
}

async function repoDeleteFile(ctx) {
  const b = ctx.body || {};
  if (!b.sha) throw new ApiError(422, '[SHA]: Required');
  // DeleteFile has its own error mapping: a stale sha is 400 (1.24, Forgejo) or 422, a missing file 404
  const r = await changeFiles(ctx, { ...b, _deleteRoute: true }, [{ operation: 'delete', path: ctx.params.filepath, sha: b.sha }]);
  return { status: 200, body: { content: null, commit: r.commit, verification: NOT_SIGNED() } };
}

async function repoChangeFiles(ctx) {
  const b = ctx.body || {};
  if (!Array.isArray(b.files) || !b.files.length) throw new ApiError(422, '[Files]: Required');
  const r = await changeFiles(ctx, b, b.files);
  // Gitea lists at most API.DefaultPagingNum (30) files in the answer (GetContentsListFromTreePaths)
  const files = ctx.flavor.kind === 'gitea' ? r.contents.slice(0, 30) : r.contents;
  return { status: 201, body: { files, commit: r.commit, verification: NOT_SIGNED() } };
}

// The writes have no reqRepoWriter: a branch check answers 403 (Gitea 1.24 and Forgejo:
// reqRepoBranchWriter; Gitea 1.25+: ReqChangeRepoFileOptionsAndCheck), after reqRepoReader(code) and reqToken.
const branchCheck = (flavor) => flavor.branchWriteMessage;

const routes = [
  { operationId: 'repoGetContents', access: 'reader', unit: 'code', handler: (ctx) => getContents(ctx, ctx.params.filepath) },
  { operationId: 'repoGetContentsList', access: 'reader', unit: 'code', handler: (ctx) => getContents(ctx, '') },
  { operationId: 'repoGetContentsExt', access: 'reader', unit: 'code', handler: getContentsExt },
  { operationId: 'repoCreateFile', access: 'writer', unit: 'code', denied: branchCheck, handler: repoCreateFile },
  { operationId: 'repoUpdateFile', access: 'writer', unit: 'code', denied: branchCheck, handler: repoUpdateFile },
  { operationId: 'repoDeleteFile', access: 'writer', unit: 'code', denied: branchCheck, handler: repoDeleteFile },
  { operationId: 'repoChangeFiles', access: 'writer', unit: 'code', denied: branchCheck, handler: repoChangeFiles },
];

module.exports = { routes, contentsJson };
