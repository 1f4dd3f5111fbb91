import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Socket } from 'node:net';
import { errorBody } from './errors';

// C0 control characters and DEL; a tab is allowed in header values, and tab, LF and CR in bodies.
/* eslint-disable no-control-regex -- matching control characters is the point */
const CONTROL = /[\u0000-\u001f\u007f]/;
const HEADER_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const BODY_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/* eslint-enable no-control-regex */
/** Names that would reach an object's prototype, not a property of its own. */
export const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 32;

/** A refusal in the shape of the API that owns the path: HIL's `{type, msg}` under /v0, else `{error: {type, message}}`. */
function refusal(path: string, status: number, message: string): { status: number; body: unknown } {
  if (path.startsWith('/v0/') || path === '/v0') return { status, body: { type: 'BadArgumentError', msg: message } };
  return { status, body: errorBody(status === 414 ? 'UriTooLong' : status === 404 ? 'NotFound' : 'InvalidRequest', message) };
}

function pathOf(url: string): string {
  return url.split('?')[0]!;
}

function decoded(part: string): string | null {
  try {
    return decodeURIComponent(part.replaceAll('+', ' '));
  } catch {
    return null;
  }
}

/** What is wrong with the request line and headers, or null. */
function checkHead(request: FastifyRequest): string | null {
  const [path, query = ''] = request.url.split(/\?(.*)/s);
  const p = decoded(path!);
  if (p === null) return 'the path is not valid percent-encoding';
  if (CONTROL.test(p)) return 'the path holds a control character';
  for (const pair of query.split('&')) {
    const q = decoded(pair);
    if (q === null) return 'the query is not valid percent-encoding';
    if (CONTROL.test(q)) return 'the query holds a control character';
  }
  for (const [name, value] of Object.entries(request.headers)) {
    for (const v of [value ?? ''].flat()) if (HEADER_CONTROL.test(v)) return `header ${name} holds a control character`;
  }
  const auth = request.headers.authorization;
  const basic = typeof auth === 'string' ? /^basic\s+(.*)$/is.exec(auth) : null;
  if (basic) {
    const credentials = Buffer.from(basic[1]!.trim(), 'base64').toString('utf8');
    if (CONTROL.test(credentials)) return 'the Basic credentials hold a control character';
    if (credentials.includes('\ufffd')) return 'the Basic credentials are not UTF-8';
  }
  return null;
}

/** What is wrong with a JSON body, or null: control characters in strings, prototype names as keys, nesting. */
export function checkBody(value: unknown, at = '', depth = 0): string | null {
  // Fields are named as the API's validation names them (access.vpnUsers.1); the body itself is "body".
  const here = at || 'body';
  const child = (k: string | number) => (at ? `${at}.${k}` : String(k));
  if (depth > MAX_DEPTH) return `${here}: nested too deeply`;
  if (typeof value === 'string') return BODY_CONTROL.test(value) ? `${here}: holds a control character` : null;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const wrong = checkBody(v, child(i), depth + 1);
      if (wrong) return wrong;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (FORBIDDEN_NAMES.has(k)) return `${here}: ${k} is not an allowed name`;
      if (CONTROL.test(k)) return `${here}: a key holds a control character`;
      const wrong = checkBody(v, child(k), depth + 1);
      if (wrong) return wrong;
    }
  }
  return null;
}

/**
 * Fastify's own refusals (a malformed URL, a path parameter over its length, a request the HTTP
 * parser refused) answered in the API's error shape instead of Fastify's default.
 */
export const frameworkRefusals: Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'> = {
  frameworkErrors(error, request, reply) {
    const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
    const r = refusal(pathOf(request.url), tooLong ? 414 : 400, tooLong ? 'a path parameter is too long' : 'the path is not a valid URL');
    void (reply as unknown as FastifyReply).status(r.status).send(r.body);
  },
  clientErrorHandler(err: Error & { code?: string }, socket: Socket) {
    if (!socket.writable) return void socket.destroy(err);
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify(errorBody(status === 431 ? 'HeadersTooLarge' : status === 408 ? 'RequestTimeout' : 'InvalidRequest', 'the HTTP request is malformed'));
    socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  },
};

/**
 * Refuses with 400, before any handler, authentication or database query: control characters in
 * the path, query, headers or Basic credentials, and in JSON bodies (with `__proto__`,
 * `constructor` and `prototype` as keys). PostgreSQL refuses a NUL in text, so without this a NUL
 * anywhere became a 500; a prototype name was silently dropped by the schema.
 */
export function installInputGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const wrong = checkHead(request);
    if (!wrong) return;
    const r = refusal(pathOf(request.url), 400, wrong);
    return reply.status(r.status).send(r.body);
  });
  app.addHook('preValidation', async (request, reply) => {
    const wrong = request.body === undefined ? null : checkBody(request.body);
    if (!wrong) return;
    const r = refusal(pathOf(request.url), 400, wrong);
    return reply.status(r.status).send(r.body);
  });
}
