'use strict';
// The core of a dist/ alone, for scripts/bench-update.sh: one step run in this process through
// the dist's own host, with the V8 flags its index.js sets, timed from loading the core to the
// run's end.
//
//   node core-alone.cjs DIST record FILE   runs the step described by the INPUT_* environment
//                                          against the real server, and saves its exchanges
//   node core-alone.cjs DIST replay FILE   runs the same step again, each request answered
//                                          from FILE on the next turn of the event loop (no
//                                          network), and prints {loadMs, runMs} as JSON
//
// A replay under `node --no-wasm-lazy-compilation` compiles every function while the core loads
// instead of on its first call: against the shipped replay, that tells V8's compiling apart
// from the run's own work.
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');

const [distArg, how, file] = process.argv.slice(2);
const dist = path.resolve(distArg);
if (!['record', 'replay'].includes(how) || !file) {
  console.error('usage: node core-alone.cjs DIST record|replay FILE');
  process.exit(2);
}
for (const [, flag] of fs.readFileSync(path.join(dist, 'index.js'), 'utf8').matchAll(/setFlagsFromString\('([^']+)'\)/g)) {
  v8.setFlagsFromString(flag);
}
const { createHost } = require(path.join(dist, 'host.js'));
const { readInputs } = require(path.join(dist, 'inputs.js'));

const log = [];
const host = createHost({ print: (line) => log.push(line), onPanic: (message) => log.push(`panic: ${message}`) });
const exchanges = how === 'replay' ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
let next = 0;
if (how === 'record') {
  const send = host.fetch;
  host.fetch = async (request) => {
    const response = await send(request);
    exchanges.push({ method: request.method ?? 'GET', url: request.url, response });
    return response;
  };
} else {
  host.fetch = (request) => {
    const exchange = exchanges[next++];
    if (!exchange || exchange.method !== (request.method ?? 'GET') || exchange.url !== request.url) {
      return Promise.reject(new Error(`replay: ${request.method} ${request.url} was not the recorded request ${next}`));
    }
    return new Promise((resolve) => setImmediate(() => resolve(exchange.response)));
  };
}

const env = { ...process.env };
const t0 = performance.now();
const core = require(path.join(dist, 'core', 'gitops_action.js'));
const t1 = performance.now();
core.run({ inputs: readInputs(env), env, cwd: process.cwd() }, host).then((outcome) => {
  const t2 = performance.now();
  if (!outcome.ok || (how === 'replay' && next !== exchanges.length)) {
    console.error(`core-alone ${how}: the step failed or made other requests (${next} of ${exchanges.length}):`);
    console.error(JSON.stringify(outcome.error ?? outcome).slice(0, 500));
    console.error(log.join('\n').slice(0, 2000));
    process.exit(1);
  }
  if (how === 'record') fs.writeFileSync(file, JSON.stringify(exchanges));
  else process.stdout.write(`${JSON.stringify({ loadMs: t1 - t0, runMs: t2 - t1 })}\n`);
});
