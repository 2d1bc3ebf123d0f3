'use strict';
// Workflow files: parsing, the workflow_dispatch inputs, and the small part of the
// expression language that `run-name` needs.

const YAML = require('yaml');

function parseWorkflow(text) {
  const doc = YAML.parse(text);
  if (!doc || typeof doc !== 'object') throw new Error('workflow is not a YAML mapping');
  // YAML 1.1 readers (act, Gitea) read the key `on` as a string; yaml (1.2) does too.
  const on = doc.on !== undefined ? doc.on : doc[true];
  return { doc, on, name: doc.name, runName: doc['run-name'], jobs: doc.jobs || {} };
}

// {inputs: {name: {type, required, default, description, options}}} or null when the workflow
// has no workflow_dispatch trigger.
function dispatchConfig(wf) {
  const on = wf.on;
  if (!on) return null;
  if (on === 'workflow_dispatch') return { inputs: {} };
  if (Array.isArray(on)) return on.includes('workflow_dispatch') ? { inputs: {} } : null;
  if (typeof on === 'object' && Object.prototype.hasOwnProperty.call(on, 'workflow_dispatch')) {
    const wd = on.workflow_dispatch || {};
    const inputs = {};
    for (const [k, v] of Object.entries(wd.inputs || {})) {
      const c = v || {};
      inputs[k] = {
        type: c.type || 'string',
        required: c.required === true || c.required === 'true',
        default: c.default === undefined || c.default === null ? '' : String(c.default),
        description: c.description || '',
        options: Array.isArray(c.options) ? c.options.map(String) : undefined,
      };
    }
    return { inputs };
  }
  return null;
}

// ---- expressions -------------------------------------------------------------------------

function tokenize(src) {
  const toks = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= src.length) throw new Error('unterminated string literal');
        if (src[j] === "'") {
          if (src[j + 1] === "'") {
            s += "'";
            j += 2;
            continue;
          }
          break;
        }
        s += src[j++];
      }
      toks.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['||', '&&', '==', '!=', '<=', '>='].includes(two)) {
      toks.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('()!.[],<>'.includes(c)) {
      toks.push({ t: 'op', v: c });
      i++;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num && !/[A-Za-z_]/.test(src[i + num[0].length] || '')) {
      toks.push({ t: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (id) {
      toks.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    throw new Error(`unexpected character ${JSON.stringify(c)} in expression`);
  }
  return toks;
}

function truthy(v) {
  return !(v === null || v === undefined || v === false || v === 0 || v === '' || Number.isNaN(v));
}

function toStr(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function looseEq(a, b) {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b || (a == null && b == null);
}

function evaluate(src, ctx) {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const eat = (v) => {
    const t = toks[p];
    if (!t || t.v !== v) throw new Error(`expected ${v} in expression ${JSON.stringify(src)}`);
    p++;
  };
  function primary() {
    const t = toks[p++];
    if (!t) throw new Error(`unexpected end of expression ${JSON.stringify(src)}`);
    if (t.t === 'str' || t.t === 'num') return t.v;
    if (t.t === 'op' && t.v === '(') {
      const v = or();
      eat(')');
      return v;
    }
    if (t.t === 'op' && t.v === '!') return !truthy(unary());
    if (t.t === 'id') {
      if (t.v === 'true') return true;
      if (t.v === 'false') return false;
      if (t.v === 'null') return null;
      if (peek() && peek().v === '(') {
        p++;
        const args = [];
        while (peek() && peek().v !== ')') {
          args.push(or());
          if (peek() && peek().v === ',') p++;
        }
        eat(')');
        return callFn(t.v, args);
      }
      let v = Object.prototype.hasOwnProperty.call(ctx, t.v) ? ctx[t.v] : undefined;
      for (;;) {
        const n = peek();
        if (n && n.v === '.') {
          p++;
          const k = toks[p++];
          v = v && typeof v === 'object' ? v[k.v] : undefined;
        } else if (n && n.v === '[') {
          p++;
          const k = or();
          eat(']');
          v = v && typeof v === 'object' ? v[k] : undefined;
        } else break;
      }
      return v === undefined ? null : v;
    }
    throw new Error(`unexpected token ${JSON.stringify(t.v)} in expression ${JSON.stringify(src)}`);
  }
  function unary() {
    return primary();
  }
  function cmp() {
    let l = unary();
    while (peek() && ['==', '!=', '<', '>', '<=', '>='].includes(peek().v)) {
      const op = toks[p++].v;
      const r = unary();
      if (op === '==') l = looseEq(l, r);
      else if (op === '!=') l = !looseEq(l, r);
      else if (op === '<') l = l < r;
      else if (op === '>') l = l > r;
      else if (op === '<=') l = l <= r;
      else l = l >= r;
    }
    return l;
  }
  function and() {
    let l = cmp();
    while (peek() && peek().v === '&&') {
      p++;
      const r = cmp();
      l = truthy(l) ? r : l;
    }
    return l;
  }
  function or() {
    let l = and();
    while (peek() && peek().v === '||') {
      p++;
      const r = and();
      l = truthy(l) ? l : r;
    }
    return l;
  }
  const v = or();
  if (p !== toks.length) throw new Error(`unexpected ${JSON.stringify(toks[p].v)} in expression ${JSON.stringify(src)}`);
  return v;
}

function callFn(name, args) {
  switch (name.toLowerCase()) {
    case 'format':
      return toStr(args[0]).replace(/\{(\d+)\}/g, (_, i) => toStr(args[Number(i) + 1]));
    case 'contains':
      return toStr(args[0]).toLowerCase().includes(toStr(args[1]).toLowerCase());
    case 'startswith':
      return toStr(args[0]).toLowerCase().startsWith(toStr(args[1]).toLowerCase());
    case 'endswith':
      return toStr(args[0]).toLowerCase().endsWith(toStr(args[1]).toLowerCase());
    case 'tojson':
      return JSON.stringify(args[0], null, 2);
    default:
      throw new Error(`function ${name}() is not supported by the sandbox`);
  }
}

// Replaces every ${{ ... }} in `template` with its value.
function interpolate(template, ctx) {
  return String(template).replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr) => toStr(evaluate(expr.trim(), ctx)));
}

module.exports = { parseWorkflow, dispatchConfig, evaluate, interpolate, truthy };
