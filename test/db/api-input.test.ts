/**
 * The inputs that used to answer 500 or Fastify's own error shape, one by one: every one is now a
 * 4xx in the API's shape, refused before a handler, the database or Temporal is asked anything.
 */
import type { FastifyInstance } from 'fastify';
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, type TempDatabase } from './helpers/temp-database';
import { API_ADMIN_TOKEN, buildApiApp, HIL_ADMIN_PASSWORD } from './helpers/api-app';
import { basic } from './helpers/hil-app';

let t: TempDatabase;
let api: FastifyInstance;
let aliceToken = '';
const admin = { authorization: `Bearer ${API_ADMIN_TOKEN}` };
const hilAdmin = { authorization: basic('admin', HIL_ADMIN_PASSWORD) };

beforeAll(async () => {
  t = await createTempDatabase();
  ({ api, aliceToken } = await buildApiApp(t));
});
afterAll(async () => {
  await api?.close();
  await t?.drop();
});

async function call(method: string, url: string, headers: Record<string, string>, payload?: string) {
  const res = await api.inject({ method: method as 'GET', url, headers: { ...headers, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(payload !== undefined ? { payload } : {}) });
  return [res.statusCode, res.json()] as const;
}

const v1 = (type: string, message: unknown = expect.any(String)) => ({ error: expect.objectContaining({ type, message }) as unknown });
const v0 = (type: string, msg: unknown = expect.any(String)) => ({ type, msg });

describe('bad bytes and out-of-range numbers are refused, never a 500', () => {
  it('event ids past 2^63 - 1', async () => {
    expect(await call('GET', '/v1/bookings/x/events?after=9223372036854775808', admin)).toEqual([400, v1('InvalidRequest', 'after: an event id (at most 9223372036854775807)')]);
    expect(await call('GET', '/v1/bookings/x/events?after=184467440737095516160', admin)).toEqual([400, v1('InvalidRequest')]);
  });

  it('a NUL or control character in a path, a query, a header, Basic credentials, a body or /v0 metadata', async () => {
    expect(await call('GET', '/v1/bookings/a%00b', admin)).toEqual([400, v1('InvalidRequest', 'the path holds a control character')]);
    expect(await call('GET', '/v1/bookings?owner=a%01', admin)).toEqual([400, v1('InvalidRequest', 'the query holds a control character')]);
    expect(await call('GET', '/v0/project/a%00b/nodes', hilAdmin)).toEqual([400, v0('BadArgumentError', 'the path holds a control character')]);
    expect(await call('GET', '/v0/projects', { authorization: basic('ad\u0000min', 'x') })).toEqual([400, v0('BadArgumentError', 'the Basic credentials hold a control character')]);
    expect(await call('GET', '/v1/bookings/x', { ...admin, 'x-on-behalf-of': 'a\u0001' })).toEqual([400, v1('InvalidRequest', 'header x-on-behalf-of holds a control character')]);
    expect(await call('POST', '/v1/bookings', admin, JSON.stringify({ project: 'demo', owner: 'alice', purpose: 'a\u0000b' }))).toEqual([400, v1('InvalidRequest', 'purpose: holds a control character')]);
    expect(await call('PUT', '/v0/node/n1/metadata/label', hilAdmin, JSON.stringify({ value: 'v\u0000' }))).toEqual([400, v0('BadArgumentError', 'value: holds a control character')]);
  });

  it('prototype names as keys', async () => {
    const body = '{"project":"demo","owner":"alice","end":"2030-01-01T00:00:00Z","hosts":[{"name":"h","image":"x","interfaces":{"__proto__":[{"network":"public"}]}}]}';
    expect(await call('POST', '/v1/bookings', admin, body)).toEqual([400, v1('InvalidRequest', 'hosts.0.interfaces: __proto__ is not an allowed name')]);
    expect(await call('POST', '/v1/bookings', admin, '{"constructor":{"prototype":{}}}')).toEqual([400, v1('InvalidRequest', 'body: constructor is not an allowed name')]);
  });

  it("Fastify's own refusals answer in the API's shape", async () => {
    expect(await call('GET', `/v1/bookings/${'x'.repeat(150)}`, admin)).toEqual([414, v1('UriTooLong')]);
    expect(await call('GET', `/v0/node/${'x'.repeat(150)}`, hilAdmin)).toEqual([414, v0('BadArgumentError')]);
    expect(await call('GET', '/v1/bookings/%ff', admin)).toEqual([400, v1('InvalidRequest', 'the path is not a valid URL')]);
    expect(await call('GET', '/nowhere', {})).toEqual([404, v1('NotFound')]);
  });

  it('a NUL in a header over real HTTP: the parser refuses it, in the API\'s shape', async () => {
    await api.listen({ host: '127.0.0.1', port: 0 });
    const { port } = api.server.address() as { port: number };
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = tcpConnect(port, '127.0.0.1', () => socket.write('GET /v1/bookings HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0000b\r\n\r\n'));
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(JSON.parse(answer.split('\r\n\r\n')[1]!)).toEqual(v1('InvalidRequest', 'the HTTP request is malformed'));
  });
});

describe('the bearer scheme is case-insensitive (RFC 7235)', () => {
  it('bearer, BEARER and Bearer name the same token', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      // Authenticated as alice, refused for what she asks (operators only), not for the scheme.
      const res = await api.inject({ method: 'POST', url: '/v1/bookings/x/retry', headers: { authorization: `${scheme} ${aliceToken}`, 'content-type': 'application/json' }, payload: '{"action":"retry"}' });
      expect([scheme, res.statusCode, res.json<{ error: { type: string } }>().error.type]).toEqual([scheme, 403, 'OperatorsOnly']);
    }
  });
});
