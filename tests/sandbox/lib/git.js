'use strict';
// Thin wrappers around the git CLI: every repository is a bare repository on disk, and every
// write is a real commit made with plumbing commands on a temporary index.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const zlib = require('node:zlib');

const ZERO = '0000000000000000000000000000000000000000';

class GitError extends Error {
  constructor(args, code, stderr) {
    super(`git ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
    this.code = code;
    this.stderr = stderr;
  }
}

// The environment every git command gets: no user/system config, no prompts.
function baseEnv(extra) {
  return {
    PATH: process.env.PATH,
    HOME: os.tmpdir(),
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

function run(args, { gitDir, cwd, input, env, allowFail } = {}) {
  const full = gitDir ? ['--git-dir', gitDir, ...args] : args;
  return new Promise((resolve, reject) => {
    const child = spawn('git', full, { cwd: cwd || os.tmpdir(), env: baseEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      const stderr = Buffer.concat(err).toString();
      if (code !== 0 && !allowFail) reject(new GitError(full, code, stderr));
      else resolve({ code, stdout, stderr, text: stdout.toString() });
    });
    child.stdin.on('error', () => {});
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

// One long-running `git cat-file --batch` per repository, for objects read by sha (immutable,
// so they are also cached). Refs are never resolved through it.
class CatFile {
  constructor(gitDir) {
    this.gitDir = gitDir;
    this.queue = [];
    this.buf = Buffer.alloc(0);
    this.child = null;
  }

  start() {
    this.child = spawn('git', ['--git-dir', this.gitDir, 'cat-file', '--batch'], { env: baseEnv(), stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.stdout.on('data', (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.drain();
    });
    const fail = (e) => {
      const q = this.queue;
      this.queue = [];
      this.child = null;
      this.buf = Buffer.alloc(0);
      for (const r of q) r.reject(e);
    };
    this.child.on('error', fail);
    this.child.on('exit', () => fail(new Error('git cat-file exited')));
    this.child.stdin.on('error', () => {});
  }

  drain() {
    while (this.queue.length) {
      const nl = this.buf.indexOf(10);
      if (nl < 0) return;
      const header = this.buf.slice(0, nl).toString();
      const parts = header.split(' ');
      if (parts.length === 2 && (parts[1] === 'missing' || parts[1] === 'ambiguous')) {
        this.buf = this.buf.slice(nl + 1);
        this.queue.shift().resolve(null);
        continue;
      }
      const size = Number(parts[2]);
      if (this.buf.length < nl + 1 + size + 1) return;
      const data = this.buf.slice(nl + 1, nl + 1 + size);
      this.buf = this.buf.slice(nl + 1 + size + 1);
      this.queue.shift().resolve({ sha: parts[0], type: parts[1], size, data });
    }
  }

  read(name) {
    if (!this.child) this.start();
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.child.stdin.write(name + '\n');
    });
  }

  close() {
    if (this.child) {
      this.child.stdin.end();
      this.child.kill();
      this.child = null;
    }
  }
}

const readers = new Map();
const objectCache = new Map(); // "<gitDir>\0<sha>" -> {sha, type, size, data}
const MAX_CACHED_OBJECTS = 20000;

async function readObject(gitDir, sha) {
  const key = gitDir + '\0' + sha;
  const hit = objectCache.get(key);
  if (hit) return hit;
  let r = readers.get(gitDir);
  if (!r) {
    r = new CatFile(gitDir);
    readers.set(gitDir, r);
  }
  const o = await r.read(sha);
  if (o && /^[0-9a-f]{40}$/.test(sha)) {
    if (objectCache.size >= MAX_CACHED_OBJECTS) objectCache.delete(objectCache.keys().next().value);
    objectCache.set(key, o);
  }
  return o;
}

function closeReaders(prefix) {
  for (const [dir, r] of readers) {
    if (!prefix || dir.startsWith(prefix)) {
      r.close();
      readers.delete(dir);
    }
  }
  for (const k of objectCache.keys()) if (!prefix || k.startsWith(prefix)) objectCache.delete(k);
}

// Parses a binary tree object into [{mode, type, sha, name}].
function parseTree(data) {
  const out = [];
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(32, i);
    const nul = data.indexOf(0, sp);
    const mode = data.slice(i, sp).toString();
    const name = data.slice(sp + 1, nul).toString();
    const sha = data.slice(nul + 1, nul + 21).toString('hex');
    i = nul + 21;
    const type = mode === '40000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    out.push({ mode: mode === '40000' ? '040000' : mode, type, sha, name });
  }
  return out;
}

async function initBare(gitDir, defaultBranch) {
  fs.mkdirSync(gitDir, { recursive: true });
  await run(['init', '--bare', '-q', `--initial-branch=${defaultBranch}`, gitDir]);
  // allow pushes over smart HTTP; keep reflogs so a test can see what happened
  await run(['config', 'http.receivepack', 'true'], { gitDir });
  await run(['config', 'core.logAllRefUpdates', 'true'], { gitDir });
  await run(['config', 'uploadpack.allowAnySHA1InWant', 'true'], { gitDir });
  installHook(gitDir);
}

// The pre-receive hook (lib/hook.js) that applies branch protection to pushes over HTTP, as the
// servers install `gitea hook pre-receive` in every repository.
function installHook(gitDir) {
  const hook = path.join(gitDir, 'hooks', 'pre-receive');
  fs.mkdirSync(path.dirname(hook), { recursive: true });
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(hook, `#!/bin/sh\nexec ${q(process.execPath)} ${q(path.join(__dirname, 'hook.js'))}\n`, { mode: 0o755 });
}

const isSha = (s) => /^[0-9a-f]{40}$/.test(s);

async function revParse(gitDir, expr) {
  const r = await run(['rev-parse', '--verify', '--quiet', expr], { gitDir, allowFail: true });
  return r.code === 0 ? r.text.trim() : null;
}

// Resolves a branch, tag, full ref or (abbreviated) commit sha to {sha, ref, kind, name}.
async function resolveRef(gitDir, ref) {
  if (!ref) return null;
  const tries = [];
  if (ref.startsWith('refs/')) tries.push([ref, ref.startsWith('refs/tags/') ? 'tag' : 'branch']);
  else {
    tries.push([`refs/heads/${ref}`, 'branch']);
    tries.push([`refs/tags/${ref}`, 'tag']);
  }
  for (const [full, kind] of tries) {
    const sha = await revParse(gitDir, `${full}^{commit}`);
    if (sha) return { sha, ref: full, kind, name: full.replace(/^refs\/(heads|tags)\//, '') };
  }
  if (/^[0-9a-f]{4,40}$/.test(ref)) {
    const sha = await revParse(gitDir, `${ref}^{commit}`);
    if (sha) return { sha, ref: sha, kind: 'commit', name: sha };
  }
  return null;
}

// Refs are read from the repository's files (a loose ref, else packed-refs) rather than by a git
// process per lookup: git writes them through a lock file and a rename, so a read sees the old or
// the new value. Names that could leave refs/ go through `git rev-parse` instead.
const SAFE_REF = /^refs\/(?:[A-Za-z0-9_+@=-][A-Za-z0-9._+@=-]*\/)*[A-Za-z0-9_+@=-][A-Za-z0-9._+@=-]*$/;

function packedRefs(gitDir) {
  const out = new Map();
  let text;
  try {
    text = fs.readFileSync(path.join(gitDir, 'packed-refs'), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#' || line[0] === '^') continue;
    const sp = line.indexOf(' ');
    out.set(line.slice(sp + 1), line.slice(0, sp));
  }
  return out;
}

// The sha a full ref name points at, or null.
async function refSha(gitDir, ref) {
  if (!SAFE_REF.test(ref) || ref.includes('..') || ref.endsWith('.lock')) return revParse(gitDir, `${ref}^{commit}`);
  try {
    const t = fs.readFileSync(path.join(gitDir, ref), 'utf8').trim();
    if (isSha(t)) return t;
  } catch (e) {
    if (!['ENOENT', 'ENOTDIR', 'EISDIR'].includes(e.code)) throw e;
  }
  return packedRefs(gitDir).get(ref) || null;
}

async function branchSha(gitDir, branch) {
  return refSha(gitDir, `refs/heads/${branch}`);
}

// Every branch with its tip, sorted by name (as `git for-each-ref refs/heads/`).
async function listBranches(gitDir) {
  const found = new Map();
  for (const [ref, sha] of packedRefs(gitDir)) if (ref.startsWith('refs/heads/')) found.set(ref.slice('refs/heads/'.length), sha);
  const walk = (dir, prefix) => {
    let ents;
    try {
      ents = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) {
      if (e.isDirectory()) walk(path.join(dir, e.name), `${prefix}${e.name}/`);
      else if (!e.name.endsWith('.lock')) {
        const t = fs.readFileSync(path.join(dir, e.name), 'utf8').trim();
        if (isSha(t)) found.set(prefix + e.name, t);
      }
    }
  };
  walk(path.join(gitDir, 'refs', 'heads'), '');
  return [...found.entries()].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]))).map(([name, sha]) => ({ name, sha }));
}

function parseLsTree(text) {
  // "<mode> SP <type> SP <object> SP <size>\t<path>" (with -l), NUL-terminated with -z
  return text.split('\0').filter(Boolean).map((line) => {
    const tab = line.indexOf('\t');
    const [mode, type, sha, size] = line.slice(0, tab).split(/\s+/);
    return { mode, type, sha, size: size === '-' ? 0 : Number(size), path: line.slice(tab + 1) };
  });
}

// The tree entry at `filePath` in `commit` (a sha) ('' means the root tree), or null.
async function treeEntry(gitDir, commit, filePath) {
  const p = filePath.replace(/^\/+|\/+$/g, '');
  const c = await readCommit(gitDir, commit);
  if (!c) return null;
  let cur = { mode: '040000', type: 'tree', sha: c.tree, size: 0, path: '' };
  if (p === '') return cur;
  const parts = p.split('/');
  for (let i = 0; i < parts.length; i++) {
    if (cur.type !== 'tree') return null;
    const t = await readObject(gitDir, cur.sha);
    const e = parseTree(t.data).find((x) => x.name === parts[i]);
    if (!e) return null;
    cur = { mode: e.mode, type: e.type, sha: e.sha, size: 0, path: parts.slice(0, i + 1).join('/') };
  }
  if (cur.type === 'blob') cur.size = (await readObject(gitDir, cur.sha)).size;
  return cur;
}

// The entries of the directory `dirPath` in `commit`, with blob sizes.
async function listDir(gitDir, commit, dirPath) {
  const d = await treeEntry(gitDir, commit, dirPath);
  if (!d || d.type !== 'tree') return [];
  const prefix = d.path ? d.path + '/' : '';
  const out = [];
  for (const e of parseTree((await readObject(gitDir, d.sha)).data)) {
    const size = e.type === 'blob' ? (await readObject(gitDir, e.sha)).size : 0;
    out.push({ mode: e.mode, type: e.type, sha: e.sha, size, path: prefix + e.name });
  }
  return out;
}

async function listAllFiles(gitDir, commit) {
  const r = await run(['ls-tree', '-r', '-l', '-z', commit], { gitDir });
  return parseLsTree(r.text);
}

async function readBlob(gitDir, sha) {
  const o = await readObject(gitDir, sha);
  if (!o) throw new Error(`object ${sha} missing`);
  return o.data;
}

function parsePerson(s) {
  const m = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(s);
  if (!m) return { name: s, email: '', date: new Date(0).toISOString() };
  return { name: m[1], email: m[2], date: gitDateToIso(Number(m[3]), m[4]), epoch: Number(m[3]), tz: m[4] };
}

// "1700000000 +0100" -> "2023-11-14T23:13:20+01:00" (what Go's time.Time marshals to)
function gitDateToIso(epoch, tz) {
  const sign = tz[0] === '-' ? -1 : 1;
  const offMin = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));
  const d = new Date((epoch + offMin * 60) * 1000);
  const iso = d.toISOString().replace(/\.\d{3}Z$/, '');
  if (offMin === 0) return iso + 'Z';
  return iso + (sign < 0 ? '-' : '+') + tz.slice(1, 3) + ':' + tz.slice(3, 5);
}

async function readCommit(gitDir, sha) {
  const o = await readObject(gitDir, sha);
  if (!o) return null;
  if (o.type === 'tag') {
    const target = /^object ([0-9a-f]{40})/.exec(o.data.toString());
    return target ? readCommit(gitDir, target[1]) : null;
  }
  if (o.type !== 'commit') return null;
  return parseCommitObject(o.sha, o.data.toString());
}

function parseCommitObject(sha, text) {
  const sep = text.indexOf('\n\n');
  const head = sep >= 0 ? text.slice(0, sep) : text;
  const message = sep >= 0 ? text.slice(sep + 2) : '';
  const c = { sha, parents: [], message };
  for (const line of head.split('\n')) {
    const sp = line.indexOf(' ');
    const k = line.slice(0, sp);
    const v = line.slice(sp + 1);
    if (k === 'tree') c.tree = v;
    else if (k === 'parent') c.parents.push(v);
    else if (k === 'author') c.author = parsePerson(v);
    else if (k === 'committer') c.committer = parsePerson(v);
  }
  return c;
}

async function readCommits(gitDir, shas) {
  return Promise.all(shas.map((sha) => readCommit(gitDir, sha)));
}

// rev-list with Gitea's paging; `not` excludes commits reachable from it.
async function revList(gitDir, rev, { skip = 0, max, filePath, not, since, until } = {}) {
  const args = ['rev-list'];
  if (skip) args.push(`--skip=${skip}`);
  if (max !== undefined) args.push(`--max-count=${max}`);
  if (since) args.push(`--since=${since}`);
  if (until) args.push(`--until=${until}`);
  args.push(rev);
  if (not) args.push('--not', not);
  if (filePath) args.push('--', filePath);
  const r = await run(args, { gitDir });
  return r.text.split('\n').filter(Boolean);
}

async function revCount(gitDir, rev, opts = {}) {
  const args = ['rev-list', '--count'];
  if (opts.since) args.push(`--since=${opts.since}`);
  if (opts.until) args.push(`--until=${opts.until}`);
  args.push(rev);
  if (opts.not) args.push('--not', opts.not);
  if (opts.filePath) args.push('--', opts.filePath);
  const r = await run(args, { gitDir });
  return Number(r.text.trim());
}

const derivedCache = new Map();
function cached(key, fn) {
  if (derivedCache.has(key)) return derivedCache.get(key);
  const p = fn();
  if (derivedCache.size > 20000) derivedCache.delete(derivedCache.keys().next().value);
  derivedCache.set(key, p);
  p.catch(() => derivedCache.delete(key));
  return p;
}

// Per commit: [{filename, status}] and {additions, deletions, total}.
function commitChanges(gitDir, sha) {
  return cached(`changes\0${gitDir}\0${sha}`, () => commitChangesUncached(gitDir, sha));
}

async function commitChangesUncached(gitDir, sha) {
  const ns = await run(['diff-tree', '--no-commit-id', '-r', '--root', '--name-status', '-z', sha], { gitDir });
  const parts = ns.text.split('\0').filter((x) => x !== '');
  const files = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const st = parts[i][0];
    files.push({ filename: parts[i + 1], status: st === 'A' ? 'added' : st === 'D' ? 'removed' : 'modified' });
  }
  const num = await run(['diff-tree', '--no-commit-id', '-r', '--root', '--numstat', sha], { gitDir });
  let additions = 0;
  let deletions = 0;
  for (const line of num.text.split('\n').filter(Boolean)) {
    const [a, d] = line.split('\t');
    additions += Number(a) || 0;
    deletions += Number(d) || 0;
  }
  return { files, stats: { total: additions + deletions, additions, deletions } };
}

// The last commit before or at `commit` (a sha) that touched `filePath`.
function lastCommitFor(gitDir, commit, filePath) {
  const go = async () => (await run(['rev-list', '-1', commit, '--', filePath], { gitDir })).text.trim() || null;
  return /^[0-9a-f]{40}$/.test(commit) ? cached(`last\0${gitDir}\0${commit}\0${filePath}`, go) : go();
}

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

// Writes a loose object (zlib of "<type> <size>\0<content>") and returns its sha. Git reads
// these like any object; nothing else in the repository changes.
function writeObject(gitDir, type, content) {
  const full = Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]);
  const sha = crypto.createHash('sha1').update(full).digest('hex');
  const dir = path.join(gitDir, 'objects', sha.slice(0, 2));
  const file = path.join(dir, sha.slice(2));
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `tmp_obj_${process.pid}_${crypto.randomBytes(6).toString('hex')}`);
    fs.writeFileSync(tmp, zlib.deflateSync(full), { mode: 0o444 });
    fs.renameSync(tmp, file);
  }
  const key = gitDir + '\0' + sha;
  if (!objectCache.has(key)) objectCache.set(key, { sha, type, size: content.length, data: content });
  return sha;
}

function serializeTree(entries) {
  const sorted = [...entries].sort((x, y) => Buffer.compare(Buffer.from(x.name + (x.type === 'tree' ? '/' : '')), Buffer.from(y.name + (y.type === 'tree' ? '/' : ''))));
  return Buffer.concat(sorted.map((e) => Buffer.concat([Buffer.from(`${e.mode === '040000' ? '40000' : e.mode} ${e.name}\0`), Buffer.from(e.sha, 'hex')])));
}

// New tree from the tree `sha` (null: none) with `changes` ({parts, blob, mode} or {parts, delete});
// null when the result is empty.
async function rebuildTree(gitDir, sha, changes) {
  const map = new Map();
  if (sha) for (const e of parseTree((await readObject(gitDir, sha)).data)) map.set(e.name, e);
  const sub = new Map();
  for (const ch of changes) {
    const [first, ...rest] = ch.parts;
    if (rest.length === 0) {
      if (ch.delete) map.delete(first);
      else map.set(first, { name: first, mode: ch.mode || '100644', type: 'blob', sha: ch.blob });
    } else {
      if (!sub.has(first)) sub.set(first, []);
      sub.get(first).push({ ...ch, parts: rest });
    }
  }
  for (const [name, chs] of sub) {
    const cur = map.get(name);
    const t = await rebuildTree(gitDir, cur && cur.type === 'tree' ? cur.sha : null, chs);
    if (t) map.set(name, { name, mode: '040000', type: 'tree', sha: t });
    else map.delete(name);
  }
  if (!map.size) return null;
  return writeObject(gitDir, 'tree', serializeTree([...map.values()]));
}

// ISO date (or undefined: now) -> "epoch +hhmm"
function gitDate(iso) {
  if (!iso) return `${Math.floor(Date.now() / 1000)} +0000`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`invalid date ${iso}`);
  const m = /([+-])(\d\d):?(\d\d)$/.exec(iso);
  const tz = m ? `${m[1]}${m[2]}${m[3]}` : '+0000';
  return `${Math.floor(ms / 1000)} ${tz}`;
}

const clean = (x) => String(x || '').replace(/[<>\n]/g, '').trim();

// Writes a commit object (not moving any ref) and returns its sha.
function writeCommitObject(gitDir, { tree, parents, message, author, committer }) {
  const msg = message.endsWith('\n') ? message : message + '\n';
  const lines = [`tree ${tree}`];
  for (const p of parents) lines.push(`parent ${p}`);
  lines.push(`author ${clean(author.name)} <${clean(author.email)}> ${gitDate(author.date)}`);
  lines.push(`committer ${clean(committer.name)} <${clean(committer.email)}> ${gitDate(committer.date)}`);
  return writeObject(gitDir, 'commit', Buffer.from(lines.join('\n') + '\n\n' + msg));
}

// Moves `ref` from `expectOld` (null: the ref must not exist) to `sha` (null: delete it), as one
// compare-and-swap; false when the ref was not at `expectOld`.
async function updateRef(gitDir, ref, sha, expectOld, reason = 'sandbox') {
  const args = sha ? ['update-ref', '-m', reason, ref, sha, expectOld || ZERO] : ['update-ref', '-d', ref, expectOld || ''];
  const r = await run(args.filter((a) => a !== ''), { gitDir, allowFail: true });
  return r.code === 0;
}

// The best common ancestor of two commits, or null (unrelated histories).
async function mergeBase(gitDir, a, b) {
  const r = await run(['merge-base', a, b], { gitDir, allowFail: true });
  return r.code === 0 ? r.text.trim() : null;
}

async function isAncestor(gitDir, a, b) {
  return (await run(['merge-base', '--is-ancestor', a, b], { gitDir, allowFail: true })).code === 0;
}

// A three-way merge of the trees of `ours` and `theirs` without a work tree (`git merge-tree
// --write-tree`, git >= 2.38): {tree, conflicts: [paths]}; `base` forces the merge base (replaying
// one commit onto another, as a rebase does).
async function mergeTree(gitDir, ours, theirs, base) {
  const args = ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z'];
  if (base) args.push(`--merge-base=${base}`);
  args.push(ours, theirs);
  const r = await run(args, { gitDir, allowFail: true });
  if (r.code !== 0 && r.code !== 1) throw new GitError(args, r.code, r.stderr);
  const parts = r.text.split('\0').filter(Boolean);
  return { tree: parts[0], conflicts: r.code === 1 ? [...new Set(parts.slice(1))] : [] };
}

// The commits in `from..to`, oldest first, without merges' second parents' histories.
async function commitsBetween(gitDir, from, to) {
  const r = await run(['rev-list', '--reverse', '--topo-order', to, '--not', from], { gitDir });
  return r.text.split('\n').filter(Boolean);
}

// `git diff --numstat a b`: changed files and line counts (GetDiffShortStat).
async function diffStat(gitDir, a, b) {
  const r = await run(['diff', '--numstat', '-z', a, b], { gitDir });
  let additions = 0;
  let deletions = 0;
  const files = [];
  const parts = r.text.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const m = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(parts[i]);
    if (!m) continue;
    additions += Number(m[1]) || 0;
    deletions += Number(m[2]) || 0;
    // a rename is "a\tb\t" followed by two NUL-separated names
    if (m[3] === '') {
      files.push(parts[i + 2]);
      i += 2;
    } else files.push(m[3]);
  }
  return { files, additions, deletions };
}

// Makes one commit on top of `parent` (null for the first commit) with `changes`:
//   {path, content: Buffer, mode?: '100644'|'100755'} to add/replace, {path, delete: true} to remove.
// Blobs, trees and the commit are written as loose objects; then `git update-ref
// refs/heads/<branch> NEW OLD` moves the branch from `expectOld` (a sha, or null when the
// branch must not exist yet): the compare-and-swap on the branch tip. Throws {casFailed} when
// the tip moved.
async function writeCommit(gitDir, { parent, branch, expectOld, changes, message, author, committer, noRef }) {
  const base = parent ? (await readCommit(gitDir, parent)).tree : null;
  const ops = changes.map((ch) => (ch.delete ? { parts: ch.path.split('/'), delete: true } : { parts: ch.path.split('/'), mode: ch.mode, blob: writeObject(gitDir, 'blob', Buffer.from(ch.content)) }));
  const tree = (await rebuildTree(gitDir, base, ops)) || writeObject(gitDir, 'tree', Buffer.alloc(0));
  const sha = writeCommitObject(gitDir, { tree, parents: parent ? [parent] : [], message, author, committer });
  // noRef: the commit is written but no branch moves (nothing lands)
  if (noRef) return { sha, tree };
  const upd = await run(['update-ref', '-m', 'sandbox: contents API', `refs/heads/${branch}`, sha, expectOld || ZERO], { gitDir, allowFail: true });
  if (upd.code !== 0) {
    const e = new Error(`branch ${branch} moved while committing: ${upd.stderr.trim()}`);
    e.casFailed = true;
    throw e;
  }
  return { sha, tree };
}

// Checks out `sha` of a bare repository into `dir` (a normal clone, remote set to `remoteUrl`).
async function checkout(gitDir, sha, dir, { branch, remoteUrl }) {
  await run(['clone', '-q', '--no-checkout', gitDir, dir]);
  await run(['checkout', '-q', '-B', branch || 'main', sha], { cwd: dir });
  if (remoteUrl) await run(['remote', 'set-url', 'origin', remoteUrl], { cwd: dir });
}

module.exports = {
  ZERO,
  CatFile,
  readObject,
  closeReaders,
  parseTree,
  GitError,
  run,
  initBare,
  isSha,
  revParse,
  resolveRef,
  refSha,
  branchSha,
  listBranches,
  treeEntry,
  listDir,
  listAllFiles,
  readBlob,
  readCommit,
  readCommits,
  revList,
  revCount,
  commitChanges,
  lastCommitFor,
  writeCommit,
  writeCommitObject,
  writeObject,
  updateRef,
  mergeBase,
  isAncestor,
  mergeTree,
  commitsBetween,
  diffStat,
  installHook,
  EMPTY_TREE,
  checkout,
  gitDateToIso,
  baseEnv,
};
