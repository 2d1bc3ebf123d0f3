// What a runner hands back from a step, read the way the runner reads it; shared by the tests
// and benchmarks that run dist/index.js as a runner would.

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
