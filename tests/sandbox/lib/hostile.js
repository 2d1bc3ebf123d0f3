'use strict';
// The hostile answers of the request faults echo-credentials, drip, huge-body and malformed-body
// (lib/faults.js, README "Faults"): what a broken proxy or an untrustworthy server sends. None of
// this is Gitea or Forgejo behaviour; a client must survive all of it without leaking a secret,
// hanging past its deadline, holding a huge body in memory, or reporting success.

const http = require('node:http');

const MIB = 1024 * 1024;

// echo-credentials: an error whose message repeats the request's Authorization header and the
// request URL with the credentials of a Basic header put back into it (user:password@host), as a
// careless proxy's error page would, plus the query string (where ?token= lives).
function echoCredentials(req, u, fault) {
  const auth = req.headers.authorization || '';
  let userinfo = '';
  const basic = /^basic\s+(\S+)/i.exec(auth);
  if (basic) userinfo = `${Buffer.from(basic[1], 'base64').toString()}@`;
  const url = `http://${userinfo}${req.headers.host || '127.0.0.1'}${u.pathname}${u.search}`;
  const message = `upstream request ${req.method} ${url} failed; request headers: Authorization: ${auth || '(none)'}`;
  return { status: fault.status, headers: { 'Content-Type': 'application/json;charset=utf-8' }, payload: JSON.stringify({ message, url }) };
}

// huge-body: `mib` MiB of valid JSON ({"padding":"xxxx..."}) streamed from one reused buffer,
// with backpressure, stopping when the client goes away. Resolves with the bytes written.
function streamHugeBody(res, fault) {
  const total = Math.round(fault.mib * MIB);
  const head = Buffer.from('{"padding":"');
  const tail = Buffer.from('"}');
  const fill = Math.max(0, total - head.length - tail.length);
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const headers = { 'Content-Type': 'application/json;charset=utf-8' };
  if (!fault.chunked) headers['Content-Length'] = String(head.length + fill + tail.length);
  res.writeHead(fault.status, headers);
  return new Promise((resolve) => {
    let left = fill;
    let written = 0;
    let closed = false;
    res.on('close', () => {
      closed = true;
      resolve(written);
    });
    const pump = () => {
      while (!closed) {
        let buf;
        if (written === 0) buf = head;
        else if (left > 0) {
          buf = left >= chunk.length ? chunk : chunk.subarray(0, left);
          left -= buf.length;
        } else {
          res.end(tail);
          written += tail.length;
          return;
        }
        written += buf.length;
        if (!res.write(buf)) return res.once('drain', pump);
      }
    };
    pump();
  });
}

// malformed-body: a 2xx (by default 200) whose body is not what the operation declares:
//  wrong-shape  the other JSON container (an array where an object is declared, an object with
//               wrongly typed fields where an array is; `expect` is 'object' | 'array' | null)
//  not-json     an HTML login page labelled application/json
//  truncated    the first half of the real JSON (`real`, with perform) or of a made-up object
//  raw          exactly `raw`
function malformedPayload(fault, expect, real) {
  let payload;
  if (fault.body === 'raw') payload = fault.raw;
  else if (fault.body === 'not-json') payload = '<!DOCTYPE html>\n<html><head><title>Sign In</title></head><body><form action="/user/login"></form></body></html>\n';
  else if (fault.body === 'truncated') {
    const full = real && real.length > 2 ? real : JSON.stringify({ id: 1, sha: 'a'.repeat(40), content: 'dHJ1bmNhdGVk', message: 'a made-up answer cut in half' });
    payload = full.slice(0, Math.floor(full.length / 2));
  } else if (expect === 'array') payload = JSON.stringify({ items: 'not an array', total_count: 'many', sandbox_fault: 'malformed-body' });
  else payload = JSON.stringify([{ sha: 1, commit: 'not an object', content: false, sandbox_fault: 'malformed-body' }]);
  return { status: fault.status, headers: { 'Content-Type': 'application/json;charset=utf-8' }, payload };
}

// drip: the whole HTTP response (status line, headers with Content-Length and Connection: close,
// body) written straight to the socket `bytes` bytes every `ms` milliseconds, then the socket is
// closed. Resolves when done or when the client gave up.
function drip(socket, status, headers, payload, fault) {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload || '');
  const lines = [`HTTP/1.1 ${status} ${http.STATUS_CODES[status] || 'Unknown'}`];
  for (const [k, v] of Object.entries(headers || {})) if (!/^(content-length|connection|transfer-encoding)$/i.test(k)) lines.push(`${k}: ${v}`);
  lines.push(`Content-Length: ${body.length}`, 'Connection: close', '', '');
  const all = Buffer.concat([Buffer.from(lines.join('\r\n')), body]);
  return new Promise((resolve) => {
    let pos = 0;
    const tick = () => {
      if (socket.destroyed) return resolve(false);
      socket.write(all.subarray(pos, pos + fault.bytes));
      pos += fault.bytes;
      if (pos >= all.length) {
        socket.end();
        return resolve(true);
      }
      setTimeout(tick, fault.ms);
    };
    tick();
  });
}

module.exports = { echoCredentials, streamHugeBody, malformedPayload, drip };
