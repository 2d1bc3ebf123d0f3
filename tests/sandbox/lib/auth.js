'use strict';
// Who is asking, and what they may do: tokens (Authorization header forms), the per-run token,
// a user's permission on a repository (GetUserRepoPermission), the Actions token's permission
// (per release), and token scopes. Mixed into Sandbox.prototype (except the helpers exported
// next to it).

const fs = require('node:fs');

// perm.AccessMode
const MODE = { none: 0, read: 1, write: 2, admin: 3, owner: 4 };
const MODE_NAME = ['none', 'read', 'write', 'admin', 'owner'];
// models/repo/repo_unit_actions.go @v1.26.4 ActionsTokenUnitTypes (the sandbox's repositories have
// every unit enabled; these are the ones a permission can name)
const UNITS = ['code', 'issues', 'pull_requests', 'packages', 'actions', 'wiki', 'releases', 'projects'];

// access_model.Permission: an overall AccessMode and, when set, a mode per unit
// (models/perm/access/repo_permission.go @v1.25.5).
class Perm {
  constructor(mode, units = null, why = '') {
    this.mode = mode;
    this.units = units; // null: `mode` applies to every unit
    this.why = why;
  }

  unit(u) {
    return this.units ? this.units[u] || 0 : this.mode;
  }

  canRead(u) {
    return this.unit(u) >= MODE.read;
  }

  canWrite(u) {
    return this.unit(u) >= MODE.write;
  }

  get isAdmin() {
    return this.mode >= MODE.admin;
  }

  get isOwner() {
    return this.mode >= MODE.owner;
  }

  // HasAnyUnitAccessOrPublicAccess: no access at all is a 404 (repoAssignment)
  hasAny() {
    return this.mode >= MODE.read || (!!this.units && Object.values(this.units).some((m) => m >= MODE.read));
  }

  // The legacy level name ('none' | 'read' | 'write' | 'admin' | 'owner').
  get level() {
    return MODE_NAME[Math.max(this.mode, this.unit('code'))];
  }

  toJSON() {
    return { mode: MODE_NAME[this.mode], units: this.units && Object.fromEntries(Object.entries(this.units).map(([k, v]) => [k, MODE_NAME[v]])), why: this.why };
  }
}

const NO_ACCESS = new Perm(MODE.none, null, 'no access');

function allUnits(mode) {
  return Object.fromEntries(UNITS.map((u) => [u, mode]));
}

// repo_model.MakeRestrictedPermissions (@v1.26.4): code, packages, releases read; the rest none
function restrictedUnits() {
  return { ...allUnits(MODE.none), code: MODE.read, packages: MODE.read, releases: MODE.read };
}

function clampUnits(a, b) {
  return Object.fromEntries(UNITS.map((u) => [u, Math.min(a[u] || 0, b[u] || 0)]));
}

const modeOf = (v) => (v === 'write' ? MODE.write : v === 'read' ? MODE.read : MODE.none); // parseAccessMode

// services/actions/permission_parser.go @v1.26.4 parseRawPermissionsExplicit: the `permissions:`
// value of a job or workflow -> units, or null when not given.
function parsePermissions(raw) {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw === 'string') {
    if (raw === 'read-all') return allUnits(MODE.read);
    if (raw === 'write-all') return allUnits(MODE.write);
    return allUnits(MODE.none); // an explicit but unrecognised scalar
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) return null;
  const out = allUnits(MODE.none); // a mapping starts from all-none
  // 1. `contents` first (Code and Releases), 2. the other scopes override it
  if (Object.prototype.hasOwnProperty.call(raw, 'contents')) out.code = out.releases = modeOf(raw.contents);
  const map = { code: 'code', issues: 'issues', 'pull-requests': 'pull_requests', packages: 'packages', actions: 'actions', wiki: 'wiki', releases: 'releases', projects: 'projects' };
  for (const [k, v] of Object.entries(raw)) if (map[k]) out[map[k]] = modeOf(v);
  // artifact-metadata, attestations, checks, deployments, id-token, models, discussions, pages,
  // security-events, statuses: ignored (unknown keys only log in production)
  return out;
}

// A seed's `max_token_permissions: {code: read, ...}` -> units (unnamed units: write, the default max).
function unitsFromSeed(map) {
  if (!map) return null;
  const out = allUnits(MODE.write);
  for (const [k, v] of Object.entries(map)) {
    const u = k.replace(/-/g, '_') === 'contents' ? null : k.replace(/-/g, '_');
    if (k === 'contents') out.code = out.releases = modeOf(v);
    else if (UNITS.includes(u)) out[u] = modeOf(v);
    else throw new Error(`unknown unit ${JSON.stringify(k)} in max_token_permissions; known: contents, ${UNITS.join(', ')}`);
  }
  return out;
}

// ---- which job of a run sent a request ------------------------------------------------------

// act runs every job of a run in one process and gives all of them one GITHUB_TOKEN. To apply a
// job's own `permissions:` the sandbox finds the process that opened the connection (the socket's
// inode in /proc/net/tcp, then the /proc/<pid>/fd that holds it, among act's descendants) and
// reads GITHUB_JOB from its environment.
function socketInode(localPort, remotePort) {
  const hex = (p) => p.toString(16).toUpperCase().padStart(4, '0');
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      if (cols[1].endsWith(`:${hex(localPort)}`) && cols[2].endsWith(`:${hex(remotePort)}`)) return cols[9];
    }
  }
  return null;
}

function jobOfConnection(socket, pids) {
  const inode = socketInode(socket.remotePort, socket.localPort);
  if (!inode || inode === '0') return null;
  const link = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds;
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target;
      try {
        target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (target !== link) continue;
      try {
        const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        const j = env.find((e) => e.startsWith('GITHUB_JOB='));
        return j ? j.slice('GITHUB_JOB='.length) : null;
      } catch {
        return null;
      }
    }
  }
  return null;
}

const auth = {
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
      const hit = this.runs.activeToken(c);
      if (hit) return { kind: 'run', run: hit.run, user: this.actionsUser(), tokenName: `run-${hit.run.id}`, internal: hit.internal, socket: req.socket };
    }
    return { kind: 'invalid' };
  },

  // The Perm of `auth` on `repo`.
  permission(auth, repo) {
    if (auth.kind === 'run') return this.runTokenPermission(auth, repo);
    if (auth.kind === 'token' && auth.token.repos && !auth.token.repos.includes(repo.key)) return new Perm(MODE.none, null, 'outside the token\'s repository allow-list');
    return this.userPermission(auth.kind === 'token' ? auth.token.user : null, repo);
  },

  // models/perm/access/repo_permission.go @v1.25.5 GetUserRepoPermission (the same rule in
  // Forgejo @v11.0.15 L197-245): site admin or owning user -> Owner; for an organisation's
  // repository, a team with admin access (the Owners team included) -> Owner, else the best of
  // collaborator and team access, at least Read on a public repository.
  userPermission(user, repo) {
    if (!user) return repo.private ? new Perm(MODE.none, null, 'anonymous, private repository') : new Perm(MODE.read, null, 'anonymous, public repository');
    if (user.admin) return new Perm(MODE.owner, null, 'site administrator');
    const owner = this.userByName(repo.owner);
    if (owner && owner.id === user.id) return new Perm(MODE.owner, null, 'owner');
    const collab = repo.collaborators[user.name.toLowerCase()];
    let mode = collab ? MODE[collab] : MODE.none;
    let why = collab ? `collaborator (${collab})` : '';
    if (owner && owner.isOrg) {
      const m = owner.members.get(user.name.toLowerCase());
      const covers = m && m.role !== 'none' && (!m.repos || m.repos.has(repo.name.toLowerCase()));
      // team.HasAdminAccess(): the Owners team or an Administrator team covering the repository
      if (covers && (m.role === 'owner' || m.role === 'admin')) return new Perm(MODE.owner, null, `${owner.name} ${m.role === 'owner' ? 'owner' : 'team with admin access'}`);
      if (covers && MODE[m.role] > mode) {
        mode = MODE[m.role];
        why = `${owner.name} team (${m.role})`;
      }
    }
    if (mode === MODE.none && !repo.private) return new Perm(MODE.read, null, 'public repository');
    return new Perm(mode, null, why || 'no access');
  },

  // The automatic token of a run (ctx.Doer = the Actions user).
  runTokenPermission(auth, repo) {
    const run = auth.run;
    if (this.flavor.runToken === 'own-repo') {
      // routers/api/v1/api.go @v1.25.5 repoAssignment L196-214, Forgejo @v12.0.4 L195-221:
      // another repository -> 404 (reads included); its own -> Write on every unit
      if (run.repo !== repo) return new Perm(MODE.none, null, `the run token of ${run.repo.key} (${this.flavor.name} answers 404 for any other repository)`);
      return new Perm(MODE.write, allUnits(MODE.write), 'the run token on its own repository');
    }
    return this.gitea126TokenPermission(auth, repo);
  },

  // models/perm/access/repo_permission.go @v1.26.4 GetActionsUserRepoPermission with
  // models/actions/token_permissions.go ComputeTaskTokenPermissions.
  gitea126TokenPermission(auth, repo) {
    const run = auth.run;
    const taskRepo = run.repo;
    const repoCfg = taskRepo.actions || {};
    const ownerCfg = this.ownerActionsConfig(taskRepo.owner);
    const cfg = repoCfg.override_owner_config ? repoCfg : ownerCfg;
    // the job's own `permissions:` (job level, else workflow level), else the owner/repo default mode;
    // the requesting job is looked for only when the jobs' permissions differ
    const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    const uniform = run.jobs.every((j) => eq(j.permissions, run.jobs[0].permissions));
    let declared = run.jobs.length ? run.jobs[0].permissions : null;
    let jobWhy = run.jobs.length === 1 ? `job ${run.jobs[0].key}` : 'the run';
    if (!uniform && !auth.internal) {
      const job = this.jobOfRequest(auth);
      if (job) {
        declared = job.permissions;
        jobWhy = `job ${job.key}`;
      } else {
        // the requesting job could not be told: the least of the jobs' permissions
        declared = run.jobs.map((j) => j.permissions || this.defaultTokenUnits(cfg)).reduce((a, b) => clampUnits(a, b));
        jobWhy = 'an unidentified job (the least of the jobs\' permissions)';
      }
    }
    if (auth.internal) declared = allUnits(MODE.write); // the sandbox's own checkout of the run's ref
    let units = clampUnits(declared || this.defaultTokenUnits(cfg), cfg.max_units || allUnits(MODE.write));
    const sameRepo = repo === taskRepo;
    if (!sameRepo) {
      units = clampUnits(units, restrictedUnits()); // cross-repo access is read-only
      const targetCfg = repo.actions && repo.actions.override_owner_config ? repo.actions : this.ownerActionsConfig(repo.owner);
      units = clampUnits(units, targetCfg.max_units || allUnits(MODE.write));
    }
    // the Actions bot can read a public repository: every unit at least Read
    if (!repo.private) for (const u of UNITS) units[u] = Math.max(units[u], MODE.read);
    const perm = (why) => new Perm(MODE.none, units, `the run token (${jobWhy}) ${why}`);
    if (sameRepo) return perm('on its own repository');
    if (taskRepo.owner.toLowerCase() === repo.owner.toLowerCase() && (ownerCfg.allowed_cross_repo || []).includes(repo.key)) return perm(`on ${repo.key}: on the owner's allowed_cross_repo_ids`);
    if (!repo.private) return perm(`on ${repo.key}: a public repository`);
    if (taskRepo.private && ((repo.actions && repo.actions.collaborative_owners) || []).includes(taskRepo.owner.toLowerCase())) return perm(`on ${repo.key}: ${taskRepo.owner} is a collaborative owner`);
    return new Perm(MODE.none, null, `the run token of ${taskRepo.key} has no access to the private ${repo.key}`);
  },

  // OwnerActionsConfig.GetDefaultTokenPermissions: permissive (default) -> write, restricted -> MakeRestrictedPermissions
  defaultTokenUnits(cfg) {
    return cfg.token_permission_mode === 'restricted' ? restrictedUnits() : allUnits(MODE.write);
  },

  ownerActionsConfig(ownerName) {
    const o = this.userByName(ownerName);
    return (o && o.actions) || {};
  },

  // The job of `auth.run` that sent the request (GITHUB_JOB of the requesting process), or null.
  jobOfRequest(auth) {
    const run = auth.run;
    if (run.jobs.length === 1) return run.jobs[0];
    if (!auth.socket || !run.proc || !run.proc.pid) return null;
    const { descendants } = require('./runs');
    const name = jobOfConnection(auth.socket, [run.proc.pid, ...descendants(run.proc.pid)]);
    if (!name) return null;
    const direct = run.jobs.find((j) => j.key === name);
    if (direct) return direct;
    // a job of a reusable workflow runs on the token of the job that calls it
    const callers = run.jobs.filter((j) => j.uses);
    return callers.length === 1 ? callers[0] : null;
  },

  // Gitea's tokenRequiresScopes: `need` is 'read' or 'write' in a category ('repository', 'user', 'organization').
  scopeAllows(auth, need, category = 'repository') {
    if (auth.kind !== 'token') return true;
    const s = auth.token.scopes;
    if (s.includes('all') || s.includes(`write:${category}`)) return true;
    if (need === 'read' && s.includes(`read:${category}`)) return true;
    return false;
  },
};

module.exports = { auth, Perm, MODE, MODE_NAME, UNITS, NO_ACCESS, parsePermissions, unitsFromSeed, allUnits, restrictedUnits, clampUnits };
