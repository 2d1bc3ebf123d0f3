// Pull requests per release, without merging (merge.test.mjs): numbers shared with issues, the
// PullRequest view, creation and its errors, listing, GET by base/head, editing and closing, and
// comments on the PR's issue.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startSandbox, FLAVORS, api, b64, violations, clearViolations, pullSeed } from './helpers.mjs';

// a missing head branch when opening a PR (routers/api/v1/repo/pull.go parseCompareInfo)
const MISSING_HEAD = {
  'gitea-1.24': [404, "The target couldn't be found."],
  'gitea-1.25': [404, 'not found'],
  'gitea-1.26': [404, 'not found'],
  'forgejo-11': [500, ''], // IsCommitExist(baseBranch) lets it through; GetCompareInfo fails
  'forgejo-12': [404, 'IsRefExist'],
};

for (const flavor of Object.keys(FLAVORS)) {
  const F = FLAVORS[flavor];
  const gitea = F.kind === 'gitea';
  describe(`pull requests ${flavor}`, () => {
    // behaviour the releases share is tested on the releases named (the others take the same
    // code path: lib/flavors.js); `on(list)` registers the test only for those
    const on = (names) => (names.includes(flavor) ? it : () => {});
    let sb;
    let T;
    const R = '/repos/niko/gitops';
    const call = (method, p, token, body) => api(sb, method, p, { token: T[token], body });
    const tip = (ref) => execFileSync('git', ['--git-dir', path.join(sb.dataDir, 'repos', 'niko', 'gitops.git'), 'rev-parse', ref], { encoding: 'utf8' }).trim();
    // a new branch `name` off main with one changed file
    const branch = async (name, file = 'dev/Chart.yaml', content = `version: ${name}\n`, repo = R) => {
      const cur = await call('GET', `${repo}/contents/${file}`, 'niko');
      const r = await call('PUT', `${repo}/contents/${file}`, 'niko', { content: b64(content), sha: cur.body.sha, new_branch: name, message: `change on ${name}` });
      assert.equal(r.status, 200, r.text);
    };
    const open = async (head, title = `PR from ${head}`, token = 'niko', extra = {}) => {
      const r = await call('POST', `${R}/pulls`, token, { head, base: 'main', title, ...extra });
      assert.equal(r.status, 201, r.text);
      return r.body;
    };

    before(async () => {
      sb = await startSandbox({ flavor, seed: pullSeed(), capacity: 0 });
      T = sb.tokenNames;
    });
    after(async () => {
      const v = await violations(sb);
      await sb.stop();
      assert.deepEqual(v, [], JSON.stringify(v, null, 2));
    });

    on(['gitea-1.25', 'gitea-1.26', 'forgejo-12'])('issues and pull requests share one number sequence; the PR view (urls on the public URL, head, base, diff counts)', async () => {
      const issue = await call('POST', `${R}/issues`, 'niko', { title: 'a plain issue', body: 'text' });
      assert.equal(issue.status, 201);
      assert.equal(issue.body.number, 1);
      assert.equal(issue.body.pull_request, null);
      assert.equal(issue.body.html_url, `${sb.url}/niko/gitops/issues/1`);
      await branch('feat/view');
      const pr = await open('feat/view', 'View me');
      assert.equal(pr.number, 2, 'the next number after the issue');
      assert.equal(pr.url, `${sb.url}/niko/gitops/pulls/2`);
      assert.equal(pr.html_url, pr.url);
      assert.equal(pr.diff_url, `${pr.url}.diff`);
      assert.deepEqual([pr.state, pr.merged, pr.merged_at, pr.merge_commit_sha, pr.merged_by, pr.mergeable, pr.draft], ['open', false, null, null, null, true, false]);
      assert.deepEqual([pr.head.label, pr.head.ref, pr.head.sha, pr.head.repo.full_name], ['feat/view', 'feat/view', tip('refs/heads/feat/view'), 'niko/gitops']);
      assert.deepEqual([pr.base.label, pr.base.ref, pr.base.sha], ['main', 'main', tip('refs/heads/main')]);
      assert.equal(pr.merge_base, tip('refs/heads/main'));
      assert.deepEqual([pr.additions, pr.deletions, pr.changed_files], [1, 1, 1]);
      assert.equal(pr.user.login, 'niko');
      assert.equal(tip('refs/pull/2/head'), pr.head.sha, 'refs/pull/N/head in the bare repository');
      assert.equal(pr.flow, gitea ? undefined : 0, 'Forgejo has `flow`');
      assert.equal(pr.content_version, flavor === 'gitea-1.26' ? 0 : undefined, 'content_version from Gitea 1.26');
      assert.equal((await call('GET', `${R}/pulls/1`, 'niko')).status, 404, 'issue #1 is not a pull request');
      const repo = (await call('GET', R, 'niko')).body;
      assert.deepEqual([repo.open_issues_count, repo.open_pr_counter], [1, 1]);
      const asIssue = (await call('GET', `${R}/issues/2`, 'niko')).body;
      assert.deepEqual([asIssue.pull_request.merged, asIssue.pull_request.html_url], [false, pr.url]);
      const viaRunner = await api({ url: sb.runnerUrl }, 'GET', `${R}/pulls/2`, { token: T.niko });
      assert.notEqual(sb.runnerUrl, sb.url);
      assert.equal(viaRunner.body.html_url, `${sb.url}/niko/gitops/pulls/2`, 'asked through the runner address: still the public URL');
      const got = await call('GET', `${R}/pulls/2`, 'bob');
      assert.equal(got.status, 200, 'a reader may read it');
      assert.equal(got.body.title, 'View me');
      assert.equal((await call('GET', `${R}/pulls/2`, 'eve')).status, 404, 'no access: 404');
    });

    it('creation errors: same branch 422, missing refs, a tag, a duplicate 409 naming the open PR, missing fields', async () => {
      await branch('feat/dup');
      const same = await call('POST', `${R}/pulls`, 'niko', { head: 'main', base: 'main', title: 't' });
      assert.deepEqual([same.status, same.body.message], [422, 'Invalid PullRequest: There are no changes between the head and the base']);
      const noHead = await call('POST', `${R}/pulls`, 'niko', { head: 'nope', base: 'main', title: 't' });
      assert.deepEqual([noHead.status, noHead.body.message], MISSING_HEAD[flavor]);
      const noBase = await call('POST', `${R}/pulls`, 'niko', { head: 'feat/dup', base: 'nope', title: 't' });
      assert.deepEqual([noBase.status, noBase.body.message], gitea ? [404, F.notFound.message] : [404, 'BaseNotExist']);
      const tag = await call('POST', `${R}/pulls`, 'niko', { head: 'v1', base: 'main', title: 't' });
      if (gitea) assert.deepEqual([tag.status, tag.body.message], [422, 'Invalid PullRequest: base and head must be branches']);
      else assert.equal(tag.status, 501, 'Forgejo takes a tag; the sandbox does not model it');
      const noTitle = await call('POST', `${R}/pulls`, 'niko', { head: 'feat/dup', base: 'main' });
      assert.deepEqual([noTitle.status, noTitle.body.message], [422, '[Title]: Required']);
      await clearViolations(sb); // the request without `title` breaks the spec on purpose
      const ghost = await call('POST', `${R}/pulls`, 'niko', { head: 'feat/dup', base: 'main', title: 't', assignee: 'ghost' });
      assert.deepEqual([ghost.status, ghost.body.message], [422, 'Assignee does not exist: [name: user does not exist [uid: 0, name: ghost]]']);
      const first = await open('niko:feat/dup', 'first', 'niko', { assignees: ['wendy'] });
      assert.equal(first.head.label, 'feat/dup', '`owner:branch` names this repository\'s branch');
      assert.equal(first.assignee.login, 'wendy');
      const dup = await call('POST', `${R}/pulls`, 'wendy', { head: 'feat/dup', base: 'main', title: 'second' });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.message, `pull request already exists for these targets [id: ${first.id}, issue_id: ${first.number}, head_repo_id: ${first.head.repo_id}, base_repo_id: ${first.base.repo_id}, head_branch: feat/dup, base_branch: main]`);
      // a closed PR does not block a new one
      assert.equal((await call('PATCH', `${R}/pulls/${first.number}`, 'niko', { state: 'closed' })).status, 201);
      assert.equal((await open('feat/dup', 'second')).number, first.number + 1);
      assert.equal((await call('POST', `${R}/pulls`, 'niko', { head: 'someone:feat/dup', base: 'main', title: 't' })).status, 404, 'no forks in the sandbox');
      if (gitea) {
        await branch('feat/rev');
        const rev = await call('POST', `${R}/pulls`, 'niko', { head: 'feat/rev', base: 'main', title: 't', reviewers: ['ghost'] });
        assert.deepEqual([rev.status, rev.body.message], [404, 'UserNotExist']);
      }
    });

    on(['gitea-1.26', 'forgejo-12'])(`on a public repository a user who is no collaborator ${gitea ? 'gets 403 `user must be a collaborator`' : 'may open a PR'}`, async () => {
      await branch('idea', 'README.md', '# idea\n', '/repos/niko/public');
      const r = await call('POST', '/repos/niko/public/pulls', 'eve', { head: 'idea', base: 'main', title: 'from eve' });
      if (gitea) assert.deepEqual([r.status, r.body.message], [403, 'user must be a collaborator']);
      else assert.equal(r.status, 201);
      // a read collaborator of a private repository may (IsOwnerMemberCollaborator)
      await branch('from-bob');
      assert.equal((await call('POST', `${R}/pulls`, 'bob', { head: 'from-bob', base: 'main', title: 'by bob' })).status, 201);
    });

    on(['gitea-1.26', 'forgejo-12'])(`listing: no state lists all (the specs say open); ${gitea ? 'base_branch filters' : 'no base_branch filter'}; sort, paging, poster`, async () => {
      await branch('list/a');
      await branch('list/b');
      const a = await open('list/a');
      const b = await open('list/b');
      await call('PATCH', `${R}/pulls/${a.number}`, 'niko', { state: 'closed' });
      const all = (await call('GET', `${R}/pulls?limit=50`, 'niko')).body;
      assert.ok(all.some((p) => p.number === a.number) && all.some((p) => p.number === b.number), 'closed and open');
      assert.ok(all[0].number > all[all.length - 1].number, 'newest first');
      const openOnly = (await call('GET', `${R}/pulls?state=open&limit=50`, 'niko')).body;
      assert.ok(openOnly.every((p) => p.state === 'open') && !openOnly.some((p) => p.number === a.number));
      const closed = (await call('GET', `${R}/pulls?state=closed&limit=50`, 'niko')).body;
      assert.ok(closed.every((p) => p.state === 'closed') && closed.some((p) => p.number === a.number));
      const oldest = (await call('GET', `${R}/pulls?sort=oldest&limit=50`, 'niko')).body;
      assert.deepEqual(oldest.map((p) => p.number), all.map((p) => p.number).reverse());
      const page = await call('GET', `${R}/pulls?limit=1&page=2`, 'niko');
      assert.equal(page.body.length, 1);
      assert.equal(page.headers.get('x-total-count'), String(all.length));
      assert.match(page.headers.get('link'), /rel="next".*rel="last".*rel="first".*rel="prev"/);
      const byBase = (await call('GET', `${R}/pulls?base_branch=nope`, 'niko')).body;
      assert.equal(byBase.length, gitea ? 0 : Math.min(all.length, 30));
      if (!gitea) await api(sb, 'DELETE', '/_sandbox/warnings');
      assert.equal((await call('GET', `${R}/pulls?poster=bob&limit=50`, 'niko')).body.every((p) => p.user.login === 'bob'), true);
      assert.equal((await call('GET', `${R}/pulls?poster=ghost`, 'niko')).status, 400);
    });

    on(['gitea-1.24', 'forgejo-12'])('GET /pulls/{base}/{head}: the head may hold slashes or an owner; closed PRs are found too', async () => {
      await branch('gitops/app/1.2.3');
      const pr = await open('gitops/app/1.2.3');
      const r = await call('GET', `${R}/pulls/main/gitops/app/1.2.3`, 'niko');
      assert.deepEqual([r.status, r.body.number], [200, pr.number]);
      assert.equal((await call('GET', `${R}/pulls/main/niko:gitops/app/1.2.3`, 'niko')).body.number, pr.number);
      assert.equal((await call('GET', `${R}/pulls/main/niko/gitops:gitops/app/1.2.3`, 'niko')).body.number, pr.number);
      await call('PATCH', `${R}/pulls/${pr.number}`, 'niko', { state: 'closed' });
      const closed = await call('GET', `${R}/pulls/main/gitops/app/1.2.3`, 'niko');
      assert.deepEqual([closed.status, closed.body.state], [200, 'closed']);
      assert.equal((await call('GET', `${R}/pulls/main/no/such`, 'niko')).status, 404);
    });

    on(['gitea-1.26', 'forgejo-12'])(`PATCH answers 201; close and reopen; ${gitea ? 'an unknown state is 412' : 'any state but `closed` reopens'}; only the poster or a writer (else 403 without a body)`, async () => {
      await branch('edit/me');
      const pr = await open('edit/me');
      const P = `${R}/pulls/${pr.number}`;
      const t = await call('PATCH', P, 'niko', { title: 'Renamed', body: 'new body' });
      assert.deepEqual([t.status, t.body.title, t.body.body], [201, 'Renamed', 'new body']);
      const c = await call('PATCH', P, 'niko', { state: 'closed' });
      assert.deepEqual([c.body.state, typeof c.body.closed_at], ['closed', 'string']);
      const o = await call('PATCH', P, 'wendy', { state: 'open' });
      assert.deepEqual([o.status, o.body.state, o.body.closed_at], [201, 'open', null]);
      await call('PATCH', P, 'niko', { state: 'closed' });
      const odd = await call('PATCH', P, 'niko', { state: 'merged' });
      if (gitea) assert.deepEqual([odd.status, odd.body.message], [412, 'unknown state: merged']);
      else assert.deepEqual([odd.status, odd.body.state], [201, 'open']);
      const bob = await call('PATCH', P, 'bob', { title: 'by bob' });
      assert.deepEqual([bob.status, bob.text], [403, '']);
      const base = await call('PATCH', P, 'niko', { base: 'nope' });
      assert.deepEqual([base.status, base.body.message], [404, "new base 'nope' not exist"]);
    });

    on(['gitea-1.26', 'forgejo-12'])(`comments on the PR's issue: 201 with pull_request_url; an unknown number is ${gitea ? '500' : '404 IsErrIssueNotExist'}`, async () => {
      await branch('talk');
      const pr = await open('talk');
      const c = await call('POST', `${R}/issues/${pr.number}/comments`, 'bob', { body: 'Superseded by #99' });
      assert.equal(c.status, 201);
      assert.equal(c.body.body, 'Superseded by #99');
      assert.equal(c.body.pull_request_url, pr.html_url);
      assert.equal(c.body.issue_url, '');
      assert.equal(c.body.html_url, `${pr.html_url}#issuecomment-${c.body.id}`);
      assert.equal(c.body.user.login, 'bob');
      assert.equal((await call('GET', `${R}/pulls/${pr.number}`, 'niko')).body.comments, 1);
      const list = await call('GET', `${R}/issues/${pr.number}/comments`, 'niko');
      assert.deepEqual(list.body.map((x) => x.id), [c.body.id]);
      const missing = await call('POST', `${R}/issues/9999/comments`, 'niko', { body: 'x' });
      if (gitea) assert.deepEqual([missing.status, missing.body.message], [500, '']);
      else assert.deepEqual([missing.status, missing.body.message], [404, 'IsErrIssueNotExist']);
      assert.equal((await call('POST', `${R}/issues/${pr.number}/comments`, 'eve', { body: 'x' })).status, 404);
    });
  });
}
