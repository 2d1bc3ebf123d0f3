// What a runner hands a step and reads back from it; shared by the tests and benchmarks that
// run dist/index.js as a runner would.

import path from 'node:path';

/**
 * The environment a runner gives a step: the workspace `dir` with the step's output and summary
 * files in it (`dir/output`, `dir/summary`), the server at `serverUrl` and its API, and the
 * repository the job runs for.
 * @param {{dir: string, serverUrl: string, repository?: string}} where
 * @returns {Record<string, string | undefined>}
 */
export function runnerEnv({ dir, serverUrl, repository }) {
  return {
    PATH: process.env.PATH,
    GITHUB_WORKSPACE: dir,
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
    GITHUB_SERVER_URL: serverUrl,
    GITHUB_API_URL: `${serverUrl}/api/v1`,
    GITHUB_REPOSITORY: repository,
  };
}

/**
 * Parses a $GITHUB_OUTPUT file: `name<<DELIMITER` heredocs, as the shim writes them.
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseOutputs(text) {
  const outputs = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]);
    if (!m) continue;
    const value = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]);
    outputs[m[1]] = value.join('\n');
  }
  return outputs;
}
