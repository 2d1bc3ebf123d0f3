#!/usr/bin/env node
// Lists, per table of scenarios.json, the yq operators/functions its
// expressions use, by tokenising each expression with yq's own lexer rules
// (participleYqRules in pkg/yqlib/lexer_participle.go, read from the yq git
// dir at the given commit). yq's lexer is participle's "simple" lexer: one
// regexp alternation of all rules in declaration order, leftmost-first, so
// this reproduces its token boundaries (it does not run yq's
// postProcessTokens step, which only adjusts tokens already found).
//
// Usage: node inventory.mjs <yq git dir> <commit> [scenarios.json] [table ...]
// Prints a Markdown list: one line per table, each token followed by the
// number of scenarios in that table whose expression uses it.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const [gitDir, commit, corpusPath, ...only] = process.argv.slice(2);
if (!gitDir || !commit) {
  console.error("usage: node inventory.mjs <yq git dir> <commit> [scenarios.json] [table ...]");
  process.exit(2);
}
const src = execFileSync("git", ["--git-dir", gitDir, "show", `${commit}:pkg/yqlib/lexer_participle.go`], { encoding: "utf8" });
const body = src.slice(src.indexOf("var participleYqRules"), src.indexOf("type yqAction"));

// {"Name", `pattern`, ...} / {"Name", "pattern", ...} / simpleOp("pattern", ...) / assignableOp("pattern", ...)
const rules = [];
const re = /\{\s*[`"]([^`"]+)[`"],\s*(`[^`]*`|"(?:[^"\\]|\\.)*")|(?:simpleOp|assignableOp)\("((?:[^"\\]|\\.)*)"/g;
for (let m; (m = re.exec(body)); ) {
  if (m[3] !== undefined) rules.push({ name: m[3], pattern: m[3] });
  else rules.push({ name: m[1], pattern: m[2][0] === "`" ? m[2].slice(1, -1) : JSON.parse(m[2]) });
}
// Make the rules' own groups non-capturing, so group i+1 is rule i.
const nonCapturing = (pat) => {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i];
    if (c === "\\") { out += c + pat[++i]; continue; }
    if (inClass) { if (c === "]") inClass = false; out += c; continue; }
    if (c === "[") { inClass = true; out += c; continue; }
    out += c === "(" && pat[i + 1] !== "?" ? "(?:" : c;
  }
  return out;
};
const lexer = new RegExp(rules.map((r) => `(${nonCapturing(r.pattern)})`).join("|"), "y");

function tokens(expr) {
  const out = [];
  lexer.lastIndex = 0;
  while (lexer.lastIndex < expr.length) {
    const at = lexer.lastIndex;
    const m = lexer.exec(expr);
    if (!m || m[0] === "") { out.push(`<lex error at ${at}>`); break; }
    const i = m.slice(1).findIndex((g) => g !== undefined);
    const { name } = rules[i];
    const text = m[0].trim();
    switch (name) {
      case "whitespace": case "Comment": break;
      case "PathElement": case "WrappedPathElement": out.push(text.endsWith("?") ? ".key?" : ".key"); break;
      case "GetVariable": out.push("$var"); break;
      case "QuotedStringValue": out.push(/\\\(/.test(text) ? '"..\\(..).." (interpolation)' : '"string"'); break;
      case "NumberValue": case "FloatValue": case "FloatValueScientific": case "HexValue": out.push({ NumberValue: "number(int)", FloatValue: "number(float)", FloatValueScientific: "number(float, 1e5 form)", HexValue: "number(hex)" }[name]); break;
      case "TrueBooleanValue": case "FalseBooleanValue": out.push("true/false"); break;
      case "NullValue": out.push(text === "~" ? "~" : "null"); break;
      case "StrEnvOp": out.push("strenv(..)"); break;
      case "EnvOp": out.push("env(..)"); break;
      case "EnvSubstWithOptions": out.push("envsubst(opts)"); break;
      case "CreateMap": out.push(":"); break;
      case "CloseCollect": out.push(text); break;
      case "FlattenWithDepth": out.push("flatten(n)"); break;
      case "ParentWithLevel": out.push("parent(n)"); break;
      case "YamlEncodeWithIndent": case "XMLEncodeWithIndent": case "JSONEncodeWithIndent": out.push(text.replace(/\(\d+\)/, "(n)")); break;
      default: out.push(text);
    }
  }
  return out;
}

const here = fileURLToPath(new URL(".", import.meta.url));
const corpus = JSON.parse(readFileSync(corpusPath || `${here}scenarios.json`, "utf8"));
const tables = new Map();
for (const s of corpus) {
  if (only.length && !only.includes(s.table)) continue;
  if (!tables.has(s.table)) tables.set(s.table, new Map());
  if (s.expression === undefined) continue;
  const t = tables.get(s.table);
  for (const tok of new Set(tokens(s.expression))) t.set(tok, (t.get(tok) ?? 0) + 1);
}
for (const [table, toks] of tables) {
  const list = [...toks].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  console.log(`- **${table}**: ${list.map(([k, n]) => `\`${k}\` ${n}`).join(", ")}`);
}
