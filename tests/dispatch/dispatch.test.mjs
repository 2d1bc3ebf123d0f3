// `mode: dispatch` (the consumer side) against the sandbox, in every flavor.
//
// - Through the real act: a consumer repository's own pipeline (load-config -> the reusable
//   workflow .gitea/workflows/gitops-dispatch.yml -> a report job) is dispatched; its deploy job
//   dispatches examples/gitops-repo's gitops-service.yaml, which act runs too. Once with the
//   reusable workflow copied into the consumer (`uses: ./.gitea/workflows/…`), once as a remote
//   reusable workflow (`uses: niko/gitops-action/.github/workflows/…@v1`: nektos/act only reads
//   remote reusable workflows from .github/workflows, so the action folder the sandbox maps
//   for niko/gitops-action@v1 carries a byte-identical copy there).
//   A third pipeline, whose token cannot dispatch, shows the failing deploy job's outputs.
// - Everything else runs the committed dist/index.js as a runner would (INPUT_* environment,
//   $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY), against GitOps runs that act executes: 10 consumers
//   at once, failed/hung/cancelled runs, rejected dispatches, API faults, a GitOps repository
//   still on the seed's commit format, and `mode: report`. These run concurrently within a
//   flavor (each with its own consumer and, where faults are involved, its own GitOps repo);
//   flavors run one after the other.
//
// Also: an organisation's GitOps repository dispatched by a bot that is not its owner; on Forgejo
// the short `uses:` form failing (data.forgejo.org) and `default_actions_url = github` making it
// work; through act, a consumer using the run's own token; on Gitea 1.24/1.25 one runner slot
// and 5 consumers at once. The pipelines check that runs use the runner address while every link
// is on the public URL.
//
// Where a flavor cannot name the run (Gitea 1.24), the expected run link is the repository's
// Actions page (runLink below).
//
// DISPATCH_FLAVORS=gitea-1.26,forgejo-12 limits the flavors (development only).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { REPO_ROOT, FLAVORS, actionUsesFor, api, ensureAct, get, startSandbox, stopChecked, waitRun } from '../sandbox/helpers.mjs';
import { runStep } from '../runner-files.mjs';

const YAML = createRequire(path.join(REPO_ROOT, 'tests', 'sandbox', 'package.json'))('yaml');
const REUSABLE_PATH = '.gitea/workflows/gitops-dispatch.yml';
const REUSABLE = readFileSync(path.join(REPO_ROOT, REUSABLE_PATH), 'utf8');
const GITOPS = 'niko/app-gitops';
const LEGACY = 'niko/legacy-gitops';
const CHART = 'dev/Chart.yaml';
const TPL = '.version = "{{VERSION}}"';
const CONSUMERS = Array.from({ length: 10 }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
/** Consumers of the single cases; those with faults get a GitOps repository of their own (niko/<name>-gitops). */
const SINGLE = ['failing', 'hanging', 'rejected', 'retried', 'flaky', 'old-school', 'denied', 'orgapp', 'shortform', 'selftoken'];
const OWN_GITOPS = ['failing', 'hanging', 'retried', 'flaky', 'shortform', 'busy'];
/** Consumers that share niko/busy-gitops and one runner slot. */
const LOAD = Array.from({ length: 5 }, (_, i) => `load-${i + 1}`);
/** An organisation's GitOps repository, and its deploy bot: a member with write access, not an owner. */
const ORG_GITOPS = 'acme/gitops';

const FLAVOR_NAMES = process.env.DISPATCH_FLAVORS ? process.env.DISPATCH_FLAVORS.split(',') : Object.keys(FLAVORS);
/** Flavors whose API lets the core follow the dispatched run (`/actions/runs`, Gitea 1.25+, Forgejo 12+). */
const FOLLOWS_RUNS = new Set(['gitea-1.25', 'gitea-1.26', 'forgejo-12']);
/** Flavors where each dispatch cancels the unfinished runs of the workflow (G services/actions/workflow.go @v1.24.7, @v1.25.5 CancelPreviousJobs). */
const CANCELS_ON_DISPATCH = new Set(['gitea-1.24', 'gitea-1.25']);
/** Flavors where a consumer tries the run's own token as its dispatch token (its reach changed in Gitea 1.26). */
const RUN_TOKEN_FLAVORS = new Set(['gitea-1.25', 'gitea-1.26']);

// ---- the consumer's pipeline, run by act ----------------------------------------------------

/** A consumer's build workflow: load-config writes env_json, deploy calls the reusable workflow, report renders its summary. */
function buildWorkflow({ uses, envJson }) {
  return `name: Build
on:
  workflow_dispatch:
    inputs:
      version:
        type: string
        required: true
jobs:
  load-config:
    runs-on: ubuntu-latest
    outputs:
      env_json: \${{ steps.config.outputs.env_json }}
    steps:
      - id: config
        run: |
          echo 'env_json=${envJson}' >> "$GITHUB_OUTPUT"
  deploy:
    needs: load-config
    uses: ${uses}
    with:
      env_json: \${{ needs.load-config.outputs.env_json }}
      version: \${{ inputs.version }}
      GITOPS_FILE: ${CHART}
      GITOPS_YQ_TPL: '${TPL}'
      GITOPS_REPO: ${GITOPS}
    secrets: inherit
  report:
    needs: deploy
    if: always()
    runs-on: ubuntu-latest
    steps:
      - uses: niko/gitops-action@v1
        with:
          mode: report
          gitops: \${{ needs.deploy.outputs.summary }}
      - run: echo "DEPLOY-SUMMARY=[\${{ needs.deploy.outputs.summary }}] RESULT=\${{ needs.deploy.result }}"
`;
}

/** The seed's GitOps workflow: the file through the contents API, sed, a commit with the seed's subject and no trailer. */
const LEGACY_WORKFLOW = `name: GitOps (seed script)
on:
  workflow_dispatch:
    inputs:
      file:
        type: string
        required: true
      yq_tpl:
        type: string
        required: true
      version:
        type: string
        required: true
jobs:
  update:
    runs-on: ubuntu-latest
    steps:
      - name: Update the version and commit it
        env:
          TOKEN: \${{ secrets.GITEA_TOKEN }}
          FILE: \${{ inputs.file }}
          VERSION: \${{ inputs.version }}
        run: |
          set -eu
          tmp=$(mktemp -d)
          url="$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/contents/$FILE"
          curl -fsS -H "Authorization: token $TOKEN" "$url" > "$tmp/current.json"
          node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));process.stdout.write(Buffer.from(j.content,"base64"))' "$tmp/current.json" > "$tmp/file"
          sed -i -E "s/^version: [^ ]+/version: $VERSION/" "$tmp/file"
          body=$(node -e 'const fs=require("fs");const j=JSON.parse(fs.readFileSync(process.argv[1]));console.log(JSON.stringify({message:"[skip ci] gitops: update version to "+process.env.VERSION,content:fs.readFileSync(process.argv[2]).toString("base64"),sha:j.sha}))' "$tmp/current.json" "$tmp/file")
          curl -fsS -X PUT -H "Authorization: token $TOKEN" -H 'Content-Type: application/json' -d "$body" "$url" > /dev/null
          echo "committed $FILE at $VERSION"
`;

/** A consumer whose only job dispatches with no `token` input: action.yml's default, the run's own token. */
const SELF_TOKEN_WORKFLOW = `name: Build
on: workflow_dispatch
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: niko/gitops-action@v1
        with:
          mode: dispatch
          version: 3.3.0
          GITOPS_FILE: ${CHART}
          GITOPS_YQ_TPL: '${TPL}'
          GITOPS_REPO: ${GITOPS}
`;

function seed(flavor) {
  const gitopsDir = path.join(REPO_ROOT, 'examples', 'gitops-repo');
  const serviceYaml = readFileSync(path.join(gitopsDir, '.gitea', 'workflows', 'gitops-service.yaml'), 'utf8');
  // the GitOps repository as README tells users of this flavor to write it (the action by URL on Forgejo)
  const gitops = (name) => ({ name, files_from: gitopsDir, files: { '.gitea/workflows/gitops-service.yaml': actionUsesFor(flavor, serviceYaml) } });
  const consumer = (name, files = {}) => ({ name: `niko/${name}`, files: { 'README.md': `# ${name}\n`, ...files }, secrets: { GITOPS_DISPATCH_TOKEN: { token: 'niko-pat' } } });
  return {
    users: [
      { name: 'niko', email: 'niko@example.com', full_name: 'Niko' },
      { name: 'deploy-bot', email: 'deploy-bot@example.com', full_name: 'Deploy Bot' },
    ],
    orgs: [{ name: 'acme', members: { niko: 'owner', 'deploy-bot': 'write' } }],
    tokens: [
      { name: 'niko-pat', user: 'niko', scopes: ['write:repository', 'read:user'] },
      { name: 'niko-read', user: 'niko', scopes: ['read:repository'] },
      { name: 'bot-pat', user: 'deploy-bot', scopes: ['write:repository'] },
    ],
    repos: [
      gitops(GITOPS),
      gitops(ORG_GITOPS),
      ...OWN_GITOPS.map((name) => (name === 'shortform' ? { name: 'niko/shortform-gitops', files_from: gitopsDir } : gitops(`niko/${name}-gitops`))),
      { name: LEGACY, files: { [CHART]: readFileSync(path.join(gitopsDir, CHART)), '.gitea/workflows/gitops-service.yaml': LEGACY_WORKFLOW } },
      // the reusable workflow copied into the consumer, with a tag prefix (context gitops/app/docker)
      consumer('app', {
        '.gitea/workflows/build.yaml': actionUsesFor(flavor, buildWorkflow({ uses: `./${REUSABLE_PATH}`, envJson: '{"GITEA_API_URL": "${{ github.server_url }}/api/v1", "GIT_TAG_PREFIX": "docker/"}' })),
        [REUSABLE_PATH]: actionUsesFor(flavor, REUSABLE),
      }),
      // the reusable workflow from niko/gitops-action@v1, without a prefix (context gitops/api); left
      // as Gitea users write it: on Forgejo its test sets [actions] DEFAULT_ACTIONS_URL to github
      consumer('api', { '.gitea/workflows/build.yaml': buildWorkflow({ uses: 'niko/gitops-action/.github/workflows/gitops-dispatch.yml@v1', envJson: '{"GIT_TAG_PREFIX": ""}' }) }),
      // the same pipeline with a token that cannot dispatch: the summary of a failed deploy job
      {
        ...consumer('denied', { '.gitea/workflows/build.yaml': actionUsesFor(flavor, buildWorkflow({ uses: `./${REUSABLE_PATH}`, envJson: '{}' })), [REUSABLE_PATH]: actionUsesFor(flavor, REUSABLE) }),
        secrets: { GITOPS_DISPATCH_TOKEN: { token: 'niko-read' } },
      },
      consumer('selftoken', { '.gitea/workflows/build.yaml': actionUsesFor(flavor, SELF_TOKEN_WORKFLOW) }),
      ...[...CONSUMERS, ...LOAD, ...SINGLE.filter((n) => !['denied', 'selftoken'].includes(n))].map((name) => consumer(name)),
    ],
  };
}

/** What the sandbox maps niko/gitops-action@v1 to: the action, with the reusable workflow also under .github/workflows. */
function actionDir(top) {
  const dir = path.join(top, 'gitops-action');
  for (const p of ['action.yml', 'dist', '.gitea']) cpSync(path.join(REPO_ROOT, p), path.join(dir, p), { recursive: true });
  mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
  cpSync(path.join(REPO_ROOT, REUSABLE_PATH), path.join(dir, '.github', 'workflows', 'gitops-dispatch.yml'));
  return dir;
}

// ---- running dist/index.js as a runner would -------------------------------------------------

let runCounter = 100;
/**
 * Runs dist/index.js in dispatch mode as a runner would (runStep); `inputs` override the
 * defaults (undefined removes one). `consumer` is the source repository.
 */
function runAction(sb, { consumer, sha, inputs = {}, env = {} }) {
  return runStep({
    serverUrl: sb.url,
    repository: consumer && `niko/${consumer}`,
    inputs: {
      mode: 'dispatch',
      token: sb.tokenNames['niko-pat'],
      gitops_repo: GITOPS,
      gitops_file: CHART,
      gitops_yq_tpl: TPL,
      timeout: '60s',
      poll_max: '2s',
      ...inputs,
    },
    env: { GITEA_ACTIONS: 'true', GITHUB_SHA: sha, GITHUB_RUN_ID: String(++runCounter), GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'deploy', ...env },
  });
}

// ---- looking at the sandbox ------------------------------------------------------------------

const history = (sb, repo = GITOPS, file) => get(sb, `/_sandbox/repos/${repo}/commits${file ? `?path=${encodeURIComponent(file)}` : ''}`);
const fileAt = async (sb, repo, file, ref) => (await api(sb, 'GET', `/_sandbox/repos/${repo}/file?path=${encodeURIComponent(file)}${ref ? `&ref=${ref}` : ''}`)).text;
const headSha = async (sb, repo) => (await history(sb, repo))[0].sha;
const chartVersion = (text) => /^version: (\S+)/m.exec(text)?.[1];
const trailer = (message, name) => new RegExp(`^${name}: (.*)$`, 'm').exec(message)?.[1];
const statusesOn = async (sb, repo, sha) => (await get(sb, '/_sandbox/statuses')).filter((s) => s.repo === repo && s.sha === sha).sort((a, b) => a.id - b.id);
const runsOf = async (sb, repo = GITOPS) => (await get(sb, '/_sandbox/runs')).filter((r) => r.repo === repo);
const commitPage = (sb, sha, repo = GITOPS) => `${sb.url}/${repo}/commit/${sha}`;
const semverCmp = (a, b) => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The link the core can give for a run: its page, or on Gitea 1.24 (no run in any answer) the Actions page. */
const runLink = (sb, flavor, run, repo = GITOPS) => (flavor === 'gitea-1.24' ? `${sb.url}/${repo}/actions` : run.html_url);

/** Asserts `sha` is the commit that set dev/Chart.yaml to `version` in `repo`; returns the commit. */
async function assertVersionCommit(sb, sha, version, repo = GITOPS) {
  assert.match(sha ?? '', /^[0-9a-f]{40}$/, 'a commit sha');
  const commit = (await history(sb, repo)).find((c) => c.sha === sha);
  assert.ok(commit, `${sha} is in ${repo}'s history`);
  assert.deepEqual(
    commit.files.map((f) => f.filename),
    [CHART],
    'the commit changed dev/Chart.yaml only',
  );
  assert.equal(chartVersion(await fileAt(sb, repo, CHART, sha)), version, `${CHART} holds ${version} at ${sha}`);
  assert.notEqual(chartVersion(await fileAt(sb, repo, CHART, commit.parents[0])), version, 'and did not before it');
  return commit;
}

/** Asserts the consumer commit's statuses: pending (with `pendingUrl`) first, `final` last. */
async function assertStatuses(sb, repo, sha, { context, pendingUrl, final }) {
  const statuses = await statusesOn(sb, repo, sha);
  assert.ok(statuses.length >= 2, `a pending and a final status on ${repo}@${sha}: ${JSON.stringify(statuses)}`);
  assert.deepEqual(new Set(statuses.map((s) => s.context)), new Set([context]), 'one context');
  const [first] = statuses;
  const last = statuses[statuses.length - 1];
  assert.equal(first.state, 'pending');
  if (pendingUrl) assert.equal(first.target_url, pendingUrl);
  assert.ok(statuses.slice(0, -1).every((s) => s.state === 'pending'), 'only pending statuses before the final one');
  assert.equal(last.state, final.state);
  assert.equal(last.target_url, final.target_url);
  if (final.description) assert.match(last.description, final.description);
  return statuses;
}

/** The `::set-output::` lines act printed for one job (`deploy/…`). */
function actOutputs(log, jobPrefix) {
  const outputs = {};
  const re = /^\[([^\]]+)\]\s+⚙\s+::set-output:: ([A-Za-z_]+)=(.*)$/gm;
  for (const m of log.matchAll(re)) if (m[1].trim().startsWith(jobPrefix)) outputs[m[2]] = m[3];
  return outputs;
}

// ---- the tests -----------------------------------------------------------------------------------

const scratch = mkdtempSync(path.join(tmpdir(), 'gitops-dispatch-test-'));
const ACTION_DIR = actionDir(scratch);
after(() => rmSync(scratch, { recursive: true, force: true }));

test("gitops-dispatch.yml has the seed's interface: workflow_call inputs, the secret, the summary output, one step", () => {
  const wf = YAML.parse(REUSABLE);
  const call = wf.on.workflow_call;
  assert.deepEqual(Object.keys(wf.on), ['workflow_call'], 'only workflow_call');
  assert.deepEqual(
    Object.fromEntries(Object.entries(call.inputs).map(([k, v]) => [k, [v.type, v.required]])),
    { env_json: ['string', true], version: ['string', true], GITOPS_FILE: ['string', true], GITOPS_YQ_TPL: ['string', true], GITOPS_REPO: ['string', true] },
  );
  assert.deepEqual(Object.keys(call.secrets), ['GITOPS_DISPATCH_TOKEN']);
  assert.deepEqual(Object.keys(call.outputs), ['summary']);
  const [jobId, ...others] = Object.keys(wf.jobs);
  assert.deepEqual(others, [], 'one job');
  const job = wf.jobs[jobId];
  assert.equal(call.outputs.summary.value, `\${{ jobs.${jobId}.outputs.summary }}`);
  assert.equal(job.steps.length, 1, 'one step');
  const [step] = job.steps;
  assert.equal(job.outputs.summary, `\${{ steps.${step.id}.outputs.summary }}`);
  assert.equal(step.uses, 'niko/gitops-action@v1');
  assert.deepEqual(step.with, {
    mode: 'dispatch',
    env_json: '${{ inputs.env_json }}',
    version: '${{ inputs.version }}',
    GITOPS_FILE: '${{ inputs.GITOPS_FILE }}',
    GITOPS_YQ_TPL: '${{ inputs.GITOPS_YQ_TPL }}',
    GITOPS_REPO: '${{ inputs.GITOPS_REPO }}',
    token: '${{ secrets.GITOPS_DISPATCH_TOKEN }}',
  });
  // every input it passes is one the action declares
  const action = YAML.parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8'));
  for (const k of Object.keys(step.with)) assert.ok(k in action.inputs, `action.yml declares input ${k}`);
});

test('mode: report renders several summaries as a table, links on GITHUB_SERVER_URL, malformed lines reported', async (t) => {
  const sha1 = '0123456789abcdef0123456789abcdef01234567';
  const sha2 = 'fedcba9876543210fedcba9876543210fedcba98';
  const lines = [
    'component|version|status|commit_sha|repo',
    `app-docker|1.2.3|success|${sha1}|niko/app-gitops`,
    `api|2.0.0|superseded|${sha2}|niko/app-gitops`,
    'worker|1.0.0|run_failed||niko/app-gitops',
    'cron|0.9.0|dispatch_rejected||niko/other-gitops',
    'web|3.1.4|timed_out||niko/app-gitops',
    'this line is not a summary',
  ].join('\n');
  const sb = { url: 'http://unused.invalid', tokenNames: {} };
  const r = await runAction(sb, { inputs: { mode: 'report', gitops: lines, token: undefined }, env: { GITHUB_SERVER_URL: 'https://gitea.example.test/', GITHUB_API_URL: undefined } });
  assert.equal(r.code, 0, r.log);
  const web = 'https://gitea.example.test';
  // the icon of dispatch mode's own `run_failed`
  const WORKER_ICON = /^\| (\S+) \| worker \|/m.exec(r.summary)?.[1];
  await t.test("dispatch mode's run_failed gets the failure icon", () => {
    assert.equal(WORKER_ICON, '❌');
  });
  assert.equal(
    r.summary,
    [
      '### GitOps deployments',
      '',
      '| | Component | Version | Status | Commit | Repository |',
      '|---|---|---|---|---|---|',
      `| ✅ | app-docker | \`1.2.3\` | success | [\`0123456\`](${web}/niko/app-gitops/commit/${sha1}) | [niko/app-gitops](${web}/niko/app-gitops) |`,
      `| ⏭️ | api | \`2.0.0\` | superseded | [\`fedcba9\`](${web}/niko/app-gitops/commit/${sha2}) | [niko/app-gitops](${web}/niko/app-gitops) |`,
      `| ${WORKER_ICON} | worker | \`1.0.0\` | run\\_failed | — | [niko/app-gitops](${web}/niko/app-gitops) |`,
      `| ❌ | cron | \`0.9.0\` | dispatch\\_rejected | — | [niko/other-gitops](${web}/niko/other-gitops) |`,
      `| ⌛ | web | \`3.1.4\` | timed\\_out | — | [niko/app-gitops](${web}/niko/app-gitops) |`,
      '| ⚠️ | malformed line 7 | | has 1 fields, expected 5 (component\\|version\\|status\\|commit\\_sha\\|repo) | | `this line is not a summary` |',
      '',
    ].join('\n'),
  );
  assert.equal(r.outputs.rows, '5');
  assert.equal(r.outputs.malformed, '1');
  assert.match(r.log, /^::warning::gitops line 7 has 1 fields, expected 5 .*: this line is not a summary$/m);
});

test("mode: report links on the public URL of the event payload's repository.html_url, not on the runner's GITHUB_SERVER_URL", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gitops-event-'));
  try {
    // api.WorkflowDispatchPayload: the repository as convert.ToRepo gives it, html_url on ROOT_URL
    const event = path.join(dir, 'event.json');
    writeFileSync(event, JSON.stringify({ inputs: {}, ref: 'refs/heads/main', repository: { full_name: 'niko/app', html_url: 'https://git.example.test/sub/niko/app' } }));
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const sb = { url: 'http://unused.invalid', tokenNames: {} };
    const r = await runAction(sb, {
      inputs: { mode: 'report', gitops: `app|1.2.3|success|${sha}|acme/gitops`, token: undefined },
      env: { GITHUB_SERVER_URL: 'http://gitea:3000', GITHUB_API_URL: undefined, GITHUB_REPOSITORY: 'niko/app', GITHUB_EVENT_PATH: event },
    });
    assert.equal(r.code, 0, r.log);
    assert.ok(r.summary.includes(`| ✅ | app | \`1.2.3\` | success | [\`0123456\`](https://git.example.test/sub/acme/gitops/commit/${sha}) | [acme/gitops](https://git.example.test/sub/acme/gitops) |`), r.summary);
    assert.ok(!r.summary.includes('gitea:3000'), r.summary);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const flavor of FLAVOR_NAMES) {
  describe(`dispatch mode on ${flavor}`, () => {
    let sb;
    const consumerSha = {};
    const follows = FOLLOWS_RUNS.has(flavor);
    before(async () => {
      const act = ensureAct();
      if (act.skip) throw new Error(act.skip);
      sb = await startSandbox({ flavor, seed: seed(flavor), actPath: act.path, actionDir: ACTION_DIR, capacity: 16 });
      for (const name of ['app', 'api', ...CONSUMERS, ...LOAD, ...SINGLE.filter((n) => n !== 'denied')]) consumerSha[name] = await headSha(sb, `niko/${name}`);
    });
    after(() => stopChecked(sb));

    /** Dispatches a consumer's build.yaml through act and checks the whole pipeline. */
    async function consumerPipeline(name, version, context, component) {
      const before = (await runsOf(sb)).length;
      const d = await api(sb, 'POST', `/repos/niko/${name}/actions/workflows/build.yaml/dispatches`, { token: sb.tokenNames['niko-pat'], body: { ref: 'main', inputs: { version } } });
      assert.equal(d.status, 204, d.text);
      const build = (await runsOf(sb, `niko/${name}`)).at(-1);
      const done = await waitRun(sb, build.id, 'completed', 150_000);
      assert.equal(done.conclusion, 'success', done.log);
      const log = done.log;
      const out = actOutputs(log, 'deploy/');
      assert.equal(out.status, 'success', log);
      assert.match(out.dispatch_id, new RegExp(`^niko-${name}-${build.id}-1-dispatch-[0-9a-f]{6}$`), 'dispatch id: repo, run, attempt, job, random');
      // exactly one GitOps run, dispatched with that id, which succeeded
      const runs = (await runsOf(sb)).slice(before);
      assert.equal(runs.length, 1, 'one GitOps run');
      const [run] = runs;
      assert.equal(run.inputs.dispatch_id, out.dispatch_id);
      assert.equal(run.inputs.version, version);
      assert.equal(run.inputs.source_repo, `niko/${name}`);
      assert.equal(run.inputs.source_commit, build.sha);
      assert.equal(run.conclusion, 'success');
      // the commit: dev/Chart.yaml at the version, with our dispatch id
      const sha = out.commit_sha;
      const commit = await assertVersionCommit(sb, sha, version);
      assert.equal(trailer(commit.message, 'Gitops-Dispatch-Id'), out.dispatch_id);
      assert.equal(trailer(commit.message, 'Gitops-Source-Commit'), build.sha);
      assert.equal(out.summary, `${component}|${version}|success|${sha}|${GITOPS}`);
      assert.equal(out.commit_url, commitPage(sb, sha));
      assert.equal(out.run_url, runLink(sb, flavor, run));
      await assertStatuses(sb, `niko/${name}`, build.sha, {
        context,
        pendingUrl: runLink(sb, flavor, run),
        final: { state: 'success', target_url: commitPage(sb, sha), description: new RegExp(`^${version.replace(/\./g, '\\.')} success: committed to niko/app-gitops$`) },
      });
      // the summary reached the caller as the reusable workflow's output, and mode: report rendered it
      assert.ok(log.includes(`DEPLOY-SUMMARY=[${out.summary}] RESULT=success`), log);
      assert.ok(log.includes(`| ✅ | ${component} | \`${version}\` | success | [\`${sha.slice(0, 7)}\`](${commitPage(sb, sha)}) | [${GITOPS}](${sb.url}/${GITOPS}) |`), log);
      // The runs saw the runner's address (act_runner client.Address()), not the public URL: the
      // consumer's deploy job and the GitOps run called the API through it. Every link above is on
      // the public URL, from the API's html_url fields and the event payload's repository.html_url.
      assert.notEqual(sb.runnerUrl, sb.url);
      const via = async (method, p) => (await get(sb, `/_sandbox/requests?method=${method}&path=${encodeURIComponent(p)}`)).filter((q) => q.path === p).map((q) => q.via);
      assert.deepEqual(await via('POST', `/api/v1/repos/${GITOPS}/actions/workflows/gitops-service.yaml/dispatches`).then((v) => v.slice(-1)), ['runner'], 'the deploy job dispatched through the runner address');
      assert.deepEqual(await via('PUT', `/api/v1/repos/${GITOPS}/contents/${CHART}`).then((v) => v.slice(-1)), ['runner'], 'the GitOps run wrote through the runner address');
      for (const link of [out.commit_url, out.run_url]) assert.ok(link.startsWith(`${sb.url}/`), `${link} is on the public URL ${sb.url}`);
      assert.ok(!log.includes(`](${sb.runnerUrl}`), 'no Markdown link in the job summaries points at the runner address');
    }

    test('a consumer pipeline through act: the reusable workflow copied into the repository, a tag prefix', { timeout: 180_000 }, async () => {
      await consumerPipeline('app', '1.0.0', 'gitops/app/docker', 'app-docker');
    });

    test('a consumer pipeline through act: the reusable workflow from niko/gitops-action@v1, no prefix', { timeout: 180_000 }, async () => {
      // Forgejo looks `uses: niko/gitops-action@v1` up on data.forgejo.org; an admin who sets
      // [actions] DEFAULT_ACTIONS_URL = github makes the short form work (modules/setting/actions.go @v12.0.4).
      const forgejo = flavor.startsWith('forgejo');
      const { default_actions_url: configured } = await get(sb, '/_sandbox/settings');
      if (forgejo) assert.equal((await api(sb, 'POST', '/_sandbox/settings', { body: { default_actions_url: 'github' } })).status, 200);
      try {
        await consumerPipeline('api', '1.1.0', 'gitops/api', 'api');
      } finally {
        if (forgejo) await api(sb, 'POST', '/_sandbox/settings', { body: { default_actions_url: configured } });
      }
    });

    // The rest runs at once: each case has its own consumer and, where faults are involved, its
    // own GitOps repository (faults and Gitea 1.24/1.25's cancellations are per repository).
    describe('at once', { concurrency: true }, () => {
      // nektos/act ends the caller's run when a reusable-workflow job fails (the called plan's
      // handleFailure returns an error), so the `if: always()` report job cannot be seen running
      // after a failure here; the deploy job's outputs and status are checked instead.
      test('a failing deploy job through act: dispatch_rejected, its summary output with no sha, a failure status', { timeout: 180_000 }, async () => {
        const d = await api(sb, 'POST', '/repos/niko/denied/actions/workflows/build.yaml/dispatches', { token: sb.tokenNames['niko-pat'], body: { ref: 'main', inputs: { version: '3.2.0' } } });
        assert.equal(d.status, 204, d.text);
        const [build] = await runsOf(sb, 'niko/denied');
        const done = await waitRun(sb, build.id, 'completed', 150_000);
        const log = done.log;
        assert.equal(done.conclusion, 'failure', log);
        const out = actOutputs(log, 'deploy/');
        assert.equal(out.status, 'dispatch_rejected', log);
        assert.equal(out.summary, `denied|3.2.0|dispatch_rejected||${GITOPS}`);
        assert.match(log, /::error::GitOps deployment dispatch_rejected: the token cannot dispatch workflows in niko\/app-gitops/);
        assert.equal(out.commit_sha, '');
        assert.match(log, /Summary - ### GitOps deployment: denied/);
        const statuses = await statusesOn(sb, 'niko/denied', build.sha);
        assert.deepEqual(statuses.map((s) => [s.context, s.state, s.target_url]), [['gitops/denied', 'failure', '']], 'one failure status, set with the run token');
        assert.equal((await runsOf(sb)).filter((r) => r.inputs.version === '3.2.0').length, 0, 'nothing dispatched');
      });

      test('10 consumers dispatch at once: each gets its own commit or superseded, none lost', { timeout: 240_000 }, async (t) => {
        const start = await history(sb);
        const versions = CONSUMERS.map((_, i) => `2.0.${i + 1}`).sort(() => Math.random() - 0.5);
        const results = await Promise.all(
          CONSUMERS.map((name, i) => runAction(sb, { consumer: name, sha: consumerSha[name], inputs: { version: versions[i], timeout: '45s' } }).then((r) => ({ ...r, name, version: versions[i] }))),
        );
        t.diagnostic(results.map((r) => `${r.name} ${r.version} ${r.outputs.status} ${(r.ms / 1000).toFixed(1)} s`).join('; '));
        const now = await history(sb);
        const added = now.slice(0, now.length - start.length);
        const byId = new Map(results.map((r) => [r.outputs.dispatch_id, r]));
        assert.equal(byId.size, CONSUMERS.length, 'distinct dispatch ids');
        // every consumer wrote its summary line, whatever the outcome
        for (const r of results) assert.match(r.outputs.summary ?? '', new RegExp(`^${r.name}\\|${r.version.replace(/\./g, '\\.')}\\|[a-z_]+\\|[0-9a-f]*\\|niko/app-gitops$`), r.log);
        // no commit lost: the history is linear, every new commit is one consumer's, once, with its version
        for (let i = 0; i + 1 < now.length; i++) assert.deepEqual(now[i].parents, [now[i + 1].sha], 'linear history');
        const seen = new Set();
        for (const c of added) {
          const id = trailer(c.message, 'Gitops-Dispatch-Id');
          assert.ok(byId.has(id), `commit ${c.sha} carries one of the consumers' dispatch ids (${id})`);
          assert.ok(!seen.has(id), `one commit per dispatch id (${id})`);
          seen.add(id);
          assert.equal(chartVersion(await fileAt(sb, GITOPS, CHART, c.sha)), byId.get(id).version, "the commit holds its dispatcher's version");
        }
        // a success reports its own commit; a superseded one points at a newer version
        const successes = results.filter((r) => r.outputs.status === 'success');
        for (const r of successes) {
          const commit = added.find((c) => c.sha === r.outputs.commit_sha);
          assert.ok(commit, `${r.name}'s reported commit ${r.outputs.commit_sha} is a new commit in the history`);
          assert.equal(trailer(commit.message, 'Gitops-Dispatch-Id'), r.outputs.dispatch_id, `${r.name} reports its own commit, not another consumer's`);
          assert.equal(r.outputs.summary, `${r.name}|${r.version}|success|${commit.sha}|${GITOPS}`);
          const last = (await statusesOn(sb, `niko/${r.name}`, consumerSha[r.name])).at(-1);
          assert.deepEqual([last.context, last.state, last.target_url], [`gitops/${r.name}`, 'success', commitPage(sb, commit.sha)]);
        }
        assert.equal(seen.size, successes.length, 'every commit made is reported by its consumer as its success');
        for (const r of results.filter((x) => x.outputs.status === 'superseded')) {
          assert.match(r.summary, new RegExp(`is newer than ${r.version.replace(/\./g, '\\.')}`));
          const v = chartVersion(await fileAt(sb, GITOPS, CHART, r.outputs.commit_sha));
          assert.ok(semverCmp(v, r.version) > 0, `${r.name} (superseded) points at a commit with a newer version (${v} > ${r.version})`);
          const last = (await statusesOn(sb, `niko/${r.name}`, consumerSha[r.name])).at(-1);
          assert.deepEqual([last.context, last.state], [`gitops/${r.name}`, 'success']);
        }
        for (const r of results) {
          const last = (await statusesOn(sb, `niko/${r.name}`, consumerSha[r.name])).at(-1);
          const good = ['success', 'superseded', 'unchanged'].includes(r.outputs.status);
          assert.deepEqual([last?.context, last?.state, r.code], [`gitops/${r.name}`, good ? 'success' : 'failure', good ? 0 : 1], `${r.name}: final status and exit code match ${r.outputs.status}`);
        }
        await t.test('every consumer ends with success, superseded or unchanged (exit code 0)', () => {
          for (const r of results) {
            assert.ok(['success', 'superseded', 'unchanged'].includes(r.outputs.status), `${r.name} ${r.version}: ${r.outputs.status}\n${r.log}`);
            assert.equal(r.code, 0, r.log);
          }
        });
        await t.test('the file ends at the highest version', async () => {
          assert.equal(chartVersion(await fileAt(sb, GITOPS, CHART)), '2.0.10');
        });
      });

      test('a failed run: run_failed, a failure status with the run page, the summary line with no sha, exit code 1', { timeout: 120_000 }, async (t) => {
        const repo = 'niko/failing-gitops';
        await api(sb, 'POST', '/_sandbox/faults', { body: { route: `RUN ${repo}/gitops-service.yaml`, kind: 'run-fail' } });
        const r = await runAction(sb, { consumer: 'failing', sha: consumerSha.failing, inputs: { version: '3.0.0', gitops_repo: repo, timeout: '45s' } });
        assert.equal(r.code, 1, r.log);
        const runs = await runsOf(sb, repo);
        assert.equal(runs.length, 1, 'dispatched once');
        assert.deepEqual([runs[0].inputs.dispatch_id, runs[0].fault, runs[0].conclusion], [r.outputs.dispatch_id, 'run-fail', 'failure']);
        assert.equal(r.outputs.commit_sha, '');
        assert.equal(r.outputs.summary, `failing|3.0.0|${r.outputs.status}||${repo}`, 'the summary line, with no sha');
        assert.equal(r.outputs.run_url, runLink(sb, flavor, runs[0], repo));
        await assertStatuses(sb, 'niko/failing', consumerSha.failing, {
          context: 'gitops/failing',
          pendingUrl: runLink(sb, flavor, runs[0], repo),
          final: { state: 'failure', target_url: runLink(sb, flavor, runs[0], repo), description: new RegExp(`^${r.outputs.status}: `) },
        });
        assert.equal((await history(sb, repo)).length, 1, 'no commit');
        await t.test('the outcome is run_failed, with the reason', async () => {
          assert.equal(r.outputs.status, 'run_failed', r.log);
          assert.match(r.log, /^::error::GitOps deployment run_failed: the GitOps run ended with failure: see its log$/m);
          assert.equal((await statusesOn(sb, 'niko/failing', consumerSha.failing)).at(-1).description, 'run_failed: the GitOps run ended with failure: see its log');
          assert.ok(r.summary.includes(`| run_failed | \`3.0.0\` | — | [run](${runLink(sb, flavor, runs[0], repo)}) | the GitOps run ended with failure: see its log |`), r.summary);
        });
      });

      test('a hung run with timeout 10s: timed_out, a failure status, the summary line with no sha, exit code 1', { timeout: 120_000 }, async () => {
        const repo = 'niko/hanging-gitops';
        await api(sb, 'POST', '/_sandbox/faults', { body: { route: `RUN ${repo}/gitops-service.yaml`, kind: 'run-hang' } });
        // 10 s: enough, on 2 busy cores, for the checks before the dispatch (the timeout bounds them too)
        const r = await runAction(sb, { consumer: 'hanging', sha: consumerSha.hanging, inputs: { version: '3.0.1', gitops_repo: repo, timeout: '10s' } });
        const [run] = await runsOf(sb, repo);
        assert.ok(run, `the run was dispatched before the timeout:\n${r.log}`);
        const stillRunning = run.status;

        await api(sb, 'POST', `/_sandbox/runs/${run.id}/cancel`);
        assert.equal(r.code, 1, r.log);
        assert.notEqual(stillRunning, 'completed', 'the run had not ended when the consumer gave up');
        assert.equal(r.outputs.status, 'timed_out', r.log);
        assert.ok(r.ms >= 10_000 && r.ms < 60_000, `gave up after the timeout (${r.ms} ms)`);
        assert.match(r.log, /^::error::GitOps deployment timed_out: no result within 10 s \(input 'timeout'\)$/m);
        assert.equal(r.outputs.summary, `hanging|3.0.1|timed_out||${repo}`);
        assert.equal(r.outputs.run_url, runLink(sb, flavor, run, repo));
        await assertStatuses(sb, 'niko/hanging', consumerSha.hanging, {
          context: 'gitops/hanging',
          pendingUrl: runLink(sb, flavor, run, repo),
          final: { state: 'failure', target_url: runLink(sb, flavor, run, repo), description: /^timed_out: no result within 10 s \(input 'timeout'\)$/ },
        });
        assert.ok(r.summary.includes(`| timed_out | \`3.0.1\` | — | [run](${runLink(sb, flavor, run, repo)}) | no result within 10 s (input 'timeout') |`), r.summary);
      });

      test('a rejected dispatch (read-only token, missing workflow): dispatch_rejected, a clear message, the summary line, exit code 1', { timeout: 60_000 }, async () => {
        const cases = [
          [{ token: sb.tokenNames['niko-read'], status_token: sb.tokenNames['niko-pat'], version: '3.0.2' }, /the token cannot dispatch workflows in niko\/app-gitops \(POST \/repos\/niko\/app-gitops\/actions\/workflows\/gitops-service\.yaml\/dispatches answered 403: [^\n]*?\): it needs write access to the repository's code and Actions/],
          // Only the folder the server reads is searched: .gitea/workflows exists in the GitOps repository.
          [{ workflow: 'nope.yaml', version: '3.0.3' }, /workflow nope\.yaml not found in \.(gitea|forgejo)\/workflows of niko\/app-gitops at main: (Gitea 1\.2\d|Forgejo 1\d) reads workflows only from \.gitea\/workflows while it exists|workflow nope\.yaml not found in \.forgejo\/workflows or \.gitea\/workflows or \.github\/workflows/],
        ];
        const runsBefore = (await runsOf(sb)).length;
        for (const [inputs, message] of cases) {
          const seen = (await statusesOn(sb, 'niko/rejected', consumerSha.rejected)).length;
          const r = await runAction(sb, { consumer: 'rejected', sha: consumerSha.rejected, inputs });
          assert.equal(r.code, 1, r.log);
          assert.equal(r.outputs.status, 'dispatch_rejected', r.log);
          assert.match(r.log, new RegExp(`^::error::GitOps deployment dispatch_rejected: ${message.source}`, 'm'));
          assert.equal(r.outputs.summary, `rejected|${inputs.version}|dispatch_rejected||${GITOPS}`);
          assert.equal(r.outputs.run_url, '');
          const mine = (await statusesOn(sb, 'niko/rejected', consumerSha.rejected)).slice(seen);
          assert.equal(mine.length, 1, 'one status, no pending: nothing was dispatched');
          assert.deepEqual([mine[0].context, mine[0].state, mine[0].target_url], ['gitops/rejected', 'failure', '']);
          assert.match(mine[0].description, /^dispatch_rejected: /);
        }
        assert.equal((await runsOf(sb)).slice(runsBefore).filter((r) => /^3\.0\.[23]$/.test(r.inputs.version ?? '')).length, 0, 'no run started');
      });

      test('a cancelled run is dispatched again with the same id and ends in success', { timeout: 120_000 }, async (t) => {
        const repo = 'niko/retried-gitops';
        await api(sb, 'POST', '/_sandbox/faults', { body: { route: `RUN ${repo}/gitops-service.yaml`, kind: 'run-hang' } });
        const pending = runAction(sb, { consumer: 'retried', sha: consumerSha.retried, inputs: { version: '3.0.4', gitops_repo: repo, timeout: '45s' } });
        let hung;
        for (const deadline = Date.now() + 40_000; !hung && Date.now() < deadline; await sleep(100)) hung = (await runsOf(sb, repo)).find((x) => x.status === 'in_progress');
        assert.ok(hung, 'the first run hangs');
        await sleep(1500); // let the consumer see it running
        await api(sb, 'POST', `/_sandbox/runs/${hung.id}/cancel`);
        const r = await pending;
        const runs = await runsOf(sb, repo);
        assert.deepEqual([runs[0].inputs.dispatch_id, runs[0].conclusion], [r.outputs.dispatch_id, 'cancelled'], 'the first run was ours and got cancelled');
        await t.test('dispatched again, says why, and reports the second run\'s commit', async () => {
          assert.equal(r.outputs.status, 'success', r.log);
          assert.equal(r.code, 0);
          assert.match(r.log, /^::warning::the GitOps run ended \((cancelled|unseen)\) before committing: (Gitea 1\.2[45] cancels a workflow's unfinished runs when it is dispatched again|it was cancelled); dispatching again with the same id in \d+ ms \(1\/\d+\)$/m);
          assert.equal(runs.length, 2, 'two runs');
          assert.deepEqual([runs[1].inputs.dispatch_id, runs[1].conclusion], [r.outputs.dispatch_id, 'success']);
          const commit = await assertVersionCommit(sb, r.outputs.commit_sha, '3.0.4', repo);
          assert.equal(trailer(commit.message, 'Gitops-Dispatch-Id'), r.outputs.dispatch_id);
          assert.equal(r.outputs.run_url, runLink(sb, flavor, runs[1], repo));
          const statuses = await assertStatuses(sb, 'niko/retried', consumerSha.retried, {
            context: 'gitops/retried',
            pendingUrl: runLink(sb, flavor, runs[0], repo),
            final: { state: 'success', target_url: commitPage(sb, commit.sha, repo) },
          });
          assert.deepEqual(statuses.map((s) => [s.state, s.target_url]), [
            ['pending', runLink(sb, flavor, runs[0], repo)],
            ['pending', runLink(sb, flavor, runs[1], repo)],
            ['success', commitPage(sb, commit.sha, repo)],
          ]);
        });
      });

      test('transient API faults (503 bursts on run and commit reads, a 429 with Retry-After): success with the right commit', { timeout: 120_000 }, async () => {
        const repo = 'niko/flaky-gitops';
        const base = `/api/v1/repos/${repo}`;
        await api(sb, 'POST', '/_sandbox/faults', {
          body: [
            { regex: `^GET ${base}$`, kind: 'rate-limit', retryAfter: 3, count: 1 },
            { regex: `^GET ${base}/actions/runs`, kind: 'status', status: 503, count: 3 },
            // with runs to read, the consumer reads commits only after the run (whose update step reads them once first)
            { regex: `^GET ${base}/commits$`, kind: 'status', status: 503, count: 3, skip: follows ? 1 : 0 },
          ],
        });
        const r = await runAction(sb, { consumer: 'flaky', sha: consumerSha.flaky, inputs: { version: '3.0.5', gitops_repo: repo } });
        assert.equal(r.code, 0, r.log);
        assert.equal(r.outputs.status, 'success', r.log);
        const [run] = await runsOf(sb, repo);
        assert.equal(run.inputs.dispatch_id, r.outputs.dispatch_id);
        const commit = await assertVersionCommit(sb, r.outputs.commit_sha, '3.0.5', repo);
        assert.equal(trailer(commit.message, 'Gitops-Dispatch-Id'), r.outputs.dispatch_id);
        assert.equal(r.outputs.summary, `flaky|3.0.5|success|${commit.sha}|${repo}`);
        await assertStatuses(sb, 'niko/flaky', consumerSha.flaky, {
          context: 'gitops/flaky',
          pendingUrl: runLink(sb, flavor, run, repo),
          final: { state: 'success', target_url: commitPage(sb, commit.sha, repo) },
        });
        // the faults hit the consumer's reads
        const requests = (await get(sb, `/_sandbox/requests?path=${encodeURIComponent(base)}`)).filter((q) => q.path.startsWith(base));
        const onRepo = requests.filter((q) => q.path === base);
        assert.deepEqual(onRepo.slice(0, 2).map((q) => q.status), [429, 200], 'the repository read was rate-limited, then repeated');
        const waited = (Date.parse(onRepo[1].at) - Date.parse(onRepo[0].at)) / 1000;
        assert.ok(waited >= 2, `the retry waited for Retry-After: 3 (${waited} s between the whole seconds of the two requests)`);
        const consumerCommitReads = requests.filter((q) => q.path === `${base}/commits` && /(^|&)sha=main(&|$)/.test(q.query));
        // Forgejo 11 follows the run's tasks and reads commits once, after the GitOps run took the 503s.
        if (flavor !== 'forgejo-11') assert.ok(consumerCommitReads.filter((q) => q.status === 503).length >= 1, `a commit read of the consumer got a 503: ${JSON.stringify(consumerCommitReads.map((q) => q.status))}`);
        assert.equal(consumerCommitReads.at(-1).status, 200, 'and a later one went through');
        if (follows) assert.ok(requests.filter((q) => q.path.startsWith(`${base}/actions/runs`) && q.status === 503).length === 3, 'three run reads got a 503');
        const faults = await get(sb, '/_sandbox/faults');
        assert.ok(faults.filter((f) => f.regex?.includes(repo)).every((f) => f.hits === f.count || (!follows && f.regex.includes('actions/runs'))), JSON.stringify(faults));
      });

      test('a GitOps repository still on the seed commit format (sed + contents API, no trailer): found by its subject', { timeout: 150_000 }, async (t) => {
        const r = await runAction(sb, { consumer: 'old-school', sha: consumerSha['old-school'], inputs: { version: '3.1.0', gitops_repo: LEGACY, timeout: '45s' } });
        const [run] = await runsOf(sb, LEGACY);
        assert.equal(run.conclusion, 'success', run.log);
        const [head] = await history(sb, LEGACY);
        assert.equal(head.message, '[skip ci] gitops: update version to 3.1.0\n', 'the seed script committed, without a trailer');
        await assertVersionCommit(sb, head.sha, '3.1.0', LEGACY);
        assert.match(r.log, /^::warning::gitops-service\.yaml declares no input 'dispatch_id'; it is not sent$/m);
        await t.test('the consumer reports that commit as its success', async () => {
          assert.equal(r.outputs.status, 'success', r.log);
          assert.equal(r.code, 0);
          assert.equal(r.outputs.commit_sha, head.sha);
          assert.equal(r.outputs.summary, `old-school|3.1.0|success|${head.sha}|${LEGACY}`);
          assert.match(r.log, /found the commit by its subject \(gitops: update version to 3\.1\.0\): the GitOps repository's workflow writes no Gitops-Dispatch-Id trailer/);
          await assertStatuses(sb, 'niko/old-school', consumerSha['old-school'], {
            context: 'gitops/old-school',
            // Gitea 1.25 finds runs by the dispatch id in their run-name, which the seed's workflow lacks.
            pendingUrl: flavor === 'gitea-1.25' ? `${sb.url}/${LEGACY}/actions` : runLink(sb, flavor, run, LEGACY),
            final: { state: 'success', target_url: commitPage(sb, head.sha, LEGACY), description: /^3\.1\.0 success: committed to niko\/legacy-gitops \(matched by subject\)$/ },
          });
        });
      });

      test("an organisation's GitOps repository, dispatched by a bot that is a member with write access (not an owner): success, the run's own page, one dispatch", { timeout: 150_000 }, async () => {
        const r = await runAction(sb, { consumer: 'orgapp', sha: consumerSha.orgapp, inputs: { version: '3.4.0', gitops_repo: ORG_GITOPS, token: sb.tokenNames['bot-pat'], status_token: sb.tokenNames['niko-pat'], timeout: '90s' } });
        assert.equal(r.outputs.status, 'success', r.log);
        assert.equal(r.code, 0);
        const runs = await runsOf(sb, ORG_GITOPS);
        assert.equal(runs.length, 1, 'one GitOps run');
        const [run] = runs;
        assert.deepEqual([run.inputs.dispatch_id, run.actor, run.conclusion], [r.outputs.dispatch_id, 'deploy-bot', 'success']);
        const dispatches = (await get(sb, `/_sandbox/requests?method=POST&path=${encodeURIComponent(`/api/v1/repos/${ORG_GITOPS}/actions/workflows/`)}`)).filter((q) => q.path.startsWith(`/api/v1/repos/${ORG_GITOPS}/actions/workflows/`));
        assert.deepEqual(dispatches.map((q) => [q.user, q.status]), [['deploy-bot', flavor === 'gitea-1.26' ? 200 : flavor.startsWith('forgejo') ? 201 : 204]], 'exactly one dispatch');
        const commit = await assertVersionCommit(sb, r.outputs.commit_sha, '3.4.0', ORG_GITOPS);
        assert.equal(trailer(commit.message, 'Gitops-Dispatch-Id'), r.outputs.dispatch_id);
        // the run's own page: from the dispatch answer, the run, or (Gitea 1.25 as a non-owner) its task
        assert.equal(r.outputs.run_url, runLink(sb, flavor, run, ORG_GITOPS));
        if (flavor !== 'gitea-1.24') assert.match(r.outputs.run_url, new RegExp(`^${sb.url}/${ORG_GITOPS}/actions/runs/\\d+$`));
        await assertStatuses(sb, 'niko/orgapp', consumerSha.orgapp, {
          context: 'gitops/orgapp',
          pendingUrl: runLink(sb, flavor, run, ORG_GITOPS),
          final: { state: 'success', target_url: commitPage(sb, commit.sha, ORG_GITOPS) },
        });
        if (flavor === 'gitea-1.25') {
          // routers/api/v1/api.go @v1.25.5 L947, L1201: listing runs needs the owner; the tasks do not
          const listed = (await get(sb, `/_sandbox/requests?method=GET&path=${encodeURIComponent(`/api/v1/repos/${ORG_GITOPS}/actions/runs`)}`)).filter((q) => q.path === `/api/v1/repos/${ORG_GITOPS}/actions/runs`);
          assert.ok(listed.length >= 1 && listed.every((q) => q.status === 403), JSON.stringify(listed));
          assert.match(r.log, /the token may not list the runs of acme\/gitops \(GET \/repos\/acme\/gitops\/actions\/runs answered 403: user should be the owner of the repo\): Gitea 1\.25 lets only the repository's owners list them; looking for the run in its tasks instead/);
        }
      });

      if (flavor.startsWith('forgejo')) {
        test('Forgejo: a GitOps workflow with the short form `uses: niko/gitops-action@v1` fails (looked up on data.forgejo.org): run_failed', { timeout: 120_000 }, async () => {
          const repo = 'niko/shortform-gitops';
          const r = await runAction(sb, { consumer: 'shortform', sha: consumerSha.shortform, inputs: { version: '3.5.0', gitops_repo: repo, timeout: '45s' } });
          const [run] = await runsOf(sb, repo);
          const { log } = await get(sb, `/_sandbox/runs/${run.id}`);
          assert.equal(run.conclusion, 'failure');
          assert.match(log, /unable to clone https:\/\/data\.forgejo\.org\/niko\/gitops-action refs\/heads\/v1: the sandbox does not reach https:\/\/data\.forgejo\.org \(niko\/gitops-action@v1 resolves to https:\/\/data\.forgejo\.org, the server's \[actions\] DEFAULT_ACTIONS_URL\)/);
          assert.equal(r.code, 1, r.log);
          assert.equal(r.outputs.status, 'run_failed', r.log);
          assert.equal(r.outputs.run_url, runLink(sb, flavor, run, repo));
          assert.equal((await history(sb, repo)).length, 1, 'no commit');
        });
      }

      if (RUN_TOKEN_FLAVORS.has(flavor)) {
        test("through act: a consumer that dispatches with the run's own token (no `token` input) is told that token sees no other repository", { timeout: 150_000 }, async () => {
          const d = await api(sb, 'POST', '/repos/niko/selftoken/actions/workflows/build.yaml/dispatches', { token: sb.tokenNames['niko-pat'], body: { ref: 'main' } });
          assert.equal(d.status, 204, d.text);
          const [build] = await runsOf(sb, 'niko/selftoken');
          const done = await waitRun(sb, build.id, 'completed', 120_000);
          assert.equal(done.conclusion, 'failure', done.log);
          assert.match(
            done.log,
            /::error::GitOps deployment dispatch_rejected: input 'token' is this run's own token, which cannot read niko\/app-gitops \(GET \/repos\/niko\/app-gitops answered 404[^)]*\): a run's token sees no other repository/,
          );
          assert.equal((await runsOf(sb)).filter((x) => x.inputs.version === '3.3.0').length, 0, 'nothing dispatched');
          const statuses = await statusesOn(sb, 'niko/selftoken', build.sha);
          assert.deepEqual(statuses.map((x) => [x.context, x.state, x.creator]), [['gitops/selftoken', 'failure', 'gitea-actions']], 'the run token set the status on its own repository');
        });
      }
    });

    if (CANCELS_ON_DISPATCH.has(flavor)) {
      test('one runner slot, 5 consumers at once, each dispatch cancelling the unfinished runs: each ends with its own commit or superseded, none cancelled', { timeout: 300_000 }, async (t) => {
        const repo = 'niko/busy-gitops';
        await api(sb, 'POST', '/_sandbox/capacity', { body: { capacity: 1 } });
        let results;
        try {
          const versions = LOAD.map((_, i) => `4.0.${i + 1}`).sort(() => Math.random() - 0.5);
          results = await Promise.all(
            LOAD.map((name, i) => runAction(sb, { consumer: name, sha: consumerSha[name], inputs: { version: versions[i], gitops_repo: repo, timeout: '200s' } }).then((r) => ({ ...r, name, version: versions[i] }))),
          );
        } finally {
          await api(sb, 'POST', '/_sandbox/capacity', { body: { capacity: 16 } });
        }
        const runs = await runsOf(sb, repo);
        t.diagnostic(results.map((r) => `${r.name} ${r.version} ${r.outputs.status} ${(r.ms / 1000).toFixed(1)} s`).join('; '));
        t.diagnostic(`${runs.length} runs: ${runs.map((x) => `${x.inputs.version}:${x.conclusion}`).join(' ')}`);
        for (const r of results) {
          assert.ok(['success', 'superseded'].includes(r.outputs.status), `${r.name} ${r.version}: ${r.outputs.status}\n${r.log}`);
          assert.equal(r.code, 0, r.log);
          const v = chartVersion(await fileAt(sb, repo, CHART, r.outputs.commit_sha));
          if (r.outputs.status === 'success') {
            const commit = await assertVersionCommit(sb, r.outputs.commit_sha, r.version, repo);
            assert.equal(trailer(commit.message, 'Gitops-Dispatch-Id'), r.outputs.dispatch_id, `${r.name} reports its own commit`);
          } else assert.ok(semverCmp(v, r.version) > 0, `${r.name} (superseded) points at a newer version (${v} > ${r.version})`);
        }
        assert.equal(chartVersion(await fileAt(sb, repo, CHART)), '4.0.5', 'the highest version is deployed');
        assert.ok(runs.every((x) => x.status === 'completed'), 'every run ended');
        // Each wave of dispatches ends with one run that is not cancelled; its version lands (or a
        // newer one is there), so a wave settles at least one consumer: at most 5 + 4 + 3 + 2 + 1.
        assert.ok(runs.length <= 15, `the dispatches stay bounded: ${runs.length} runs for 5 consumers`);
      });
    }
  });
}
