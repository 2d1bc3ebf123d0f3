'use strict';
// The shim's driver: inputs in, masks first, the core's `run(request, host)`, then outputs,
// summary, error annotation and exit code out.

const { formatCommand } = require('./commands.js');
const { readInputs, secretsToMask } = require('./inputs.js');
const { randomUuid, writeOutputs, writeSummary } = require('./output.js');
const { createHost } = require('./host.js');

/**
 * Runs the action once.
 *
 * The request is `{inputs, env, cwd}`: `cwd` is for the core's fallback when
 * `GITHUB_WORKSPACE` is unset; the core resolves every path itself.
 *
 * Order of effects: `::add-mask::` for every token input (before anything else is printed), then
 * the core is loaded and run, then the outputs are written (even when the core reports failure),
 * the summary appended, and `ok: false` turned into an `::error` annotation with its
 * `file`/`line`/`col`. The exit code is set through `proc.exitCode` (0 when ok, 1 otherwise),
 * never `process.exit`: the process ends when its work does.
 *
 * A crash (the core throws or rejects, or a WebAssembly trap surfaces as an uncaught exception
 * or rejection, as it does when it happens inside a future polled from a microtask) prints
 * `::error::gitops-action crashed: <panic message, or the JS error>` once and exits 1.
 *
 * @param {object} options
 * @param {{env: Record<string, string | undefined>, cwd(): string, exitCode?: number,
 *          on(event: string, listener: (err: unknown) => void): unknown}}
 *   options.proc `process`, or a stand-in in tests
 * @param {(line: string) => void} options.print writes one line to the job log
 * @param {() => {run(request: object, host: object): Promise<object>}} options.loadCore loads
 *   the wasm-bindgen module; called after masking, so even a load failure is reported masked
 * @param {() => string} [options.newUuid] delimiter source for `$GITHUB_OUTPUT`
 * @returns {Promise<void>} settles when the core's `run` settles (never, after some crashes)
 */
async function runAction({ proc, print, loadCore, newUuid = randomUuid }) {
  const { env } = proc;
  const inputs = readInputs(env);
  for (const secret of secretsToMask(inputs)) print(formatCommand('add-mask', {}, secret));

  let panicMessage;
  let crashed = false;
  const crash = (err) => {
    if (!crashed) {
      crashed = true;
      print(formatCommand('error', {}, `gitops-action crashed: ${panicMessage ?? String(err)}`));
    }
    proc.exitCode = 1;
  };
  proc.on('uncaughtException', crash);
  proc.on('unhandledRejection', crash);
  const host = createHost({ print, onPanic: (message) => (panicMessage = message) });

  let response;
  try {
    response = await loadCore().run({ inputs, env: { ...env }, cwd: proc.cwd() }, host);
  } catch (err) {
    crash(err);
    return;
  }

  try {
    writeOutputs({ env, outputs: response.outputs ?? {}, newUuid, print });
    writeSummary({ env, summary: response.summary ?? '', print });
  } catch (err) {
    print(formatCommand('error', {}, `gitops-action could not write its results: ${err.message}`));
    proc.exitCode = 1;
    return;
  }
  if (response.ok) {
    proc.exitCode ??= 0;
    return;
  }
  const { message = 'gitops-action failed', file, line, col } = response.error ?? {};
  print(formatCommand('error', { file, line, col }, message));
  proc.exitCode = 1;
}

module.exports = { runAction };
