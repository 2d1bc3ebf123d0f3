'use strict';
// The sandbox server: HTTP front, auth, spec validation, fault injection, introspection,
// git smart HTTP, and the state (users, tokens, repos, statuses, runs).

const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');

const git = require('./git');
const { loadSpec, templateToRegex } = require('./spec');
const { getFlavor } = require('./flavors');
const { handlers, REQUIRES, ApiError, workflowRunJson, forgejoRunJson } = require('./api');
const { RunManager, nowIso, killTree } = require('./runs');
const { loadSeed, demoSeed, normalizeSeed } = require('./seed');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const MAX_BODY = 32 * 1024 * 1024;

// one 'exit' listener for all sandboxes of this process
const liveSandboxes = new Set();
process.on('exit', () => {
  for (const sb of liveSandboxes) sb.onExit();
});

function log(...a) {
  if (process.env.SANDBOX_QUIET) return;
  process.stderr.write(`[sandbox] ${a.join(' ')}\n`);
}

class Sandbox {
  constructor(opts = {}) {
    this.flavor = getFlavor(opts.flavor);
    this.spec = loadSpec(this.flavor.spec);
    this.options = {
      port: opts.port === undefined ? 0 : Number(opts.port),
      host: '127.0.0.1',
      strict: !!opts.strict,
      capacity: opts.capacity === undefined ? 2 : Number(opts.capacity),
      actPath: opts.actPath || path.join(REPO_ROOT, '.venv', 'bin', 'act'),
      actionDir: opts.actionDir || REPO_ROOT,
      localActions: opts.localActions || {},
      actionExclude: opts.actionExclude,
      keepRunDirs: !!opts.keepRunDirs,
      seed: opts.seed,
    };
    this.createdDataDir = !opts.dataDir;
    this.dataDir = opts.dataDir ? path.resolve(opts.dataDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'gitea-sandbox-'));
    fs.mkdirSync(this.dataDir, { recursive: true });
    this.reposRoot = path.join(this.dataDir, 'repos');
    if (!this.createdDataDir && fs.existsSync(this.reposRoot) && fs.readdirSync(this.reposRoot).length) {
      throw new Error(`${this.reposRoot} already holds repositories: give --data an empty or new directory`);
    }
    this.users = new Map();
    this.tokens = new Map();
    this.repos = new Map();
    this.statuses = new Map();
    this.nextStatusId = 1;
    this.requests = [];
    this.requestSeq = 0;
    this.violations = [];
    this.warnings = [];
    this.faults = [];
    this.nextFaultId = 1;
    this.writes = [];
    this.locks = new Map();
    this.sockets = new Set();
    this.runs = new RunManager(this);
    // act runs in process groups of its own: if this process exits without stop(), take them along
    this.onExit = () => {
      for (const r of this.runs.runs) if (r.proc && r.proc.pid) killTree(r.proc.pid, 'SIGKILL');
      git.closeReaders(this.dataDir);
      if (this.createdDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
    };
    liveSandboxes.add(this);
  }

  // ---- state ---------------------------------------------------------------------------

  userByName(name) {
    return this.users.get(String(name).toLowerCase()) || null;
  }

  userByEmail(email) {
    if (!email) return null;
    for (const u of this.users.values()) if (u.email.toLowerCase() === String(email).toLowerCase()) return u;
    return null;
  }

  repoByName(owner, name) {
    return this.repos.get(`${owner}/${name}`.toLowerCase()) || null;
  }

  statusesOf(repo) {
    if (!this.statuses.has(repo.key)) this.statuses.set(repo.key, []);
    return this.statuses.get(repo.key);
  }

  repoSecrets(repo) {
    return repo.secrets || {};
  }

  recordWrite(repo, branch, sha, auth) {
    this.writes.push({ repo: repo.key, branch, sha, by: auth.user.name, token: auth.tokenName, at: nowIso() });
  }

  async withRepoLock(repo, fn) {
    const prev = this.locks.get(repo.key) || Promise.resolve();
    let release;
    const mine = new Promise((r) => (release = r));
    this.locks.set(repo.key, prev.then(() => mine));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }

  runHtmlUrl(run) {
    const n = this.flavor.runLinkUses === 'id' ? run.id : run.index;
    return `${this.url}/${run.repo.owner}/${run.repo.name}/actions/runs/${n}`;
  }

  actionsUser() {
    // the automatic token acts as the actions bot user (user_model.NewActionsUser)
    return this.flavor.kind === 'gitea'
      ? { id: -2, name: 'gitea-actions', fullName: 'Gitea Actions', email: 'teabot@gitea.io', created: this.started }
      : { id: -2, name: 'forgejo-actions', fullName: 'Forgejo Actions', email: 'noreply@forgejo.org', created: this.started };
  }

  warn(ctx, message) {
    const w = { at: nowIso(), request: ctx && ctx.reqId, route: ctx && `${ctx.method} ${ctx.pathname}`, message };
    this.warnings.push(w);
    log('warning:', w.route || '', message);
  }

  violation(kind, ctx, errors) {
    const v = { at: nowIso(), kind, request: ctx.reqId, method: ctx.method, path: ctx.pathname, operationId: ctx.op && ctx.op.operationId, status: ctx.status, errors };
    this.violations.push(v);
    log(`SPEC VIOLATION (${kind}) ${ctx.method} ${ctx.pathname}${ctx.status ? ' -> ' + ctx.status : ''}: ${errors.join('; ')}`);
    return v;
  }

  // ---- seeding -------------------------------------------------------------------------

  async seed(seed) {
    this.started = nowIso();
    let uid = 1;
    for (const u of seed.users || []) {
      this.users.set(u.name.toLowerCase(), { id: uid++, name: u.name, email: u.email || `${u.name}@example.com`, fullName: u.full_name || '', created: this.started });
    }
    const userTokens = {};
    let tid = 1;
    for (const t of seed.tokens || []) {
      const user = this.userByName(t.user);
      if (!user) throw new Error(`seed: token ${t.name} belongs to unknown user ${t.user}`);
      const value = t.value || crypto.randomBytes(20).toString('hex');
      const tok = { id: tid++, name: t.name || `token-${tid}`, user, value, scopes: t.scopes || ['all'], repos: t.repos ? t.repos.map((r) => r.toLowerCase()) : null };
      this.tokens.set(value, tok);
      if (!userTokens[user.name]) userTokens[user.name] = value;
    }
    this.userTokens = userTokens;
    let rid = 1;
    for (const r of seed.repos || []) {
      const [owner, name] = r.name.split('/');
      if (!this.userByName(owner)) throw new Error(`seed: repo ${r.name} belongs to unknown user ${owner}`);
      const key = `${owner}/${name}`.toLowerCase();
      const gitDir = path.join(this.reposRoot, owner.toLowerCase(), `${name.toLowerCase()}.git`);
      const repo = {
        id: rid++,
        key,
        owner: this.userByName(owner).name,
        name,
        gitDir,
        defaultBranch: r.default_branch || 'main',
        private: r.private !== false,
        description: r.description || '',
        collaborators: Object.fromEntries(Object.entries(r.collaborators || {}).map(([k, v]) => [k.toLowerCase(), v])),
        created: this.started,
        empty: true,
        secrets: {},
      };
      for (const [k, v] of Object.entries(r.secrets || {})) {
        if (v && typeof v === 'object' && v.token) {
          const tok = [...this.tokens.values()].find((t) => t.name === v.token);
          if (!tok) throw new Error(`seed: secret ${k} of ${r.name} names unknown token ${v.token}`);
          repo.secrets[k] = tok.value;
        } else repo.secrets[k] = String(v);
      }
      await git.initBare(gitDir, repo.defaultBranch);
      const files = r.files || [];
      if (files.length) {
        const owner0 = this.userByName(owner);
        const who = { name: owner0.fullName || owner0.name, email: owner0.email };
        const { sha } = await git.writeCommit(gitDir, {
          parent: null,
          branch: repo.defaultBranch,
          expectOld: null,
          changes: files.map((f) => ({ path: f.path, content: f.content, mode: f.mode })),
          message: r.message || 'Initial commit',
          author: who,
          committer: who,
        });
        repo.empty = false;
        for (const b of r.branches || []) await git.run(['update-ref', `refs/heads/${b}`, sha], { gitDir });
      }
      this.repos.set(key, repo);
    }
  }

  // ---- auth ----------------------------------------------------------------------------

  // -> {kind: 'none'} | {kind: 'invalid'} | {kind: 'token', token, user, tokenName} | {kind: 'run', run, user}
  authenticate(req) {
    const h = req.headers.authorization;
    if (!h) return { kind: 'none' };
    const m = /^(\S+)\s+(.*)$/.exec(h.trim());
    if (!m) return { kind: 'invalid' };
    const scheme = m[1].toLowerCase();
    let candidates = [];
    if (scheme === 'token' || scheme === 'bearer') candidates = [m[2].trim()];
    else if (scheme === 'basic') {
      const dec = Buffer.from(m[2].trim(), 'base64').toString();
      const i = dec.indexOf(':');
      const user = i >= 0 ? dec.slice(0, i) : dec;
      const pass = i >= 0 ? dec.slice(i + 1) : '';
      candidates = [pass, user]; // the token as password (or as user name, as Gitea allows)
    } else return { kind: 'invalid' };
    for (const c of candidates) {
      if (!c) continue;
      const tok = this.tokens.get(c);
      if (tok) return { kind: 'token', token: tok, user: tok.user, tokenName: tok.name };
      const run = this.runs.activeToken(c);
      if (run) return { kind: 'run', run, user: this.actionsUser(), tokenName: `run-${run.id}` };
    }
    return { kind: 'invalid' };
  }

  // The access level ('none' | 'read' | 'write' | 'admin') of `auth` on `repo`, with the reason.
  repoAccess(auth, repo) {
    if (auth.kind === 'run') {
      // the automatic token: its own repository read/write, any other one read-only
      return auth.run.repo === repo ? 'write' : 'read';
    }
    if (auth.kind !== 'token') return repo.private ? 'none' : 'read';
    const tok = auth.token;
    if (tok.repos && !tok.repos.includes(repo.key)) return 'none';
    const u = tok.user;
    let level = 'none';
    if (u.name.toLowerCase() === repo.owner.toLowerCase()) level = 'admin';
    else if (repo.collaborators[u.name.toLowerCase()]) level = repo.collaborators[u.name.toLowerCase()];
    else if (!repo.private) level = 'read';
    return level;
  }

  // Gitea's tokenRequiresScopes: `need` is 'read' or 'write' in a category ('repository', 'user').
  scopeAllows(auth, need, category = 'repository') {
    if (auth.kind !== 'token') return true;
    const s = auth.token.scopes;
    if (s.includes('all') || s.includes(`write:${category}`)) return true;
    if (need === 'read' && s.includes(`read:${category}`)) return true;
    return false;
  }

  // ---- faults --------------------------------------------------------------------------

  addFault(f) {
    const kinds = ['latency', 'status', 'drop', 'lost-response', 'rate-limit', 'run-fail', 'run-hang'];
    const kind = f.kind === '429' ? 'rate-limit' : ['502', '503', '504'].includes(String(f.kind)) ? 'status' : f.kind;
    if (!kinds.includes(kind)) throw new Error(`unknown fault kind ${JSON.stringify(f.kind)}; known: ${kinds.join(', ')}`);
    const fault = {
      id: this.nextFaultId++,
      kind,
      route: f.route || null,
      regex: f.regex || null,
      count: f.count === undefined ? 1 : Number(f.count), // -1: every matching request
      skip: Number(f.skip || 0),
      status: Number(f.status || (['502', '503', '504'].includes(String(f.kind)) ? f.kind : 503)),
      ms: Number(f.ms || 0),
      retryAfter: f.retryAfter === undefined ? 1 : f.retryAfter,
      hits: 0,
      seen: 0,
    };
    if (!fault.route && !fault.regex) throw new Error('a fault needs `route` (METHOD /path/{template}) or `regex`');
    if (fault.route && !fault.regex && fault.route.startsWith('RUN ') === false && !/^(\*|[A-Z]+) \//.test(fault.route)) {
      throw new Error('`route` must look like "PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}" (or "* /path") or "RUN owner/repo/workflow.yaml"');
    }
    fault.matcher = this.faultMatcher(fault);
    this.faults.push(fault);
    return fault;
  }

  faultMatcher(f) {
    if (f.regex) {
      const re = new RegExp(f.regex);
      return (key) => re.test(key);
    }
    if (f.route.startsWith('RUN ')) return (key) => key.toLowerCase() === f.route.toLowerCase();
    const sp = f.route.indexOf(' ');
    const method = f.route.slice(0, sp);
    const re = templateToRegex(f.route.slice(sp + 1).split('?')[0]);
    return (key) => {
      const i = key.indexOf(' ');
      return (method === '*' || method === key.slice(0, i)) && re.test(key.slice(i + 1));
    };
  }

  faultJson(f) {
    const { matcher, ...rest } = f;
    return rest;
  }

  // Finds the faults that apply to `key` and consumes them.
  takeFaults(key, isRun) {
    const out = [];
    for (const f of this.faults) {
      const runKind = f.kind === 'run-fail' || f.kind === 'run-hang';
      if (runKind !== isRun) continue;
      if (f.count !== -1 && f.hits >= f.count) continue;
      if (!f.matcher(key)) continue;
      f.seen++;
      if (f.seen <= f.skip) continue;
      f.hits++;
      out.push(f);
    }
    return out;
  }

  takeRunFault(key) {
    const fs_ = this.takeFaults(key, true);
    return fs_.length ? fs_[0].kind : null;
  }

  // ---- HTTP ----------------------------------------------------------------------------

  async listen() {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        log('internal error:', e.stack || e);
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json;charset=utf-8' });
          res.end(JSON.stringify({ message: '', url: `${this.url}/api/swagger` }));
        }
      });
    });
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, resolve);
    });
    const port = this.server.address().port;
    this.url = `http://127.0.0.1:${port}`;
    this.api = `${this.url}/api/v1`;
  }

  readBody(req) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      req.on('data', (d) => {
        size += d.length;
        if (size > MAX_BODY) {
          reject(new ApiError(413, 'request body too large'));
          req.destroy();
          return;
        }
        chunks.push(d);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  async handle(req, res) {
    const t0 = process.hrtime.bigint();
    const u = new URL(req.url, 'http://127.0.0.1');
    const pathname = u.pathname;
    if (pathname.startsWith('/_sandbox/') || pathname === '/_sandbox') return this.handleAdmin(req, res, u);
    const entry = { seq: ++this.requestSeq, method: req.method, path: pathname, query: u.search.slice(1), status: 0, durationMs: 0, user: null, route: null, operationId: null, faults: [], at: nowIso() };
    this.requests.push(entry);
    if (this.requests.length > 200000) this.requests.splice(0, this.requests.length - 200000);
    const done = (status) => {
      entry.status = status;
      entry.durationMs = Number(process.hrtime.bigint() - t0) / 1e6;
    };
    res.on('close', () => {
      if (!entry.status) done(res.headersSent ? res.statusCode : 0);
    });

    // faults: latency first (all that match), then at most one of the others
    const key = `${req.method} ${pathname}`;
    const faults = this.takeFaults(key, false);
    entry.faults = faults.map((f) => `${f.kind}#${f.id}`);
    const latency = faults.filter((f) => f.kind === 'latency').reduce((a, f) => a + f.ms, 0);
    if (latency) await new Promise((r) => setTimeout(r, latency));
    const hard = faults.find((f) => f.kind !== 'latency');
    if (hard && hard.kind === 'drop') {
      log(`fault: dropping the connection of ${key}`);
      done(0);
      req.socket.destroy();
      return;
    }
    if (hard && hard.kind === 'status') {
      const text = { 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' }[hard.status] || 'Error';
      res.writeHead(hard.status, { 'Content-Type': 'text/html' });
      res.end(`<html><head><title>${hard.status} ${text}</title></head><body><center><h1>${hard.status} ${text}</h1></center></body></html>\n`);
      done(hard.status);
      return;
    }
    if (hard && hard.kind === 'rate-limit') {
      res.writeHead(429, { 'Content-Type': 'text/plain', 'Retry-After': String(hard.retryAfter) });
      res.end('429 Too Many Requests\n');
      done(429);
      return;
    }
    const lose = hard && hard.kind === 'lost-response';

    const api = this.spec.basePath;
    let result;
    if (pathname === api || pathname.startsWith(api + '/')) {
      result = await this.handleApi(req, u, entry);
    } else {
      const g = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/.exec(pathname);
      if (g) {
        if (lose) {
          // the push/fetch is performed, but the client never hears back
          return this.handleGit(req, res, u, g, entry, true);
        }
        return this.handleGit(req, res, u, g, entry, false);
      }
      result = await this.handleWeb(req, u, entry);
    }
    if (lose) {
      log(`fault: ${key} was handled (${result.status}) but the response is lost`);
      done(result.status);
      entry.lost = true;
      req.socket.destroy();
      return;
    }
    const headers = { ...(result.headers || {}) };
    let payload = '';
    if (result.raw !== undefined) payload = result.raw;
    else if (result.body !== undefined) {
      payload = JSON.stringify(result.body);
      headers['Content-Type'] = 'application/json;charset=utf-8';
    }
    res.writeHead(result.status, headers);
    res.end(payload);
    done(result.status);
  }

  errorBody(message, status, extra) {
    if (status === 404 && extra && (extra.notFound || extra.notFoundMessage)) {
      // APIErrorNotFound(msg?) / ctx.NotFound(msg?)
      return { message: extra.notFound ? this.flavor.notFound.message : message, url: `${this.url}/api/swagger`, errors: this.flavor.notFound.errors };
    }
    const b = { message, url: `${this.url}/api/swagger` };
    if (this.flavor.kind === 'forgejo' && status === 404) b.errors = [];
    return b;
  }

  async handleApi(req, u, entry) {
    const api = this.spec.basePath;
    const apiPath = u.pathname.slice(api.length) || '/';
    const ctx = { sb: this, flavor: this.flavor, method: req.method, pathname: u.pathname, query: u.searchParams, reqId: entry.seq };
    const m = this.spec.match(req.method, apiPath);
    let bodyRaw;
    try {
      bodyRaw = await this.readBody(req);
    } catch (e) {
      return { status: e.status || 400, body: this.errorBody(e.message, e.status || 400) };
    }
    if (!m || !m.op || this.flavor.missingOperations.includes(m.op.operationId)) {
      // not a route of this release
      return { status: 404, body: this.errorBody('', 404, { notFound: true }) };
    }
    const op = m.op;
    ctx.op = op;
    ctx.params = m.params;
    entry.route = `${op.method} ${api}${op.template}`;
    entry.operationId = op.operationId;
    let body;
    if (bodyRaw.length) {
      try {
        body = JSON.parse(bodyRaw.toString());
      } catch {
        body = undefined;
      }
    }
    ctx.body = body;
    // request validation
    const rv = this.spec.validateRequest(op, { params: m.params, query: u.searchParams, body, bodyRaw, contentType: req.headers['content-type'] });
    for (const w of rv.warnings) this.warn(ctx, w);
    if (rv.errors.length) {
      const v = this.violation('request', ctx, rv.errors);
      entry.violations = (entry.violations || 0) + 1;
      if (this.options.strict) return { status: 500, body: this.errorBody(`sandbox --strict: the request violates the ${this.flavor.spec} spec: ${v.errors.join('; ')}`, 500) };
    }
    let result;
    try {
      if (bodyRaw.length && body === undefined) throw new ApiError(422, 'invalid JSON body');
      if (rv.badBody) {
        // the server's JSON decoding rejects a value of the wrong type
        throw new ApiError(422, rv.errors.filter((e) => / must be (string|number|integer|boolean|object|array|null)/.test(e)).join('; ') || rv.errors.join('; '));
      }
      result = await this.dispatchApi(ctx, req);
    } catch (e) {
      if (e instanceof ApiError) {
        if (e.status === 500 && e.extra && e.extra.hidden) log(`500 (hidden message): ${e.extra.hidden}`);
        result = { status: e.status, body: this.errorBody(e.message, e.status, e.extra) };
      } else {
        log('handler error:', e.stack || e);
        result = { status: 500, body: this.errorBody('', 500) };
      }
    }
    entry.user = ctx.auth && ctx.auth.user ? ctx.auth.user.name : null;
    // response validation
    ctx.status = result.status;
    const lower = Object.fromEntries(Object.entries(result.headers || {}).map(([k, v]) => [k.toLowerCase(), v]));
    const errs = this.spec.validateResponse(op, result.status, lower, result.body === undefined ? undefined : JSON.parse(JSON.stringify(result.body)));
    if (errs.length) {
      const v = this.violation('response', ctx, errs);
      entry.violations = (entry.violations || 0) + 1;
      if (this.options.strict) return { status: 500, body: this.errorBody(`sandbox --strict: the response violates the ${this.flavor.spec} spec: ${v.errors.join('; ')}`, 500) };
    }
    return result;
  }

  async dispatchApi(ctx, req) {
    const op = ctx.op;
    const need = REQUIRES[op.operationId];
    const handler = handlers[op.operationId];
    if (!handler || !need) {
      this.warn(ctx, `${op.operationId} is not implemented by the sandbox`);
      throw new ApiError(501, `the sandbox does not implement ${op.operationId}`);
    }
    if (need === 'public') return handler(ctx);
    const auth = this.authenticate(req);
    ctx.auth = auth;
    if (auth.kind === 'invalid') throw new ApiError(401, 'invalid username, password or token');
    if (auth.kind === 'none') {
      // a public repository can be read without a token
      const repo = ctx.params.owner ? this.repoByName(ctx.params.owner, ctx.params.repo) : null;
      if (!(repo && !repo.private && need === 'read')) throw new ApiError(401, 'token is required');
      ctx.auth = { kind: 'none', user: null };
    }
    // scopes are checked before the repository is looked up
    const needScope = need === 'write' ? 'write' : 'read';
    const category = need === 'user' ? 'user' : 'repository';
    if (!this.scopeAllows(auth, needScope, category)) {
      throw new ApiError(403, `token does not have at least one of required scope(s), required=[${needScope}:${category}], token scope=${auth.token.scopes.join(',')}`);
    }
    if (need === 'user') return handler(ctx);
    const repo = this.repoByName(ctx.params.owner, ctx.params.repo);
    const access = repo ? this.repoAccess(auth, repo) : 'none';
    if (!repo || access === 'none') throw new ApiError(404, '', { notFound: true });
    ctx.repo = repo;
    ctx.access = auth.kind === 'none' ? undefined : access;
    if (need === 'write' && !(access === 'write' || access === 'admin')) {
      throw new ApiError(403, 'user should have a permission to write to a repo');
    }
    return handler(ctx);
  }

  // run pages: /{owner}/{repo}/actions/runs/{n}[/jobs/{j}] -> plain text log
  async handleWeb(req, u) {
    const m = /^\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)(?:\/jobs\/\d+)?\/?$/.exec(u.pathname);
    if (m && req.method === 'GET') {
      const repo = this.repoByName(m[1], m[2]);
      const n = Number(m[3]);
      const run = repo && this.runs.forRepo(repo).find((r) => (this.flavor.runLinkUses === 'id' ? r.id : r.index) === n);
      if (run) {
        const st = run.status === 'completed' ? run.conclusion : run.status;
        const text = `${run.title}\n${run.workflowPath} #${run.index} (run id ${run.id}) on ${run.ref} at ${run.sha}\nstatus: ${st}\n\n${run.log}`;
        return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, raw: text };
      }
    }
    if (req.method === 'GET' && u.pathname === '/') {
      return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, raw: `gitea sandbox (${this.flavor.name}, ${this.flavor.version})\n` };
    }
    return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, raw: 'Not found.\n' };
  }

  // git smart HTTP through `git http-backend`
  async handleGit(req, res, u, g, entry, loseResponse) {
    const repo = this.repoByName(g[1], g[2]);
    const service = g[3] === 'info/refs' ? u.searchParams.get('service') : g[3];
    const push = service === 'git-receive-pack';
    const auth = this.authenticate(req);
    entry.route = `${req.method} /{owner}/{repo}.git/${g[3]}`;
    const deny = (status, msg, extra = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...extra });
      res.end(msg + '\n');
      entry.status = status;
    };
    if (auth.kind === 'invalid' || (auth.kind === 'none' && (push || !repo || repo.private))) {
      return deny(401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="Gitea"' });
    }
    entry.user = auth.user ? auth.user.name : null;
    const access = repo ? this.repoAccess(auth, repo) : 'none';
    if (!repo || access === 'none') return deny(404, 'Repository not found');
    if (push && (!(access === 'write' || access === 'admin') || !this.scopeAllows(auth, 'write'))) return deny(403, 'User permission denied');
    if (!push && !this.scopeAllows(auth, 'read')) return deny(403, 'User permission denied');

    const rest = g[3];
    const env = {
      ...git.baseEnv(),
      GIT_PROJECT_ROOT: this.reposRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: `/${repo.owner.toLowerCase()}/${repo.name.toLowerCase()}.git/${rest}`,
      REQUEST_METHOD: req.method,
      QUERY_STRING: u.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] || '',
      REMOTE_USER: auth.user ? auth.user.name : '',
      REMOTE_ADDR: req.socket.remoteAddress || '127.0.0.1',
      GIT_COMMITTER_NAME: auth.user ? auth.user.name : 'anonymous',
      GIT_COMMITTER_EMAIL: auth.user ? auth.user.email : 'anonymous@localhost',
    };
    if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
    if (req.headers['git-protocol']) env.GIT_PROTOCOL = req.headers['git-protocol'];
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    req.pipe(child.stdin);
    child.stdin.on('error', () => {});
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let headerBuf = Buffer.alloc(0);
    let headersDone = false;
    const chunks = [];
    await new Promise((resolve) => {
      child.stdout.on('data', (d) => {
        if (headersDone) {
          if (loseResponse) chunks.push(d);
          else res.write(d);
          return;
        }
        headerBuf = Buffer.concat([headerBuf, d]);
        let idx = headerBuf.indexOf('\r\n\r\n');
        let sepLen = 4;
        if (idx < 0) {
          idx = headerBuf.indexOf('\n\n');
          sepLen = 2;
        }
        if (idx < 0) return;
        headersDone = true;
        const headText = headerBuf.slice(0, idx).toString();
        const restBuf = headerBuf.slice(idx + sepLen);
        let status = 200;
        const headers = {};
        for (const line of headText.split(/\r?\n/)) {
          const c = line.indexOf(':');
          if (c < 0) continue;
          const k = line.slice(0, c).trim();
          const v = line.slice(c + 1).trim();
          if (k.toLowerCase() === 'status') status = parseInt(v, 10);
          else headers[k] = v;
        }
        entry.status = status;
        if (loseResponse) {
          chunks.push(restBuf);
          return;
        }
        res.writeHead(status, headers);
        if (restBuf.length) res.write(restBuf);
      });
      child.on('close', (code) => {
        if (stderr.trim()) log(`git http-backend: ${stderr.trim()}`);
        if (loseResponse) {
          log(`fault: ${req.method} ${u.pathname} was handled but the response is lost`);
          entry.lost = true;
          req.socket.destroy();
        } else if (!headersDone) {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(`git http-backend failed (${code})\n`);
          entry.status = 500;
        } else res.end();
        resolve();
      });
    });
  }

  // ---- introspection / admin ----------------------------------------------------------

  async handleAdmin(req, res, u) {
    const send = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify(body, null, 2));
    };
    let body;
    try {
      const raw = await this.readBody(req);
      body = raw.length ? JSON.parse(raw.toString()) : {};
    } catch (e) {
      return send(400, { message: `bad JSON: ${e.message}` });
    }
    const p = u.pathname.replace(/\/+$/, '');
    const q = u.searchParams;
    const M = req.method;
    try {
      if (p === '/_sandbox/info' && M === 'GET') {
        return send(200, {
          url: this.url,
          flavor: this.flavor.name,
          version: this.flavor.version,
          spec: this.flavor.spec,
          strict: this.options.strict,
          capacity: this.runs.capacity,
          dataDir: this.dataDir,
          actPath: this.options.actPath,
          actionDir: this.options.actionDir,
          tokens: this.userTokens,
          counts: { requests: this.requests.length, violations: this.violations.length, warnings: this.warnings.length, runs: this.runs.runs.length },
        });
      }
      if (p === '/_sandbox/requests') {
        if (M === 'DELETE') {
          this.requests = [];
          return send(200, { ok: true });
        }
        let list = this.requests;
        if (q.get('method')) list = list.filter((r) => r.method === q.get('method'));
        if (q.get('route')) list = list.filter((r) => r.route === q.get('route'));
        if (q.get('path')) list = list.filter((r) => r.path.includes(q.get('path')));
        return send(200, list);
      }
      if (p === '/_sandbox/violations') {
        if (M === 'DELETE') {
          this.violations = [];
          return send(200, { ok: true });
        }
        return send(200, this.violations);
      }
      if (p === '/_sandbox/warnings') {
        if (M === 'DELETE') {
          this.warnings = [];
          return send(200, { ok: true });
        }
        return send(200, this.warnings);
      }
      if (p === '/_sandbox/reset' && M === 'POST') {
        // forget requests, violations, warnings and faults (not repositories or runs)
        this.requests = [];
        this.violations = [];
        this.warnings = [];
        this.faults = [];
        return send(200, { ok: true });
      }
      if (p === '/_sandbox/faults') {
        if (M === 'GET') return send(200, this.faults.map((f) => this.faultJson(f)));
        if (M === 'DELETE') {
          this.faults = [];
          return send(200, { ok: true });
        }
        if (M === 'POST') {
          const list = Array.isArray(body) ? body : [body];
          const added = list.map((f) => this.faultJson(this.addFault(f)));
          return send(201, Array.isArray(body) ? added : added[0]);
        }
      }
      let m = /^\/_sandbox\/faults\/(\d+)$/.exec(p);
      if (m) {
        const f = this.faults.find((x) => x.id === Number(m[1]));
        if (!f) return send(404, { message: 'no such fault' });
        if (M === 'DELETE') {
          this.faults = this.faults.filter((x) => x !== f);
          return send(200, this.faultJson(f));
        }
        return send(200, this.faultJson(f));
      }
      if (p === '/_sandbox/writes' && M === 'GET') return send(200, this.writes);
      if (p === '/_sandbox/statuses' && M === 'GET') {
        const out = [];
        for (const [repo, list] of this.statuses) for (const s of list) out.push({ repo, id: s.id, sha: s.sha, state: s.state, context: s.context, description: s.description, target_url: s.target_url, creator: s.creator.name, created: s.created });
        return send(200, out);
      }
      if (p === '/_sandbox/runs' && M === 'GET') return send(200, this.runs.runs.map((r) => this.runSummary(r, q.get('log') === 'true')));
      m = /^\/_sandbox\/runs\/(\d+)(\/cancel)?$/.exec(p);
      if (m) {
        const run = this.runs.get(m[1]);
        if (!run) return send(404, { message: 'no such run' });
        if (m[2] && M === 'POST') {
          this.runs.cancel(run, 'cancelled through /_sandbox');
          return send(200, this.runSummary(run, false));
        }
        const wait = q.get('wait'); // e.g. wait=completed&timeout=60000
        if (wait) {
          const timeout = Number(q.get('timeout') || 60000);
          await this.runs.waitFor(() => run.status === wait || (wait === 'started' && run.status !== 'queued'), timeout);
        }
        return send(200, this.runSummary(run, true));
      }
      if (p === '/_sandbox/tokens' && M === 'POST') {
        // add a token at runtime: {user, name, scopes, repos}
        const user = this.userByName(body.user);
        if (!user) return send(404, { message: 'unknown user' });
        const value = body.value || crypto.randomBytes(20).toString('hex');
        const tok = { id: this.tokens.size + 1, name: body.name || `token-${this.tokens.size + 1}`, user, value, scopes: body.scopes || ['all'], repos: body.repos ? body.repos.map((r) => r.toLowerCase()) : null };
        this.tokens.set(value, tok);
        return send(201, { name: tok.name, user: user.name, token: value, scopes: tok.scopes, repos: tok.repos });
      }
      if (p === '/_sandbox/capacity' && M === 'POST') {
        this.runs.capacity = Number(body.capacity);
        this.runs.schedule();
        return send(200, { capacity: this.runs.capacity });
      }
      m = /^\/_sandbox\/repos\/([^/]+)\/([^/]+)\/(commits|file|branches)$/.exec(p);
      if (m && M === 'GET') {
        const repo = this.repoByName(m[1], m[2]);
        if (!repo) return send(404, { message: 'no such repo' });
        if (m[3] === 'branches') return send(200, await git.listBranches(repo.gitDir));
        const ref = q.get('ref') || q.get('branch') || repo.defaultBranch;
        const r = await git.resolveRef(repo.gitDir, ref);
        if (!r) return send(200, []);
        if (m[3] === 'file') {
          const e = await git.treeEntry(repo.gitDir, r.sha, q.get('path') || '');
          if (!e || e.type !== 'blob') return send(404, { message: 'no such file' });
          res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'X-Blob-Sha': e.sha, 'X-Commit-Sha': r.sha });
          return res.end(await git.readBlob(repo.gitDir, e.sha));
        }
        const shas = await git.revList(repo.gitDir, r.sha, { filePath: q.get('path') || undefined });
        const commits = await git.readCommits(repo.gitDir, shas);
        const out = [];
        for (const c of commits) {
          const ch = await git.commitChanges(repo.gitDir, c.sha);
          out.push({ sha: c.sha, parents: c.parents, message: c.message, author: c.author, committer: c.committer, files: ch.files });
        }
        return send(200, out);
      }
      return send(404, { message: `no such sandbox endpoint: ${M} ${p}` });
    } catch (e) {
      return send(400, { message: e.message });
    }
  }

  runSummary(r, withLog) {
    const s = {
      id: r.id,
      run_number: r.index,
      repo: `${r.repo.owner}/${r.repo.name}`,
      workflow: r.workflowPath,
      workflow_id: r.workflowId,
      ref: r.ref,
      sha: r.sha,
      title: r.title,
      inputs: r.inputs,
      actor: r.actor.name,
      status: r.status,
      conclusion: r.conclusion,
      fault: r.fault,
      created: r.created,
      started: r.started,
      completed: r.completed,
      html_url: this.runHtmlUrl(r),
      api: this.flavor.kind === 'gitea' ? workflowRunJson(this, r) : forgejoRunJson(this, r),
    };
    if (withLog) s.log = r.log;
    return s;
  }

  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    await this.runs.stopAll();
    if (this.server) {
      await new Promise((resolve) => {
        this.server.close(() => resolve());
        for (const s of this.sockets) s.destroy();
      });
    }
    git.closeReaders(this.dataDir);
    liveSandboxes.delete(this);
    if (this.createdDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

async function startSandbox(opts = {}) {
  const sb = new Sandbox(opts);
  try {
    await sb.listen();
    const seed = opts.seed ? (typeof opts.seed === 'string' ? loadSeed(opts.seed) : normalizeSeed(opts.seed, opts.seedDir || process.cwd())) : demoSeed(REPO_ROOT);
    await sb.seed(seed);
  } catch (e) {
    await sb.stop().catch(() => {});
    throw e;
  }
  log(`${sb.flavor.name} (${sb.flavor.version}) listening on ${sb.url}, data in ${sb.dataDir}`);
  return {
    url: sb.url,
    api: sb.api,
    flavor: sb.flavor.name,
    version: sb.flavor.version,
    tokens: { ...sb.userTokens },
    tokenNames: Object.fromEntries([...sb.tokens.values()].map((t) => [t.name, t.value])),
    dataDir: sb.dataDir,
    sandbox: sb,
    stop: () => sb.stop(),
  };
}

module.exports = { startSandbox, Sandbox, REPO_ROOT };
