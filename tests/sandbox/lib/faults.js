'use strict';
// Fault injection (POST /_sandbox/faults): which requests or runs get a fault, counted and skipped
// as asked. Mixed into Sandbox.prototype. See README.md "Faults".

const { templateToRegex } = require('./spec');

// taken when a request arrives (lib/pipeline.js); the hostile ones (echo-credentials, hang, drip,
// huge-body, malformed-body) stand for a broken proxy or a server that cannot be trusted, not for
// anything Gitea or Forgejo do
const REQUEST_KINDS = ['latency', 'status', 'drop', 'lost-response', 'rate-limit', 'echo-credentials', 'hang', 'drip', 'huge-body', 'malformed-body'];
const RUN_KINDS = ['run-fail', 'run-hang'];
// the server's internal `git push` of a contents-API write fails after every check (a pre-receive
// hook, or a ref-lock race): nothing is written; see lib/api/contents.js
const PUSH_KINDS = ['push-rejected'];
// a contents-API write answers success with a commit sha that is not one, and nothing lands
const WRITE_KINDS = ['empty-sha'];
const groupOf = (kind) => (RUN_KINDS.includes(kind) ? 'run' : PUSH_KINDS.includes(kind) ? 'push' : WRITE_KINDS.includes(kind) ? 'write' : 'request');
const MALFORMED = ['wrong-shape', 'not-json', 'truncated', 'raw'];
// the status a kind answers when `status` is not given
const DEFAULT_STATUS = { status: 503, 'echo-credentials': 500, 'huge-body': 200, 'malformed-body': 200 };

const faults = {
  addFault(f) {
    const kinds = [...REQUEST_KINDS, ...RUN_KINDS, ...PUSH_KINDS, ...WRITE_KINDS];
    const kind = f.kind === '429' ? 'rate-limit' : ['502', '503', '504'].includes(String(f.kind)) ? 'status' : f.kind;
    if (!kinds.includes(kind)) throw new Error(`unknown fault kind ${JSON.stringify(f.kind)}; known: ${kinds.join(', ')}`);
    const fault = {
      id: this.nextFaultId++,
      kind,
      route: f.route || null,
      regex: f.regex || null,
      count: f.count === undefined ? 1 : Number(f.count), // -1: every matching request
      skip: Number(f.skip || 0),
      status: Number(f.status || (['502', '503', '504'].includes(String(f.kind)) ? f.kind : DEFAULT_STATUS[kind] || 503)),
      ms: Number(f.ms || (kind === 'drip' ? 1000 : 0)), // latency: the delay; drip: the interval between bytes
      bytes: Number(f.bytes || 1), // drip: bytes per interval
      mib: f.mib === undefined ? 64 : Number(f.mib), // huge-body: the body size in MiB
      chunked: !!f.chunked, // huge-body: no Content-Length, chunked transfer encoding
      body: f.body || 'wrong-shape', // malformed-body: wrong-shape | not-json | truncated | raw
      raw: f.raw === undefined ? null : String(f.raw), // malformed-body with body raw: the exact body
      perform: !!f.perform, // malformed-body: perform the request first, then mangle its real answer
      sha: f.sha === undefined ? '' : String(f.sha), // empty-sha: the commit sha the answer claims
      retryAfter: f.retryAfter === undefined ? 1 : f.retryAfter,
      message: f.message === undefined ? null : String(f.message),
      hits: 0,
      seen: 0,
    };
    if (kind === 'malformed-body' && !MALFORMED.includes(fault.body)) throw new Error(`malformed-body: body must be one of ${MALFORMED.join(', ')}`);
    if (kind === 'malformed-body' && fault.body === 'raw' && fault.raw === null) throw new Error('malformed-body with body raw needs `raw` (the body to send)');
    if (!(fault.ms >= 0) || !(fault.bytes >= 1) || !(fault.mib >= 0)) throw new Error('ms, bytes and mib must be non-negative numbers (bytes at least 1)');
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

  // An empty-sha fault for this contents-API write (`METHOD /path`), or null.
  takeWriteFault(key) {
    const fs_ = this.takeFaults(key, 'write');
    return fs_.length ? fs_[0] : null;
  },
};

module.exports = faults;
