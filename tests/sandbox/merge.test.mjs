// Merging pull requests per release: the merge styles as real commits, the form's field names,
// the refusals (405/409/404), the head branch after the merge, branch protection on the merge
// (approvals, reviews, status checks, whitelists, force_merge), and the scheduled auto-merge.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, FLAVORS, api, b64, violations, clearViolations, pullSeed } from './helpers.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// polls `fn` until it returns something truthy (or `ms` pass) and returns that
const until = async (fn, ms = 3000) => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await sleep(20);
  }
};

for (const flavor of Object.keys(FLAVORS)) {
  const F = FLAVORS[flavor];
  const gitea = F.kind === 'gitea';
  // the 405 message for a merge the base branch's rule refuses
  const refusal = (reason) => (gitea ? reason : `not allowed to merge [reason: ${reason}]`);
  describe(`merging ${flavor}`, () => {
    // behaviour the releases share is tested on the releases named (the others take the same
    // code path: lib/flavors.js); `on(list)` registers the test only for those
    const on = (names) => (names.includes(flavor) ? it : () => {});
    let sb;
    let T;
    let n = 0;
    const R = '/repos/niko/gitops';
    const BP = `${R}/branch_protections`;
    const call = (method, p, token, body) => api(sb, method, p, { token: T[token], body });
    const log = async (ref = 'main') => (await api(sb, 'GET', `/_sandbox/repos/niko/gitops/commits?ref=${encodeURIComponent(ref)}`)).body;
    const tip = async (ref = 'main') => (await log(ref))[0];
    const write = async (ref, file, content, token = 'niko') => {
      const cur = await call('GET', `${R}/contents/${file}?ref=${encodeURIComponent(ref)}`, token);
      const r = await call('PUT', `${R}/contents/${file}`, token, { content: b64(content), sha: cur.body.sha, branch: ref, message: `edit ${file} on ${ref}` });
      assert.equal(r.status, 200, r.text);
      return r.body.commit.sha;
    };
    // a branch off main changing `file`, and a PR from it
    const pr = async ({ file = 'dev/Chart.yaml', content, token = 'niko', title } = {}) => {
      const name = `feat/${++n}`;
      const cur = await call('GET', `${R}/contents/${file}`, 'niko');
      const w = await call('PUT', `${R}/contents/${file}`, 'niko', { content: b64(content || `version: ${n}\n`), sha: cur.body.sha, new_branch: name, message: `work on ${name}` });
      assert.equal(w.status, 200, w.text);
      const r = await call('POST', `${R}/pulls`, token, { head: name, base: 'main', title: title || `Change ${n}` });
      assert.equal(r.status, 201, r.text);
      return r.body;
    };
    const merge = (p, body, token = 'niko') => call('POST', `${R}/pulls/${p.number}/merge`, token, body);
    const protect = async (rule) => assert.equal((await call('POST', BP, 'niko', { rule_name: 'main', ...rule })).status, 201);
    const waitMerged = async (p, ms) => (await api(sb, 'GET', `/_sandbox/repos/niko/gitops/pulls/${p.number}?wait=merged&timeout=${ms}`)).body;

    before(async () => {
      const seed = pullSeed();
      seed.repos[0].files['.gitea/workflows/noop.yaml'] = 'name: noop\non: workflow_dispatch\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n';
      sb = await startSandbox({ flavor, seed, capacity: 0 });
      T = sb.tokenNames;
    });
    beforeEach(async () => {
      for (const r of (await call('GET', BP, 'niko')).body) await call('DELETE', `${BP}/${encodeURIComponent(r.rule_name)}`, 'niko');
    });
    after(async () => {
      const v = await violations(sb);
      await sb.stop();
      assert.deepEqual(v, [], JSON.stringify(v, null, 2));
    });

    on(['gitea-1.24', 'gitea-1.25', 'forgejo-12'])('merge: 200 empty; a real merge commit [old base, head] titled "Merge pull request \'T\' (#N) from h into b"; merged fields; GET /merge 204', async () => {
      const p = await pr({ title: 'Bump chart' });
      const base = await tip();
      assert.equal((await call('GET', `${R}/pulls/${p.number}/merge`, 'niko')).status, 404, 'not merged yet');
      const m = await merge(p, { Do: 'merge' });
      assert.deepEqual([m.status, m.text], [200, '']);
      const c = await tip();
      assert.deepEqual(c.parents, [base.sha, p.head.sha]);
      assert.equal(c.message, `Merge pull request 'Bump chart' (#${p.number}) from ${p.head.label} into main\n`);
      assert.deepEqual([c.author.name, c.author.email], ['Niko', 'niko@example.com']);
      const v = (await call('GET', `${R}/pulls/${p.number}`, 'niko')).body;
      assert.deepEqual([v.merged, v.state, v.merge_commit_sha, v.merged_by.login, typeof v.merged_at, typeof v.closed_at], [true, 'closed', c.sha, 'niko', 'string', 'string']);
      assert.equal((await call('GET', `${R}/pulls/${p.number}/merge`, 'niko')).status, 204);
      const again = await merge(p, { Do: 'merge' });
      assert.deepEqual([again.status, again.body.message], [405, F.mergeAlreadyMergedMessage]);
      const reopen = await call('PATCH', `${R}/pulls/${p.number}`, 'niko', { state: 'open' });
      assert.deepEqual([reopen.status, reopen.body.message], [412, 'cannot change state of this pull request, it was already merged']);
    });

    on(['gitea-1.26', 'forgejo-12'])('squash: one commit on the old base, "<title> (#N)", authored by the poster, committed by the merger', async () => {
      const p = await pr({ token: 'wendy', title: 'Squash me' });
      const base = await tip();
      assert.equal((await merge(p, { Do: 'squash' })).status, 200);
      const c = await tip();
      assert.deepEqual(c.parents, [base.sha]);
      assert.equal(c.message, `Squash me (#${p.number})\n`);
      assert.equal(c.author.email, 'wendy@example.com');
      assert.equal(c.committer.email, 'niko@example.com');
      assert.deepEqual(c.files.map((f) => f.filename), ['dev/Chart.yaml']);
    });

    on(['gitea-1.26', 'forgejo-12'])('rebase and rebase-merge replay the head onto a moved base; fast-forward-only needs no divergence (else 500)', async () => {
      const a = await pr({ file: 'dev/Chart.yaml' });
      const b = await pr({ file: 'prod/Chart.yaml' });
      await write('main', 'README.md', `moved ${n}\n`);
      const moved = await tip();
      assert.equal((await merge(a, { Do: 'rebase' })).status, 200);
      const r = await tip();
      assert.deepEqual(r.parents, [moved.sha], 'rebased onto the moved base, no merge commit');
      assert.equal(r.message, `work on ${a.head.label}\n`);
      assert.equal(r.author.email, 'niko@example.com', 'the author is kept');
      assert.notEqual(r.sha, a.head.sha, 'a new commit');
      assert.equal((await call('GET', `${R}/pulls/${a.number}`, 'niko')).body.merge_commit_sha, r.sha);
      assert.equal((await merge(b, { Do: 'rebase-merge' })).status, 200);
      const rm = await tip();
      assert.equal(rm.parents[0], r.sha);
      const rebased = (await log()).find((c) => c.sha === rm.parents[1]);
      assert.deepEqual([rebased.parents, rebased.message], [[r.sha], `work on ${b.head.label}\n`]);
      assert.match(rm.message, /^Merge pull request /);
      // fast-forward-only
      const c = await pr({ file: 'README.md' });
      assert.equal((await merge(c, { Do: 'fast-forward-only' })).status, 200);
      assert.equal((await tip()).sha, c.head.sha, 'main is now the head commit itself');
      const d = await pr({ file: 'dev/Chart.yaml' });
      await write('main', 'README.md', 'diverge\n');
      const ff = await merge(d, { Do: 'fast-forward-only' });
      assert.deepEqual([ff.status, ff.body.message], [500, '']);
    });

    on(['gitea-1.25', 'gitea-1.26', 'forgejo-12'])(`form fields: \`Do\`/\`do\` everywhere; merge_title_field ${F.mergeFormFields === 'both' ? 'too (1.26)' : 'is ignored (MergeTitleField works)'}; 422 without or with an unknown Do`, async () => {
      const p = await pr();
      assert.equal((await merge(p, { do: 'merge', merge_title_field: 'Snake title', merge_message_field: 'snake body' })).status, 200);
      assert.equal((await tip()).message, F.mergeFormFields === 'both' ? 'Snake title\n\nsnake body\n' : `Merge pull request 'Change ${n}' (#${p.number}) from ${p.head.label} into main\n`);
      if (F.mergeFormFields !== 'both') {
        const w = (await api(sb, 'GET', '/_sandbox/warnings')).body;
        assert.ok(w.some((x) => /merge_title_field" is ignored by/.test(x.message)), 'a warning names the ignored field');
      }
      const q = await pr();
      assert.equal((await merge(q, { Do: 'squash', MergeTitleField: 'Go title', MergeMessageField: 'Go body' })).status, 200);
      assert.equal((await tip()).message, 'Go title\n\nGo body\n');
      const r = await pr();
      const none = await merge(r, { merge_when_checks_succeed: false });
      assert.deepEqual([none.status, none.body.message], [422, '[Do]: Required']);
      const bogus = await merge(r, { Do: 'octopus' });
      assert.deepEqual([bogus.status, bogus.body.message], [422, '[Do]: In']);
      await clearViolations(sb); // both requests break the spec on purpose
      await api(sb, 'DELETE', '/_sandbox/warnings');
    });

    on(['gitea-1.26', 'forgejo-12'])('refusals: head_commit_id 409, closed 404, WIP 405, conflict 405 `Please try again later` (mergeable false), a reader 405, manually-merged 405', async () => {
      const unknown = await merge({ number: 9999 }, { Do: 'merge' });
      assert.deepEqual([unknown.status, unknown.body.message, unknown.body.errors.length], [404, 'GetPullRequestByIndex', 1]);
      const p = await pr();
      const stale = await merge(p, { Do: 'merge', head_commit_id: 'a'.repeat(40) });
      assert.deepEqual([stale.status, stale.body.message], [409, 'head out of date']);
      await call('PATCH', `${R}/pulls/${p.number}`, 'niko', { state: 'closed' });
      assert.equal((await merge(p, { Do: 'merge' })).status, 404);
      const wip = await pr({ title: 'WIP: not yet' });
      assert.equal((await call('GET', `${R}/pulls/${wip.number}`, 'niko')).body.draft, true);
      const w = await merge(wip, { Do: 'merge' });
      assert.deepEqual([w.status, w.body.message], [405, 'Work in progress PRs cannot be merged']);
      const x = await pr({ file: 'README.md', content: 'left\n' });
      const y = await pr({ file: 'README.md', content: 'right\n' });
      assert.equal((await merge(x, { Do: 'merge' })).status, 200);
      assert.equal((await call('GET', `${R}/pulls/${y.number}`, 'niko')).body.mergeable, false, 'the other PR now conflicts');
      const conflict = await merge(y, { Do: 'merge' });
      assert.deepEqual([conflict.status, conflict.body.message], [405, 'Please try again later']);
      const z = await pr();
      const reader = await merge(z, { Do: 'merge' }, 'bob');
      assert.deepEqual([reader.status, reader.body.message], [405, 'User not allowed to merge PR']);
      const manual = await merge(z, { Do: 'manually-merged', MergeCommitID: (await tip()).sha });
      assert.deepEqual([manual.status, manual.body.message], [405, 'manually-merged is not allowed an allowed merge style for this repository']);
      await clearViolations(sb); // the Gitea spec has no MergeCommitID
    });

    on(['gitea-1.24', 'gitea-1.25', 'forgejo-12'])(`delete_branch_after_merge deletes the head; a protected head is ${F.deleteBranchAfterMerge === 'forgejo' ? '403 after the merge' : 'kept (200)'}`, async () => {
      const p = await pr();
      assert.equal((await merge(p, { Do: 'merge', delete_branch_after_merge: true })).status, 200);
      assert.ok(!(await api(sb, 'GET', '/_sandbox/repos/niko/gitops/branches')).body.some((b) => b.name === p.head.label), 'the branch is gone');
      const v = (await call('GET', `${R}/pulls/${p.number}`, 'niko')).body;
      assert.deepEqual([v.head.ref, v.head.sha], [`refs/pull/${p.number}/head`, p.head.sha]);
      assert.equal((await call('POST', BP, 'niko', { rule_name: 'feat/*', enable_push: true })).status, 201);
      const q = await pr();
      const r = await merge(q, { Do: 'merge', delete_branch_after_merge: true });
      if (F.deleteBranchAfterMerge === 'forgejo') assert.deepEqual([r.status, r.body.message], [403, 'the head branch is protected']);
      else assert.equal(r.status, 200);
      assert.equal((await call('GET', `${R}/pulls/${q.number}`, 'niko')).body.merged, true, 'merged either way');
      assert.ok((await api(sb, 'GET', '/_sandbox/repos/niko/gitops/branches')).body.some((b) => b.name === q.head.label), 'the protected branch stays');
    });

    on(['gitea-1.26', 'forgejo-12'])('the base rule: required approvals from official reviewers (writers); one cannot approve one\'s own PR; requested changes block', async () => {
      await protect({ required_approvals: 1, block_on_rejected_reviews: true });
      const p = await pr();
      const r1 = await merge(p, { Do: 'merge' });
      assert.deepEqual([r1.status, r1.body.message], [405, refusal('Does not have enough approvals')]);
      const own = await call('POST', `${R}/pulls/${p.number}/reviews`, 'niko', { event: 'APPROVED' });
      assert.deepEqual([own.status, own.body.message], [422, 'approve your own pull is not allowed']);
      const byReader = await call('POST', `${R}/pulls/${p.number}/reviews`, 'bob', { event: 'APPROVED', body: 'lgtm' });
      assert.deepEqual([byReader.status, byReader.body.state, byReader.body.official], [200, 'APPROVED', false]);
      assert.equal((await merge(p, { Do: 'merge' })).status, 405, 'a reader\'s approval does not count');
      const rej = await call('POST', `${R}/pulls/${p.number}/reviews`, 'ada', { event: 'REQUEST_CHANGES', body: 'no' });
      assert.deepEqual([rej.status, rej.body.official], [200, true]);
      const byWriter = await call('POST', `${R}/pulls/${p.number}/reviews`, 'wendy', { event: 'APPROVED' });
      assert.deepEqual([byWriter.body.official, byWriter.body.commit_id, byWriter.body.stale], [true, p.head.sha, false]);
      const r2 = await merge(p, { Do: 'merge' });
      assert.deepEqual([r2.status, r2.body.message], [405, refusal('There are requested changes')]);
      await call('POST', `${R}/pulls/${p.number}/reviews`, 'ada', { event: 'APPROVED' });
      assert.equal((await call('GET', `${R}/pulls/${p.number}/reviews`, 'niko')).body.filter((r) => r.official).length, 2, 'ada\'s approval replaced her rejection');
      assert.equal((await merge(p, { Do: 'merge' })).status, 200);
    });

    on(['gitea-1.26', 'forgejo-11'])('the base rule: merge whitelist, outdated branch, protected files; a merge is no direct push (enable_push off)', async () => {
      await protect({ enable_merge_whitelist: true, merge_whitelist_usernames: ['wendy'], block_on_outdated_branch: true, protected_file_patterns: 'prod/**' });
      const p = await pr();
      const niko = await merge(p, { Do: 'merge' });
      assert.deepEqual([niko.status, niko.body.message], [405, 'User not allowed to merge PR']);
      await call('PATCH', `${BP}/main`, 'niko', { enable_push: true }); // let niko move main below
      await write('main', 'README.md', `behind ${n}\n`);
      await call('PATCH', `${BP}/main`, 'niko', { enable_push: false });
      const behind = await merge(p, { Do: 'merge' }, 'wendy');
      assert.deepEqual([behind.status, behind.body.message], [405, refusal('The head branch is behind the base branch')]);
      await call('PATCH', `${BP}/main`, 'niko', { block_on_outdated_branch: false });
      assert.equal((await merge(p, { Do: 'merge' }, 'wendy')).status, 200);
      const q = await pr({ file: 'prod/Chart.yaml' });
      const files = await merge(q, { Do: 'merge' }, 'wendy');
      assert.deepEqual([files.status, files.body.message], [405, refusal('Changed protected files')]);
    });

    on(['gitea-1.24', 'gitea-1.25', 'forgejo-11', 'forgejo-12'])('status checks: the head\'s statuses must match every required context and be success', async () => {
      await protect({ enable_status_check: true, status_check_contexts: ['ci/*'] });
      const p = await pr();
      const S = `${R}/statuses/${p.head.sha}`;
      const none = await merge(p, { Do: 'merge' });
      assert.deepEqual([none.status, none.body.message], [405, refusal('Not all required status checks successful')]);
      await call('POST', S, 'niko', { state: 'pending', context: 'ci/build' });
      assert.equal((await merge(p, { Do: 'merge' })).status, 405);
      await call('POST', S, 'niko', { state: 'success', context: 'other' });
      assert.equal((await merge(p, { Do: 'merge' })).status, 405, 'a status outside the contexts does not help');
      await call('POST', S, 'niko', { state: 'success', context: 'ci/build' });
      assert.equal((await merge(p, { Do: 'merge' })).status, 200);
      // enable_status_check without contexts and without statuses blocks in every release
      await call('PATCH', `${BP}/main`, 'niko', { status_check_contexts: [] });
      const q = await pr();
      assert.equal((await merge(q, { Do: 'merge' })).status, 405);
      await call('POST', `${R}/statuses/${q.head.sha}`, 'niko', { state: 'success', context: 'anything' });
      assert.equal((await merge(q, { Do: 'merge' })).status, 200, 'without contexts, all statuses of the head count');
    });

    on(['gitea-1.24', 'gitea-1.25', 'forgejo-11', 'forgejo-12'])(`one context glob with a success and a failure: ${F.statusCheckEval === 'forgejo-12' ? 'Forgejo 12 takes the first match and passes' : 'refused'}`, async () => {
      await protect({ enable_status_check: true, status_check_contexts: ['ci/*'] });
      const p = await pr();
      await call('POST', `${R}/statuses/${p.head.sha}`, 'niko', { state: 'success', context: 'ci/a' });
      await call('POST', `${R}/statuses/${p.head.sha}`, 'niko', { state: 'failure', context: 'ci/b' });
      assert.equal((await merge(p, { Do: 'merge' })).status, F.statusCheckEval === 'forgejo-12' ? 200 : 405);
    });

    on(['gitea-1.26', 'forgejo-12'])(`force_merge: a repository admin skips the rule ${gitea ? 'unless block_admin_merge_override' : 'unless apply_to_admins; a site admin always'}`, async () => {
      await protect({ required_approvals: 1 });
      const p = await pr();
      assert.equal((await merge(p, { Do: 'merge', force_merge: true }, 'wendy')).status, 405, 'a writer cannot force');
      assert.equal((await merge(p, { Do: 'merge', force_merge: true }, 'ada')).status, 200);
      await call('PATCH', `${BP}/main`, 'niko', gitea ? { block_admin_merge_override: true } : { apply_to_admins: true });
      const q = await pr();
      assert.equal((await merge(q, { Do: 'merge', force_merge: true }, 'ada')).status, 405);
      assert.equal((await merge(q, { Do: 'merge', force_merge: true }, 'sam')).status, gitea ? 405 : 200);
    });

    on(['gitea-1.26', 'forgejo-11'])(`merge_when_checks_succeed: 201 empty, merged once the checks pass${gitea ? ' (at once when they already do)' : '; Forgejo waits for a trigger even when they already pass'}`, async () => {
      const p = await pr();
      const s = await merge(p, { Do: 'squash', merge_when_checks_succeed: true, delete_branch_after_merge: true });
      assert.deepEqual([s.status, s.text], [201, '']);
      if (gitea) {
        assert.equal((await waitMerged(p, 3000)).merged, true, 'Gitea checks at once');
      } else {
        await sleep(100);
        assert.equal((await call('GET', `${R}/pulls/${p.number}`, 'niko')).body.merged, false, 'Forgejo does not check at scheduling');
        await call('POST', `${R}/statuses/${p.head.sha}`, 'niko', { state: 'success', context: 'any' });
        assert.equal((await waitMerged(p, 3000)).merged, true, 'a success status triggers the check');
      }
      const c = await tip();
      assert.equal(c.message, `Change ${n} (#${p.number})\n`, 'the scheduled style and message');
      assert.ok(!(await api(sb, 'GET', '/_sandbox/repos/niko/gitops/branches')).body.some((b) => b.name === p.head.label), 'the head branch was deleted');
      assert.equal((await call('GET', `${R}/pulls/${p.number}`, 'niko')).body.merged_by.login, 'niko');
    });

    on(['gitea-1.24', 'forgejo-12'])('merge_when_checks_succeed with pending checks and missing approvals: scheduled, merged when the last one arrives', async () => {
      await protect({ enable_status_check: true, status_check_contexts: ['ci'], required_approvals: 1 });
      const p = await pr();
      assert.equal((await merge(p, { Do: 'merge', merge_when_checks_succeed: true })).status, 201);
      const again = await merge(p, { Do: 'merge', merge_when_checks_succeed: true });
      assert.deepEqual([again.status, again.body.message], [409, `pull request is already scheduled to auto merge when checks succeed [pull_id: ${p.id}]`]);
      await call('POST', `${R}/statuses/${p.head.sha}`, 'niko', { state: 'success', context: 'ci' });
      const checked = await until(async () => (await api(sb, 'GET', `/_sandbox/repos/niko/gitops/pulls/${p.number}`)).body.auto_merge_log.some((l) => /status ci: .*Does not have enough approvals/.test(l)));
      assert.ok(checked, 'the status started a check, which found no approval');
      assert.equal((await call('GET', `${R}/pulls/${p.number}`, 'niko')).body.merged, false, 'still no approval');
      await call('POST', `${R}/pulls/${p.number}/reviews`, 'wendy', { event: 'APPROVED' });
      assert.equal((await waitMerged(p, 3000)).merged, true, 'the approval triggers the merge');
    });

    on(['gitea-1.24', 'gitea-1.25', 'forgejo-11', 'forgejo-12'])(`DELETE /merge cancels (204, then 404); another user needs ${F.cancelAutoMergeNeeds === 'admin' ? 'repository admin' : 'merge permission'}`, async () => {
      await protect({ required_approvals: 1 });
      const p = await pr();
      assert.equal((await merge(p, { Do: 'merge', merge_when_checks_succeed: true })).status, 201);
      const byWendy = await call('DELETE', `${R}/pulls/${p.number}/merge`, 'wendy');
      if (F.cancelAutoMergeNeeds === 'admin') {
        assert.deepEqual([byWendy.status, byWendy.body.message], [403, 'user has no permission to cancel the scheduled auto merge']);
        assert.equal((await call('DELETE', `${R}/pulls/${p.number}/merge`, 'niko')).status, 204);
      } else assert.equal(byWendy.status, 204);
      assert.equal((await call('DELETE', `${R}/pulls/${p.number}/merge`, 'niko')).status, 404);
      await call('POST', `${R}/pulls/${p.number}/reviews`, 'wendy', { event: 'APPROVED' });
      await sleep(100);
      assert.equal((await call('GET', `${R}/pulls/${p.number}`, 'niko')).body.merged, false, 'nothing merges a cancelled schedule');
    });

    on(['gitea-1.25', 'gitea-1.26', 'forgejo-12'])('a merge scheduled with a run token never happens: the Actions user is no database user (GetUserByID fails)', async () => {
      const d = await call('POST', `${R}/actions/workflows/noop.yaml/dispatches`, 'niko', { ref: 'main' });
      assert.ok([200, 201, 204].includes(d.status), d.text);
      const run = sb.sandbox.runs.runs.at(-1);
      const p = await pr();
      const s = await api(sb, 'POST', `${R}/pulls/${p.number}/merge`, { token: run.token, body: { Do: 'merge', merge_when_checks_succeed: true } });
      assert.equal(s.status, 201);
      await call('POST', `${R}/statuses/${p.head.sha}`, 'niko', { state: 'success', context: 'ci' });
      const state = await until(async () => {
        const b = (await api(sb, 'GET', `/_sandbox/repos/niko/gitops/pulls/${p.number}`)).body;
        return b.auto_merge_log.some((l) => /Unable to get scheduled User\[-2\]/.test(l)) && b;
      });
      assert.ok(state, 'the check stopped at the scheduling user');
      assert.equal(state.merged, false);
      // the run token may merge directly
      assert.equal((await api(sb, 'POST', `${R}/pulls/${p.number}/merge`, { token: run.token, body: { Do: 'merge' } })).status, 200);
      assert.match((await tip()).author.email, gitea ? /teabot@gitea\.io/ : /noreply@forgejo\.org/);
      await api(sb, 'POST', `/_sandbox/runs/${run.id}/cancel`);
    });

    on(['gitea-1.26', 'forgejo-12'])('a push to the head moves the PR (refs/pull/N/head, dismissed stale approvals); pull_check_ms keeps it `checking` (405) for a while', async () => {
      await protect({ required_approvals: 1, dismiss_stale_approvals: true });
      const p = await pr();
      await call('POST', `${R}/pulls/${p.number}/reviews`, 'wendy', { event: 'APPROVED' });
      const newHead = await write(p.head.label, 'README.md', `more ${n}\n`);
      const v = (await call('GET', `${R}/pulls/${p.number}`, 'niko')).body;
      assert.equal(v.head.sha, newHead);
      const reviews = (await call('GET', `${R}/pulls/${p.number}/reviews`, 'niko')).body;
      assert.deepEqual([reviews[0].dismissed, reviews[0].stale], [true, true]);
      assert.equal((await merge(p, { Do: 'merge' })).status, 405, 'the approval was dismissed');
      await call('POST', `${R}/pulls/${p.number}/reviews`, 'wendy', { event: 'APPROVED' });
      await api(sb, 'POST', '/_sandbox/settings', { body: { pull_check_ms: 250 } });
      await call('PATCH', `${BP}/main`, 'niko', { enable_push: true });
      await write('main', 'prod/Chart.yaml', `moved ${n}\n`);
      const checking = await merge(p, { Do: 'merge' });
      assert.deepEqual([checking.status, checking.body.message], [405, 'Please try again later']);
      assert.equal((await call('GET', `${R}/pulls/${p.number}`, 'niko')).body.mergeable, false);
      await sleep(300);
      assert.equal((await merge(p, { Do: 'merge' })).status, 200);
      await api(sb, 'POST', '/_sandbox/settings', { body: { pull_check_ms: 0 } });
    });
  });
}
