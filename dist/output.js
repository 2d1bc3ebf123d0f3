'use strict';
// Step outputs ($GITHUB_OUTPUT) and the job summary ($GITHUB_STEP_SUMMARY).

const fs = require('node:fs');
const { formatCommand } = require('./commands.js');

/**
 * A random version-4 UUID from `Math.random`, for output delimiters. A delimiter needs only to
 * be absent from what it encloses, which {@link formatOutput} checks, not to be unguessable; and
 * `crypto.randomUUID` would cost every run about 7 ms (loading OpenSSL).
 * @returns {string}
 */
function randomUuid() {
  const hex = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(Math.random() * 4)];
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Formats one output in the file-command heredoc form `name<<DELIM\nvalue\nDELIM\n`, as
 * `@actions/core` does, with `DELIM` = `ghadelimiter_<uuid>`. A delimiter that occurs in the
 * name or the value would end the value early (and let the value forge other outputs), so a new
 * one is drawn until it occurs in neither.
 * @param {string} name
 * @param {string} value
 * @param {() => string} newUuid source of fresh uuids ({@link randomUuid} in production)
 * @returns {string}
 */
function formatOutput(name, value, newUuid) {
  let delimiter;
  do {
    delimiter = `ghadelimiter_${newUuid()}`;
  } while (name.includes(delimiter) || value.includes(delimiter));
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}

/**
 * Writes the step outputs to the file named by `GITHUB_OUTPUT` (Gitea/Forgejo: `GITEA_OUTPUT` as
 * a fallback), appending. With neither set (the action run outside a runner), prints a warning
 * and the outputs as log lines instead: the deprecated `::set-output` command is not used.
 * @param {object} options
 * @param {Record<string, string | undefined>} options.env
 * @param {Record<string, unknown>} options.outputs values are converted with `String`
 * @param {() => string} options.newUuid
 * @param {(line: string) => void} options.print writes one log line
 */
function writeOutputs({ env, outputs, newUuid, print }) {
  const entries = Object.entries(outputs).map(([name, value]) => [name, String(value)]);
  if (entries.length === 0) return;
  const file = env.GITHUB_OUTPUT || env.GITEA_OUTPUT;
  if (!file) {
    print(formatCommand('warning', {}, 'GITHUB_OUTPUT is not set: the outputs are only printed'));
    for (const [name, value] of entries) print(`output ${name} = ${JSON.stringify(value)}`);
    return;
  }
  fs.appendFileSync(file, entries.map(([n, v]) => formatOutput(n, v, newUuid)).join(''));
}

/**
 * Appends the Markdown job summary to the file named by `GITHUB_STEP_SUMMARY` (fallback
 * `GITEA_STEP_SUMMARY`), ending it with a newline. Does nothing for an empty summary; prints a
 * debug line when neither variable is set.
 * @param {object} options
 * @param {Record<string, string | undefined>} options.env
 * @param {string} options.summary
 * @param {(line: string) => void} options.print
 */
function writeSummary({ env, summary, print }) {
  if (!summary) return;
  const file = env.GITHUB_STEP_SUMMARY || env.GITEA_STEP_SUMMARY;
  if (!file) {
    print(formatCommand('debug', {}, 'GITHUB_STEP_SUMMARY is not set: no job summary written'));
    return;
  }
  fs.appendFileSync(file, summary.endsWith('\n') ? summary : `${summary}\n`);
}

module.exports = { formatOutput, randomUuid, writeOutputs, writeSummary };
