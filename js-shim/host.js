'use strict';
// The `host` object handed to the core's `run(request, host)`: everything the WebAssembly core
// needs from the outside world (log, files, HTTP, time, randomness), as plain JS methods.

const fs = require('node:fs');
const { formatCommand } = require('./commands.js');

/** Default per-request timeout of {@link hostFetch}, in milliseconds. */
const FETCH_TIMEOUT_MS = 30_000;

const COMMAND_LEVELS = new Set(['debug', 'notice', 'warning', 'error', 'group']);

/**
 * Says why a `fetch` failed, from the error Node's fetch (undici) raised: timeout, DNS,
 * connection refused/reset, else the underlying network or TLS error.
 * @param {any} err
 * @param {number} timeoutMs
 * @param {string} hostname
 * @returns {string}
 */
function describeFetchFailure(err, timeoutMs, hostname) {
  if (err?.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  const cause = err?.cause;
  switch (cause?.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DNS lookup of ${hostname} failed (${cause.code})`;
    case 'ECONNREFUSED':
      return `connection refused (ECONNREFUSED)`;
    case 'ECONNRESET':
      return `connection reset (ECONNRESET)`;
    default:
      return cause?.message ? `${err.message}: ${cause.message}` : String(err?.message ?? err);
  }
}

/**
 * The parts of a request that must not appear in an error message: header values (whole, and
 * the credential part of `Bearer x`/`token x`), URL credentials and query values. undici quotes
 * an invalid header value, or a URL with credentials, verbatim in its errors.
 * @param {URL} url
 * @param {Record<string, string> | Map<string, string>} headers
 * @returns {string[]} those at least 4 characters long (shorter ones can't be secrets, and would
 *   garble the message)
 */
function requestSecrets(url, headers) {
  const secrets = [url.username, url.password, ...url.searchParams.values()];
  for (const value of headers instanceof Map ? headers.values() : Object.values(headers)) {
    const text = String(value).trim();
    secrets.push(text, text.split(/\s+/).pop());
  }
  return secrets.filter((secret) => secret.length >= 4);
}

/**
 * Performs one HTTP request with Node's global `fetch`.
 * @param {{method?: string, url: string, headers?: Record<string, string> | Map<string, string>,
 *          body?: string | null, timeoutMs?: number}} request headers may be a `Map`, as
 *   serde-wasm-bindgen serializes maps by default
 * @returns {Promise<{status: number, headers: Record<string, string>, body: string}>} header
 *   names lower-cased; any HTTP status resolves (an error status is the core's to judge)
 * @throws {Error} on a network failure or timeout, with a message naming the method, the URL
 *   without query or credentials, and the cause; never the request headers
 */
async function hostFetch(request) {
  const { method = 'GET', url, headers = {}, body, timeoutMs = FETCH_TIMEOUT_MS } = request;
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${method} ${JSON.stringify(String(url))}: invalid URL`);
  }
  const target = `${method} ${parsed.origin}${parsed.pathname}`;
  try {
    const response = await fetch(parsed, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const responseHeaders = {};
    response.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    return { status: response.status, headers: responseHeaders, body: await response.text() };
  } catch (err) {
    let reason = describeFetchFailure(err, timeoutMs, parsed.hostname);
    for (const secret of requestSecrets(parsed, headers)) reason = reason.split(secret).join('***');
    throw new Error(`${target}: ${reason}`);
  }
}

/**
 * Builds the host object for the core.
 * @param {object} options
 * @param {(line: string) => void} options.print writes one line to the job log
 * @param {(message: string) => void} options.onPanic receives the Rust panic message, which
 *   the core's panic hook reports just before the WebAssembly instance traps
 * @returns {object} the host: `log`, `readFile`, `writeFile`, `realPath`, `fetch`, `now`,
 *   `sleep`, `randomHex`, `panic`
 */
function createHost({ print, onPanic }) {
  return {
    /**
     * Logs a message: `info` (and any unknown level) as a plain line, the other levels as
     * workflow commands (`::debug::`, `::notice::`, `::warning::`, `::error::`,
     * `::group::NAME`, `::endgroup::`) with the message escaped.
     * @param {string} level
     * @param {string} message
     */
    log(level, message) {
      if (level === 'endgroup') print('::endgroup::');
      else if (COMMAND_LEVELS.has(level)) print(formatCommand(level, {}, message));
      else print(String(message));
    },
    /** @param {string} path @returns {Uint8Array} @throws {Error} with `.code` (`ENOENT`…) */
    readFile: (path) => fs.readFileSync(path),
    /** @param {string} path @param {Uint8Array} data */
    writeFile: (path, data) => fs.writeFileSync(path, data),
    /** @param {string} path @returns {string} @throws {Error} with `.code` */
    realPath: (path) => fs.realpathSync(path),
    fetch: hostFetch,
    /** @returns {number} milliseconds since the epoch */
    now: () => Date.now(),
    /** @param {number} ms @returns {Promise<void>} */
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    /**
     * @param {number} bytes
     * @returns {string} `2 * bytes` hex digits from a CSPRNG. `node:crypto` is loaded here, on
     *   first use: loading it costs every run about 7 ms of start-up and exit.
     */
    randomHex: (bytes) => require('node:crypto').randomBytes(bytes).toString('hex'),
    /** @param {string} message the panic message, remembered for the crash report */
    panic: (message) => onPanic(String(message)),
  };
}

module.exports = { createHost, describeFetchFailure, FETCH_TIMEOUT_MS };
