// Every route the action uses, per flavor: happy paths and errors, validated against the
// flavor's spec by the sandbox itself (the suite asserts zero violations after each flavor).
// Runs never start here (capacity 0), so act is not needed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startSandbox, FLAVORS, api, b64, unb64, violations, clearViolations, quietSeed } from './helpers.mjs';

for (const flavor of Object.keys(FLAVORS)) {
  const F = FLAVORS[flavor];
  const forgejo = F.kind === 'forgejo';

  describe(`API ${flavor}`, () => {
    let sb;
    let T;
    const R = '/repos/niko/gitops';
    before(async () => {
      sb = await startSandbox({ flavor, seed: quietSeed(), capacity: 0 });
      T = sb.tokenNames;
    });
    after(async () => {
      const v = await violations(sb);
      // every object the sandbox wrote is a valid git object, every ref points at one
      const gitDir = sb.sandbox.repoByName('niko', 'gitops').gitDir;
      execFileSync('git', ['--git-dir', gitDir, 'fsck', '--strict', '--no-dangling'], { stdio: 'pipe' });
      await sb.stop();
      assert.deepEqual(v, [], `spec violations in ${flavor}: ${JSON.stringify(v, null, 2)}`);
    });

    it('GET /version answers the release version', async () => {
      const r = await api(sb, 'GET', '/version');
      assert.equal(r.status, 200);
      assert.equal(r.body.version, F.version);
      if (forgejo) assert.match(r.body.version, /^\d+\.\d+\.\d+\+gitea-1\.22\.0$/);
    });

    it('GET /repos/{o}/{r} gives repo info with default_branch and permissions', async () => {
      const r = await api(sb, 'GET', R, { token: T['niko-pat'] });
      assert.equal(r.status, 200);
      assert.equal(r.body.full_name, 'niko/gitops');
      assert.equal(r.body.default_branch, 'main');
      assert.deepEqual(r.body.permissions, { admin: true, push: true, pull: true });
      const miss = await api(sb, 'GET', '/repos/niko/nope', { token: T['niko-pat'] });
      assert.equal(miss.status, 404);
      assert.equal(miss.body.message, F.notFound.message);
      assert.deepEqual(miss.body.errors, F.notFound.errors);
      assert.equal(typeof miss.body.url, 'string');
    });

    it('GET contents: file, directory, root, ref, missing path and ref', async () => {
      const f = await api(sb, 'GET', `${R}/contents/dev/Chart.yaml`, { token: T['niko-pat'] });
      assert.equal(f.status, 200);
      assert.equal(f.body.type, 'file');
      assert.equal(f.body.encoding, 'base64');
      assert.match(unb64(f.body.content), /version: 0\.1\.0 # bumped/);
      assert.match(f.body.sha, /^[0-9a-f]{40}$/);
      assert.match(f.body.last_commit_sha, /^[0-9a-f]{40}$/);
      const d = await api(sb, 'GET', `${R}/contents/dev?ref=main`, { token: T['niko-pat'] });
      assert.equal(d.status, 200);
      assert.deepEqual(d.body.map((e) => e.name).sort(), ['Chart.yaml', 'values.yaml']);
      assert.equal(d.body[0].content, null);
      const root = await api(sb, 'GET', `${R}/contents`, { token: T['niko-pat'] });
      assert.equal(root.status, 200);
      assert.ok(root.body.some((e) => e.name === '.gitea' && e.type === 'dir'));
      assert.equal((await api(sb, 'GET', `${R}/contents/nope.txt`, { token: T['niko-pat'] })).status, 404);
      assert.equal((await api(sb, 'GET', `${R}/contents/README.md?ref=nobranch`, { token: T['niko-pat'] })).status, 404);
      assert.equal((await api(sb, 'GET', '/repos/niko/empty/contents/README.md', { token: T['niko-pat'] })).status, 404);
    });

    it('POST contents/{path} creates a file as a real commit by the token user', async () => {
      const r = await api(sb, 'POST', `${R}/contents/dev/new.txt`, { token: T['niko-pat'], body: { content: b64('hello\n'), message: 'add new.txt' } });
      assert.equal(r.status, 201);
      assert.equal(r.body.content.path, 'dev/new.txt');
      assert.equal(r.body.commit.message, 'add new.txt\n');
      assert.equal(r.body.commit.author.name, 'Niko');
      assert.equal(r.body.commit.author.email, 'niko@example.com');
      const commits = (await api(sb, 'GET', '/_sandbox/repos/niko/gitops/commits')).body;
      assert.equal(commits[0].sha, r.body.commit.sha);
      assert.deepEqual(commits[0].files, [{ filename: 'dev/new.txt', status: 'added' }]);
      const again = await api(sb, 'POST', `${R}/contents/dev/new.txt`, { token: T['niko-pat'], body: { content: b64('x') } });
      assert.equal(again.status, 422);
    });

    it(`PUT contents/{path} updates with compare-and-swap on the blob sha (stale -> ${F.staleShaStatus})`, async () => {
      const cur = await api(sb, 'GET', `${R}/contents/dev/values.yaml`, { token: T['niko-pat'] });
      const head = (await api(sb, 'GET', `${R}/commits?limit=1`, { token: T['niko-pat'] })).body[0].sha;
      const ok = await api(sb, 'PUT', `${R}/contents/dev/values.yaml`, {
        token: T['niko-pat'],
        body: { content: b64('image:\n  tag: "0.2.0"\n'), sha: cur.body.sha, message: 'bump tag', author: { name: 'Bot', email: 'bot@example.com' } },
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.commit.author.name, 'Bot');
      assert.equal(ok.body.commit.committer.name, 'Bot', 'the committer defaults to the given author');
      assert.equal(ok.body.commit.parents[0].sha, head, 'the new commit sits on the branch tip');
      const stale = await api(sb, 'PUT', `${R}/contents/dev/values.yaml`, { token: T['niko-pat'], body: { content: b64('x'), sha: cur.body.sha } });
      assert.equal(stale.status, F.staleShaStatus);
      assert.match(stale.body.message, /sha does not match/);
      // Gitea maps the missing file to 404; Forgejo's handler does not map it: 500
      const missing = await api(sb, 'PUT', `${R}/contents/dev/absent.yaml`, { token: T['niko-pat'], body: { content: b64('x'), sha: cur.body.sha } });
      assert.equal(missing.status, F.missingFileStatus);
      const dirClash = await api(sb, 'POST', `${R}/contents/dev`, { token: T['niko-pat'], body: { content: b64('x') } });
      assert.equal(dirClash.status, 422);
      assert.match(dirClash.body.message, /a directory exists where/);
      const fileClash = await api(sb, 'POST', `${R}/contents/README.md/sub.txt`, { token: T['niko-pat'], body: { content: b64('x') } });
      assert.equal(fileClash.status, 422);
      assert.match(fileClash.body.message, /a file exists where/);
    });

    it('concurrent writes with the same sha: exactly one wins, the other is stale', async () => {
      const cur = await api(sb, 'GET', `${R}/contents/dev/values.yaml`, { token: T['niko-pat'] });
      const put = (v) => api(sb, 'PUT', `${R}/contents/dev/values.yaml`, { token: T['niko-pat'], body: { content: b64(`image:\n  tag: "${v}"\n`), sha: cur.body.sha } });
      const res = await Promise.all([put('a'), put('b'), put('c')]);
      assert.deepEqual(res.map((r) => r.status).sort(), [200, F.staleShaStatus, F.staleShaStatus].sort());
    });

    it(F.putRequiresSha ? 'PUT without sha is rejected (422)' : 'PUT without sha creates the file (201)', async () => {
      const r = await api(sb, 'PUT', `${R}/contents/created-by-put.txt`, { token: T['niko-pat'], body: { content: b64('put\n') } });
      if (F.putRequiresSha) {
        assert.equal(r.status, 422);
        if (forgejo) {
          // Forgejo's spec marks sha as required: the sandbox records the client's violation
          const v = await violations(sb);
          assert.deepEqual(v.map((x) => [x.kind, x.path, x.errors.join()]), [['request', '/api/v1/repos/niko/gitops/contents/created-by-put.txt', "body must have required property 'sha'"]]);
          await clearViolations(sb);
        }
      } else {
        assert.equal(r.status, 201);
        assert.equal(r.body.content.path, 'created-by-put.txt');
      }
    });

    it('PUT with new_branch creates the branch; an existing new_branch is 422', async () => {
      const cur = await api(sb, 'GET', `${R}/contents/README.md`, { token: T['niko-pat'] });
      const r = await api(sb, 'PUT', `${R}/contents/README.md`, { token: T['niko-pat'], body: { content: b64('# gitops (branch)\n'), sha: cur.body.sha, branch: 'main', new_branch: 'feature' } });
      assert.equal(r.status, 200);
      const branches = (await api(sb, 'GET', '/_sandbox/repos/niko/gitops/branches')).body.map((b) => b.name);
      assert.ok(branches.includes('feature'));
      const again = await api(sb, 'PUT', `${R}/contents/README.md`, { token: T['niko-pat'], body: { content: b64('x'), sha: cur.body.sha, new_branch: 'feature' } });
      assert.equal(again.status, 422);
      const nob = await api(sb, 'PUT', `${R}/contents/README.md`, { token: T['niko-pat'], body: { content: b64('x'), sha: cur.body.sha, branch: 'nobranch' } });
      assert.equal(nob.status, 404);
    });

    it(`DELETE contents/{path}: stale sha -> ${F.deleteStaleStatus}, missing file -> 404`, async () => {
      const made = await api(sb, 'POST', `${R}/contents/tmp/gone.txt`, { token: T['niko-pat'], body: { content: b64('bye\n') } });
      const stale = await api(sb, 'DELETE', `${R}/contents/tmp/gone.txt`, { token: T['niko-pat'], body: { sha: '1'.repeat(40) } });
      assert.equal(stale.status, F.deleteStaleStatus);
      const del = await api(sb, 'DELETE', `${R}/contents/tmp/gone.txt`, { token: T['niko-pat'], body: { sha: made.body.content.sha, message: 'remove gone.txt' } });
      assert.equal(del.status, 200);
      assert.equal(del.body.content, null);
      assert.equal(del.body.commit.message, 'remove gone.txt\n');
      const again = await api(sb, 'DELETE', `${R}/contents/tmp/gone.txt`, { token: T['niko-pat'], body: { sha: made.body.content.sha } });
      assert.equal(again.status, 404);
    });

    it('POST /contents (ChangeFiles) commits several operations at once, with CAS', async () => {
      const chart = await api(sb, 'GET', `${R}/contents/dev/Chart.yaml`, { token: T['niko-pat'] });
      const r = await api(sb, 'POST', `${R}/contents`, {
        token: T['niko-pat'],
        body: {
          message: 'release 0.3.0',
          files: [
            { operation: 'update', path: 'dev/Chart.yaml', content: b64('version: 0.3.0\n'), sha: chart.body.sha },
            { operation: 'create', path: 'dev/RELEASE', content: b64('0.3.0\n') },
            { operation: 'delete', path: 'dev/new.txt' },
          ],
        },
      });
      assert.equal(r.status, 201);
      assert.equal(r.body.files.length, 3);
      assert.equal(r.body.files[2], null);
      assert.equal(r.body.commit.message, 'release 0.3.0\n');
      const log = (await api(sb, 'GET', '/_sandbox/repos/niko/gitops/commits')).body;
      assert.deepEqual(log[0].files.map((f) => f.filename).sort(), ['dev/Chart.yaml', 'dev/RELEASE', 'dev/new.txt']);
      const stale = await api(sb, 'POST', `${R}/contents`, {
        token: T['niko-pat'],
        body: { files: [{ operation: 'update', path: 'dev/Chart.yaml', content: b64('x'), sha: chart.body.sha }] },
      });
      assert.equal(stale.status, F.staleShaStatus);
      assert.equal((await api(sb, 'GET', '/_sandbox/repos/niko/gitops/commits')).body[0].sha, r.body.commit.sha, 'nothing was committed');
    });

    it('GET /commits: paging headers, sha, path (ignores limit), stat/files/verification', async () => {
      const all = await api(sb, 'GET', `${R}/commits?limit=2&stat=false&files=false&verification=false`, { token: T['niko-pat'] });
      assert.equal(all.status, 200);
      assert.equal(all.body.length, 2);
      const total = Number(all.headers.get('x-total-count'));
      assert.ok(total >= 4);
      assert.match(all.headers.get('link'), /rel="next"/);
      assert.equal(all.headers.get('x-hasmore'), 'true');
      assert.equal(all.body[0].stats, null);
      assert.equal(all.body[0].files, null);
      assert.equal(all.body[0].commit.verification, null);
      const p2 = await api(sb, 'GET', `${R}/commits?limit=2&page=2`, { token: T['niko-pat'] });
      assert.notEqual(p2.body[0].sha, all.body[0].sha);
      assert.ok(Array.isArray(p2.body[0].files));
      assert.equal(typeof p2.body[0].stats.total, 'number');
      // with `path`, Gitea pages by 50 whatever `limit` says
      const byPath = await api(sb, 'GET', `${R}/commits?path=dev/Chart.yaml&limit=1`, { token: T['niko-pat'] });
      assert.equal(byPath.status, 200);
      assert.match(byPath.headers.get('link'), /<http:\/\/127\.0\.0\.1:\d+\/api\/v1\/repos\/niko\/gitops\/commits\?limit=1&page=2&path=dev%2FChart\.yaml>; rel="next"/);
      assert.equal((await api(sb, 'GET', `${R}/commits?path=never-there.txt`, { token: T['niko-pat'] })).status, 404);
      assert.equal(byPath.body.length, 2);
      assert.equal(byPath.headers.get('x-total-count'), '2');
      const branch = await api(sb, 'GET', `${R}/commits?sha=feature&limit=1`, { token: T['niko-pat'] });
      assert.equal(branch.body[0].commit.message.startsWith('Update README.md'), true);
      assert.equal((await api(sb, 'GET', `${R}/commits?sha=nobranch`, { token: T['niko-pat'] })).status, 404);
      const empty = await api(sb, 'GET', '/repos/niko/empty/commits', { token: T['niko-pat'] });
      assert.equal(empty.status, 409);
    });

    it('GET /git/commits/{sha}', async () => {
      const head = (await api(sb, 'GET', `${R}/commits?limit=1`, { token: T['niko-pat'] })).body[0];
      const r = await api(sb, 'GET', `${R}/git/commits/${head.sha}?stat=false`, { token: T['niko-pat'] });
      assert.equal(r.status, 200);
      assert.equal(r.body.sha, head.sha);
      assert.equal((await api(sb, 'GET', `${R}/git/commits/${'0'.repeat(40)}`, { token: T['niko-pat'] })).status, 404);
    });

    it('branches: get (slashes allowed) and list', async () => {
      const cur = await api(sb, 'GET', `${R}/contents/README.md`, { token: T['niko-pat'] });
      const w = await api(sb, 'PUT', `${R}/contents/README.md`, { token: T['niko-pat'], body: { content: b64('# on a branch\n'), sha: cur.body.sha, new_branch: 'release/v1' } });
      assert.equal(w.status, 200);
      const b = await api(sb, 'GET', `${R}/branches/release/v1`, { token: T['niko-pat'] });
      assert.equal(b.status, 200);
      assert.equal(b.body.name, 'release/v1');
      assert.equal(b.body.commit.id, w.body.commit.sha);
      assert.equal(b.body.commit.author.username, 'niko');
      assert.equal((await api(sb, 'GET', `${R}/branches/nope`, { token: T['niko-pat'] })).status, 404);
      const list = await api(sb, 'GET', `${R}/branches`, { token: T['niko-pat'] });
      assert.ok(list.body.some((x) => x.name === 'main'));
      assert.equal(list.headers.get('x-total-count'), String(list.body.length));
    });

    it('tags: create (lightweight and annotated), get, list, conflict, delete', async () => {
      const light = await api(sb, 'POST', `${R}/tags`, { token: T['niko-pat'], body: { tag_name: 'v0.1.0' } });
      assert.equal(light.status, 201, light.text);
      const head = (await api(sb, 'GET', `${R}/commits?limit=1`, { token: T['niko-pat'] })).body[0];
      assert.equal(light.body.commit.sha, head.sha);
      assert.equal(light.body.id, head.sha);
      const ann = await api(sb, 'POST', `${R}/tags`, { token: T['niko-pat'], body: { tag_name: 'gitops/v0.2.0', message: 'release 0.2.0\n', target: head.sha } });
      assert.equal(ann.status, 201);
      assert.notEqual(ann.body.id, head.sha, 'an annotated tag has its own object');
      assert.equal(ann.body.message, 'release 0.2.0');
      const dup = await api(sb, 'POST', `${R}/tags`, { token: T['niko-pat'], body: { tag_name: 'v0.1.0' } });
      assert.equal(dup.status, 409);
      const get = await api(sb, 'GET', `${R}/tags/v0.1.0`, { token: T['niko-pat'] });
      assert.equal(get.body.name, 'v0.1.0');
      const miss = await api(sb, 'GET', `${R}/tags/v9`, { token: T['niko-pat'] });
      assert.equal(miss.status, 404);
      const list = await api(sb, 'GET', `${R}/tags`, { token: T['niko-pat'] });
      assert.deepEqual(list.body.map((t) => t.name).sort(), ['gitops/v0.2.0', 'v0.1.0']);
      assert.equal((await api(sb, 'DELETE', `${R}/tags/v0.1.0`, { token: T['niko-pat'] })).status, 204);
      const d = await api(sb, 'POST', `${R}/actions/workflows/deploy.yaml/dispatches`, { token: T['niko-pat'], body: { ref: 'refs/tags/gitops/v0.2.0', inputs: { version: 't' } } });
      assert.equal(d.status, 204, 'a dispatch on a tag');
    });

    it('statuses: create (201, state under "status"), list, combined; unknown sha -> 500', async () => {
      const head = (await api(sb, 'GET', `${R}/commits?limit=1`, { token: T['niko-pat'] })).body[0].sha;
      const empty = await api(sb, 'GET', `${R}/commits/${head}/status`, { token: T['niko-pat'] });
      assert.equal(empty.status, 200);
      // without statuses: 1.24/Forgejo answer an all-empty object, 1.25 a blank state, 1.26 "pending"
      assert.equal(empty.body.state, F.combinedStatus === 'combine-empty-pending' ? 'pending' : '');
      assert.equal(empty.body.sha, F.combinedStatus === 'legacy' ? '' : head);
      assert.equal(empty.body.statuses, null);
      const c1 = await api(sb, 'POST', `${R}/statuses/${head}`, { token: T['niko-pat'], body: { state: 'pending', context: 'gitops', description: 'updating', target_url: 'http://127.0.0.1/x' } });
      assert.equal(c1.status, 201);
      assert.equal(c1.body.status, 'pending');
      assert.equal(c1.body.creator.login, 'niko');
      await api(sb, 'POST', `${R}/statuses/${head}`, { token: T['niko-pat'], body: { state: 'success', context: 'gitops' } });
      await api(sb, 'POST', `${R}/statuses/${head}`, { token: T['niko-pat'], body: { state: 'failure', context: 'other' } });
      const comb = await api(sb, 'GET', `${R}/commits/main/status`, { token: T['niko-pat'] });
      assert.equal(comb.status, 200);
      assert.equal(comb.body.state, 'failure');
      assert.equal(comb.body.total_count, 2);
      assert.deepEqual(comb.body.statuses.map((x) => x.context).sort(), ['gitops', 'other']);
      assert.equal(c1.body.id, 1, 'status ids count per commit');
      const list = await api(sb, 'GET', `${R}/commits/main/statuses`, { token: T['niko-pat'] });
      assert.equal(list.body.length, 3);
      assert.equal(list.headers.get('x-total-count'), '3');
      const bySha = await api(sb, 'GET', `${R}/statuses/${head}?state=success`, { token: T['niko-pat'] });
      assert.equal(bySha.body.length, 1);
      const unknown = await api(sb, 'POST', `${R}/statuses/${'1'.repeat(40)}`, { token: T['niko-pat'], body: { state: 'success', context: 'x' } });
      assert.equal(unknown.status, 500);
      assert.equal(unknown.body.message, '');
      // the servers store any state as given; Gitea's spec lists the states, so the sandbox
      // records a client violation for an unknown one
      const odd = await api(sb, 'POST', `${R}/statuses/main`, { token: T['niko-pat'], body: { state: 'bogus', context: 'x' } });
      assert.equal(odd.status, 201);
      assert.equal(odd.body.status, 'bogus');
      const v = await violations(sb);
      if (forgejo) assert.deepEqual(v, []);
      else {
        assert.ok(v.some((x) => x.kind === 'request' && /body\/state must be equal to one of the allowed values/.test(x.errors.join())), JSON.stringify(v));
        assert.ok(v.every((x) => x.path.endsWith('/statuses/main')), JSON.stringify(v)); // and nothing else
      }
      await clearViolations(sb);
    });

    it('dispatch: status codes and run info as the release answers', async () => {
      const p = `${R}/actions/workflows/deploy.yaml/dispatches`;
      const inputs = { version: '1.2.3', dispatch_id: 'abc' };
      const plain = await api(sb, 'POST', p, { token: T['niko-pat'], body: { ref: 'main', inputs } });
      assert.equal(plain.status, 204);
      assert.equal(plain.text, '');
      if (forgejo) {
        const info = await api(sb, 'POST', p, { token: T['niko-pat'], body: { ref: 'main', inputs, return_run_info: true } });
        assert.equal(info.status, 201);
        assert.deepEqual(info.body.jobs, ['deploy']);
        assert.equal(typeof info.body.id, 'number');
        const mine = (await api(sb, 'GET', '/_sandbox/runs')).body.find((r) => r.id === info.body.id);
        assert.equal(info.body.run_number, mine.run_number);
        const q = await api(sb, 'POST', `${p}?return_run_details=true`, { token: T['niko-pat'], body: { ref: 'main', inputs } });
        assert.equal(q.status, 204);
      } else {
        const q = await api(sb, 'POST', `${p}?return_run_details=true`, { token: T['niko-pat'], body: { ref: 'main', inputs } });
        if (F.returnRunDetails) {
          assert.equal(q.status, 200);
          assert.equal(typeof q.body.workflow_run_id, 'number');
          assert.match(q.body.run_url, new RegExp(`/api/v1/repos/niko/gitops/actions/runs/${q.body.workflow_run_id}$`));
          assert.match(q.body.html_url, new RegExp(`/niko/gitops/actions/runs/${q.body.workflow_run_id}$`));
        } else assert.equal(q.status, 204);
        // the flag in the body is ignored by Gitea (a warning tells the client so)
        const inBody = await api(sb, 'POST', p, { token: T['niko-pat'], body: { ref: 'main', inputs, return_run_details: true } });
        assert.equal(inBody.status, 204);
      }
    });

    it('dispatch errors: missing ref, unknown ref, unknown workflow, no workflow_dispatch, inputs', async () => {
      const p = `${R}/actions/workflows/deploy.yaml/dispatches`;
      const noRef = await api(sb, 'POST', p, { token: T['niko-pat'], body: { inputs: { version: '1' } } });
      assert.equal(noRef.status, F.missingRefStatus);
      assert.equal(noRef.body.message, forgejo ? 'ref is empty' : 'ref is required parameter');
      // ref is required by the spec: the client's violation was recorded (and nothing else)
      assert.deepEqual((await violations(sb)).map((x) => [x.kind, x.errors.join()]), [['request', "body must have required property 'ref'"]]);
      await clearViolations(sb);
      // Gitea: 404 (util.ErrNotExist); Forgejo: GetWorkflowFromCommit's plain errors are 500s, message hidden
      const badRef = await api(sb, 'POST', p, { token: T['niko-pat'], body: { ref: 'nobranch' } });
      assert.equal(badRef.status, F.dispatchNotFoundStatus);
      assert.equal(badRef.body.message, forgejo ? '' : 'ref "nobranch" doesn\'t exist');
      const badWf = await api(sb, 'POST', `${R}/actions/workflows/nope.yaml/dispatches`, { token: T['niko-pat'], body: { ref: 'main' } });
      assert.equal(badWf.status, F.dispatchNotFoundStatus);
      if (!forgejo) {
        // Gitea resolves a plain name as a branch only
        const tagLike = await api(sb, 'POST', p, { token: T['niko-pat'], body: { ref: 'refs/heads/main', inputs: { version: '1' } } });
        assert.equal(tagLike.status, 204);
      }
      const pushOnly = await api(sb, 'POST', `${R}/actions/workflows/push-only.yaml/dispatches`, { token: T['niko-pat'], body: { ref: 'main' } });
      assert.equal(pushOnly.status, F.rejectsNonDispatchWorkflow ? 422 : 204);
      const missingInput = await api(sb, 'POST', p, { token: T['niko-pat'], body: { ref: 'main', inputs: {} } });
      if (forgejo) {
        assert.equal(missingInput.status, 400);
        assert.match(missingInput.body.message, /input required for 'version'/);
      } else assert.equal(missingInput.status, 204, 'Gitea does not check `required` on dispatch');
      // inputs are strings: a number is rejected by the server's JSON binding, and is a spec violation
      const num = await api(sb, 'POST', p, { token: T['niko-pat'], body: { ref: 'main', inputs: { version: 1 } } });
      assert.equal(num.status, 422);
      const v = await violations(sb);
      assert.equal(v.length, 1);
      assert.match(v[0].errors.join(), /must be string/);
      await clearViolations(sb);
      // an undeclared input is ignored by the server; the sandbox warns
      await api(sb, 'DELETE', '/_sandbox/warnings');
      const extra = await api(sb, 'POST', p, { token: T['niko-pat'], body: { ref: 'main', inputs: { version: '1', bogus: 'x' } } });
      assert.equal(extra.status, 204);
      const w = (await api(sb, 'GET', '/_sandbox/warnings')).body;
      assert.ok(w.some((x) => /"bogus" is not declared/.test(x.message)));
    });

    it(F.missingOperations.includes('getWorkflowRuns') || F.missingOperations.includes('ListActionRuns') ? 'GET /actions/runs does not exist yet (404); /actions/tasks does' : 'GET /actions/runs lists runs with the release\'s fields', async () => {
      const runs = await api(sb, 'GET', `${R}/actions/runs`, { token: T['niko-pat'] });
      const tasks = await api(sb, 'GET', `${R}/actions/tasks`, { token: T['niko-pat'] });
      assert.equal(tasks.status, 200);
      assert.equal(tasks.body.total_count, 0, 'no runner picked anything up (capacity 0)');
      if (F.missingOperations.includes('getWorkflowRuns') || F.missingOperations.includes('ListActionRuns')) {
        assert.equal(runs.status, 404);
        assert.equal((await api(sb, 'GET', `${R}/actions/runs/1`, { token: T['niko-pat'] })).status, 404);
        return;
      }
      assert.equal(runs.status, 200);
      assert.ok(runs.body.total_count >= 3);
      const newest = runs.body.workflow_runs[0];
      if (forgejo) {
        assert.equal(newest.title, 'Deploy');
        assert.equal(newest.status, 'waiting');
        assert.equal(newest.conclusion, undefined);
        assert.deepEqual(JSON.parse(newest.event_payload).inputs.version, '1');
        assert.match(newest.html_url, new RegExp(`/actions/runs/${newest.index_in_repo}$`));
        const one = await api(sb, 'GET', `${R}/actions/runs/${newest.id}`, { token: T['niko-pat'] });
        assert.equal(one.body.id, newest.id);
      } else {
        assert.equal(newest.status, 'queued');
        assert.equal(newest.path, 'deploy.yaml@refs/heads/main');
        assert.equal(newest.head_branch, 'main');
        assert.match(newest.display_title, /^Deploy 1 \(manual\)$/);
        assert.ok(runs.body.workflow_runs.some((r) => r.display_title === 'Deploy 1.2.3 (abc)'));
        const n = F.runLinkUses === 'id' ? newest.id : newest.run_number;
        assert.match(newest.html_url, new RegExp(`/actions/runs/${n}$`));
        const one = await api(sb, 'GET', `${R}/actions/runs/${newest.id}`, { token: T['niko-pat'] });
        assert.equal(one.body.id, newest.id);
        const jobs = await api(sb, 'GET', `${R}/actions/runs/${newest.id}/jobs`, { token: T['niko-pat'] });
        assert.equal(jobs.status, 200);
        assert.equal(jobs.body.jobs[0].name, 'deploy');
        assert.equal((await api(sb, 'GET', `${R}/actions/runs/999`, { token: T['niko-pat'] })).status, 404);
      }
    });

    if (F.cancelPreviousOnDispatch) {
      it('each dispatch cancels the unfinished runs of the same workflow on the same ref', async () => {
        const before = (await api(sb, 'GET', '/_sandbox/runs')).body.filter((r) => r.workflow_id === 'deploy.yaml' && r.ref === 'refs/heads/main');
        assert.ok(before.length >= 2);
        const open = before.filter((r) => r.status !== 'completed');
        assert.equal(open.length, 1, 'only the newest dispatch is still queued');
        assert.ok(before.filter((r) => r.status === 'completed').every((r) => r.conclusion === 'cancelled'));
        if (!F.missingOperations.includes('getWorkflowRuns')) {
          const runs = await api(sb, 'GET', `${R}/actions/runs?status=cancelled&status=timed_out`, { token: T['niko-pat'] });
          assert.equal(runs.body.workflow_runs.filter((r) => r.path === 'deploy.yaml@refs/heads/main').length, before.length - 1);
          assert.equal((await api(sb, 'GET', `${R}/actions/runs?status=bogus`, { token: T['niko-pat'] })).status, 400);
          assert.equal(runs.body.workflow_runs[0].conclusion, 'cancelled');
        }
      });
    } else {
      it('dispatches do not cancel earlier runs', async () => {
        const runs = (await api(sb, 'GET', '/_sandbox/runs')).body.filter((r) => r.workflow_id === 'deploy.yaml');
        assert.ok(runs.length >= 2);
        assert.ok(runs.every((r) => r.status === 'queued'));
      });
    }

    it(forgejo ? 'boolean inputs: Forgejo 11/12 turn anything but "on" into "false"' : 'boolean inputs are passed as given', async () => {
      const d = await api(sb, 'POST', `${R}/actions/workflows/deploy.yaml/dispatches`, { token: T['niko-pat'], body: { ref: 'main', inputs: { version: '9', dry: 'true' } } });
      assert.equal(d.status, 204);
      const runs = (await api(sb, 'GET', '/_sandbox/runs')).body;
      const last = runs[runs.length - 1];
      assert.equal(last.inputs.dry, forgejo ? 'false' : 'true');
      if (forgejo) assert.equal(last.inputs.dispatch_id, undefined, 'an empty optional input without default is left out');
      else assert.equal(last.inputs.dispatch_id, '');
    });

    it('display_title follows the release (run-name, commit subject or workflow name)', async () => {
      const runs = (await api(sb, 'GET', '/_sandbox/runs')).body;
      const first = runs.find((r) => r.inputs.dispatch_id === 'abc');
      const head = (await api(sb, 'GET', `${R}/git/commits/${first.sha}`, { token: T['niko-pat'] })).body;
      if (forgejo) assert.equal(first.title, 'Deploy');
      else if (F.runNameEvaluated) assert.equal(first.title, 'Deploy 1.2.3 (abc)');
      else assert.equal(first.title, head.commit.message.split('\n')[0]);
    });
  });
}
