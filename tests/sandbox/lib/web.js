'use strict';
// git smart HTTP (clone, fetch, push) through `git http-backend`, with the API's tokens, and the
// plain-text run pages at a run's html_url. Mixed into Sandbox.prototype.

const { spawn } = require('node:child_process');
const git = require('./git');

function log(...a) {
  if (process.env.SANDBOX_QUIET) return;
  process.stderr.write(`[sandbox] ${a.join(' ')}\n`);
}

const web = {
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
  },

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
    // routers/web/repo/githttp.go @v1.25.5 httpBase: only a pull of a public repository asks for no auth
    const isPublicPull = !!repo && !repo.private && !push;
    if (auth.kind === 'invalid' || (auth.kind === 'none' && !isPublicPull)) {
      return deny(401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="Gitea"' });
    }
    entry.user = auth.user ? auth.user.name : null;
    if (!isPublicPull) {
      if (!repo) return deny(404, 'Repository not found');
      if (auth.kind === 'run' && this.flavor.runToken === 'own-repo') {
        // githttp.go @v1.25.5 L194-203: the Actions token on another repository -> 403
        if (auth.run.repo !== repo) return deny(403, 'User permission denied');
      } else {
        const perm = this.permission(auth, repo);
        if (!perm.canRead('code')) return deny(404, 'Repository not found');
        if (push && !perm.canWrite('code')) return deny(403, 'User permission denied');
      }
      if (!this.scopeAllows(auth, push ? 'write' : 'read')) return deny(403, 'User permission denied');
    }

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
  },

};

module.exports = web;
