'use strict';
// The sandbox server: its state (users, tokens, repos, statuses, runs, the request log), the
// HTTP listener and start/stop. The work is done by the files mixed in below:
//   pipeline.js  the request pipeline (faults, API with spec validation and route-table access)
//   auth.js      tokens, access levels, scopes
//   faults.js    fault injection
//   web.js       git smart HTTP and run pages
//   admin.js     the /_sandbox/ routes
//   api/         one module per API resource (see api/index.js)
//   seed.js      seed files and applying them

const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const git = require('./git');
const { loadSpec } = require('./spec');
const { getFlavor, defaultSettings, applySettings } = require('./flavors');
const { workflowRunJson, forgejoRunJson } = require('./api/actions/runs');
const { RunManager, nowIso, killTree } = require('./runs');
const { loadSeed, demoSeed, normalizeSeed, applySeed } = require('./seed');
const { branchesMoved } = require('./pulls');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

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
      runnerPort: opts.runnerPort === undefined ? 0 : Number(opts.runnerPort),
      // 'own-port': runs see a second address (the one act_runner registered with), as when the
      // runner reaches the server by an internal name; 'public': the runner registered with the
      // public URL (one port)
      runnerAddress: opts.runnerAddress || 'own-port',
    };
    if (!['own-port', 'public'].includes(this.options.runnerAddress)) throw new Error(`runnerAddress must be own-port or public, got ${JSON.stringify(opts.runnerAddress)}`);
    // server settings (app.ini): the flavor's defaults, then opts.server, then the seed's `server:`
    this.settings = applySettings(this.flavor, defaultSettings(this.flavor), opts.server);
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
    // issues, pull requests, comments and reviews: ids are global, numbers per repository (lib/pulls.js)
    this.nextIssueId = 1;
    this.nextPullId = 1;
    this.nextCommentId = 1;
    this.nextReviewId = 1;
    this.nextProtectionId = 1;
    // git pushes in flight, by the id their pre-receive hook sends back (lib/web.js)
    this.pushes = new Map();
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

  // Users and organisations share one namespace (and id sequence), as on the servers.
  userByEmail(email) {
    if (!email) return null;
    for (const u of this.users.values()) if (!u.isOrg && u.email.toLowerCase() === String(email).toLowerCase()) return u;
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

  // After branches of `repo` may have moved (a contents-API write, a merge, a git push, a branch
  // deletion): compares the tips with the last ones seen and lets the pull requests follow
  // (lib/pulls.js branchesMoved).
  async afterRefUpdate(repo) {
    const now = new Map((await git.listBranches(repo.gitDir)).map((b) => [b.name, b.sha]));
    const changed = new Map();
    for (const [name, sha] of now) if (repo.branchTips.get(name) !== sha) changed.set(name, sha);
    for (const name of repo.branchTips.keys()) if (!now.has(name)) changed.set(name, null);
    repo.branchTips = now;
    if (changed.size) await branchesMoved(this, repo, changed);
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

  // The action folders that stand in for other servers: --local-action keys `owner/repo@ref` (on
  // github.com) or `https://host/owner/repo@ref`, and --action-dir for niko/gitops-action@v1 on
  // github.com. -> {'https://host/owner/repo@ref': dir | 'action-dir'}
  actionStandIns() {
    const out = { 'https://github.com/niko/gitops-action@v1': 'action-dir' };
    for (const [k, v] of Object.entries(this.options.localActions || {})) {
      const m = /^(https?:\/\/[^/]+)\/(.+)$/.exec(k);
      out[m ? `${m[1].toLowerCase()}/${m[2]}` : `https://github.com/${k}`] = v;
    }
    return out;
  }

  // The folder standing in for `source` (https://host/owner/repo) at `ref`, or null.
  actionMapping(source, ref) {
    const m = /^(https?:\/\/[^/]+)(\/.*)$/.exec(source);
    const key = m ? `${m[1].toLowerCase()}${m[2]}@${ref}` : `${source}@${ref}`;
    return this.actionStandIns()[key] || null;
  }

  // The github.com stand-ins as act --local-repository keys (owner/repo@ref).
  githubStandIns() {
    const out = {};
    for (const [k, v] of Object.entries(this.actionStandIns())) if (k.startsWith('https://github.com/')) out[k.slice('https://github.com/'.length)] = v;
    return out;
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

  async seed(seed) {
    await applySeed(this, seed);
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
    const make = (via) => {
      const server = http.createServer((req, res) => {
        req.via = via;
        this.handle(req, res).catch((e) => {
          log('internal error:', e.stack || e);
          if (!res.headersSent) {
            res.writeHead(500, { 'Content-Type': 'application/json;charset=utf-8' });
            res.end(JSON.stringify({ message: '', url: `${this.url}/api/swagger` }));
          }
        });
      });
      server.keepAliveTimeout = 5000;
      server.on('connection', (s) => {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      });
      return server;
    };
    const listen = (server, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, this.options.host, resolve);
      });
    // the public URL (ROOT_URL): every html_url and url the API answers is built on it
    this.server = make('public');
    await listen(this.server, this.options.port);
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    this.api = `${this.url}/api/v1`;
    // the runner address: what act_runner registered with (internal/app/cmd/daemon.go client.New(reg.Address));
    // runs get GITHUB_SERVER_URL / GITHUB_API_URL and their clone from it (notes §9)
    if (this.options.runnerAddress === 'own-port') {
      this.runnerServer = make('runner');
      await listen(this.runnerServer, this.options.runnerPort);
      this.runnerUrl = `http://127.0.0.1:${this.runnerServer.address().port}`;
    } else this.runnerUrl = this.url;
  }

  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    await this.runs.stopAll();
    for (const server of [this.server, this.runnerServer]) {
      if (!server) continue;
      await new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of this.sockets) s.destroy();
      });
    }
    git.closeReaders(this.dataDir);
    liveSandboxes.delete(this);
    if (this.createdDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

Object.assign(Sandbox.prototype, require('./pipeline'), require('./auth').auth, require('./faults'), require('./web'), require('./admin').admin);

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
  log(`${sb.flavor.name} (${sb.flavor.version}) listening on ${sb.url} (runners: ${sb.runnerUrl}), data in ${sb.dataDir}`);
  return {
    url: sb.url,
    runnerUrl: sb.runnerUrl,
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
