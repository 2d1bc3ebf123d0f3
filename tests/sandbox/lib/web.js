'use strict';
// git smart HTTP (clone, fetch, push) through `git http-backend`, with the API's tokens, and the
// plain-text run pages at a run's html_url. Mixed into Sandbox.prototype.

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const git = require('./git');
const { preReceiveBranch, hookStderr } = require('./protection');

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

  // git smart HTTP through `git http-backend`. `mode`: null (stream the answer), 'lose' (perform,
  // then destroy the socket: fault lost-response) or 'capture' (perform and return {status,
  // headers, raw} instead of answering: faults drip and malformed-body).
  async handleGit(req, res, u, g, entry, mode) {
    const repo = this.repoByName(g[1], g[2]);
    const service = g[3] === 'info/refs' ? u.searchParams.get('service') : g[3];
    const push = service === 'git-receive-pack';
    const auth = this.authenticate(req);
    entry.route = `${req.method} /{owner}/{repo}.git/${g[3]}`;
    const deny = (status, msg, extra = {}) => {
      const headers = { 'Content-Type': 'text/plain; charset=utf-8', ...extra };
      entry.status = status;
      if (mode === 'capture') return { status, headers, raw: msg + '\n' };
      res.writeHead(status, headers);
      res.end(msg + '\n');
      return undefined;
    };
    // routers/web/repo/githttp.go @v1.25.5 httpBase: only a pull of a public repository asks for no auth
    const isPublicPull = !!repo && !repo.private && !push;
    if (auth.kind === 'invalid' || (auth.kind === 'none' && !isPublicPull)) {
      return deny(401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="Gitea"' });
    }
    entry.user = auth.user ? auth.user.name : null;
    let perm = null;
    if (!isPublicPull) {
      if (!repo) return deny(404, 'Repository not found');
      if (auth.kind === 'run' && this.flavor.runToken === 'own-repo') {
        // githttp.go @v1.25.5 L194-203: the Actions token on another repository -> 403
        if (auth.run.repo !== repo) return deny(403, 'User permission denied');
      }
      perm = this.permission(auth, repo);
      if (!(auth.kind === 'run' && this.flavor.runToken === 'own-repo')) {
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
    // a push: its pre-receive hook (lib/hook.js) asks POST /_sandbox/hooks/pre-receive, naming this push
    let pushId = null;
    if (push && g[3] === 'git-receive-pack') {
      pushId = crypto.randomBytes(12).toString('hex');
      this.pushes.set(pushId, { repo, auth, perm });
      env.SANDBOX_PUSH_ID = pushId;
      env.SANDBOX_HOOK_URL = `${this.url}/_sandbox/hooks/pre-receive`;
    }
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    req.pipe(child.stdin);
    child.stdin.on('error', () => {});
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let headerBuf = Buffer.alloc(0);
    let headersDone = false;
    let captured = null;
    const held = mode === 'lose' || mode === 'capture';
    const chunks = [];
    await new Promise((resolve) => {
      child.stdout.on('data', (d) => {
        if (headersDone) {
          if (held) chunks.push(d);
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
        captured = { status, headers };
        if (held) {
          chunks.push(restBuf);
          return;
        }
        res.writeHead(status, headers);
        if (restBuf.length) res.write(restBuf);
      });
      child.on('close', (code) => {
        if (stderr.trim()) log(`git http-backend: ${stderr.trim()}`);
        if (mode === 'lose') {
          log(`fault: ${req.method} ${u.pathname} was handled but the response is lost`);
          entry.lost = true;
          req.socket.destroy();
        } else if (mode === 'capture') {
          captured = headersDone ? { ...captured, raw: Buffer.concat(chunks) } : { status: 500, headers: { 'Content-Type': 'text/plain' }, raw: `git http-backend failed (${code})\n` };
        } else if (!headersDone) {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(`git http-backend failed (${code})\n`);
          entry.status = 500;
        } else res.end();
        resolve();
      });
    });
    if (pushId) {
      this.pushes.delete(pushId);
      // post-receive: the pull requests follow the moved branches
      await this.afterRefUpdate(repo);
    }
    return mode === 'capture' ? captured : undefined;
  },

  // The pre-receive hook's question (lib/hook.js): may these branch updates of push `push` land?
  // routers/private/hook_pre_receive.go HookPreReceive: the first refused update refuses the push.
  preReceive(body) {
    const p = this.pushes.get(body && body.push);
    if (!p) return { ok: false, stderr: 'sandbox: unknown push\n' };
    for (const u of body.updates || []) {
      if (!u.ref || !u.ref.startsWith('refs/heads/')) continue;
      const branch = u.ref.slice('refs/heads/'.length);
      const refusal = preReceiveBranch(this, p.repo, p.auth.user, p.perm, { ...u, branch });
      if (refusal) {
        log(`pre-receive: ${p.repo.key} ${u.ref}: ${refusal}`);
        return { ok: false, stderr: hookStderr(this.flavor, refusal) };
      }
    }
    return { ok: true };
  },

};

module.exports = web;
