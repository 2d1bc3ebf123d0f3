// Branch protection per release: the /branch_protections API (fields, errors, rule names with
// slashes, priorities), which rule applies to a branch, and the rule applied on every write path:
// the contents API (PUT/POST/DELETE, ChangeFiles, new_branch), and git push over HTTP.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSandbox, FLAVORS, api, b64, violations, clearViolations } from './helpers.mjs';

const gitEnv = { PATH: process.env.PATH, HOME: os.tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };
const gitc = (args, cwd) => promisify(execFile)('git', args, { cwd, env: gitEnv });
const gitFails = async (args, cwd) => {
  try {
    await gitc(args, cwd);
  } catch (e) {
    return e.stderr;
  }
  throw new Error(`git ${args.join(' ')} succeeded`);
};

export const protectionSeed = () => ({
  users: [
    { name: 'niko', email: 'niko@example.com', full_name: 'Niko' },
    { name: 'wendy', email: 'wendy@example.com' },
    { name: 'bob', email: 'bob@example.com' },
    { name: 'ada', email: 'ada@example.com' },
    { name: 'sam', email: 'sam@example.com', admin: true },
  ],
  tokens: ['niko', 'wendy', 'bob', 'ada', 'sam'].map((u) => ({ name: u, user: u })),
  repos: [
    {
      name: 'niko/gitops',
      collaborators: { wendy: 'write', bob: 'read', ada: 'admin' },
      files: { 'README.md': '# gitops\n', 'dev/Chart.yaml': 'version: 0.1.0\n', 'dev/values.yaml': 'tag: a\n', '.gitea/workflows/ci.yaml': 'on: push\n' },
      branches: ['release/1.0', 'release/2/hotfix', 'Stable'],
    },
  ],
});

const STATUS = (F) => ({
  cannotCommit: 403,
  // DeleteFile @v1.24.7 and Forgejo map only ErrUserCannotCommit: a protected file is a 500 there
  deleteProtectedFile: F.name === 'gitea-1.25' || F.name === 'gitea-1.26' ? 403 : 500,
  // the internal push of a new branch refused by the hook: 403 only in Gitea 1.26
  hookRefused: F.name === 'gitea-1.26' ? 403 : 500,
});

for (const flavor of Object.keys(FLAVORS)) {
  const F = FLAVORS[flavor];
  const gitea = F.kind === 'gitea';
  const S = STATUS(F);
  describe(`branch protection ${flavor}`, () => {
    // behaviour the releases share is tested on the releases named (the others take the same
    // code path: lib/flavors.js); `on(list)` registers the test only for those
    const on = (names) => (names.includes(flavor) ? it : () => {});
    let sb;
    let T;
    let tmp;
    const R = '/repos/niko/gitops';
    const BP = `${R}/branch_protections`;
    const call = (method, p, token, body) => api(sb, method, p, { token: T[token], body });
    const commits = async (ref = 'main') => (await api(sb, 'GET', `/_sandbox/repos/niko/gitops/commits?ref=${encodeURIComponent(ref)}`)).body;
    const sha = async (p, ref = 'main') => (await call('GET', `${R}/contents/${p}?ref=${encodeURIComponent(ref)}`, 'niko')).body.sha;
    const put = async (token, p, content, extra = {}) => call('PUT', `${R}/contents/${p}`, token, { content: b64(content), sha: await sha(p, extra.branch || 'main'), ...extra });
    const protect = async (rule) => {
      const r = await call('POST', BP, 'niko', rule);
      assert.equal(r.status, 201, r.text);
      return r.body;
    };
    const remote = (user) => `http://${user}:${T[user]}@${sb.url.replace('http://', '')}/niko/gitops.git`;

    before(async () => {
      sb = await startSandbox({ flavor, seed: protectionSeed(), capacity: 0 });
      T = sb.tokenNames;
      tmp = mkdtempSync(path.join(os.tmpdir(), 'sandbox-protect-'));
    });
    beforeEach(async () => {
      for (const r of (await call('GET', BP, 'niko')).body) assert.equal((await call('DELETE', `${BP}/${encodeURIComponent(r.rule_name)}`, 'niko')).status, 204);
    });
    after(async () => {
      const v = await violations(sb);
      await sb.stop();
      rmSync(tmp, { recursive: true, force: true });
      assert.deepEqual(v, [], JSON.stringify(v, null, 2));
    });

    on(['gitea-1.26', 'forgejo-12'])(`POST answers 201 with the release's fields (${gitea ? 'priority, force push, block_admin_merge_override' : 'apply_to_admins'}); only rule_name given blocks every push`, async () => {
      const r = await protect({ rule_name: 'main', push_whitelist_usernames: ['wendy'], required_approvals: -3 });
      assert.equal(r.rule_name, 'main');
      assert.equal(r.branch_name, 'main', 'a plain rule name is also the branch name');
      assert.equal(r.enable_push, false);
      assert.equal(r.enable_push_whitelist, false, 'the whitelist flag needs enable_push');
      assert.equal(r.required_approvals, 0, 'a negative count is 0');
      assert.deepEqual(r.push_whitelist_usernames, ['wendy']);
      assert.match(r.created_at, /^\d{4}-/);
      if (gitea) {
        assert.equal(r.priority, 1);
        assert.equal(r.enable_force_push, false);
        assert.equal(r.block_admin_merge_override, false);
        assert.equal(r.apply_to_admins, undefined);
      } else {
        assert.equal(r.priority, undefined, 'Forgejo has no priority');
        assert.equal(r.enable_force_push, undefined);
        assert.equal(r.apply_to_admins, false);
      }
      const glob = await protect({ rule_name: 'release/*', enable_push: true });
      assert.equal(glob.branch_name, '', 'a glob rule has no branch name');
      if (gitea) assert.equal(glob.priority, 2, 'a new rule gets MAX(priority)+1');
      // branch_name alone names the rule (the deprecated field)
      assert.equal((await protect({ branch_name: 'Stable' })).rule_name, 'Stable');
    });

    on(['gitea-1.25', 'forgejo-11'])('POST errors: 403 for a rule that exists, 400 without a name, 422 for an unknown user, 403 for a non-admin', async () => {
      await protect({ rule_name: 'main' });
      const dup = await call('POST', BP, 'niko', { rule_name: 'main', enable_push: true });
      assert.deepEqual([dup.status, dup.body.message], [403, 'Branch protection already exist']);
      const none = await call('POST', BP, 'niko', { enable_push: true });
      assert.deepEqual([none.status, none.body.message], [400, 'both rule_name and branch_name are empty']);
      const ghost = await call('POST', BP, 'niko', { rule_name: 'dev', merge_whitelist_usernames: ['ghost'] });
      assert.deepEqual([ghost.status, ghost.body.message], [422, 'user does not exist [uid: 0, name: ghost]']);
      const writer = await call('POST', BP, 'wendy', { rule_name: 'dev' });
      assert.deepEqual([writer.status, writer.body.message], [403, 'user should be an owner or a collaborator with admin write of a repository']);
      assert.equal((await call('GET', BP, 'wendy')).status, 403, 'listing is admin-only too');
      assert.equal((await call('GET', BP, 'ada')).status, 200, 'an admin collaborator may');
    });

    on(['gitea-1.26'])('whitelisted users without code write are dropped', async () => {
      const r = await protect({ rule_name: 'main', enable_push: true, enable_push_whitelist: true, push_whitelist_usernames: ['wendy', 'bob'], merge_whitelist_usernames: ['bob', 'niko'] });
      assert.deepEqual(r.push_whitelist_usernames, ['wendy']);
      assert.deepEqual(r.merge_whitelist_usernames, ['niko']);
    });

    on(['gitea-1.25', 'gitea-1.26', 'forgejo-12'])(`GET/PATCH/DELETE by name; a rule name with a slash ${F.protectionNameSlashes ? 'may be sent unescaped (/*)' : 'must be %2F-escaped'}`, async () => {
      await protect({ rule_name: 'release/*', enable_push: true });
      const esc = await call('GET', `${BP}/release%2F*`, 'niko');
      assert.equal(esc.status, 200);
      assert.equal(esc.body.rule_name, 'release/*');
      const raw = await call('GET', `${BP}/release/*`, 'niko');
      assert.equal(raw.status, F.protectionNameSlashes ? 200 : 404);
      // PATCH changes only what is sent; enable_push false clears the whitelist
      const p1 = await call('PATCH', `${BP}/release%2F*`, 'niko', { enable_push_whitelist: true, push_whitelist_usernames: ['wendy'], required_approvals: 2 });
      assert.equal(p1.status, 200);
      assert.equal(p1.body.enable_push, true, 'not sent, unchanged');
      assert.equal(p1.body.enable_push_whitelist, false, 'enable_push_whitelist counts only with enable_push');
      assert.deepEqual(p1.body.push_whitelist_usernames, ['wendy']);
      assert.equal(p1.body.required_approvals, 2);
      const p2 = await call('PATCH', `${BP}/release%2F*`, 'niko', { enable_push: true, enable_push_whitelist: true });
      assert.equal(p2.body.enable_push_whitelist, true);
      assert.deepEqual(p2.body.push_whitelist_usernames, ['wendy'], 'a list not sent keeps its users');
      const p3 = await call('PATCH', `${BP}/release%2F*`, 'niko', { enable_push: false });
      assert.deepEqual([p3.body.enable_push, p3.body.enable_push_whitelist], [false, false]);
      assert.equal((await call('PATCH', `${BP}/nope`, 'niko', { enable_push: true })).status, 404);
      assert.equal((await call('GET', `${BP}/nope`, 'niko')).status, 404);
      assert.equal((await call('DELETE', `${BP}/release%2F*`, 'niko')).status, 204);
      assert.equal((await call('DELETE', `${BP}/release%2F*`, 'niko')).status, 404);
    });

    if (gitea) {
      on(['gitea-1.24', 'gitea-1.26'])(`force-push allowlist users in PATCH ${flavor === 'gitea-1.24' ? 'are read only with force_push_allowlist_deploy_keys (a 1.24 bug)' : 'are read when sent'}`, async () => {
        await protect({ rule_name: 'main', enable_push: true, enable_force_push: true, enable_force_push_allowlist: true });
        const r = await call('PATCH', `${BP}/main`, 'niko', { force_push_allowlist_usernames: ['wendy'] });
        assert.deepEqual(r.body.force_push_allowlist_usernames, flavor === 'gitea-1.24' ? [] : ['wendy']);
        const r2 = await call('PATCH', `${BP}/main`, 'niko', { force_push_allowlist_usernames: ['wendy'], force_push_allowlist_deploy_keys: false });
        assert.deepEqual(r2.body.force_push_allowlist_usernames, ['wendy']);
      });

      on(['gitea-1.26'])('rules are ordered by priority, then plain before glob; POST /priority renumbers them', async () => {
        const a = await protect({ rule_name: 'release/*', enable_push: true }); // priority 1
        await protect({ rule_name: 'release/1.0', enable_push: false }); // priority 2
        assert.deepEqual((await call('GET', BP, 'niko')).body.map((r) => r.rule_name), ['release/*', 'release/1.0']);
        // release/* (first by priority) lets niko push to release/1.0
        assert.equal((await put('niko', 'README.md', 'r1\n', { branch: 'release/1.0' })).status, 200);
        const ids = sb.sandbox.repoByName('niko', 'gitops').protections.map((r) => r.id);
        assert.equal((await call('POST', `${BP}/priority`, 'niko', { ids: [ids[1], ids[0]] })).status, 204);
        assert.deepEqual((await call('GET', BP, 'niko')).body.map((r) => [r.rule_name, r.priority]), [['release/1.0', 1], ['release/*', 2]]);
        assert.equal((await put('niko', 'README.md', 'r2\n', { branch: 'release/1.0' })).status, 403);
        assert.ok(a);
      });
    } else {
      on(['forgejo-12'])('rules: plain names before globs, then the older one; no priority endpoint', async () => {
        await protect({ rule_name: 'release/*', enable_push: true });
        await protect({ rule_name: 'release/1.0', enable_push: false });
        assert.deepEqual((await call('GET', BP, 'niko')).body.map((r) => r.rule_name), ['release/1.0', 'release/*']);
        assert.equal((await put('niko', 'README.md', 'r\n', { branch: 'release/1.0' })).status, 403, 'the plain rule wins');
        assert.equal((await call('POST', `${BP}/priority`, 'niko', { ids: [1] })).status, 404);
        await clearViolations(sb); // the request names an operation Forgejo's spec lacks
      });
    }

    on(['gitea-1.26', 'forgejo-12'])('matching: a plain name is case-insensitive; `*` stops at `/`, `**` does not', async () => {
      await protect({ rule_name: 'stable' });
      assert.equal((await put('niko', 'README.md', 's\n', { branch: 'Stable' })).status, 403);
      await protect({ rule_name: 'release/*' });
      assert.equal((await put('niko', 'README.md', 'h\n', { branch: 'release/2/hotfix' })).status, 200, 'release/* does not cover release/2/hotfix');
      assert.equal((await put('niko', 'README.md', 'h\n', { branch: 'release/1.0' })).status, 403);
      await call('DELETE', `${BP}/release%2F*`, 'niko');
      await protect({ rule_name: 'release/**' });
      assert.equal((await put('niko', 'README.md', 'h2\n', { branch: 'release/2/hotfix' })).status, 403);
    });

    on(['gitea-1.24', 'forgejo-12'])('the branch view shows the rule: protected, user_can_push, user_can_merge, effective name for an admin', async () => {
      await protect({ rule_name: 'main', required_approvals: 1, enable_status_check: true, status_check_contexts: ['ci/*'], enable_push: true, enable_push_whitelist: true, push_whitelist_usernames: ['wendy'] });
      const asNiko = (await call('GET', `${R}/branches/main`, 'niko')).body;
      assert.deepEqual([asNiko.protected, asNiko.required_approvals, asNiko.enable_status_check, asNiko.status_check_contexts, asNiko.user_can_push, asNiko.user_can_merge, asNiko.effective_branch_protection_name], [true, 1, true, ['ci/*'], false, true, 'main']);
      const asWendy = (await call('GET', `${R}/branches/main`, 'wendy')).body;
      assert.deepEqual([asWendy.user_can_push, asWendy.effective_branch_protection_name], [true, '']);
      const other = (await call('GET', `${R}/branches/Stable`, 'niko')).body;
      assert.deepEqual([other.protected, other.user_can_push], [false, true]);
    });

    on(['gitea-1.24', 'gitea-1.26', 'forgejo-12'])('contents API: every write into a protected branch is 403 `user cannot commit to repo [user: x]` and writes nothing; the whitelist may', async () => {
      await protect({ rule_name: 'main', enable_push: true, enable_push_whitelist: true, push_whitelist_usernames: ['wendy'] });
      const before = (await commits()).length;
      const denied = 'user cannot commit to repo [user: niko]';
      const r1 = await put('niko', 'README.md', 'x\n');
      assert.deepEqual([r1.status, r1.body.message], [S.cannotCommit, denied]);
      const r2 = await call('POST', `${R}/contents/new.txt`, 'niko', { content: b64('n\n') });
      assert.deepEqual([r2.status, r2.body.message], [403, denied]);
      const r3 = await call('DELETE', `${R}/contents/README.md`, 'niko', { sha: await sha('README.md') });
      assert.deepEqual([r3.status, r3.body.message], [403, denied]);
      const r4 = await call('POST', `${R}/contents`, 'niko', { files: [{ operation: 'create', path: 'a.txt', content: b64('a\n') }] });
      assert.deepEqual([r4.status, r4.body.message], [403, denied]);
      // a site administrator gets no bypass
      const r5 = await put('sam', 'README.md', 'x\n');
      assert.deepEqual([r5.status, r5.body.message], [403, 'user cannot commit to repo [user: sam]']);
      assert.equal((await commits()).length, before, 'nothing was written');
      assert.equal((await put('wendy', 'README.md', 'by wendy\n')).status, 200, 'the whitelisted user may');
      // enable_push_whitelist alone changes nothing in a PATCH: it is read only next to enable_push
      await call('PATCH', `${BP}/main`, 'niko', { enable_push_whitelist: false });
      assert.equal((await put('niko', 'README.md', 'by niko\n')).status, 403);
      // without a whitelist, enable_push lets every writer push
      await call('PATCH', `${BP}/main`, 'niko', { enable_push: true, enable_push_whitelist: false });
      assert.equal((await put('niko', 'README.md', 'by niko\n')).status, 200);
      // a user without code write fails the earlier permission check instead
      const reader = await put('bob', 'README.md', 'by bob\n');
      assert.deepEqual([reader.status, reader.body.message], [403, F.branchWriteMessage]);
    });

    on(['gitea-1.24', 'gitea-1.25', 'forgejo-12'])(`protected_file_patterns: 403 \`path is protected…\` even for pushers (DELETE: ${S.deleteProtectedFile}); unprotected_file_patterns let others change only those files`, async () => {
      await protect({ rule_name: 'main', enable_push: true, protected_file_patterns: '.gitea/**;README.md', unprotected_file_patterns: 'dev/*.yaml' });
      const r1 = await put('niko', '.gitea/workflows/ci.yaml', 'on: workflow_dispatch\n');
      assert.deepEqual([r1.status, r1.body.message], [403, 'path is protected and can not be changed [path: .gitea/workflows/ci.yaml]']);
      const del = await call('DELETE', `${R}/contents/README.md`, 'niko', { sha: await sha('README.md') });
      assert.equal(del.status, S.deleteProtectedFile);
      assert.equal((await put('niko', 'dev/Chart.yaml', 'version: 0.2.0\n')).status, 200);
      await call('PATCH', `${BP}/main`, 'niko', { enable_push: false });
      // `*` does not cross `.` or `/` in file patterns: dev/*.yaml covers dev/values.yaml
      assert.equal((await put('niko', 'dev/values.yaml', 'tag: b\n')).status, 200, 'only unprotected files: allowed');
      const mixed = await call('POST', `${R}/contents`, 'niko', { files: [{ operation: 'update', path: 'dev/values.yaml', content: b64('tag: c\n'), sha: await sha('dev/values.yaml') }, { operation: 'create', path: 'other.txt', content: b64('o\n') }] });
      assert.deepEqual([mixed.status, mixed.body.message], [403, 'user cannot commit to repo [user: niko]']);
    });

    on(['gitea-1.26'])('require_signed_commits refuses every contents write (the sandbox never signs)', async () => {
      await protect({ rule_name: 'main', enable_push: true, require_signed_commits: true });
      const r = await put('niko', 'README.md', 'signed?\n');
      assert.deepEqual([r.status, r.body.message], [403, 'user cannot commit to repo [user: niko]']);
    });

    on(['gitea-1.25', 'gitea-1.26', 'forgejo-12'])(`new_branch skips the old branch's rule; a rule on the new branch refuses its internal push (${S.hookRefused})`, async () => {
      await protect({ rule_name: 'main' });
      await protect({ rule_name: 'gitops/**' });
      const ok = await put('niko', 'README.md', 'on a branch\n', { new_branch: 'feature/one' });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.content.url.includes('ref=feature%2Fone'), true);
      const cf = await call('POST', `${R}/contents`, 'niko', { new_branch: 'feature/two', files: [{ operation: 'create', path: 'two.txt', content: b64('2\n') }] });
      assert.equal(cf.status, 201);
      const before = (await api(sb, 'GET', '/_sandbox/repos/niko/gitops/branches')).body.length;
      const refused = await put('niko', 'README.md', 'gitops\n', { new_branch: 'gitops/app/1.2.3' });
      assert.equal(refused.status, S.hookRefused);
      assert.equal(refused.body.message, S.hookRefused === 403 ? 'Not allowed to push to protected branch gitops/app/1.2.3' : '');
      assert.equal((await api(sb, 'GET', '/_sandbox/repos/niko/gitops/branches')).body.length, before, 'no branch was created');
    });

    on(['gitea-1.26', 'forgejo-12'])(`git push: refused with the hook's message (${gitea ? '`remote: error: …`' : '`remote: Forgejo: …`'}); deletion and force push refused; the whitelist may push`, async () => {
      const dir = path.join(tmp, `w-${Date.now()}`);
      await gitc(['clone', '-q', remote('niko'), dir]);
      await gitc(['config', 'user.email', 'niko@example.com'], dir);
      await gitc(['config', 'user.name', 'Niko'], dir);
      await protect({ rule_name: 'main', enable_push: true, enable_push_whitelist: true, push_whitelist_usernames: ['wendy'], protected_file_patterns: 'secret.txt' });
      writeFileSync(path.join(dir, 'pushed.txt'), 'p\n');
      await gitc(['add', '.'], dir);
      await gitc(['commit', '-qm', 'direct push'], dir);
      const before = (await commits()).length;
      const err = await gitFails(['push', 'origin', 'main'], dir);
      assert.match(err, gitea ? /remote: error: Not allowed to push to protected branch main/ : /remote: Forgejo: Not allowed to push to protected branch main/);
      assert.match(err, /\[remote rejected\] main -> main \(pre-receive hook declined\)/);
      assert.equal((await commits()).length, before, 'nothing landed');
      // the whitelisted user may push the same commit
      await gitc(['push', '-q', remote('wendy'), 'main'], dir);
      assert.equal((await commits())[0].message, 'direct push\n');
      // a protected file is refused even to her
      writeFileSync(path.join(dir, 'secret.txt'), 's\n');
      await gitc(['add', '.'], dir);
      await gitc(['commit', '-qm', 'secret'], dir);
      assert.match(await gitFails(['push', remote('wendy'), 'main'], dir), /branch main is protected from changing file secret\.txt/);
      // deleting the default branch, and a protected branch
      assert.match(await gitFails(['push', remote('wendy'), ':main'], dir), /branch main is the default branch and cannot be deleted/);
      await protect({ rule_name: 'release/*', enable_push: true });
      assert.match(await gitFails(['push', remote('niko'), ':release/1.0'], dir), /branch release\/1\.0 is protected from deletion/);
      // a force push
      await gitc(['reset', '-q', '--hard', 'HEAD~2'], dir);
      writeFileSync(path.join(dir, 'other.txt'), 'o\n');
      await gitc(['add', '.'], dir);
      await gitc(['commit', '-qm', 'diverged'], dir);
      assert.match(await gitFails(['push', '-f', remote('wendy'), 'main'], dir), /branch main is protected from force push/);
      if (gitea) {
        await call('PATCH', `${BP}/main`, 'niko', { enable_force_push: true });
        await gitc(['push', '-q', '-f', remote('wendy'), 'main'], dir);
        assert.equal((await commits())[0].message, 'diverged\n', 'Gitea: enable_force_push lets a pusher force-push');
      }
      // an unprotected branch takes any push
      await gitc(['push', '-q', remote('niko'), 'HEAD:refs/heads/scratch'], dir);
      assert.equal((await commits('scratch'))[0].message, 'diverged\n');
    });
  });
}

describe('branch protection from the seed', () => {
  it('a repository\'s `branch_protections` become rules; a bad one stops the sandbox from starting', async () => {
    const seed = protectionSeed();
    seed.repos[0].branch_protections = [{ rule_name: 'main', enable_push: true, enable_push_whitelist: true, push_whitelist_usernames: ['wendy'] }, { rule_name: 'release/*' }];
    const sb = await startSandbox({ flavor: 'forgejo-12', seed, capacity: 0 });
    try {
      const rules = (await api(sb, 'GET', '/repos/niko/gitops/branch_protections', { token: sb.tokenNames.niko })).body;
      assert.deepEqual(rules.map((r) => [r.rule_name, r.enable_push, r.push_whitelist_usernames]), [['main', true, ['wendy']], ['release/*', false, []]]);
      const cur = await api(sb, 'GET', '/repos/niko/gitops/contents/README.md', { token: sb.tokenNames.niko });
      const w = await api(sb, 'PUT', '/repos/niko/gitops/contents/README.md', { token: sb.tokenNames.niko, body: { content: b64('x\n'), sha: cur.body.sha } });
      assert.deepEqual([w.status, w.body.message], [403, 'user cannot commit to repo [user: niko]']);
      assert.deepEqual(await violations(sb), []);
    } finally {
      await sb.stop();
    }
    const bad = protectionSeed();
    bad.repos[0].branch_protections = [{ rule_name: 'main', push_whitelist_usernames: ['ghost'] }];
    await assert.rejects(startSandbox({ seed: bad, capacity: 0 }), /seed: repo niko\/gitops: branch protection "main": user does not exist \[uid: 0, name: ghost\]/);
  });
});
