#!/usr/bin/env node
// Extracts mikefarah/yq's operator test scenarios (pkg/yqlib/operator_*_test.go
// and operators_compare_test.go) into a JSON corpus.
//
// Usage: node extract.mjs <yq git dir> <commit> [output.json]
//
// Files are read with `git --git-dir <dir> show <commit>:<path>`; no work tree
// is needed. The Go source is tokenised (with Go's automatic semicolon
// insertion) and the `[]expressionScenario{...}` composite literals are parsed
// as Go expressions. Values are evaluated statically: string literals
// (interpreted and raw), `+` concatenation, package-level constants and
// variables of the package, `[]string{...}`, `map[string]string{...}`, bools.
// Two pure calls are evaluated exactly: strings.Repeat(s, n) and fmt.Sprintf
// with only %s/%v/%d verbs (the affected fields are listed in "computed").
// Anything else (other calls, local variables, platform-dependent constants)
// makes the scenario "unresolved", with the reason; the field is left out.

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";

const [gitDir, commit, outPath] = process.argv.slice(2);
if (!gitDir || !commit) {
  console.error("usage: node extract.mjs <yq git dir> <commit> [output.json]");
  process.exit(2);
}

const PKG = "pkg/yqlib/";
const git = (...args) =>
  execFileSync("git", ["--git-dir", gitDir, ...args], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });

const sha = git("rev-parse", "--verify", `${commit}^{commit}`).trim();
const show = (path) => git("show", `${sha}:${path}`);

// ---------------------------------------------------------------- tokeniser

class Unresolved extends Error {}

const OPS = [
  "<<=", ">>=", "&^=", "...", "&&", "||", "<-", "++", "--", "==", "!=", "<=",
  ">=", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", "&^",
  "+", "-", "*", "/", "%", "&", "|", "^", "<", ">", "=", "!", "(", ")", "[",
  "]", "{", "}", ",", ";", ".", ":", "~",
];
const KEYWORDS = new Set([
  "break", "case", "chan", "const", "continue", "default", "defer", "else",
  "fallthrough", "for", "func", "go", "goto", "if", "import", "interface",
  "map", "package", "range", "return", "select", "struct", "switch", "type",
  "var",
]);
const NUM_RE =
  /^(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?\d+)?|0[bB][01_]+|0[oO][0-7_]+|\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?|\.\d[\d_]*(?:[eE][+-]?\d+)?)i?/;
const IDENT_RE = /^[\p{L}_][\p{L}\p{Nd}_]*/u;

function tokenize(src, file) {
  const toks = [];
  let i = 0;
  let line = 1;
  const needsSemi = () => {
    const t = toks[toks.length - 1];
    if (!t) return false;
    if (t.t === "ident" || t.t === "str" || t.t === "num" || t.t === "rune")
      return true;
    if (t.t === "kw")
      return ["break", "continue", "fallthrough", "return"].includes(t.v);
    return t.t === "op" && ["++", "--", ")", "]", "}"].includes(t.v);
  };
  const newline = () => {
    if (needsSemi()) toks.push({ t: "op", v: ";", auto: true, line });
    line++;
  };
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") { newline(); i++; continue; }
    if (c === " " || c === "\t" || c === "\r") { i++; continue; }
    if (src.startsWith("//", i)) {
      const j = src.indexOf("\n", i);
      i = j < 0 ? src.length : j;
      continue;
    }
    if (src.startsWith("/*", i)) {
      const j = src.indexOf("*/", i + 2);
      if (j < 0) throw new Error(`${file}:${line}: unterminated comment`);
      const body = src.slice(i, j + 2);
      const nl = body.split("\n").length - 1;
      if (nl > 0) { newline(); line += nl - 1; }
      i = j + 2;
      continue;
    }
    if (c === "`") {
      const j = src.indexOf("`", i + 1);
      if (j < 0) throw new Error(`${file}:${line}: unterminated raw string`);
      const raw = src.slice(i, j + 1);
      toks.push({ t: "str", raw, line });
      line += raw.split("\n").length - 1;
      i = j + 1;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\") j++;
        if (src[j] === "\n") throw new Error(`${file}:${line}: newline in literal`);
        j++;
      }
      toks.push({ t: c === '"' ? "str" : "rune", raw: src.slice(i, j + 1), line });
      i = j + 1;
      continue;
    }
    let m;
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      m = NUM_RE.exec(src.slice(i, i + 200));
      toks.push({ t: "num", v: m[0], line });
      i += m[0].length;
      continue;
    }
    if ((m = IDENT_RE.exec(src.slice(i, i + 200)))) {
      toks.push({ t: KEYWORDS.has(m[0]) ? "kw" : "ident", v: m[0], line });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new Error(`${file}:${line}: unexpected character ${JSON.stringify(c)}`);
    toks.push({ t: "op", v: op, line });
    i += op.length;
  }
  newline();
  return toks;
}

// Decodes a Go string literal token exactly (Go spec, "String literals").
function decodeString(raw) {
  if (raw[0] === "`") return raw.slice(1, -1).replace(/\r/g, ""); // raw: verbatim, CRs discarded
  const body = raw.slice(1, -1);
  const bytes = [];
  const pushUtf8 = (cp) => bytes.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
  const simple = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, '"': 34 };
  for (let i = 0; i < body.length; ) {
    const cp = body.codePointAt(i);
    const ch = String.fromCodePoint(cp);
    if (ch !== "\\") { pushUtf8(cp); i += ch.length; continue; }
    const e = body[i + 1];
    if (e in simple) { bytes.push(simple[e]); i += 2; }
    else if (/[0-7]/.test(e)) { bytes.push(parseInt(body.slice(i + 1, i + 4), 8)); i += 4; }
    else if (e === "x") { bytes.push(parseInt(body.slice(i + 2, i + 4), 16)); i += 4; }
    else if (e === "u") { pushUtf8(parseInt(body.slice(i + 2, i + 6), 16)); i += 6; }
    else if (e === "U") { pushUtf8(parseInt(body.slice(i + 2, i + 10), 16)); i += 10; }
    else throw new Error(`bad escape \\${e} in ${raw}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    throw new Unresolved(`string literal ${raw} is not valid UTF-8, cannot be stored in JSON`);
  }
}

// ------------------------------------------------------------------- parser

class Parser {
  constructor(toks, file) { this.toks = toks; this.p = 0; this.file = file; }
  peek(o = 0) { return this.toks[this.p + o]; }
  is(v, o = 0) { const t = this.peek(o); return t && (t.t === "op" || t.t === "kw") && t.v === v; }
  next() { return this.toks[this.p++]; }
  fail(msg) { const t = this.peek(); throw new Error(`${this.file}:${t ? t.line : "EOF"}: ${msg}`); }
  expect(v) { if (!this.is(v)) this.fail(`expected ${v}, got ${JSON.stringify(this.peek())}`); return this.next(); }

  // Skips one balanced token run up to (not including) a ';' or one of
  // `stops` at bracket depth 0.
  skipTo(stops = [";"]) {
    let depth = 0;
    while (this.p < this.toks.length) {
      const t = this.peek();
      if (t.t === "op" && depth === 0 && stops.includes(t.v)) return;
      if (t.t === "op" && "([{".includes(t.v)) depth++;
      if (t.t === "op" && ")]}".includes(t.v)) depth--;
      this.p++;
    }
  }

  skipType() {
    // types appearing in composite literals: []T, [N]T, map[K]V, *T, pkg.T, T
    if (this.is("[")) { this.next(); if (!this.is("]")) this.parseExpr(); this.expect("]"); return "[]" + this.skipType(); }
    if (this.is("map")) { this.next(); this.expect("["); const k = this.skipType(); this.expect("]"); return `map[${k}]${this.skipType()}`; }
    if (this.is("*")) { this.next(); return "*" + this.skipType(); }
    if (this.is("struct") || this.is("interface")) { const k = this.next().v; this.skipBraces(); return k + "{...}"; }
    const t = this.next();
    if (t.t !== "ident") this.fail(`expected type, got ${JSON.stringify(t)}`);
    let name = t.v;
    while (this.is(".")) { this.next(); name += "." + this.next().v; }
    return name;
  }
  skipBraces() {
    this.expect("{");
    let depth = 1;
    while (depth > 0) { const t = this.next(); if (t.t === "op" && t.v === "{") depth++; if (t.t === "op" && t.v === "}") depth--; }
  }

  parseExpr(prec = 1) {
    const PREC = { "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3, "+": 4, "-": 4, "|": 4, "^": 4, "*": 5, "/": 5, "%": 5, "<<": 5, ">>": 5, "&": 5, "&^": 5 };
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      const p = t && t.t === "op" ? PREC[t.v] : undefined;
      if (p === undefined || p < prec) return left;
      this.next();
      const right = this.parseExpr(p + 1);
      left = { k: "binary", op: t.v, l: left, r: right, line: t.line };
    }
  }
  parseUnary() {
    const t = this.peek();
    if (t.t === "op" && ["+", "-", "!", "^", "*", "&", "<-"].includes(t.v)) {
      this.next();
      return { k: "unary", op: t.v, x: this.parseUnary(), line: t.line };
    }
    return this.parsePrimary();
  }
  parseComposite(type) {
    const open = this.expect("{");
    const elems = [];
    while (!this.is("}")) {
      const e = { line: this.peek().line };
      let v = this.is("{") ? this.parseComposite(null) : this.parseExpr();
      if (this.is(":")) {
        this.next();
        e.key = v;
        v = this.is("{") ? this.parseComposite(null) : this.parseExpr();
      }
      e.value = v;
      elems.push(e);
      if (this.is(",")) this.next();
      else if (!this.is("}")) this.fail("expected , or } in composite literal");
    }
    this.expect("}");
    return { k: "composite", type, elems, line: open.line };
  }
  parsePrimary() {
    const t = this.peek();
    let x;
    if (t.t === "str") { this.next(); x = { k: "str", raw: t.raw, line: t.line }; }
    else if (t.t === "num" || t.t === "rune") { this.next(); x = { k: t.t, raw: t.v ?? t.raw, line: t.line }; }
    else if (t.t === "ident") { this.next(); x = { k: "ident", name: t.v, line: t.line }; }
    else if (this.is("(")) { this.next(); x = this.parseExpr(); this.expect(")"); x = { k: "paren", x, line: t.line }; }
    else if (this.is("[") || this.is("map") || this.is("struct")) { const type = this.skipType(); return this.parseSuffixes(this.parseComposite(type)); }
    else if (this.is("func")) {
      this.next(); this.skipTo(["{"]); this.skipBraces();
      x = { k: "funclit", line: t.line };
    } else this.fail(`unexpected token ${JSON.stringify(t)}`);
    return this.parseSuffixes(x);
  }
  parseSuffixes(x) {
    for (;;) {
      if (this.is(".")) { this.next(); const n = this.next(); x = { k: "sel", x, name: n.v, line: n.line }; }
      else if (this.is("(")) {
        const open = this.next();
        const args = [];
        while (!this.is(")")) {
          args.push(this.parseExpr());
          if (this.is("...")) this.next();
          if (this.is(",")) this.next();
          else if (!this.is(")")) this.fail("expected , or ) in call");
        }
        this.expect(")");
        x = { k: "call", fn: x, args, line: open.line };
      } else if (this.is("[")) { this.next(); this.skipTo(["]"]); this.expect("]"); x = { k: "index", x, line: x.line }; }
      else if (this.is("{") && (x.k === "ident" || x.k === "sel")) x = this.parseComposite(exprText(x));
      else return x;
    }
  }
}

const exprText = (x) => (x.k === "ident" ? x.name : x.k === "sel" ? `${exprText(x.x)}.${x.name}` : `<${x.k}>`);

// --------------------------------------------------------- package scanning

// Top-level var/const declarations of every .go file in the package:
// name -> { expr, file, line, kind }.
const decls = new Map();
const files = git("ls-tree", "--name-only", sha, PKG).split("\n").filter((f) => f.endsWith(".go"));
const tokens = new Map();
for (const file of files) {
  const toks = tokenize(show(file), file);
  tokens.set(file, toks);
  const p = new Parser(toks, file);
  while (p.p < toks.length) {
    const t = p.peek();
    if (t.t === "kw" && (t.v === "var" || t.v === "const")) {
      p.next();
      const group = p.is("(");
      if (group) p.next();
      do {
        if (group && p.is(")")) { p.next(); break; }
        if (group && p.is(";")) { p.next(); continue; }
        const names = [p.next()];
        while (p.is(",")) { p.next(); names.push(p.next()); }
        if (!p.is("=") && !p.is(";")) p.skipTo(["=", ";", ")"]);
        if (p.is("=")) {
          p.next();
          const start = p.p;
          const exprs = [];
          try {
            for (;;) { exprs.push(p.parseExpr()); if (!p.is(",")) break; p.next(); }
          } catch (e) {
            p.p = start; p.skipTo([";", ")"]);
            exprs.length = 0;
          }
          names.forEach((n, i) => decls.set(n.v, { expr: exprs.length === names.length ? exprs[i] : null, file, line: n.line, kind: t.v }));
        } else names.forEach((n) => decls.set(n.v, { expr: null, file, line: n.line, kind: t.v }));
        if (p.is(";")) p.next();
      } while (group);
    } else { p.skipTo(); p.next(); }
  }
}

// Package-level variables that are assigned to (`name =`, `name +=`) inside
// a function that does not declare a local of the same name (as a parameter,
// `var name` or `name :=`), i.e. that may not hold their initial value.
function assignedVars() {
  const out = new Map();
  for (const [file, toks] of tokens) {
    const funcs = scanFunctions(toks);
    for (let i = 1; i + 1 < toks.length; i++) {
      const t = toks[i];
      const nx = toks[i + 1];
      const pv = toks[i - 1];
      if (t.t !== "ident" || !decls.has(t.v) || decls.get(t.v).kind !== "var") continue;
      if (pv.t === "op" && pv.v === ".") continue;
      if (!(nx.t === "op" && ["=", "+=", "-="].includes(nx.v))) continue;
      const fn = funcs.find((f) => i > f.start && i < f.end);
      if (!fn) continue; // the declaration itself
      let local = false;
      for (let j = fn.kw; j < fn.end - 1 && !local; j++) {
        const a = toks[j];
        if (a.t !== "ident" || a.v !== t.v) continue;
        const b = toks[j - 1], c = toks[j + 1];
        if (j < fn.start) local = true; // parameter or named result
        else if (b.t === "kw" && b.v === "var") local = true;
        else if (c.t === "op" && c.v === ":=") local = true;
        else if (c.t === "op" && c.v === ",") {
          let k = j + 1;
          while (toks[k].v === "," && toks[k + 1].t === "ident") k += 2;
          if (toks[k].v === ":=") local = true;
        }
      }
      if (local) continue;
      if (!out.has(t.v)) out.set(t.v, []);
      out.get(t.v).push(`${file}:${t.line}`);
    }
  }
  return out;
}
let mutated = null; // computed once scanFunctions is defined

// ---------------------------------------------------------------- evaluator

function evaluate(x, ctx, seen = new Set()) {
  switch (x.k) {
    case "str": return decodeString(x.raw);
    case "paren": return evaluate(x.x, ctx, seen);
    case "num": {
      const v = x.raw.replace(/_/g, "");
      if (/^(0[xXoObB])?[0-9a-fA-F]+$/.test(v) && !/^0\d/.test(v)) return BigInt(v);
      throw new Unresolved(`numeric literal ${x.raw} not supported`);
    }
    case "ident": {
      if (x.name === "true") return true;
      if (x.name === "false") return false;
      if (ctx.locals.has(x.name)) throw new Unresolved(`${x.name} is a local variable of ${ctx.func} computed at test run time`);
      const d = decls.get(x.name);
      if (!d) throw new Unresolved(`identifier ${x.name} is not a package-level constant or variable`);
      if (!d.expr) throw new Unresolved(`package-level ${d.kind} ${x.name} (${d.file}:${d.line}) has no parseable initialiser`);
      if (seen.has(x.name)) throw new Unresolved(`cyclic reference to ${x.name}`);
      mutated ??= assignedVars();
      if (mutated.has(x.name)) ctx.notes.add(`${x.name} is reassigned at ${mutated.get(x.name).join(", ")}`);
      ctx.refs.add(`${x.name} (${d.file}:${d.line})`);
      return evaluate(d.expr, ctx, new Set([...seen, x.name]));
    }
    case "binary": {
      const l = evaluate(x.l, ctx, seen);
      const r = evaluate(x.r, ctx, seen);
      if (x.op === "+" && typeof l === "string" && typeof r === "string") return l + r;
      if (typeof l === "bigint" && typeof r === "bigint") {
        switch (x.op) {
          case "+": return l + r;
          case "-": return l - r;
          case "*": return l * r;
          case "<<": return l << r;
        }
      }
      throw new Unresolved(`operator ${x.op} on ${typeof l} and ${typeof r} not supported`);
    }
    case "unary":
      if (x.op === "-") { const v = evaluate(x.x, ctx, seen); if (typeof v === "bigint") return -v; }
      throw new Unresolved(`unary ${x.op} not supported`);
    case "sel":
      throw new Unresolved(`${exprText(x)} is defined outside this package (and may be platform-dependent)`);
    case "call": {
      const fn = exprText(x.fn);
      const args = () => x.args.map((a) => evaluate(a, ctx, seen));
      if (fn === "strings.Repeat") {
        const [s, n] = args();
        if (typeof s === "string" && typeof n === "bigint" && n >= 0n) { ctx.computed = true; return s.repeat(Number(n)); }
      }
      if (fn === "fmt.Sprintf") {
        const [f, ...rest] = args();
        if (typeof f === "string") {
          let k = 0;
          const out = f.replace(/%([%svd])/g, (m, verb) => {
            if (verb === "%") return "%";
            const a = rest[k++];
            if (a === undefined) throw new Unresolved("fmt.Sprintf with missing argument");
            if (verb === "d" && typeof a !== "bigint") throw new Unresolved("fmt.Sprintf %d of a non-integer");
            if (verb === "s" && typeof a !== "string") throw new Unresolved("fmt.Sprintf %s of a non-string");
            return String(a);
          });
          if (/%[^%svd]/.test(f.replace(/%%/g, ""))) throw new Unresolved(`fmt.Sprintf format ${JSON.stringify(f)} uses unsupported verbs`);
          if (k !== rest.length) throw new Unresolved("fmt.Sprintf with extra arguments");
          ctx.computed = true;
          return out;
        }
      }
      throw new Unresolved(`call to ${fn}(...) is not evaluated statically`);
    }
    case "composite": {
      if (x.type === "[]string") return x.elems.map((e) => { if (e.key) throw new Unresolved("indexed []string literal"); const v = evaluate(e.value, ctx, seen); if (typeof v !== "string") throw new Unresolved("non-string element in []string"); return v; });
      if (x.type === "map[string]string") {
        const out = {};
        for (const e of x.elems) {
          const k = evaluate(e.key, ctx, seen);
          const v = evaluate(e.value, ctx, seen);
          if (typeof k !== "string" || typeof v !== "string") throw new Unresolved("non-string entry in map[string]string");
          out[k] = v;
        }
        return out;
      }
      throw new Unresolved(`composite literal of type ${x.type} not supported`);
    }
    default:
      throw new Unresolved(`${x.k} expression not supported`);
  }
}

// --------------------------------------------------- scenario tables + runs

const FIELD_KEYS = {
  description: "description",
  subdescription: "subdescription",
  document: "document",
  document2: "document2",
  expression: "expression",
  expected: "expected",
  expectedError: "expected_error",
  environmentVariables: "env",
  skipDoc: "skip_doc",
};
const STRING_FIELDS = new Set(["description", "subdescription", "document", "document2", "expression", "expectedError"]);

// Finds `func Name` spans and, inside Test functions, the settings assigned
// (`ConfiguredXxx.Field = <literal>`) before each `range <vars>` loop.
function scanFunctions(toks) {
  const funcs = []; // {name, start, end}
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.t === "op" && t.v === "{") depth++;
    if (t.t === "op" && t.v === "}") depth--;
    if (depth === 0 && t.t === "kw" && t.v === "func" && toks[i + 1].t === "ident") {
      let j = i + 2, d = 0;
      while (!(d === 0 && toks[j].t === "op" && toks[j].v === "{")) { if ("([".includes(toks[j].v)) d++; if (")]".includes(toks[j].v)) d--; j++; }
      let k = j + 1, b = 1;
      while (b > 0) { if (toks[k].v === "{" && toks[k].t === "op") b++; if (toks[k].v === "}" && toks[k].t === "op") b--; k++; }
      funcs.push({ name: toks[i + 1].v, kw: i, start: j, end: k });
    }
  }
  return funcs;
}

function runsOf(toks, funcs, file) {
  const runs = new Map(); // var -> [{test, settings}]
  for (const f of funcs) {
    if (!f.name.startsWith("Test")) continue;
    const settings = {};
    let nested = 0;
    for (let i = f.start + 1; i < f.end - 1; i++) {
      const t = toks[i];
      if (t.t === "kw" && t.v === "func") { // skip nested func literals (e.g. deferred restores)
        let j = i; while (!(toks[j].t === "op" && toks[j].v === "{")) j++;
        let b = 1; j++; while (b > 0) { if (toks[j].v === "{" && toks[j].t === "op") b++; if (toks[j].v === "}" && toks[j].t === "op") b--; j++; }
        i = j - 1; nested++; continue;
      }
      if (t.t === "ident" && /^Configured\w+$/.test(t.v) && toks[i + 1].v === "." && toks[i + 3].v === "=" && ["ident", "str", "num"].includes(toks[i + 4].t) && toks[i + 5].v === ";") {
        const v = toks[i + 4];
        if (v.t !== "ident" || v.v === "true" || v.v === "false") settings[`${t.v}.${toks[i + 2].v}`] = v.v ?? decodeString(v.raw);
      }
      if (t.t === "kw" && t.v === "range") {
        const names = [];
        let j = i + 1;
        // the loop must run the scenarios through testScenario
        let b = i; while (!(toks[b].t === "op" && toks[b].v === "{")) b++;
        let d = 1, callsTest = false;
        for (b++; d > 0; b++) { if (toks[b].t === "op" && toks[b].v === "{") d++; if (toks[b].t === "op" && toks[b].v === "}") d--; if (toks[b].v === "testScenario") callsTest = true; }
        if (!callsTest) continue;
        if (toks[j].v === "append") { j += 2; while (toks[j].v !== ")") { if (toks[j].t === "ident") names.push(toks[j].v); j++; } }
        else if (toks[j].t === "ident") names.push(toks[j].v);
        for (const n of names) {
          const key = decls.has(n) && decls.get(n).file === file ? n : `${f.name}.${n}`;
          if (!runs.has(key)) runs.set(key, []);
          runs.get(key).push({ test: f.name, settings: { ...settings } });
        }
      }
    }
  }
  return runs;
}

const scenarioFiles = files
  .filter((f) => /^pkg\/yqlib\/operators?_.+_test\.go$/.test(f))
  .sort();

const corpus = [];
const tables = [];
for (const file of scenarioFiles) {
  const toks = tokens.get(file);
  const table = file.slice(PKG.length).replace(/^operators?_/, "").replace(/_test\.go$/, "");
  const funcs = scanFunctions(toks);
  const runs = runsOf(toks, funcs, file);
  let index = 0;
  const vars = [];
  for (let i = 0; i + 3 < toks.length; i++) {
    if (!(toks[i].v === "[" && toks[i + 1].v === "]" && toks[i + 2].v === "expressionScenario" && toks[i + 3].v === "{")) continue;
    // name: `var NAME = ` / `NAME := ` / `NAME = ` before the literal
    const assign = toks[i - 1];
    if (!(assign.t === "op" && (assign.v === "=" || assign.v === ":="))) continue; // e.g. a parameter type
    const name = toks[i - 2].v;
    const fn = funcs.find((f) => i > f.start && i < f.end);
    const varName = fn ? `${fn.name}.${name}` : name;
    const locals = new Set();
    if (fn) for (let j = fn.start; j < i; j++) if (toks[j].t === "ident" && toks[j + 1].v === ":=") locals.add(toks[j].v);
    const p = new Parser(toks, file);
    p.p = i + 3;
    const lit = p.parseComposite("[]expressionScenario");
    vars.push({ name: varName, count: lit.elems.length });
    for (const el of lit.elems) {
      const rec = { table, index: index++, var: varName, line: el.line };
      const ctx = { locals, func: fn?.name, notes: new Set(), refs: new Set() };
      const problems = [];
      const computed = [];
      const other = {};
      const fields = {};
      if (el.key || el.value.k !== "composite" || (el.value.type && el.value.type !== "expressionScenario")) {
        problems.push("scenario is not an expressionScenario composite literal");
      } else {
        for (const f of el.value.elems) {
          if (!f.key || f.key.k !== "ident") { problems.push("positional field"); continue; }
          const name = f.key.name;
          ctx.computed = false;
          let v;
          try {
            v = evaluate(f.value, ctx);
          } catch (e) {
            if (!(e instanceof Unresolved)) throw e;
            problems.push(`${name}: ${e.message}`);
            continue;
          }
          if (ctx.computed) computed.push(name);
          fields[name] = v;
        }
      }
      for (const [goName, key] of Object.entries(FIELD_KEYS)) {
        if (!(goName in fields)) continue;
        const v = fields[goName];
        if (STRING_FIELDS.has(goName) && typeof v !== "string") { problems.push(`${goName}: not a string`); continue; }
        if (goName === "skipDoc") { if (typeof v !== "boolean") problems.push("skipDoc: not a bool"); else if (v) rec.skip_doc = true; continue; }
        if (goName === "environmentVariables") { if (Object.keys(v).length) rec.env = v; continue; }
        if (goName === "expected") { rec.expected = v; continue; } // kept even when empty: nil and []string{} differ in yq's DeepEqual check
        if (v !== "") rec[key] = v; // "" is Go's zero value: same as absent
      }
      for (const [goName, v] of Object.entries(fields)) {
        if (goName in FIELD_KEYS) continue;
        if (v === false || v === "" || (Array.isArray(v) && v.length === 0)) continue;
        other[goName] = typeof v === "boolean" || typeof v === "bigint" ? String(v) : v;
      }
      // key order as documented
      const out = { table: rec.table, index: rec.index, var: rec.var, line: rec.line };
      for (const k of ["description", "subdescription", "document", "document2", "expression", "expected", "expected_error", "env", "skip_doc"]) if (k in rec) out[k] = rec[k];
      if (Object.keys(other).length) out.other = other;
      const r = runs.get(varName);
      out.runs = r ?? [];
      if (computed.length) out.computed = computed;
      if (ctx.notes.size) out.notes = [...ctx.notes];
      if (problems.length) out.unresolved = problems.join("; ");
      corpus.push(out);
    }
  }
  tables.push({ table, file, vars, count: index });
}

const json = JSON.stringify(corpus, null, 2) + "\n";
if (outPath) writeFileSync(outPath, json);
else process.stdout.write(json);

const unresolved = corpus.filter((s) => s.unresolved);
console.error(`commit ${sha}: ${corpus.length} scenarios in ${tables.length} tables, ${unresolved.length} unresolved`);
for (const t of tables) console.error(`  ${t.table.padEnd(20)} ${String(t.count).padStart(4)}  ${t.file}  [${t.vars.map((v) => `${v.name}:${v.count}`).join(", ")}]`);
for (const s of unresolved) console.error(`  unresolved ${s.table}#${s.index} (line ${s.line}): ${s.unresolved}`);
