#!/usr/bin/env node
'use strict';
// Gitea/Forgejo stand-in for the gitops-action tests. See README.md in this folder.
//
//   node tests/sandbox/server.js [--flavor gitea-1.26] [--port 0] [--seed FILE] [--data DIR]
//        [--strict] [--capacity 2] [--act PATH] [--action-dir DIR]
//        [--local-action owner/repo@ref=DIR ...] [--action-exclude a,b] [--keep-run-dirs]
//
// Prints one JSON line on stdout when ready: {"url", "flavor", "tokens": {user: token}};
// logs go to stderr. Stops cleanly on SIGTERM/SIGINT.

const { startSandbox } = require('./lib/sandbox');
const { FLAVORS, DEFAULT_FLAVOR } = require('./lib/flavors');

function parseArgs(argv) {
  const o = { localActions: {} };
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
      case '-h':
      case '--help':
        process.stderr.write(
          `usage: node tests/sandbox/server.js [--flavor ${Object.keys(FLAVORS).join('|')}] (default ${DEFAULT_FLAVOR})\n` +
            '       [--port 0] [--seed FILE] [--data DIR] [--strict] [--capacity 2] [--act PATH] [--action-dir DIR]\n' +
            '       [--local-action owner/repo@ref=DIR]... [--keep-run-dirs]\n',
        );
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${a}`);
    }
  }
  return o;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
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
  process.stdout.write(JSON.stringify({ url: sb.url, flavor: sb.flavor, tokens: sb.tokens }) + '\n');
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`[sandbox] failed to start: ${e.stack || e}\n`);
    process.exit(1);
  });
}

module.exports = { startSandbox, parseArgs };
