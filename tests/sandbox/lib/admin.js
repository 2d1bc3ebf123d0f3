'use strict';
// The /_sandbox/ introspection and control routes (no auth, not logged), as a route table:
// {method, path (with {params}), doc, handler({sb, req, res, body, query, params}) -> [status, json] | undefined (handled)}.
// Mixed into Sandbox.prototype as handleAdmin.

const crypto = require('node:crypto');
const git = require('./git');
const { templateToRegex } = require('./spec');
const { listRoutes } = require('./api');
const { applySettings } = require('./flavors');
const pulls = require('./pulls');

const clear = (field) => ({ sb }) => {
  sb[field] = [];
  return [200, { ok: true }];
};

const ADMIN_ROUTES = [
  {
    method: 'GET',
    path: '/_sandbox/info',
    doc: 'flavor, version, spec, url, data dir, tokens, counts',
    handler: ({ sb }) => [
      200,
      {
        url: sb.url,
        runner_url: sb.runnerUrl,
        flavor: sb.flavor.name,
        version: sb.flavor.version,
        spec: sb.flavor.spec,
        strict: sb.options.strict,
        capacity: sb.runs.capacity,
        dataDir: sb.dataDir,
        actPath: sb.options.actPath,
        actionDir: sb.options.actionDir,
        tokens: sb.userTokens,
        settings: sb.settings,
        counts: { requests: sb.requests.length, violations: sb.violations.length, warnings: sb.warnings.length, runs: sb.runs.runs.length },
      },
    ],
  },
  { method: 'GET', path: '/_sandbox/settings', doc: 'the server settings (max_blob_size, default_actions_url, limit_dispatch_inputs, workflow_dirs)', handler: ({ sb }) => [200, sb.settings] },
  {
    method: 'POST',
    path: '/_sandbox/settings',
    doc: 'change server settings: {max_blob_size: 1000, ...} (as app.ini would, checked per flavor)',
    handler: ({ sb, body }) => {
      sb.settings = applySettings(sb.flavor, sb.settings, body);
      return [200, sb.settings];
    },
  },
  { method: 'GET', path: '/_sandbox/routes', doc: 'which file answers which operation', handler: ({ sb }) => [200, sb.routeTable()] },
  {
    method: 'GET',
    path: '/_sandbox/requests',
    doc: 'the request log (?method=&route=&path=)',
    handler: ({ sb, query }) => {
      let list = sb.requests;
      if (query.get('method')) list = list.filter((r) => r.method === query.get('method'));
      if (query.get('route')) list = list.filter((r) => r.route === query.get('route'));
      if (query.get('path')) list = list.filter((r) => r.path.includes(query.get('path')));
      return [200, list];
    },
  },
  { method: 'DELETE', path: '/_sandbox/requests', doc: 'forget the request log', handler: clear('requests') },
  { method: 'GET', path: '/_sandbox/violations', doc: 'spec violations', handler: ({ sb }) => [200, sb.violations] },
  { method: 'DELETE', path: '/_sandbox/violations', doc: 'forget the spec violations', handler: clear('violations') },
  { method: 'GET', path: '/_sandbox/warnings', doc: 'ignored parameters, fields and inputs', handler: ({ sb }) => [200, sb.warnings] },
  { method: 'DELETE', path: '/_sandbox/warnings', doc: 'forget the warnings', handler: clear('warnings') },
  {
    method: 'POST',
    path: '/_sandbox/reset',
    doc: 'forget requests, violations, warnings and faults (not repositories or runs)',
    handler: ({ sb }) => {
      sb.requests = [];
      sb.violations = [];
      sb.warnings = [];
      sb.faults = [];
      return [200, { ok: true }];
    },
  },
  { method: 'GET', path: '/_sandbox/faults', doc: 'the faults, with hits', handler: ({ sb }) => [200, sb.faults.map((f) => sb.faultJson(f))] },
  { method: 'DELETE', path: '/_sandbox/faults', doc: 'remove all faults', handler: clear('faults') },
  {
    method: 'POST',
    path: '/_sandbox/faults',
    doc: 'add a fault or a list of faults',
    handler: ({ sb, body }) => {
      const list = Array.isArray(body) ? body : [body];
      const added = list.map((f) => sb.faultJson(sb.addFault(f)));
      return [201, Array.isArray(body) ? added : added[0]];
    },
  },
  {
    method: 'GET',
    path: '/_sandbox/faults/{id}',
    doc: 'one fault',
    handler: ({ sb, params }) => {
      const f = sb.faults.find((x) => x.id === Number(params.id));
      return f ? [200, sb.faultJson(f)] : [404, { message: 'no such fault' }];
    },
  },
  {
    method: 'DELETE',
    path: '/_sandbox/faults/{id}',
    doc: 'remove one fault',
    handler: ({ sb, params }) => {
      const f = sb.faults.find((x) => x.id === Number(params.id));
      if (!f) return [404, { message: 'no such fault' }];
      sb.faults = sb.faults.filter((x) => x !== f);
      return [200, sb.faultJson(f)];
    },
  },
  { method: 'GET', path: '/_sandbox/writes', doc: 'every contents-API commit', handler: ({ sb }) => [200, sb.writes] },
  {
    method: 'GET',
    path: '/_sandbox/statuses',
    doc: 'all commit statuses',
    handler: ({ sb }) => {
      const out = [];
      for (const [repo, list] of sb.statuses) for (const s of list) out.push({ repo, id: s.id, sha: s.sha, state: s.state, context: s.context, description: s.description, target_url: s.target_url, creator: s.creator.name, created: s.created });
      return [200, out];
    },
  },
  { method: 'GET', path: '/_sandbox/runs', doc: 'all runs (?log=true)', handler: ({ sb, query }) => [200, sb.runs.runs.map((r) => sb.runSummary(r, query.get('log') === 'true'))] },
  {
    method: 'GET',
    path: '/_sandbox/runs/{id}',
    doc: 'one run with its log (?wait=completed&timeout=60000 long-polls)',
    handler: async ({ sb, params, query }) => {
      const run = sb.runs.get(params.id);
      if (!run) return [404, { message: 'no such run' }];
      const wait = query.get('wait');
      if (wait) {
        const timeout = Number(query.get('timeout') || 60000);
        await sb.runs.waitFor(() => run.status === wait || (wait === 'started' && run.status !== 'queued'), timeout);
      }
      return [200, sb.runSummary(run, true)];
    },
  },
  {
    method: 'POST',
    path: '/_sandbox/runs/{id}/cancel',
    doc: 'cancel a run (kills act)',
    handler: ({ sb, params }) => {
      const run = sb.runs.get(params.id);
      if (!run) return [404, { message: 'no such run' }];
      sb.runs.cancel(run, 'cancelled through /_sandbox');
      return [200, sb.runSummary(run, false)];
    },
  },
  {
    method: 'POST',
    path: '/_sandbox/tokens',
    doc: '{user, name, scopes, repos} -> a new token',
    handler: ({ sb, body }) => {
      const user = sb.userByName(body.user);
      if (!user) return [404, { message: 'unknown user' }];
      const value = body.value || crypto.randomBytes(20).toString('hex');
      const tok = { id: sb.tokens.size + 1, name: body.name || `token-${sb.tokens.size + 1}`, user, value, scopes: body.scopes || ['all'], repos: body.repos ? body.repos.map((r) => r.toLowerCase()) : null };
      sb.tokens.set(value, tok);
      return [201, { name: tok.name, user: user.name, token: value, scopes: tok.scopes, repos: tok.repos }];
    },
  },
  {
    method: 'POST',
    path: '/_sandbox/capacity',
    doc: '{capacity} -> change the runner slots',
    handler: ({ sb, body }) => {
      sb.runs.capacity = Number(body.capacity);
      sb.runs.schedule();
      return [200, { capacity: sb.runs.capacity }];
    },
  },
  {
    method: 'POST',
    path: '/_sandbox/hooks/pre-receive',
    doc: 'internal: the pre-receive hook of a git push asks whether its branch updates may land',
    handler: ({ sb, body }) => [200, sb.preReceive(body)],
  },
  {
    method: 'GET',
    path: '/_sandbox/repos/{owner}/{repo}/pulls',
    doc: 'the pull requests with their mergeability, reviews and scheduled auto-merge (with its log)',
    handler: async ({ sb, params }) => {
      const repo = sb.repoByName(params.owner, params.repo);
      if (!repo) return [404, { message: 'no such repo' }];
      const out = [];
      for (const pr of pulls.pulls(repo)) out.push(await pullSummary(sb, repo, pr));
      return [200, out];
    },
  },
  {
    method: 'GET',
    path: '/_sandbox/repos/{owner}/{repo}/pulls/{index}',
    doc: 'one pull request (?wait=merged|closed&timeout=10000 long-polls for that state)',
    handler: async ({ sb, params, query }) => {
      const repo = sb.repoByName(params.owner, params.repo);
      const pr = repo && pulls.findPull(repo, params.index);
      if (!pr) return [404, { message: 'no such pull request' }];
      const wait = query.get('wait');
      if (wait) {
        const deadline = Date.now() + Number(query.get('timeout') || 10000);
        while (Date.now() < deadline && !(wait === 'merged' ? pr.hasMerged : pr.issue.isClosed)) await new Promise((r) => setTimeout(r, 20));
      }
      return [200, await pullSummary(sb, repo, pr)];
    },
  },
  {
    method: 'GET',
    path: '/_sandbox/repos/{owner}/{repo}/branches',
    doc: 'branches and tips',
    handler: async ({ sb, params }) => {
      const repo = sb.repoByName(params.owner, params.repo);
      if (!repo) return [404, { message: 'no such repo' }];
      return [200, await git.listBranches(repo.gitDir)];
    },
  },
  {
    method: 'GET',
    path: '/_sandbox/repos/{owner}/{repo}/file',
    doc: 'raw file content (?path=&ref=)',
    handler: async ({ sb, params, query, res }) => {
      const repo = sb.repoByName(params.owner, params.repo);
      if (!repo) return [404, { message: 'no such repo' }];
      const ref = query.get('ref') || query.get('branch') || repo.defaultBranch;
      const r = await git.resolveRef(repo.gitDir, ref);
      if (!r) return [200, []];
      const e = await git.treeEntry(repo.gitDir, r.sha, query.get('path') || '');
      if (!e || e.type !== 'blob') return [404, { message: 'no such file' }];
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'X-Blob-Sha': e.sha, 'X-Commit-Sha': r.sha });
      res.end(await git.readBlob(repo.gitDir, e.sha));
      return undefined;
    },
  },
  {
    method: 'GET',
    path: '/_sandbox/repos/{owner}/{repo}/commits',
    doc: "the branch's history from git, with files (?ref=&path=)",
    handler: async ({ sb, params, query }) => {
      const repo = sb.repoByName(params.owner, params.repo);
      if (!repo) return [404, { message: 'no such repo' }];
      const ref = query.get('ref') || query.get('branch') || repo.defaultBranch;
      const r = await git.resolveRef(repo.gitDir, ref);
      if (!r) return [200, []];
      const shas = await git.revList(repo.gitDir, r.sha, { filePath: query.get('path') || undefined });
      const commits = await git.readCommits(repo.gitDir, shas);
      const out = [];
      for (const c of commits) {
        const ch = await git.commitChanges(repo.gitDir, c.sha);
        out.push({ sha: c.sha, parents: c.parents, message: c.message, author: c.author, committer: c.committer, files: ch.files });
      }
      return [200, out];
    },
  },
];

// A pull request as the sandbox holds it.
async function pullSummary(sb, repo, pr) {
  const t = await pulls.testPull(sb, repo, pr);
  return {
    number: pr.index,
    title: pr.issue.title,
    state: pr.issue.isClosed ? 'closed' : 'open',
    head: pr.headBranch,
    base: pr.baseBranch,
    head_sha: t.headSha,
    status: t.status,
    merged: pr.hasMerged,
    merge_commit_sha: pr.hasMerged ? pr.mergedSha : null,
    merged_by: pr.merger ? pr.merger.name : null,
    poster: pr.issue.poster.name,
    reviews: pr.reviews.map((r) => ({ id: r.id, user: r.user.name, state: r.type, official: r.official, dismissed: r.dismissed, commit_id: r.commitId })),
    comments: pr.issue.comments.map((c) => ({ id: c.id, user: c.user.name, body: c.body })),
    auto_merge: pr.autoMerge ? { style: pr.autoMerge.style, doer: pr.autoMerge.doer.name, message: pr.autoMerge.message, delete_branch: pr.autoMerge.deleteBranch } : null,
    auto_merge_log: pr.autoMergeLog,
    merged_by_schedule: !!pr.mergedBySchedule,
  };
}

for (const r of ADMIN_ROUTES) r.regex = templateToRegex(r.path);

const admin = {
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
    const route = ADMIN_ROUTES.find((r) => r.method === req.method && r.regex.test(p));
    if (!route) return send(404, { message: `no such sandbox endpoint: ${req.method} ${p}` });
    const m = route.regex.exec(p);
    const params = {};
    route.regex.paramNames.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
    try {
      const out = await route.handler({ sb: this, req, res, body, query: u.searchParams, params });
      if (out) send(out[0], out[1]);
    } catch (e) {
      send(400, { message: e.message });
    }
  },

  // Every route of this sandbox: the API operations of its flavor and the /_sandbox/ routes.
  routeTable() {
    const api = listRoutes(this.flavor, this.spec);
    const sandbox = ADMIN_ROUTES.map((r) => ({ method: r.method, path: r.path, operationId: '', access: 'sandbox', unit: '', token: false, file: 'lib/admin.js', doc: r.doc }));
    return [...api, ...sandbox];
  },
};

module.exports = { admin, ADMIN_ROUTES };
