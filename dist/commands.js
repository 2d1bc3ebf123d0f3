'use strict';
// Workflow commands (`::name key=value::data`), the stdout protocol that GitHub's runner,
// act and Gitea/Forgejo's act_runner all parse.

/**
 * Escapes the data part of a workflow command: `%`, CR and LF.
 * @param {unknown} value
 * @returns {string}
 */
function escapeData(value) {
  return String(value).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/**
 * Escapes a property value of a workflow command: like {@link escapeData}, plus `:` and `,`.
 * @param {unknown} value
 * @returns {string}
 */
function escapeProperty(value) {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * Formats one workflow command line (without the trailing newline).
 * Properties whose value is `undefined` or `null` are left out.
 * @param {string} name command name, e.g. `error`
 * @param {Record<string, unknown>} properties e.g. `{file, line, col}`
 * @param {unknown} data the message
 * @returns {string}
 */
function formatCommand(name, properties, data) {
  const props = Object.entries(properties)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(data)}`;
}

module.exports = { escapeData, escapeProperty, formatCommand };
