// The round trip on the local sandbox: starts the Gitea stand-in with the demo world
// (niko/agent-platform builds, niko/agent-platform-gitops deploys), dispatches the consumer's
// build workflow with a version, and shows what happened: the consumer run (act runs
// `mode: dispatch`), the GitOps run it started (`mode: update`), the GitOps commit and its diff,
// and the statuses on both commits.
//
//   node scripts/demo.mjs [--flavor gitea-1.26] [--version 1.2.3]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { api, ensureAct, startSandbox, waitRun } from '../tests/sandbox/helpers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { flavor: { type: 'string', default: 'gitea-1.26' }, version: { type: 'string', default: '1.2.3' } } });

const act = ensureAct();
if (act.skip) throw new Error(act.skip);
const sb = await startSandbox({ flavor: args.flavor, actionDir: ROOT });
const say = (text) => console.log(`\n== ${text}`);
try {
  const token = sb.tokens.niko;
  say(`sandbox ${args.flavor} at ${sb.url}: niko/agent-platform (consumer) and niko/agent-platform-gitops (GitOps)`);
  const before = (await api(sb, 'GET', '/_sandbox/repos/niko/agent-platform-gitops/file?path=dev/Chart.yaml')).text;
  console.log(`dev/Chart.yaml before:\n${before}`);

  say(`dispatching niko/agent-platform's build.yaml with version ${args.version}`);
  const dispatched = await api(sb, 'POST', '/repos/niko/agent-platform/actions/workflows/build.yaml/dispatches', {
    token,
    body: { ref: 'main', inputs: { version: args.version } },
  });
  if (dispatched.status >= 300) throw new Error(`dispatch answered ${dispatched.status}: ${dispatched.text}`);
  const consumerRun = (await api(sb, 'GET', '/_sandbox/runs')).body.find((r) => r.repo === 'niko/agent-platform');
  const run = await waitRun(sb, consumerRun.id, 'completed', 300_000);
  const outputs = Object.fromEntries([...run.log.matchAll(/::set-output:: (\w+)=(.*)/g)].map((m) => [m[1], m[2]]));
  console.log(`consumer run ${run.id}: ${run.conclusion}`);
  for (const name of ['status', 'summary', 'dispatch_id', 'run_url', 'commit_url']) console.log(`  ${name} = ${outputs[name] ?? ''}`);

  const gitopsRun = (await api(sb, 'GET', '/_sandbox/runs')).body.find((r) => r.repo === 'niko/agent-platform-gitops');
  if (gitopsRun) console.log(`GitOps run ${gitopsRun.id} (${gitopsRun.title ?? gitopsRun.display_title ?? ''}): ${gitopsRun.conclusion}`);

  say('the GitOps commit');
  const [commit] = (await api(sb, 'GET', '/_sandbox/repos/niko/agent-platform-gitops/commits')).body;
  console.log(`${commit.sha}\n${commit.message}`);
  const after = (await api(sb, 'GET', '/_sandbox/repos/niko/agent-platform-gitops/file?path=dev/Chart.yaml')).text;
  const changed = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
  console.log(`lines changed in dev/Chart.yaml: ${changed.length}\n${changed.map((l) => `  + ${l}`).join('\n')}`);

  say('statuses');
  for (const s of (await api(sb, 'GET', '/_sandbox/statuses')).body) {
    console.log(`${s.repo ?? ''} ${s.sha.slice(0, 7)} ${s.context} ${s.state}  ${s.target_url}\n    ${s.description}`);
  }
  const ok = run.conclusion === 'success' && outputs.status === 'success' && outputs.summary?.includes(commit.sha);
  say(ok ? 'round trip complete' : 'round trip FAILED');
  process.exitCode = ok ? 0 : 1;
} finally {
  await sb.stop();
}
