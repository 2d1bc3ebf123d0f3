'use strict';
// The `host` object handed to the core's `run(request, host)`: everything the WebAssembly core
// needs from the outside world (log, files, HTTP, time, randomness), as plain JS methods.
// HTTP goes through node:http/node:https, which also exist on the Node 16 images old runners use.

const fs = require('node:fs');
const { formatCommand } = require('./commands.js');

/** Default per-request timeout of {@link hostFetch}, in milliseconds. */
const FETCH_TIMEOUT_MS = 30_000;

const COMMAND_LEVELS = new Set(['debug', 'warning', 'group']);

/** A line a runner would take as a workflow command (`::name::`, or the older `##[name]`). */
const COMMAND_LINE = /^(::|##\[)/gm;

/**
 * Says why a request failed, from the error `node:http`/`node:https` raised: DNS, connection
 * refused/reset, else the system or TLS error's message.
 * @param {any} err
 * @param {string} hostname
 * @returns {string}
 */
function describeRequestFailure(err, hostname) {
  switch (err?.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DNS lookup of ${hostname} failed (${err.code})`;
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED)';
    case 'ECONNRESET':
      return 'connection reset (ECONNRESET)';
    default:
      return String(err?.message ?? err);
  }
}

/**
 * The parts of a request that must not appear in an error message: header values (whole, and
 * the credential part of `Bearer x`/`token x`), URL credentials and query values. Node quotes
 * an invalid header value verbatim in its errors.
 * @param {URL} url
 * @param {Record<string, string>} headers
 * @returns {string[]} those at least 4 characters long (shorter ones can't be secrets, and would
 *   garble the message)
 */
function requestSecrets(url, headers) {
  const secrets = [url.username, url.password, ...url.searchParams.values()];
  for (const value of Object.values(headers)) {
    const text = String(value).trim();
    secrets.push(text, text.split(/\s+/).pop());
  }
  return secrets.filter((secret) => secret.length >= 4);
}

/** One connection pool per scheme for the run: polls reuse their connection. */
const agents = {};

/**
 * Performs one HTTP request with `node:http`/`node:https` (about 9 ms a request, where the global
 * `fetch` costs 100+ ms on first use to load undici, and ~20 ms each after). The timeout bounds
 * the whole exchange, so a server that drips its answer cannot stretch it; redirects are not
 * followed (the core reports them).
 * @param {{method?: string, url: string, headers?: Record<string, string> | Map<string, string>,
 *          body?: string | null, timeoutMs?: number, maxBytes?: number}} request headers may be a
 *   `Map`, as serde-wasm-bindgen serializes maps by default
 * @returns {Promise<{status: number, headers: Record<string, string>, body: string}>} header
 *   names lower-cased; any HTTP status resolves (an error status is the core's to judge)
 * @throws {Error} on a network failure, a timeout or an answer over `maxBytes`, with a message
 *   naming the method, the URL without query or credentials, and the cause; never the headers
 */
function hostFetch(request) {
  const { method = 'GET', url, body, timeoutMs = FETCH_TIMEOUT_MS, maxBytes = Infinity } = request;
  const headers = request.headers instanceof Map ? Object.fromEntries(request.headers) : { ...(request.headers ?? {}) };
  let parsed;
  try {
    parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
  } catch {
    return Promise.reject(new Error(`${method} ${JSON.stringify(String(url))}: invalid URL`));
  }
  const target = `${method} ${parsed.origin}${parsed.pathname}`;
  const fail = (reason) => {
    for (const secret of requestSecrets(parsed, headers)) reason = reason.split(secret).join('***');
    return new Error(`${target}: ${reason}`);
  };
  const transport = parsed.protocol === 'https:' ? require('node:https') : require('node:http');
  agents[parsed.protocol] ??= new transport.Agent({ keepAlive: true });
  if (body != null) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    };
    let req;
    const timer = setTimeout(() => {
      finish(fail(`timed out after ${timeoutMs} ms`));
      req?.destroy();
    }, timeoutMs);
    try {
      req = transport.request(parsed, { method, headers, agent: agents[parsed.protocol] }, (res) => {
        const chunks = [];
        let size = 0;
        res.on('data', (chunk) => {
          size += chunk.length;
          if (size > maxBytes) {
            finish(fail(`the answer is larger than ${maxBytes} bytes; not read`));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const responseHeaders = {};
          for (const [name, value] of Object.entries(res.headers)) {
            responseHeaders[name] = Array.isArray(value) ? value.join(', ') : String(value);
          }
          finish(null, { status: res.statusCode, headers: responseHeaders, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (err) => finish(fail(describeRequestFailure(err, parsed.hostname))));
        res.on('aborted', () => finish(fail('the connection closed before the answer was complete')));
      });
    } catch (err) {
      finish(fail(describeRequestFailure(err, parsed.hostname)));
      return;
    }
    req.on('error', (err) => finish(fail(describeRequestFailure(err, parsed.hostname))));
    if (body != null) req.write(body);
    req.end();
  });
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
     * Logs a message: `info` (and any unknown level) as plain lines, any line of it that a
     * runner would take for a workflow command indented by a space (file values and server
     * messages must not set outputs or environment variables), the other levels as
     * workflow commands (`::debug::`, `::warning::`,
     * `::group::NAME`, `::endgroup::`) with the message escaped.
     * @param {string} level
     * @param {string} message
     */
    log(level, message) {
      if (level === 'endgroup') print('::endgroup::');
      else if (COMMAND_LEVELS.has(level)) print(formatCommand(level, {}, message));
      else print(String(message).replace(COMMAND_LINE, ' $&'));
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

module.exports = { createHost, describeRequestFailure, FETCH_TIMEOUT_MS };
