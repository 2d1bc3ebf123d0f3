'use strict';
// The API route table: every operation the sandbox answers, gathered from the resource modules
// next to this file. Each module exports `routes`, entries of the form
//
//   { operationId,           // the spec's operationId: method and path come from the flavor's spec
//     access,                // 'public' (no auth at all), 'anyone' (a token is checked when given),
//                            // 'signed' (reqToken), or the repository access the route needs:
//                            // 'reader' | 'writer' | 'admin' | 'owner' (reqRepoReader/Writer, reqAdmin, reqOwner)
//     unit,                  // the repository unit the access is checked on: 'code' | 'actions' | ...
//     token,                 // true: reqToken() (anonymous -> 401) even where reading is public
//     scope,                 // token scope category: 'repository' (default) | 'user' | 'organization'
//     denied,                // (flavor) => the 403 message of a writer route, when not reqRepoWriter's
//     handler,               // async (ctx) => {status, body, headers}
//     flavors: { 'gitea-1.25': { ...overrides } } }   // per-release differences, with their source
//
// so that the access level sits next to the handler it guards. `node tests/sandbox/server.js
// --routes` and GET /_sandbox/routes print the table.

const path = require('node:path');

const MODULES = ['misc', 'users', 'orgs', 'repos', 'contents', 'commits', 'branches', 'protections', 'tags', 'statuses', 'issues', 'pulls', 'actions/dispatch', 'actions/workflows', 'actions/runs', 'actions/tasks'];

const SANDBOX_DIR = path.resolve(__dirname, '..', '..');
const ACCESS = ['public', 'anyone', 'signed', 'reader', 'writer', 'admin', 'owner'];

const table = new Map(); // operationId -> route
for (const name of MODULES) {
  const file = path.join(__dirname, `${name}.js`);
  const mod = require(file);
  for (const r of mod.routes) {
    if (table.has(r.operationId)) throw new Error(`${r.operationId} is registered twice (${table.get(r.operationId).file}, ${file})`);
    if (!ACCESS.includes(r.access)) throw new Error(`${r.operationId}: unknown access ${JSON.stringify(r.access)}`);
    table.set(r.operationId, { ...r, file: path.relative(SANDBOX_DIR, file) });
  }
}

// The route of `operationId` as `flavor` serves it, or null when the sandbox does not implement it.
function routeFor(operationId, flavor) {
  const r = table.get(operationId);
  if (!r) return null;
  const over = (r.flavors && flavor && (r.flavors[flavor.name] || r.flavors[flavor.kind])) || {};
  const m = { ...r, ...over };
  if (m.scope === undefined) m.scope = m.access === 'public' ? null : m.access === 'signed' ? 'user' : 'repository';
  if (m.token === undefined) m.token = !['public', 'anyone', 'reader'].includes(m.access);
  return m;
}

// One row per operation the flavor serves: {method, path, operationId, access, unit, token, file}.
function listRoutes(flavor, spec) {
  const rows = [];
  for (const id of table.keys()) {
    const r = routeFor(id, flavor);
    const op = spec.findOperation(id);
    if (!op || flavor.missingOperations.includes(id)) continue;
    rows.push({ method: op.method, path: spec.basePath + op.template, operationId: id, access: r.access, unit: r.unit || '', token: r.token, file: r.file });
  }
  rows.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  return rows;
}

module.exports = { routeFor, listRoutes, table };
