'use strict';
// Loads a Swagger 2.0 description and validates requests and responses against it with ajv.
//
// What is checked, per operation:
//  - the operation exists for the method and path (path templates from the spec);
//  - path parameters and query parameters: type (integer/boolean/string/array), enum;
//    required query parameters; query parameters the operation does not declare are reported
//    as warnings (real servers ignore them, but a client that sends them probably expects
//    an effect it will not get);
//  - the body parameter: present when required, JSON, and valid against its schema
//    (`#/definitions/...` refs resolved); top-level body fields the schema does not declare
//    are warnings, for the same reason;
//  - the response: the status code is declared for the operation (an undeclared 2xx is a
//    violation; an undeclared 4xx/5xx must still have the `{"message","url"}` error shape);
//    a declared status with a schema must have a body valid against it; a declared status
//    without a schema must have no body unless it is an error; declared headers that are
//    present must have the declared type.
//
// Go's JSON encoding is taken into account: a pointer or slice field may be `null` (Gitea
// sends `"author": null` for a commit by an unknown e-mail, `"files": null` with files=false,
// `"content": null` for a directory entry). The spec files do not say so (they have no
// x-nullable), so every property that is a `$ref` or an array, plus the explicit pointer
// fields listed in NULLABLE_POINTER_FIELDS, also accepts null. SPEC_PATCHES lists the few
// places where the real server is known to send what its own spec forbids.

const fs = require('node:fs');
const path = require('node:path');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const SPEC_DIR = path.join(__dirname, '..', 'specs');

// Go `*string` / `*int64` fields that real servers send as null.
const NULLABLE_POINTER_FIELDS = {
  ContentsResponse: ['encoding', 'content', 'target', 'submodule_git_url', 'download_url', 'lfs_oid', 'lfs_size'],
  PayloadCommitVerification: ['signer'],
  // modules/structs/pull.go: *time.Time / *string, null until closed, merged or given a due date
  PullRequest: ['closed_at', 'due_date', 'merge_commit_sha', 'merged_at'],
  PullRequestMeta: ['merged_at'],
  Issue: ['closed_at', 'due_date'],
  // modules/structs/repo_branch.go StatusCheckContexts []string: nil for a rule created without contexts
  BranchProtection: ['status_check_contexts'],
};

// Known differences between a server and its own spec (applied to both flavors' files when the
// definition exists). Each entry: [definition, property, patch function, why].
const SPEC_PATCHES = [
  [
    'FilesResponse',
    'files',
    (p) => ({ anyOf: [{ type: 'array', items: { anyOf: [p.anyOf ? p.anyOf[0].items : p.items, { type: 'null' }] } }, { type: 'null' }] }),
    'ChangeFiles answers null for a deleted file (GetContentsListFromTreePaths / GetFilesResponseFromCommit: "ok if fails, then will be nil")',
  ],
  [
    'CombinedStatus',
    'state',
    (p) => ({ anyOf: [p, { type: 'string', enum: [''] }] }),
    'a ref without statuses gives `{"state": ""}` (routers/api/v1/repo/status.go returns an empty CombinedStatus)',
  ],
];

// Known differences at the operation level: [operationId, status, patch(schema), why].
const RESPONSE_PATCHES = [
  [
    'repoGetContents',
    '200',
    (schema) => ({ anyOf: [schema, { type: 'array', items: schema }] }),
    'a directory path answers a list of entries (both servers say so in the operation\'s description; the schema only has the object)',
  ],
];

// Statuses a server answers that its spec declares under another code:
// [operationId, actual status, declared status, why]
const STATUS_ALIASES = [
  ['repoCreateTag', '201', '200', 'Gitea\'s CreateTag answers 201 Created; its 1.26 spec declares 200'],
  ['repoMergePullRequest', '201', '200', 'MergePullRequest answers 201 (empty) when merge_when_checks_succeed schedules the merge (routers/api/v1/repo/pull.go, all five tags); neither spec declares 201'],
];

// Error statuses a server answers without any body: [operationId, status, why]
const EMPTY_ERROR_BODIES = [
  ['repoEditPullRequest', '403', 'EditPullRequest answers ctx.Status(http.StatusForbidden) to someone who is neither the poster nor a pull-request writer (all five tags)'],
];

// Whole-definition differences between a server and its spec: [definition, patch(def), why].
const DEFINITION_PATCHES = [
  [
    'MergePullRequestOption',
    (d) => {
      const props = { ...d.properties };
      for (const k of ['Do', 'do']) props[k] = props.Do || props.do;
      for (const [go, snake] of [['MergeTitleField', 'merge_title_field'], ['MergeMessageField', 'merge_message_field'], ['MergeCommitID', 'merge_commit_id']]) props[go] = props[snake] = props[go] || props[snake];
      const { required, ...rest } = d;
      return { ...rest, properties: props, anyOf: [{ required: ['Do'] }, { required: ['do'] }] };
    },
    'the form field `Do` has no json tag before Gitea 1.26 and in Forgejo (services/forms/repo_form.go), so encoding/json takes `Do` or `do`; Gitea 1.26\'s UnmarshalJSON takes both spellings of every field; the specs require one spelling each',
  ],
];

function deepClone(x) {
  return JSON.parse(JSON.stringify(x));
}

function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')) out[k] = 'spec' + v;
      else out[k] = rewriteRefs(v);
    }
    return out;
  }
  return node;
}

function nullable(schema) {
  return { anyOf: [schema, { type: 'null' }] };
}

function prepareDefinitions(defs) {
  const out = deepClone(defs);
  for (const [name, def] of Object.entries(out)) {
    if (!def.properties) continue;
    const explicit = NULLABLE_POINTER_FIELDS[name] || [];
    for (const [prop, schema] of Object.entries(def.properties)) {
      if (schema.$ref || schema.type === 'array' || explicit.includes(prop)) def.properties[prop] = nullable(schema);
    }
  }
  for (const [defName, prop, patch] of SPEC_PATCHES) {
    const def = out[defName];
    if (def && def.properties && def.properties[prop]) def.properties[prop] = patch(def.properties[prop]);
  }
  for (const [defName, patch] of DEFINITION_PATCHES) if (out[defName]) out[defName] = patch(out[defName]);
  return out;
}

// Path parameters the servers route with `*` although the spec names them as one segment:
// GET /pulls/{base}/* (GetPullRequestByBaseHead, all five tags) and Gitea 1.26's
// /branch_protections/* (the other releases answer 404 to a raw slash: lib/api/protections.js).
const WILDCARD_TEMPLATES = [/\/pulls\/\{base\}\/\{head\}$/, /\/branch_protections\/\{name\}$/];

function templateToRegex(tpl) {
  // `{filepath}` (and any last parameter named *path) may contain slashes, as in Gitea's router.
  const names = [];
  const esc = (x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const parts = tpl.split('/').map((seg, i, arr) => {
    const m = /^\{([^}]+)\}$/.exec(seg);
    if (!m) {
      // segments like `{sha}.{diffType}`
      return seg.split(/(\{[^}]+\})/).map((piece) => {
        const pm = /^\{([^}]+)\}$/.exec(piece);
        if (pm) {
          names.push(pm[1]);
          return '([^/]+?)';
        }
        return esc(piece);
      }).join('');
    }
    names.push(m[1]);
    // Gitea routes these with `*`: they may contain slashes
    if (i === arr.length - 1 && (/path$/i.test(m[1]) || m[1] === 'branch' || m[1] === 'tag' || WILDCARD_TEMPLATES.some((w) => w.test(tpl)))) return '(.+)';
    return '([^/]+)';
  });
  const re = new RegExp('^' + parts.join('/') + '$');
  re.paramNames = names;
  return re;
}

class Spec {
  constructor(file) {
    this.file = file;
    const raw = JSON.parse(fs.readFileSync(path.join(SPEC_DIR, file), 'utf8'));
    this.raw = raw;
    this.basePath = raw.basePath || '/api/v1';
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    for (const f of ['int64', 'int32', 'float', 'double', 'byte', 'binary', 'password', 'uint64']) {
      this.ajv.addFormat(f, true);
    }
    this.ajv.addSchema({ $id: 'spec', definitions: prepareDefinitions(raw.definitions) });
    this.validators = new Map();
    this.ops = [];
    for (const [tpl, item] of Object.entries(raw.paths)) {
      const common = item.parameters || [];
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters') continue;
        const literal = tpl.replace(/\{[^}]+\}/g, '').length;
        this.ops.push({
          method: method.toUpperCase(),
          template: tpl,
          regex: templateToRegex(tpl),
          literal,
          operationId: op.operationId,
          parameters: [...common, ...(op.parameters || [])].map((p) => (p.$ref ? this.resolveParam(p.$ref) : p)),
          responses: op.responses || {},
          consumes: op.consumes || raw.consumes,
          produces: op.produces || raw.produces,
        });
      }
    }
    // the most specific template first
    this.ops.sort((a, b) => b.literal - a.literal);
  }

  resolveParam(ref) {
    const name = ref.replace('#/parameters/', '');
    return this.raw.parameters[name];
  }

  resolveResponse(r) {
    if (r && r.$ref) return this.raw.responses[r.$ref.replace('#/responses/', '')] || {};
    return r || {};
  }

  validator(schema) {
    const key = JSON.stringify(schema);
    let v = this.validators.get(key);
    if (!v) {
      v = this.ajv.compile(rewriteRefs(schema));
      this.validators.set(key, v);
    }
    return v;
  }

  // Returns {op, params} or null. `apiPath` is below basePath (e.g. "/repos/a/b").
  match(method, apiPath) {
    let candidates = this.ops.filter((o) => o.regex.test(apiPath));
    if (!candidates.length) return null;
    const byMethod = candidates.filter((o) => o.method === method);
    if (!byMethod.length) return { op: null, methodNotAllowed: true, template: candidates[0].template };
    const op = byMethod[0];
    const m = op.regex.exec(apiPath);
    const params = {};
    op.regex.paramNames.forEach((name, i) => {
      params[name] = safeDecode(m[i + 1]);
    });
    return { op, params };
  }

  // 'array' or 'object': the JSON type of the operation's first declared 2xx body, or null.
  successShape(op) {
    for (const code of Object.keys(op.responses).filter((c) => /^2/.test(c)).sort()) {
      const r = this.resolveResponse(op.responses[code]);
      if (!r.schema) continue;
      const sch = r.schema.$ref ? this.raw.definitions[r.schema.$ref.replace('#/definitions/', '')] : r.schema;
      return sch && sch.type === 'array' ? 'array' : 'object';
    }
    return null;
  }

  findOperation(operationId) {
    return this.ops.find((o) => o.operationId === operationId);
  }

  // Validates a request. Returns {errors: [...], warnings: [...], typeErrors: bool}.
  validateRequest(op, { params, query, body, bodyRaw, contentType }) {
    const errors = [];
    const warnings = [];
    let badBody = false;
    const declaredQuery = new Set();
    for (const p of op.parameters) {
      if (p.in === 'path') {
        const v = params[p.name];
        if (v === undefined || v === '') errors.push(`path parameter ${p.name} is required`);
        else errors.push(...checkScalar(`path parameter ${p.name}`, p, v));
      } else if (p.in === 'query') {
        declaredQuery.add(p.name);
        const vals = query.getAll(p.name);
        if (!vals.length) {
          if (p.required) errors.push(`query parameter ${p.name} is required`);
          continue;
        }
        if (p.type === 'array') {
          const items = p.items || { type: 'string' };
          const all = p.collectionFormat === 'multi' ? vals : vals.flatMap((v) => v.split(','));
          for (const v of all) errors.push(...checkScalar(`query parameter ${p.name}`, items, v));
        } else {
          if (vals.length > 1) warnings.push(`query parameter ${p.name} given ${vals.length} times; the server reads the first`);
          errors.push(...checkScalar(`query parameter ${p.name}`, p, vals[0]));
        }
      } else if (p.in === 'body') {
        const hasBody = bodyRaw !== undefined && bodyRaw.length > 0;
        if (!hasBody) {
          if (p.required) {
            errors.push('request body is required');
            badBody = true;
          }
          continue;
        }
        const consumes = op.consumes || ['application/json'];
        if (consumes.includes('application/json') && contentType && !/json/i.test(contentType) && !/text\/plain/i.test(contentType)) {
          errors.push(`request body has Content-Type ${contentType}; the operation consumes ${consumes.join(', ')}`);
        }
        if (body === undefined) {
          errors.push('request body is not valid JSON');
          badBody = true;
          continue;
        }
        const v = this.validator(p.schema);
        if (!v(body)) {
          // only a value of the wrong JSON type makes the server's decoding fail; enums, formats
          // and `required` are not checked by Go's JSON binding
          if (v.errors.some((e) => e.keyword === 'type')) badBody = true;
          for (const e of v.errors) errors.push(`body${e.instancePath || ''} ${e.message}${e.params && e.params.allowedValues ? ' ' + JSON.stringify(e.params.allowedValues) : ''}`);
        } else if (body && typeof body === 'object' && !Array.isArray(body)) {
          const props = this.schemaProperties(p.schema);
          if (props) {
            for (const k of Object.keys(body)) if (!props.includes(k)) warnings.push(`body field "${k}" is not part of ${schemaName(p.schema)}; the server ignores it`);
          }
        }
      }
    }
    for (const k of new Set(query.keys())) {
      if (!declaredQuery.has(k) && !['token', 'access_token'].includes(k)) warnings.push(`query parameter "${k}" is not declared for ${op.operationId}; the server ignores it`);
    }
    return { errors, warnings, badBody };
  }

  schemaProperties(schema) {
    if (schema.$ref) {
      const def = this.raw.definitions[schema.$ref.replace('#/definitions/', '')];
      return def && def.properties ? Object.keys(def.properties) : null;
    }
    return schema.properties ? Object.keys(schema.properties) : null;
  }

  // Validates a response. `body` is the parsed JSON (undefined when there is none).
  validateResponse(op, status, headers, body) {
    const errors = [];
    const alias = STATUS_ALIASES.find(([id, st]) => id === op.operationId && st === String(status) && !op.responses[st]);
    const declared = op.responses[String(status)] || (alias && op.responses[alias[2]]);
    const isError = status >= 400;
    if (!declared) {
      if (status < 400) {
        errors.push(`status ${status} is not declared for ${op.operationId} (declared: ${Object.keys(op.responses).join(', ')})`);
        return errors;
      }
      errors.push(...checkErrorShape(body));
      return errors;
    }
    if (body === undefined && isError && EMPTY_ERROR_BODIES.some(([id, st]) => id === op.operationId && st === String(status))) return errors;
    const resp = { ...this.resolveResponse(declared) };
    const patch = RESPONSE_PATCHES.find(([id, st]) => id === op.operationId && st === String(status));
    if (patch && resp.schema) resp.schema = patch[2](resp.schema);
    if (resp.schema) {
      if (body === undefined) errors.push(`status ${status} of ${op.operationId} must have a body`);
      else {
        const v = this.validator(resp.schema);
        if (!v(body)) for (const e of v.errors) errors.push(`response${e.instancePath || ''} ${e.message}${e.params && e.params.allowedValues ? ' ' + JSON.stringify(e.params.allowedValues) : ''}`);
      }
    } else if (isError) {
      errors.push(...checkErrorShape(body));
    } else if (body !== undefined && status === 204) {
      errors.push(`status 204 of ${op.operationId} must not have a body`);
    }
    if (resp.headers) {
      for (const [h, def] of Object.entries(resp.headers)) {
        if (['message', 'url', 'invalidTopics', 'user_id', 'username'].includes(h)) continue; // go-swagger documents error body fields as "headers"
        const v = headers[h.toLowerCase()];
        if (v === undefined) continue;
        errors.push(...checkScalar(`response header ${h}`, def, String(v)));
      }
    }
    return errors;
  }
}

function schemaName(s) {
  return s.$ref ? s.$ref.replace('#/definitions/', '') : 'the body schema';
}

function safeDecode(v) {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

function checkErrorShape(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['error response must be a JSON object {"message","url"}'];
  const errs = [];
  if (typeof body.message !== 'string') errs.push('error response must have a string "message"');
  if (typeof body.url !== 'string') errs.push('error response must have a string "url"');
  return errs;
}

const GO_BOOL = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

function checkScalar(label, p, v) {
  const errs = [];
  switch (p.type) {
    case 'integer':
      if (!/^-?\d+$/.test(v)) errs.push(`${label} must be an integer, got ${JSON.stringify(v)}`);
      break;
    case 'number':
      if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v)) errs.push(`${label} must be a number, got ${JSON.stringify(v)}`);
      break;
    case 'boolean':
      if (!GO_BOOL.has(v)) errs.push(`${label} must be a boolean, got ${JSON.stringify(v)}`);
      break;
    default:
      break;
  }
  if (p.enum && !p.enum.map(String).includes(v)) errs.push(`${label} must be one of ${JSON.stringify(p.enum)}, got ${JSON.stringify(v)}`);
  if (p.format === 'date-time' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(v)) errs.push(`${label} must be a date-time, got ${JSON.stringify(v)}`);
  return errs;
}

const cache = new Map();
function loadSpec(file) {
  if (!cache.has(file)) cache.set(file, new Spec(file));
  return cache.get(file);
}

module.exports = { loadSpec, Spec, SPEC_PATCHES, DEFINITION_PATCHES, RESPONSE_PATCHES, STATUS_ALIASES, EMPTY_ERROR_BODIES, NULLABLE_POINTER_FIELDS, templateToRegex, GO_BOOL };
