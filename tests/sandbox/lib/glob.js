'use strict';
// Glob patterns as the servers match branch-protection rule names, protected file patterns and
// required status-check contexts: Gitea 1.26 modules/glob/glob.go (a port of gobwas/glob, which
// Gitea 1.24/1.25 and Forgejo 11/12 import directly). `*` matches any run of non-separator
// characters, `**` any run at all, `?` one non-separator character, `[abc]`/`[!abc]`/`[a-z]` a
// class, `{a,b}` alternatives, `\x` the character x. The whole string must match.

// modules/glob/glob.go @v1.26.4 IsSpecialByte: a rule name with one of these is a glob
const SPECIAL = new Set(['*', '?', '\\', '[', ']', '{', '}']);

const isGlob = (s) => [...String(s)].some((c) => SPECIAL.has(c));

const escapeRe = (c) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

// Compiles `pattern` with the given separator characters into a RegExp, or throws on a malformed
// pattern (an unterminated class or group, a trailing backslash).
function compile(pattern, separators = []) {
  const chars = [...String(pattern)];
  const nonSep = separators.length ? `[^${separators.map(escapeRe).join('')}]` : '[\\s\\S]';
  let pos = 0;
  const klass = () => {
    let out = '';
    if (chars[pos] === '!') {
      pos++;
      out += '^';
    }
    while (pos < chars.length) {
      const c = chars[pos++];
      if (c === ']') return `[${out}]`;
      if (c === '\\') {
        if (pos >= chars.length) throw new Error('unterminated character class escape');
        out += escapeRe(chars[pos++]);
      } else if (c === '-') out += '-';
      else out += escapeRe(c);
    }
    throw new Error('unterminated character class');
  };
  const seq = (inGroup) => {
    let out = '';
    while (pos < chars.length) {
      const c = chars[pos++];
      if (inGroup && c === '}') return `(?:${out})`;
      if (c === '*') {
        if (chars[pos] === '*') {
          pos++;
          out += '[\\s\\S]*';
        } else out += `${nonSep}*`;
      } else if (c === '?') out += nonSep;
      else if (c === '[') out += klass();
      else if (c === '{') out += seq(true);
      else if (c === ',' && inGroup) out += '|';
      else if (c === '\\') {
        if (pos >= chars.length) throw new Error('no character to escape');
        out += escapeRe(chars[pos++]);
      } else out += escapeRe(c);
    }
    if (inGroup) throw new Error('unterminated group');
    return out;
  };
  return new RegExp(`^${seq(false)}$`);
}

// A matcher for a branch-protection rule name (models/git/protected_branch.go @v1.26.4 Match,
// loadGlob; the same @v12.0.4): a plain name matches case-insensitively; a glob is compiled with
// separator '/', and an invalid glob matches its own text literally.
function ruleMatcher(ruleName) {
  if (!isGlob(ruleName)) {
    const lower = ruleName.toLowerCase();
    return (branch) => branch.toLowerCase() === lower;
  }
  let re;
  try {
    re = compile(ruleName, ['/']);
  } catch {
    re = new RegExp(`^${[...ruleName].map(escapeRe).join('')}$`);
  }
  return (branch) => re.test(branch);
}

// protected_file_patterns / unprotected_file_patterns: ";"-separated, lower-cased, each compiled
// with separators '.' and '/'; invalid ones are skipped (getFilePatterns, all five tags). The
// path is lower-cased and trimmed before matching.
function filePatterns(text) {
  const out = [];
  for (const expr of String(text || '').toLowerCase().split(';')) {
    const e = expr.trim();
    if (!e) continue;
    try {
      out.push(compile(e, ['.', '/']));
    } catch {
      /* skipped, as the servers log and skip it */
    }
  }
  return out;
}

const matchesAny = (patterns, filePath) => {
  const p = String(filePath).trim().toLowerCase();
  return patterns.some((re) => re.test(p));
};

module.exports = { compile, isGlob, ruleMatcher, filePatterns, matchesAny };
