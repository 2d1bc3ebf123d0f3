'use strict';
// Fault injection (POST /_sandbox/faults): which requests or runs get a fault, counted and skipped
// as asked. Mixed into Sandbox.prototype. See README.md "Faults".

const { templateToRegex } = require('./spec');

const REQUEST_KINDS = ['latency', 'status', 'drop', 'lost-response', 'rate-limit'];
const RUN_KINDS = ['run-fail', 'run-hang'];
// the server's internal `git push` of a contents-API write fails after every check (a pre-receive
// hook, or a ref-lock race): nothing is written; see lib/api/contents.js
const PUSH_KINDS = ['push-rejected'];
const groupOf = (kind) => (RUN_KINDS.includes(kind) ? 'run' : PUSH_KINDS.includes(kind) ? 'push' : 'request');

const faults = {
  addFault(f) {
    const kinds = [...REQUEST_KINDS, ...RUN_KINDS, ...PUSH_KINDS];
    const kind = f.kind === '429' ? 'rate-limit' : ['502', '503', '504'].includes(String(f.kind)) ? 'status' : f.kind;
    if (!kinds.includes(kind)) throw new Error(`unknown fault kind ${JSON.stringify(f.kind)}; known: ${kinds.join(', ')}`);
    const fault = {
      id: this.nextFaultId++,
      kind,
      route: f.route || null,
      regex: f.regex || null,
      count: f.count === undefined ? 1 : Number(f.count), // -1: every matching request
      skip: Number(f.skip || 0),
      status: Number(f.status || (['502', '503', '504'].includes(String(f.kind)) ? f.kind : 503)),
      ms: Number(f.ms || 0),
      retryAfter: f.retryAfter === undefined ? 1 : f.retryAfter,
      message: f.message === undefined ? null : String(f.message),
      hits: 0,
      seen: 0,
    };
    if (!fault.route && !fault.regex) throw new Error('a fault needs `route` (METHOD /path/{template}) or `regex`');
    if (fault.route && !fault.regex && fault.route.startsWith('RUN ') === false && !/^(\*|[A-Z]+) \//.test(fault.route)) {
      throw new Error('`route` must look like "PUT /api/v1/repos/{owner}/{repo}/contents/{filepath}" (or "* /path") or "RUN owner/repo/workflow.yaml"');
    }
    fault.matcher = this.faultMatcher(fault);
    this.faults.push(fault);
    return fault;
  },

  faultMatcher(f) {
    if (f.regex) {
      const re = new RegExp(f.regex);
      return (key) => re.test(key);
    }
    if (f.route.startsWith('RUN ')) return (key) => key.toLowerCase() === f.route.toLowerCase();
    const sp = f.route.indexOf(' ');
    const method = f.route.slice(0, sp);
    const re = templateToRegex(f.route.slice(sp + 1).split('?')[0]);
    return (key) => {
      const i = key.indexOf(' ');
      return (method === '*' || method === key.slice(0, i)) && re.test(key.slice(i + 1));
    };
  },

  faultJson(f) {
    const { matcher, ...rest } = f;
    return rest;
  },

  // Finds the faults of `group` ('request', 'run' or 'push') that apply to `key` and consumes them.
  takeFaults(key, group) {
    const out = [];
    for (const f of this.faults) {
      if (groupOf(f.kind) !== group) continue;
      if (f.count !== -1 && f.hits >= f.count) continue;
      if (!f.matcher(key)) continue;
      f.seen++;
      if (f.seen <= f.skip) continue;
      f.hits++;
      out.push(f);
    }
    return out;
  },

  takeRunFault(key) {
    const fs_ = this.takeFaults(key, 'run');
    return fs_.length ? fs_[0].kind : null;
  },

  // A push-rejected fault for this contents-API request (`METHOD /path`), or null.
  takePushFault(key) {
    const fs_ = this.takeFaults(key, 'push');
    return fs_.length ? fs_[0] : null;
  },
};

module.exports = faults;
