'use strict';
// Action inputs: the runner passes each `with:` entry (and each declared default) as an
// environment variable `INPUT_<NAME>`, the name upper-cased with spaces replaced by `_`.

const PREFIX = 'INPUT_';

/**
 * Reads the action's inputs from the environment, once.
 *
 * Keys are the input names lower-cased (`INPUT_GITOPS_FILE` and `INPUT_gitops_file` both give
 * `gitops_file`; when both are set, the upper-case spelling, which is what runners produce,
 * wins). Values are kept verbatim, inner and surrounding newlines included, except that a value
 * made only of whitespace becomes `""`, so "unset" and "blank" mean the same to the core.
 * @param {Record<string, string | undefined>} env usually `process.env`
 * @returns {Record<string, string>}
 */
function readInputs(env) {
  const inputs = new Map();
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(PREFIX) || key.length === PREFIX.length || value === undefined) continue;
    const name = key.slice(PREFIX.length);
    const lower = name.toLowerCase();
    if (inputs.has(lower) && name !== name.toUpperCase()) continue;
    inputs.set(lower, value.trim() === '' ? '' : value);
  }
  // fromEntries defines own properties, so even a name like `__proto__` stays a plain key.
  return Object.fromEntries(inputs);
}

/**
 * The strings to register with `::add-mask::`: the value of every input whose name contains
 * `token`; for a multi-line value, each line that is not blank (the runner masks line by line,
 * so a mask spanning lines would never match). Each is trimmed: a trimmed secret is a substring
 * of the untrimmed one, so it masks both. Blank values and lines are never masked: a mask of
 * spaces would blank out every log line.
 * @param {Record<string, string>} inputs as returned by {@link readInputs}
 * @returns {string[]} distinct values, in input order
 */
function secretsToMask(inputs) {
  const secrets = new Set();
  for (const [name, value] of Object.entries(inputs)) {
    if (!name.includes('token')) continue;
    for (const line of value.split(/\r?\n|\r/)) {
      const secret = line.trim();
      if (secret !== '') secrets.add(secret);
    }
  }
  return [...secrets];
}

module.exports = { readInputs, secretsToMask };
