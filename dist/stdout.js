'use strict';
// The job log is stdout. It is written with `fs.writeSync` on fd 1 rather than through
// `process.stdout`, whose creation costs every run about 4 ms (measured, node 20).

const fs = require('node:fs');

/** A cell to `Atomics.wait` on: a synchronous sleep while a pipe is full. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes `text` to stdout synchronously and whole, so nothing is lost when the process ends and
 * lines from the core and the shim keep their order. A non-blocking pipe that is full (`EAGAIN`,
 * a slow reader) is retried every millisecond until it drains.
 * @param {string} text
 */
function writeStdout(text) {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(1, bytes, offset);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

module.exports = { writeStdout };
