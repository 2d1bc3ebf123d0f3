'use strict';
// Who is asking, and what they may do: tokens (Authorization header forms), the per-run token,
// a user's access level on a repository, and token scopes. Mixed into Sandbox.prototype.

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
      const run = this.runs.activeToken(c);
      if (run) return { kind: 'run', run, user: this.actionsUser(), tokenName: `run-${run.id}` };
    }
    return { kind: 'invalid' };
  },

  // The access level ('none' | 'read' | 'write' | 'admin') of `auth` on `repo`.
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
  },

  // Gitea's tokenRequiresScopes: `need` is 'read' or 'write' in a category ('repository', 'user').
  scopeAllows(auth, need, category = 'repository') {
    if (auth.kind !== 'token') return true;
    const s = auth.token.scopes;
    if (s.includes('all') || s.includes(`write:${category}`)) return true;
    if (need === 'read' && s.includes(`read:${category}`)) return true;
    return false;
  },
};

module.exports = auth;
