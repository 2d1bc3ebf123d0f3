// The contents API per release: blobs above [api] DEFAULT_MAX_BLOB_SIZE, the last-commit fields
// (no last_commit_message in /contents; /contents-ext from Gitea 1.25), the stale-sha status, and
// a rejected internal push (fault kind push-rejected).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, FLAVORS, api, b64, violations } from './helpers.mjs';

const BIG = 'x'.repeat(2000) + '\n';
const seed = {
  server: { max_blob_size: 1000 },
  users: [{ name: 'niko', email: 'niko@example.com' }, { name: 'sam', email: 'sam@example.com', admin: true }],
  tokens: [{ name: 'pat', user: 'niko' }, { name: 'admin', user: 'sam' }],
  repos: [{ name: 'niko/gitops', files: { 'big.txt': BIG, 'small.txt': 'small\n', 'dir/a.txt': 'a\n' } }],
};

// the stale-sha status of PUT/POST contents, per release (notes §4a)
const STALE = { 'gitea-1.24': 422, 'gitea-1.25': 422, 'gitea-1.26': 422, 'forgejo-11': 422, 'forgejo-12': 409 };

for (const flavor of Object.keys(FLAVORS)) {
  const F = FLAVORS[flavor];
  const forgejo = F.kind === 'forgejo';
  describe(`contents ${flavor}`, () => {
    let sb;
    const R = '/repos/niko/gitops';
    const get = (p, token = sb.tokenNames.pat) => api(sb, 'GET', `${R}${p}`, { token });
    before(async () => {
      sb = await startSandbox({ flavor, seed, capacity: 0 });
    });
    after(async () => {
      const v = await violations(sb);
      await sb.stop();
      assert.deepEqual(v, [], JSON.stringify(v, null, 2));
    });

    it(`a blob above max_blob_size: ${forgejo ? '"content": "", "encoding": "base64"' : '"content": null, "encoding": null'}, the real size`, async () => {
      assert.equal((await api(sb, 'GET', '/_sandbox/settings')).body.max_blob_size, 1000, 'from the seed');
      const big = await get('/contents/big.txt');
      assert.equal(big.status, 200);
      assert.equal(big.body.size, BIG.length);
      assert.equal(big.body.type, 'file');
      assert.ok('content' in big.body && 'encoding' in big.body, 'both keys are there');
      if (forgejo) assert.deepEqual([big.body.content, big.body.encoding], ['', 'base64']);
      else assert.deepEqual([big.body.content, big.body.encoding], [null, null]);
      assert.match(big.body.download_url, /\/raw\/branch\/main\/big\.txt$/);
      const small = await get('/contents/small.txt');
      assert.equal(Buffer.from(small.body.content, 'base64').toString(), 'small\n');
      // the write answers go through the same GetBlobBySHA
      const w = await api(sb, 'PUT', `${R}/contents/big.txt`, { token: sb.tokenNames.pat, body: { content: b64(BIG + 'y\n'), sha: big.body.sha } });
      assert.equal(w.status, 200);
      assert.equal(w.body.content.size, BIG.length + 2);
      assert.equal(w.body.content.content, forgejo ? '' : null);
      // at runtime: the default 10 MiB ([api] DEFAULT_MAX_BLOB_SIZE = 10485760)
      assert.equal((await api(sb, 'POST', '/_sandbox/settings', { body: { max_blob_size: 10485760 } })).body.max_blob_size, 10485760);
      const now = await get('/contents/big.txt');
      assert.equal(Buffer.from(now.body.content, 'base64').toString(), BIG + 'y\n');
      await api(sb, 'POST', '/_sandbox/settings', { body: { max_blob_size: 1000 } });
    });

    it('last-commit fields as the release names them; never last_commit_message in /contents', async () => {
      const f = (await get('/contents/small.txt')).body;
      const d = (await get('/contents/dir')).body[0];
      for (const e of [f, d]) {
        assert.equal(e.last_commit_message, undefined, 'no last_commit_message');
        assert.match(e.last_commit_sha, /^[0-9a-f]{40}$/);
        if (forgejo) {
          assert.equal(e.last_author_date, undefined);
          assert.equal(e.last_commit_when !== undefined, flavor === 'forgejo-12', 'last_commit_when from Forgejo 12');
        } else {
          assert.match(e.last_author_date, /^\d{4}-/);
          assert.match(e.last_committer_date, /^\d{4}-/);
        }
      }
      const ext = await get('/contents-ext/small.txt?includes=commit_message,file_content');
      if (forgejo || flavor === 'gitea-1.24') {
        assert.equal(ext.status, 404, '/contents-ext is new in Gitea 1.25.0');
        return;
      }
      assert.equal(ext.status, 200);
      assert.equal(ext.body.file_contents.last_commit_message, 'Initial commit\n');
      assert.equal(ext.body.file_contents.last_commit_sha, undefined, 'commit_metadata not asked for');
      assert.equal(Buffer.from(ext.body.file_contents.content, 'base64').toString(), 'small\n');
      const dir = await get('/contents-ext/dir?includes=commit_metadata');
      assert.equal(dir.body.dir_contents[0].name, 'a.txt');
      assert.match(dir.body.dir_contents[0].last_commit_sha, /^[0-9a-f]{40}$/);
      assert.equal((await get('/contents-ext/dir?includes=bogus')).status, 400);
      const miss = await get('/contents/nope.txt');
      assert.equal(miss.status, 404);
      assert.equal(miss.body.message, 'GetContentsOrList');
    });

    it(`a stale sha is ${STALE[flavor]}`, async () => {
      const cur = await get('/contents/small.txt');
      const ok = await api(sb, 'PUT', `${R}/contents/small.txt`, { token: sb.tokenNames.pat, body: { content: b64('one\n'), sha: cur.body.sha } });
      assert.equal(ok.status, 200);
      const stale = await api(sb, 'PUT', `${R}/contents/small.txt`, { token: sb.tokenNames.pat, body: { content: b64('two\n'), sha: cur.body.sha } });
      assert.equal(stale.status, STALE[flavor]);
      assert.match(stale.body.message, /^sha does not match \[given: [0-9a-f]{40}, expected: [0-9a-f]{40}\]$/);
    });

    it(`a rejected internal push: ${F.pushRejectedStatus === 403 ? '403 with the hook\'s message' : '500, message hidden'}; nothing is written`, async () => {
      const before = (await api(sb, 'GET', '/_sandbox/repos/niko/gitops/commits')).body.length;
      const put = async (token = sb.tokenNames.pat) => {
        const cur = await get('/contents/small.txt');
        return api(sb, 'PUT', `${R}/contents/small.txt`, { token, body: { content: b64(`${Math.random()}\n`), sha: cur.body.sha } });
      };
      const f = (await api(sb, 'POST', '/_sandbox/faults', { body: { route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'push-rejected', message: 'error: the deploy freeze is on\nask #ops' } })).body;
      const r = await put();
      if (F.pushRejectedStatus === 403) {
        assert.equal(r.status, 403);
        assert.equal(r.body.message, 'the deploy freeze is on\nask #ops');
      } else {
        assert.equal(r.status, 500);
        assert.equal(r.body.message, '');
      }
      assert.equal((await api(sb, 'GET', `/_sandbox/faults/${f.id}`)).body.hits, 1);
      // without a hook message (a ref-lock race): "push is rejected"
      await api(sb, 'POST', '/_sandbox/faults', { body: { regex: '^POST /api/v1/repos/niko/gitops/contents$', kind: 'push-rejected' } });
      const cf = await api(sb, 'POST', `${R}/contents`, { token: sb.tokenNames.pat, body: { files: [{ operation: 'create', path: 'new.txt', content: b64('n\n') }] } });
      assert.equal(cf.status, F.pushRejectedStatus);
      if (F.pushRejectedStatus === 403) assert.equal(cf.body.message, 'push is rejected');
      // a site administrator sees a 500's message (services/context/api.go APIError)
      if (F.pushRejectedStatus === 500) {
        await api(sb, 'POST', '/_sandbox/faults', { body: { route: 'PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}', kind: 'push-rejected' } });
        const adm = await put(sb.tokenNames.admin);
        assert.equal(adm.status, 500);
        assert.equal(adm.body.message, 'push rejected: push is rejected');
      }
      assert.equal((await api(sb, 'GET', '/_sandbox/repos/niko/gitops/commits')).body.length, before, 'nothing was written');
      assert.equal((await put()).status, 200, 'the fault is used up');
    });
  });
}
