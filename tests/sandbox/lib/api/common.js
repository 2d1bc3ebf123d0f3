'use strict';
// What every API module shares: the error type, Go's query booleans, paging (utils.GetListOptions,
// context.SetLinkHeader / SetTotalCountHeader) and small encoders.

const { GO_BOOL } = require('../spec');

class ApiError extends Error {
  constructor(status, message, extra) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
// timeutil.TimeStamp(0).AsLocalTime(): a time that never happened is the Unix epoch (server in UTC)
const EPOCH = '1970-01-01T00:00:00Z';
const encPath = (p) => p.split('/').map(encodeURIComponent).join('/');
const b64 = (buf) => Buffer.from(buf).toString('base64');
const goBool = (v) => v !== undefined && GO_BOOL.has(v) && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function queryBool(query, name, dflt) {
  const v = query.get(name);
  if (v === null || v === '') return dflt;
  return goBool(v);
}

// Gitea's utils.GetListOptions: page >= 1, limit default 30 (API.DefaultPagingNum), max 50.
function listOptions(query) {
  let page = parseInt(query.get('page') || '1', 10);
  if (!(page > 0)) page = 1;
  let limit = parseInt(query.get('limit') || '0', 10);
  if (!(limit > 0)) limit = 30;
  if (limit > 50) limit = 50;
  return { page, limit };
}

// Gitea's context.SetLinkHeader + SetTotalCountHeader.
function pagingHeaders(sb, ctx, total, pageSize) {
  const headers = { 'X-Total-Count': String(total), 'Access-Control-Expose-Headers': 'X-Total-Count, Link' };
  const pages = Math.ceil(total / pageSize);
  const page = Math.max(1, parseInt(ctx.query.get('page') || '1', 10) || 1);
  const link = (p) => {
    // Go's url.Values.Encode(): keys sorted
    const q = new URLSearchParams(ctx.query);
    q.set('page', String(p));
    q.sort();
    return `<${sb.url}${ctx.pathname}?${q.toString()}>`;
  };
  const links = [];
  if (page < pages) {
    links.push(`${link(page + 1)}; rel="next"`);
    links.push(`${link(pages)}; rel="last"`);
  }
  if (page > 1) {
    links.push(`${link(1)}; rel="first"`);
    links.push(`${link(page - 1)}; rel="prev"`);
  }
  if (links.length) headers.Link = links.join(',');
  return headers;
}

const NOT_SIGNED = () => ({ verified: false, reason: 'gpg.error.not_signed_commit', signature: '', signer: null, payload: '' });

module.exports = { ApiError, ZERO_TIME, EPOCH, encPath, b64, goBool, nowIso, queryBool, listOptions, pagingHeaders, NOT_SIGNED };
