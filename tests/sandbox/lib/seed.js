'use strict';
// Seed files (YAML or JSON), the built-in demo world, and applying a seed to a sandbox. See tests/sandbox/README.md for the format.

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const YAML = require('yaml');
const git = require('./git');
const { applySettings } = require('./flavors');
const { unitsFromSeed } = require('./auth');
const { createRule } = require('./protection');

const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

// Reads every file below `dir` (skipping .git and node_modules) as [{path, content, mode}].
function filesFromDir(dir) {
  const out = [];
  const walk = (d, rel) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (ent.name === '.git' || ent.name === 'node_modules') continue;
      const abs = path.join(d, ent.name);
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) walk(abs, r);
      else if (ent.isFile()) {
        const st = fs.statSync(abs);
        out.push({ path: r, content: fs.readFileSync(abs), mode: st.mode & 0o111 ? '100755' : '100644' });
      }
    }
  };
  walk(dir, '');
  return out;
}

// Normalises a parsed seed: `files_from` folders and inline `files` become [{path, content: Buffer, mode}].
function normalizeSeed(seed, baseDir) {
  const s = { users: seed.users || [], orgs: seed.orgs || [], tokens: seed.tokens || [], server: seed.server || {}, repos: [] };
  for (const r of seed.repos || []) {
    if (!r.name || !/^[^/]+\/[^/]+$/.test(r.name)) throw new Error(`seed: repo name must be "owner/name", got ${JSON.stringify(r.name)}`);
    const files = new Map();
    for (const from of [].concat(r.files_from || [])) {
      const dir = path.resolve(baseDir, from);
      for (const f of filesFromDir(dir)) files.set(f.path, f);
    }
    if (r.files) {
      const entries = Array.isArray(r.files) ? r.files.map((f) => [f.path, f]) : Object.entries(r.files);
      for (const [p, v] of entries) {
        if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
          const content = v.base64 !== undefined ? Buffer.from(v.base64, 'base64') : Buffer.from(String(v.content ?? ''));
          files.set(p, { path: p, content, mode: v.executable ? '100755' : '100644' });
        } else files.set(p, { path: p, content: Buffer.isBuffer(v) ? v : Buffer.from(String(v)), mode: '100644' });
      }
    }
    s.repos.push({ ...r, files: [...files.values()] });
  }
  return s;
}

function loadSeed(file) {
  const text = fs.readFileSync(file, 'utf8');
  const seed = /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text);
  return normalizeSeed(seed || {}, path.dirname(path.resolve(file)));
}

const BUILD_WORKFLOW = `name: Build
on:
  workflow_dispatch:
    inputs:
      version:
        description: Version that was built
        type: string
        required: true
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Ask the GitOps repository to deploy it
        uses: niko/gitops-action@v1
        with:
          mode: dispatch
          env_json: \${{ toJSON(env) }}
          version: \${{ inputs.version }}
          GITOPS_FILE: dev/Chart.yaml
          GITOPS_YQ_TPL: '.version = "{{VERSION}}"'
          GITOPS_REPO: niko/agent-platform-gitops
          token: \${{ secrets.GITOPS_DISPATCH_TOKEN }}
`;

// The demo world: user niko with a personal token, the consumer repo niko/agent-platform and
// the GitOps repo niko/agent-platform-gitops (contents: examples/gitops-repo/).
function demoSeed(repoRoot) {
  return normalizeSeed(
    {
      users: [{ name: 'niko', email: 'niko@example.com', full_name: 'Niko' }],
      tokens: [{ name: 'niko-pat', user: 'niko', scopes: ['write:repository', 'read:user'] }],
      repos: [
        {
          name: 'niko/agent-platform',
          default_branch: 'main',
          description: 'The application: builds, then asks the GitOps repository to deploy',
          files: {
            'README.md': '# agent-platform\n\nDemo consumer of niko/gitops-action (dispatch mode).\n',
            'VERSION': '0.1.0\n',
            '.gitea/workflows/build.yaml': BUILD_WORKFLOW,
          },
          secrets: { GITOPS_DISPATCH_TOKEN: { token: 'niko-pat' } },
        },
        {
          name: 'niko/agent-platform-gitops',
          default_branch: 'main',
          description: 'Deployment state of agent-platform',
          files_from: path.join(repoRoot, 'examples', 'gitops-repo'),
        },
      ],
    },
    repoRoot,
  );
}

// An owner's or repository's `actions:` block (Gitea 1.26's Actions settings; other releases
// ignore it): models/actions/config.go @v1.26.4 OwnerActionsConfig, models/repo/repo_unit_actions.go
// ActionsConfig.
function actionsConfig(where, cfg, ownerName) {
  if (!cfg) return {};
  const known = ['token_permission_mode', 'max_token_permissions', 'allowed_cross_repo_ids', 'override_owner_config', 'collaborative_owners'];
  for (const k of Object.keys(cfg)) if (!known.includes(k)) throw new Error(`seed: ${where}: unknown actions setting ${JSON.stringify(k)}; known: ${known.join(', ')}`);
  const mode = cfg.token_permission_mode;
  if (mode !== undefined && !['permissive', 'restricted'].includes(mode)) throw new Error(`seed: ${where}: token_permission_mode must be permissive or restricted`);
  return {
    token_permission_mode: mode || 'permissive',
    max_units: unitsFromSeed(cfg.max_token_permissions),
    // repository names; a bare name is one of the owner's
    allowed_cross_repo: (cfg.allowed_cross_repo_ids || []).map((n) => (String(n).includes('/') ? String(n) : `${ownerName}/${n}`).toLowerCase()),
    override_owner_config: !!cfg.override_owner_config,
    collaborative_owners: (cfg.collaborative_owners || []).map((n) => String(n).toLowerCase()),
  };
}

const ORG_ROLES = ['none', 'read', 'write', 'admin', 'owner'];

// Creates the seed's users, organisations, tokens and repositories (real bare git repositories,
// one commit each) in the sandbox `sb`.
async function applySeed(sb, seed) {
  sb.started = nowIso();
  if (seed.server) sb.settings = applySettings(sb.flavor, sb.settings, seed.server);
  let uid = 1;
  for (const u of seed.users || []) {
    if (!u.name) throw new Error('seed: a user needs a name');
    sb.users.set(u.name.toLowerCase(), {
      id: uid++,
      name: u.name,
      email: u.email || `${u.name}@example.com`,
      fullName: u.full_name || '',
      created: sb.started,
      admin: !!u.admin, // a site administrator
      isOrg: false,
      actions: actionsConfig(`user ${u.name}`, u.actions, u.name),
    });
  }
  for (const o of seed.orgs || []) {
    if (!o.name) throw new Error('seed: an organisation needs a name');
    if (sb.users.has(o.name.toLowerCase())) throw new Error(`seed: ${o.name} is both a user and an organisation`);
    const members = new Map();
    for (const [login, v] of Object.entries(o.members || {})) {
      const m = typeof v === 'string' ? { role: v } : { ...v };
      if (!ORG_ROLES.includes(m.role)) throw new Error(`seed: org ${o.name}: member ${login} has role ${JSON.stringify(m.role)}; roles: ${ORG_ROLES.join(', ')}`);
      if (!sb.userByName(login) || sb.userByName(login).isOrg) throw new Error(`seed: org ${o.name}: member ${login} is not a seeded user`);
      members.set(login.toLowerCase(), { role: m.role, repos: m.repos ? new Set(m.repos.map((r) => String(r).replace(/^[^/]*\//, '').toLowerCase())) : null });
    }
    sb.users.set(o.name.toLowerCase(), {
      id: uid++,
      name: o.name,
      email: o.email || `${o.name}@example.com`,
      fullName: o.full_name || '',
      description: o.description || '',
      website: o.website || '',
      location: o.location || '',
      created: sb.started,
      admin: false,
      isOrg: true,
      members,
      actions: actionsConfig(`org ${o.name}`, o.actions, o.name),
    });
  }
  const userTokens = {};
  let tid = 1;
  for (const t of seed.tokens || []) {
    const user = sb.userByName(t.user);
    if (!user || user.isOrg) throw new Error(`seed: token ${t.name} belongs to unknown user ${t.user}`);
    const value = t.value || crypto.randomBytes(20).toString('hex');
    const tok = { id: tid++, name: t.name || `token-${tid}`, user, value, scopes: t.scopes || ['all'], repos: t.repos ? t.repos.map((r) => r.toLowerCase()) : null };
    sb.tokens.set(value, tok);
    if (!userTokens[user.name]) userTokens[user.name] = value;
  }
  sb.userTokens = userTokens;
  let rid = 1;
  for (const r of seed.repos || []) {
    const [owner, name] = r.name.split('/');
    const owner0 = sb.userByName(owner);
    if (!owner0) throw new Error(`seed: repo ${r.name} belongs to unknown user or organisation ${owner}`);
    const key = `${owner}/${name}`.toLowerCase();
    const gitDir = path.join(sb.reposRoot, owner.toLowerCase(), `${name.toLowerCase()}.git`);
    const repo = {
      id: rid++,
      key,
      owner: owner0.name,
      name,
      gitDir,
      defaultBranch: r.default_branch || 'main',
      private: r.private !== false,
      description: r.description || '',
      collaborators: Object.fromEntries(Object.entries(r.collaborators || {}).map(([k, v]) => [k.toLowerCase(), v])),
      created: sb.started,
      empty: true,
      secrets: {},
      actions: actionsConfig(`repo ${r.name}`, r.actions, owner0.name),
      protections: [], // branch protection rules (lib/protection.js)
      issues: [], // issues and pull requests, one number sequence (lib/pulls.js)
      nextIssueIndex: 1,
      branchTips: new Map(), // the branch tips last seen (Sandbox.afterRefUpdate)
    };
    for (const [k, v] of Object.entries(repo.collaborators)) if (!['read', 'write', 'admin'].includes(v)) throw new Error(`seed: repo ${r.name}: collaborator ${k} must be read, write or admin`);
    for (const [k, v] of Object.entries(r.secrets || {})) {
      if (v && typeof v === 'object' && v.token) {
        const tok = [...sb.tokens.values()].find((t) => t.name === v.token);
        if (!tok) throw new Error(`seed: secret ${k} of ${r.name} names unknown token ${v.token}`);
        repo.secrets[k] = tok.value;
      } else repo.secrets[k] = String(v);
    }
    await git.initBare(gitDir, repo.defaultBranch);
    const files = r.files || [];
    if (files.length) {
      // the seeded commit is authored by the owner (an organisation: its name and e-mail)
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
      for (const t of r.tags || []) await git.run(['update-ref', `refs/tags/${t}`, sha], { gitDir });
    }
    sb.repos.set(key, repo);
    repo.branchTips = new Map((await git.listBranches(gitDir)).map((b) => [b.name, b.sha]));
    // CreateBranchProtectionOption fields, as POST /branch_protections takes them
    for (const form of r.branch_protections || []) {
      try {
        createRule(sb, repo, form);
      } catch (e) {
        throw new Error(`seed: repo ${r.name}: branch protection ${JSON.stringify(form.rule_name || form.branch_name)}: ${e.message}`);
      }
    }
  }
}

module.exports = { loadSeed, demoSeed, normalizeSeed, filesFromDir, applySeed, BUILD_WORKFLOW };
