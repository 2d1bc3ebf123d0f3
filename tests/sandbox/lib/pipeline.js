'use strict';
// The request pipeline: faults first, then the API (spec validation of the request, auth and
// access from the route table, the handler, spec validation of the response), git smart HTTP,
// run pages, or the /_sandbox/ admin routes. Mixed into Sandbox.prototype.

const { ApiError } = require('./api/common');
const { routeFor } = require('./api');
const { nowIso } = require('./runs');
const hostile = require('./hostile');

const MAX_BODY = 32 * 1024 * 1024;

function log(...a) {
  if (process.env.SANDBOX_QUIET) return;
  process.stderr.write(`[sandbox] ${a.join(' ')}\n`);
}

const pipeline = {
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
  },

  async handle(req, res) {
    const t0 = process.hrtime.bigint();
    const u = new URL(req.url, 'http://127.0.0.1');
    const pathname = u.pathname;
    if (pathname.startsWith('/_sandbox/') || pathname === '/_sandbox') return this.handleAdmin(req, res, u);
    const entry = { seq: ++this.requestSeq, via: req.via || 'public', method: req.method, path: pathname, query: u.search.slice(1), status: 0, startedMs: performance.now(), durationMs: 0, user: null, route: null, operationId: null, faults: [], at: nowIso() };
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
    const faults = this.takeFaults(key, 'request');
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
    const api = this.spec.basePath;
    const isApi = pathname === api || pathname.startsWith(api + '/');
    if (hard && hard.kind === 'hang') {
      // accepted, never answered: the socket stays open until the client gives up or the server stops
      log(`fault: ${key} hangs`);
      entry.hung = true;
      return;
    }
    if (hard && hard.kind === 'echo-credentials') {
      const r = hostile.echoCredentials(req, u, hard);
      res.writeHead(r.status, r.headers);
      res.end(r.payload);
      done(r.status);
      return;
    }
    if (hard && hard.kind === 'huge-body') {
      log(`fault: ${key} answers ${hard.mib} MiB`);
      entry.bytes = await hostile.streamHugeBody(res, hard);
      done(hard.status);
      return;
    }
    if (hard && hard.kind === 'malformed-body' && !hard.perform) {
      const m = isApi && this.spec.match(req.method, pathname.slice(api.length) || '/');
      const r = hostile.malformedPayload(hard, m && m.op ? this.spec.successShape(m.op) : null, null);
      res.writeHead(r.status, r.headers);
      res.end(r.payload);
      done(r.status);
      return;
    }
    const lose = hard && hard.kind === 'lost-response';
    // drip and malformed-body with `perform`: the request is served, then its answer is mangled
    const capture = hard && (hard.kind === 'drip' || hard.kind === 'malformed-body');

    let result;
    if (isApi) {
      result = await this.handleApi(req, u, entry);
    } else {
      const g = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/.exec(pathname);
      // a lost response: the push/fetch is performed, but the client never hears back
      if (g && !capture) return this.handleGit(req, res, u, g, entry, lose ? 'lose' : null);
      result = g ? await this.handleGit(req, res, u, g, entry, 'capture') : await this.handleWeb(req, u, entry);
    }
    if (capture) {
      let payload = result.raw !== undefined ? result.raw : result.body !== undefined ? JSON.stringify(result.body) : '';
      let status = result.status;
      let headers = { ...(result.headers || {}) };
      if (result.body !== undefined && result.raw === undefined) headers['Content-Type'] = 'application/json;charset=utf-8';
      if (hard.kind === 'malformed-body') {
        const r = hostile.malformedPayload(hard, Array.isArray(result.body) ? 'array' : 'object', Buffer.isBuffer(payload) ? payload.toString() : payload);
        ({ status, headers, payload } = r);
      } else log(`fault: ${key} is dripped ${hard.bytes} byte(s) every ${hard.ms} ms`);
      entry.status = status;
      if (hard.kind === 'drip') {
        entry.dripped = await hostile.drip(req.socket, status, headers, payload, hard);
        done(status);
        return;
      }
      res.writeHead(status, headers);
      res.end(payload);
      done(status);
      return;
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
  },

  errorBody(message, status, extra) {
    if (status === 404 && extra && (extra.notFound || extra.notFoundMessage)) {
      // APIErrorNotFound(msg?, err?) / ctx.NotFound(msg?, err?): a string replaces the message, errors are listed
      const errors = extra.errors ? extra.errors : this.flavor.notFound.errors;
      return { message: extra.notFound ? this.flavor.notFound.message : message, url: `${this.url}/api/swagger`, errors };
    }
    const b = { message, url: `${this.url}/api/swagger` };
    if (this.flavor.kind === 'forgejo' && status === 404) b.errors = [];
    return b;
  },

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
        let message = e.message;
        if (e.status === 500 && e.extra && e.extra.hidden) {
          log(`500 (hidden message): ${e.extra.hidden}`);
          // services/context/api.go @v1.25.5 APIError: a 500's message is blanked in production
          // unless the doer is a site administrator
          if (ctx.auth && ctx.auth.user && ctx.auth.user.admin) message = e.extra.hidden;
        }
        if (e.extra && e.extra.hidden) entry.why = e.extra.hidden;
        // ctx.Status(code) without a body (e.g. EditPullRequest's 403)
        result = e.extra && e.extra.emptyBody ? { status: e.status } : { status: e.status, body: this.errorBody(message, e.status, e.extra) };
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
  },

  // Auth and access as the route table says, in the servers' middleware order
  // (routers/api/v1/api.go @v1.25.5, Forgejo @v12.0.4): the token scope (tokenRequiresScopes,
  // before the repository is looked up), repoAssignment (no access at all: 404), reqToken (401),
  // the group's reqRepoReader(unit), then the route's own reqRepoWriter / reqOwner / branch check.
  async dispatchApi(ctx, req) {
    const op = ctx.op;
    const route = routeFor(op.operationId, this.flavor);
    if (!route) {
      this.warn(ctx, `${op.operationId} is not implemented by the sandbox`);
      throw new ApiError(501, `the sandbox does not implement ${op.operationId}`);
    }
    ctx.route = route;
    if (route.access === 'public') return route.handler(ctx);
    const auth = this.authenticate(req);
    if (auth.kind === 'invalid') throw new ApiError(401, 'invalid username, password or token');
    ctx.auth = auth.kind === 'none' ? { kind: 'none', user: null } : auth;
    const anonymous = auth.kind === 'none';
    const needScope = req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write';
    if (route.scope && !this.scopeAllows(auth, needScope, route.scope)) {
      throw new ApiError(403, `token does not have at least one of required scope(s), required=[${needScope}:${route.scope}], token scope=${auth.token.scopes.join(',')}`);
    }
    if (route.access === 'signed') {
      if (anonymous) throw new ApiError(401, 'token is required');
      return route.handler(ctx);
    }
    if (route.access === 'anyone') return route.handler(ctx);
    // repoAssignment
    const repo = this.repoByName(ctx.params.owner, ctx.params.repo);
    const perm = repo ? this.permission(auth, repo) : null;
    if (!repo || !perm.hasAny()) throw new ApiError(404, '', { notFound: true, hidden: perm ? perm.why : 'no such repository' });
    ctx.repo = repo;
    ctx.perm = perm;
    ctx.access = perm.level;
    if (route.token && anonymous) throw new ApiError(401, 'token is required'); // reqToken()
    const siteAdmin = !!(auth.user && auth.user.admin);
    const unit = route.unit;
    if ((route.access === 'reader' || route.access === 'writer') && unit && !perm.canRead(unit) && !perm.isAdmin && !siteAdmin) {
      // reqRepoReader(unit)
      throw new ApiError(403, 'user should have specific read permission or be a repo admin or a site admin', { hidden: perm.why });
    }
    if (route.access === 'writer' && !perm.canWrite(unit || 'code') && !perm.isAdmin && !siteAdmin) {
      // reqRepoWriter(unit), or the contents routes' branch check (route.denied)
      throw new ApiError(403, route.denied ? route.denied(this.flavor) : 'user should have a permission to write to a repo', { hidden: perm.why });
    }
    if (route.access === 'owner' && !perm.isOwner && !siteAdmin) {
      // reqOwner(): routers/api/v1/api.go @v1.25.5 L420
      throw new ApiError(403, 'user should be the owner of the repo', { hidden: perm.why });
    }
    if (route.access === 'admin' && !perm.isAdmin && !siteAdmin) {
      throw new ApiError(403, 'user should be an owner or a collaborator with admin write of a repository', { hidden: perm.why });
    }
    return route.handler(ctx);
  },
};

module.exports = pipeline;
