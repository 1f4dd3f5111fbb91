import fc from 'fast-check';

/** One generated request. */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** Strings a client could send: plain names, near-misses, control characters, prototype names, huge numbers, odd Unicode. */
export const nasty = fc.oneof(
  fc.constantFrom('', 'demo', 'alice', 'sim-01', 'eno1', 'public', '__proto__', 'constructor', 'prototype', 'admin', 'x'.repeat(300), '9223372036854775808', '-1', '1e309', 'NaN', '0x10', '../../etc/passwd', "'; drop table hosts; --", '%00', '%ff', '\u0000', 'a\u0000b', 'a\u0001', '\ud800', '\uffff', 'ǅ', '😀', 'null', 'true', '2026-13-40T99:99:99Z'),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
);

/** Field names the API's bodies use, so generated objects reach past "unknown key". */
const FIELDS = ['id', 'project', 'owner', 'purpose', 'start', 'end', 'networks', 'hosts', 'name', 'flavor', 'image', 'hostname', 'interfaces', 'network', 'tagged', 'access', 'sshKeys', 'vpnUsers', 'headnode', 'failurePolicy', 'action', 'host', 'reason', 'type', 'user', 'password', 'is_admin', 'obmd', 'uri', 'admin_token', 'macaddr', 'switch', 'port', 'channel', 'node', 'nic', 'hostname', 'hostkey'];

const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nasty,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nasty, fc.constantFrom(...FIELDS)), tie('value'), { maxKeys: 5 }),
  ),
})).value;


/** A booking body that passes the schema, with one field replaced by something generated. */
const almostBooking = fc.record({ field: fc.constantFrom('project', 'owner', 'end', 'id', 'purpose', 'hosts.0.name', 'hosts.0.interfaces', 'hosts.0.image', 'networks'), value: json }).map(({ field, value }) => {
  const body: Record<string, unknown> = { project: 'demo', owner: 'alice', end: new Date(Date.now() + 3_600_000).toISOString(), hosts: [{ name: 'sim-01', image: 'ubuntu', interfaces: { eno1: [{ network: 'public' }] } }] };
  const [top, i, sub] = field.split('.');
  if (sub) ((body.hosts as Record<string, unknown>[])[Number(i)]!)[sub] = value;
  else body[top!] = value;
  return JSON.stringify(body);
});

const body = fc.oneof(
  json.map((v) => JSON.stringify(v) ?? 'null'),
  almostBooking,
  fc.constantFrom('{"interfaces":{"__proto__":[{"network":"public"}]}}', '{"__proto__":{"isAdmin":true}}', '{', '[]', '"\\u0000"', '{"end":"2030-01-01T00:00:00Z"}', ''),
);

/** Percent-encoding that takes lone surrogates too (as the bytes a client would send for them). */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

/** A path parameter: mostly plausible, often hostile; percent-encoded as a client would (or not). */
const param = fc.oneof(nasty.map(encode), fc.constantFrom('%00', '%ff', '%', 'a%2Fb', 'x'.repeat(150)));

function authHeader(tokens: { admin: string; alice: string; hilPassword: string }): fc.Arbitrary<string | undefined> {
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  // Basic credentials of unknown users cost a password hash each (by design slow): a few of them.
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(undefined, `Bearer ${tokens.admin}`, `bearer ${tokens.admin}`, `Bearer ${tokens.alice}`, basic('admin', tokens.hilPassword), 'Bearer', 'Basic', 'Basic %%%', `BEARER  ${tokens.alice}`) },
    { weight: 3, arbitrary: nasty.map((s) => `Bearer ${s}`) },
    { weight: 1, arbitrary: fc.tuple(nasty, nasty).map(([u, p]) => basic(u, p)) },
  );
}

/** Requests for one served route (`METHOD /path/:param`): its parameters, a query, headers and a body all generated. */
export function requestsFor(route: string, tokens: { admin: string; alice: string; hilPassword: string }): fc.Arbitrary<FuzzRequest> {
  const [method, pattern] = route.split(' ') as [string, string];
  const names = [...pattern.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!);
  return fc
    .record({
      params: fc.array(param, { minLength: names.length, maxLength: names.length }),
      query: fc.array(fc.tuple(fc.constantFrom('after', 'limit', 'state', 'cursor', 'project', 'owner', 'host', 'x'), nasty), { maxLength: 3 }),
      auth: authHeader(tokens),
      behalf: fc.option(nasty, { freq: 6 }),
      body: fc.option(body, { freq: 4 }),
    })
    .map(({ params, query, auth, behalf, body: payload }) => {
      let url = pattern;
      names.forEach((n, i) => (url = url.replace(`:${n}`, params[i]!)));
      const q = query.map(([k, v]) => `${k}=${encode(v)}`).join('&');
      const headers: Record<string, string> = {};
      if (auth !== undefined) headers.authorization = auth;
      // Header values with characters Node cannot send at all are left out (no client can send them).
      if (behalf !== null && /^[\t\u0020-\u007e\u0080-\u00ff]*$/.test(behalf)) headers['x-on-behalf-of'] = behalf;
      if (payload !== null && method !== 'GET') headers['content-type'] = 'application/json';
      return { method, url: q ? `${url}?${q}` : url, headers, ...(payload !== null && method !== 'GET' ? { payload } : {}) };
    });
}
