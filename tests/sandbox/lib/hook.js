'use strict';
// The pre-receive hook of every sandbox repository (installed by lib/git.js installHook), run by
// `git receive-pack` under `git http-backend`. Like the servers' `gitea hook pre-receive` it asks the
// server (here: POST <SANDBOX_HOOK_URL> with the push id of the HTTP request) whether the pushed
// branch updates may land, printing the refusal on stderr (git relays it as `remote:` lines) and
// exiting 1. Git facts the server needs (force push, changed files) are computed here, where the
// quarantined objects of the push are visible.

const { execFileSync } = require('node:child_process');
const http = require('node:http');

const ZERO = /^0+$/;

const git = (args) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });

function describe(oldSha, newSha, ref) {
  const u = { ref, oldSha, newSha };
  if (!ref.startsWith('refs/heads/') || ZERO.test(newSha)) return u;
  u.branch = ref.slice('refs/heads/'.length);
  // hook_pre_receive.go step 2: a force push leaves commits of the old tip unreachable
  u.force = !ZERO.test(oldSha) && git(['rev-list', '--max-count=1', oldSha, `^${newSha}`]).trim() !== '';
  // git.GetAffectedFiles: `git diff --name-only old new`; a new branch counts from where it starts
  const files = ZERO.test(oldSha)
    ? git(['log', '--format=', '--name-only', newSha, '--not', '--branches'])
    : git(['diff', '--name-only', oldSha, newSha]);
  u.files = [...new Set(files.split('\n').map((l) => l.trim()).filter(Boolean))];
  // verifyCommits walks `rev-list old..new`; the first one listed is the newest
  const range = ZERO.test(oldSha) ? [newSha, '--not', '--branches'] : [`${oldSha}..${newSha}`];
  u.newestCommit = git(['rev-list', '--max-count=1', ...range]).trim() || null;
  return u;
}

function ask(body) {
  return new Promise((resolve, reject) => {
    const req = http.request(process.env.SANDBOX_HOOK_URL, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text));
        } catch (e) {
          reject(new Error(`the sandbox answered ${res.statusCode}: ${text}`));
        }
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function main() {
  // a push that does not come through the sandbox's git HTTP (none is expected): let it through
  if (!process.env.SANDBOX_HOOK_URL) return;
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const updates = input.split('\n').filter(Boolean).map((line) => {
    const [oldSha, newSha, ref] = line.split(' ');
    return describe(oldSha, newSha, ref);
  });
  const answer = await ask({ push: process.env.SANDBOX_PUSH_ID, updates });
  if (answer.stderr) process.stderr.write(answer.stderr);
  process.exitCode = answer.ok ? 0 : 1;
}

main().catch((e) => {
  process.stderr.write(`sandbox pre-receive hook failed: ${e.message}\n`);
  process.exitCode = 1;
});
