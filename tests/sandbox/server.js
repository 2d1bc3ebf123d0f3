#!/usr/bin/env node
'use strict';
// Gitea/Forgejo stand-in for the gitops-action tests. See README.md in this folder.
//
//   node tests/sandbox/server.js [--flavor gitea-1.26] [--port 0] [--seed FILE] [--data DIR]
//        [--strict] [--capacity 2] [--act PATH] [--action-dir DIR]
//        [--local-action [https://host/]owner/repo@ref=DIR ...] [--action-exclude a,b] [--keep-run-dirs]
//        [--runner-port 0] [--runner-address own-port|public] [--server KEY=VALUE ...]
//   node tests/sandbox/server.js --routes [--flavor F] [--json]   (which file answers which operation)
//
// Prints one JSON line on stdout when ready: {"url", "runner_url", "flavor", "tokens": {user: token}};
// logs go to stderr. Stops cleanly on SIGTERM/SIGINT.

const { startSandbox } = require('./lib/sandbox');
const { FLAVORS, DEFAULT_FLAVOR } = require('./lib/flavors');

function parseArgs(argv) {
  const o = { localActions: {}, server: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') && a.startsWith('--') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--flavor':
        o.flavor = val();
        break;
      case '--port':
        o.port = Number(val());
        break;
      case '--seed':
        o.seed = val();
        break;
      case '--data':
        o.dataDir = val();
        break;
      case '--strict':
        o.strict = true;
        break;
      case '--capacity':
        o.capacity = Number(val());
        break;
      case '--act':
        o.actPath = val();
        break;
      case '--action-dir':
        o.actionDir = val();
        break;
      case '--local-action': {
        const v = val();
        const eq = v.indexOf('=');
        if (eq < 0) throw new Error('--local-action wants owner/repo@ref=DIR');
        o.localActions[v.slice(0, eq)] = v.slice(eq + 1);
        break;
      }
      case '--action-exclude':
        o.actionExclude = val().split(',').filter(Boolean);
        break;
      case '--keep-run-dirs':
        o.keepRunDirs = true;
        break;
      case '--runner-port':
        o.runnerPort = Number(val());
        break;
      case '--runner-address':
        o.runnerAddress = val();
        break;
      case '--server': {
        const v = val();
        const eq = v.indexOf('=');
        if (eq < 0) throw new Error('--server wants KEY=VALUE, e.g. --server default_actions_url=self');
        const key = v.slice(0, eq);
        const value = v.slice(eq + 1);
        o.server[key] = key === 'workflow_dirs' ? value.split(',') : /^\d+$/.test(value) ? Number(value) : value;
        break;
      }
      case '--routes':
        o.routes = true;
        break;
      case '--json':
        o.json = true;
        break;
      case '-h':
      case '--help':
        process.stderr.write(
          `usage: node tests/sandbox/server.js [--flavor ${Object.keys(FLAVORS).join('|')}] (default ${DEFAULT_FLAVOR})\n` +
            '       [--port 0] [--seed FILE] [--data DIR] [--strict] [--capacity 2] [--act PATH] [--action-dir DIR]\n' +
            '       [--local-action [https://host/]owner/repo@ref=DIR]... [--keep-run-dirs]\n' +
            '       [--runner-port 0] [--runner-address own-port|public] [--server KEY=VALUE]... (max_blob_size, default_actions_url, limit_dispatch_inputs, workflow_dirs)\n' +
            '       --routes [--json]: print the route table of the flavor (method, path, operationId, access, unit, token, file) and exit\n',
        );
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${a}`);
    }
  }
  return o;
}

// The route table without starting a server: the flavor's API operations and the /_sandbox/ routes.
function routeTable(flavorName) {
  const { getFlavor } = require('./lib/flavors');
  const { loadSpec } = require('./lib/spec');
  const { listRoutes } = require('./lib/api');
  const { ADMIN_ROUTES } = require('./lib/admin');
  const flavor = getFlavor(flavorName);
  const spec = loadSpec(flavor.spec);
  const sandbox = ADMIN_ROUTES.map((r) => ({ method: r.method, path: r.path, operationId: '', access: 'sandbox', unit: '', token: false, file: 'lib/admin.js' }));
  return [...listRoutes(flavor, spec), ...sandbox];
}

function formatRoutes(rows) {
  const cols = ['method', 'path', 'operationId', 'access', 'unit', 'token', 'file'];
  const cell = (r, c) => (c === 'token' ? (r.token ? 'token' : '-') : String(r[c] || '-'));
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(c.length, ...rows.map((r) => cell(r, c).length))]));
  const line = (get) => cols.map((c) => get(c).padEnd(width[c])).join('  ').trimEnd();
  return [line((c) => c.toUpperCase()), ...rows.map((r) => line((c) => cell(r, c)))].join('\n') + '\n';
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.routes) {
    const rows = routeTable(opts.flavor);
    process.stdout.write(opts.json ? JSON.stringify(rows, null, 2) + '\n' : formatRoutes(rows));
    return;
  }
  const sb = await startSandbox(opts);
  let stopping = false;
  const stop = async (sig) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`[sandbox] ${sig}: stopping\n`);
    try {
      await sb.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => stop('SIGHUP'));
  process.stdout.write(JSON.stringify({ url: sb.url, runner_url: sb.runnerUrl, flavor: sb.flavor, tokens: sb.tokens }) + '\n');
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`[sandbox] failed to start: ${e.stack || e}\n`);
    process.exit(1);
  });
}

module.exports = { startSandbox, parseArgs, routeTable, formatRoutes };
