import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils';
import type { FastifyInstance } from 'fastify';
import { CODEC_PREFIX } from '../../api/routes/codec';
import { EncryptionCodec, newPayloadKeyEntry, parsePayloadKeys } from '../../config/payload-codec';
import { codecServer } from '../helpers/codec-server';

const token = 'codec-api-token-0123456789';
const ui = 'http://127.0.0.1:8233';
const oldKey = newPayloadKeyEntry('2025-q4');
const newKey = newPayloadKeyEntry('2026-q1');
const secret = { sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop'], hostname: 'alice-vault-7' };

let api: FastifyInstance;

beforeAll(async () => {
  // Rotated: new payloads under 2026-q1, histories written under 2025-q4 still readable.
  const codec = new EncryptionCodec(parsePayloadKeys(`${newKey},${oldKey}`));
  api = await codecServer({ codec, apiToken: token, uiOrigins: [ui], namespace: 'default' });
});
afterAll(async () => {
  await api?.close();
});

/** A request the way the Temporal UI sends it from the browser. */
function fromUi(path: string, payloads: unknown, headers: Record<string, string> = { authorization: `Bearer ${token}` }) {
  return api.inject({
    method: 'POST',
    url: `${CODEC_PREFIX}${path}`,
    headers: { origin: ui, 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    payload: JSON.stringify({ payloads }),
  });
}
const plain = () => payloadToJSON(defaultPayloadConverter.toPayload(secret));
const text = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('utf8');
type Body = { payloads: JSONPayload[] };

describe('the codec endpoint', () => {
  it('encodes and decodes payloads in proto3 JSON, as the UI calls it, with CORS for the UI', async () => {
    const encoded = await fromUi('/encode', [plain(), plain()]);
    expect(encoded.statusCode).toBe(200);
    expect(encoded.headers['access-control-allow-origin']).toBe(ui);
    const sealed = encoded.json<Body>().payloads;
    expect(sealed).toHaveLength(2);
    expect(text(sealed[0]!.metadata!.encoding)).toBe('binary/encrypted');
    expect(text(sealed[0]!.metadata!['encryption-key-id'])).toBe('2026-q1');
    expect(text(sealed[0]!.data!)).not.toContain('alice-vault-7');

    const decoded = await fromUi('/decode', sealed);
    expect(decoded.statusCode).toBe(200);
    expect(decoded.json<Body>().payloads).toEqual([plain(), plain()]);
  });

  it('answers the browser preflight for the UI origin only', async () => {
    const preflight = (origin: string) =>
      api.inject({
        method: 'OPTIONS',
        url: `${CODEC_PREFIX}/decode`,
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
      });
    const ok = await preflight(ui);
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(ui);
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    expect(String(ok.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/)).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-namespace']));
    // Another origin gets no CORS grant: the browser refuses to send the request.
    const other = await preflight('http://evil.test:8233');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('refuses without the token or with a wrong one, readably for the UI', async () => {
    const none = await fromUi('/decode', [plain()], {});
    expect(none.statusCode).toBe(401);
    expect(none.headers['access-control-allow-origin']).toBe(ui);
    expect(none.json()).toEqual({ error: { type: 'Unauthenticated', message: expect.stringContaining('bearer token') as string } });
    const wrong = await fromUi('/encode', [plain()], { authorization: 'Bearer not-the-token' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain(token);
  });

  it('lets a browser unlock the codec with the token once, then decode with the cookie alone', async () => {
    expect((await api.inject({ method: 'GET', url: `${CODEC_PREFIX}/session` })).body).toContain('<form method="post">');
    const form = (t: string) => api.inject({ method: 'POST', url: `${CODEC_PREFIX}/session`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${encodeURIComponent(t)}` });
    const refused = await form('guess');
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['set-cookie']).toBeUndefined();
    const unlocked = await form(token);
    expect(unlocked.statusCode).toBe(200);
    const cookie = String(unlocked.headers['set-cookie']);
    expect(cookie).toMatch(/^laas_codec=[^;]+;/);
    expect(cookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=43200', 'Path=/codec', 'SameSite=Strict']);
    // The cookie is not the API token, and opens only the codec.
    expect(cookie).not.toContain(token);
    const pair = cookie.split(';')[0]!;
    const sealed = (await fromUi('/encode', [plain()])).json<Body>().payloads;
    const viaCookie = await fromUi('/decode', sealed, { cookie: pair });
    expect(viaCookie.statusCode).toBe(200);
    expect(viaCookie.json<Body>().payloads).toEqual([plain()]);
    expect((await fromUi('/decode', sealed, { cookie: 'laas_codec=forged' })).statusCode).toBe(401);
  });

  it('decodes what an old key encrypted after rotation, and names a key it no longer has', async () => {
    const [byOld] = await new EncryptionCodec(parsePayloadKeys(oldKey)).encode([defaultPayloadConverter.toPayload(secret)]);
    const res = await fromUi('/decode', [payloadToJSON(byOld!)]);
    expect(res.statusCode).toBe(200);
    expect(res.json<Body>().payloads).toEqual([plain()]);

    const [byRetired] = await new EncryptionCodec(parsePayloadKeys(newPayloadKeyEntry('2024-q1'))).encode([defaultPayloadConverter.toPayload(secret)]);
    const gone = await fromUi('/decode', [payloadToJSON(byRetired!)]);
    expect(gone.statusCode).toBe(400);
    expect(gone.json()).toEqual({
      error: { type: 'PayloadUndecryptable', message: 'payload was encrypted with key id "2024-q1", which is not in LAAS_PAYLOAD_KEYS (configured: 2026-q1, 2025-q4)' },
    });
  });

  it('refuses a tampered ciphertext with a clear error', async () => {
    const [sealed] = (await fromUi('/encode', [plain()])).json<Body>().payloads;
    const bytes = Buffer.from(sealed!.data!, 'base64');
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0x40;
    const res = await fromUi('/decode', [{ ...sealed, data: bytes.toString('base64') }]);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: { type: 'PayloadUndecryptable', message: 'payload under key "2026-q1" failed authentication: the ciphertext was altered, or a different key is configured under this id' },
    });
  });

  it('passes payloads it did not encrypt through decode unchanged', async () => {
    const res = await fromUi('/decode', [plain()]);
    expect(res.json<Body>().payloads).toEqual([plain()]);
  });

  it('refuses another namespace and a body that is not payloads, naming what is wrong', async () => {
    const ns = await fromUi('/decode', [plain()], { authorization: `Bearer ${token}`, 'x-namespace': 'other' });
    expect(ns.statusCode).toBe(404);
    expect(ns.json()).toEqual({ error: { type: 'NamespaceNotServed', message: 'this codec serves namespace default, not other' } });
    const bad = await fromUi('/decode', 'nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { type: string; message: string } }>().error).toMatchObject({ type: 'InvalidRequest', message: expect.stringMatching(/^payloads: /) as string });
  });

  it('answers every shape the Temporal CLI and UI send: {} (no payloads), an empty list, payloads without data', async () => {
    const post = (body: string) => api.inject({ method: 'POST', url: `${CODEC_PREFIX}/decode`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: body });
    for (const body of ['{}', '{"payloads":[]}', '{"payloads":null}']) {
      const res = await post(body);
      expect(res.statusCode, `${body}: ${res.body}`).toBe(200);
      expect(res.json()).toEqual({ payloads: [] });
    }
    // A payload with no data (an empty string, proto3 JSON omits it) and one with nothing at all.
    const empty = { metadata: { encoding: Buffer.from('json/plain').toString('base64') } };
    const res = await post(JSON.stringify({ payloads: [empty, {}] }));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Body>().payloads).toHaveLength(2);
    expect(res.json<Body>().payloads[0]!.metadata).toEqual(empty.metadata);
    const sealed = (await post(JSON.stringify({ payloads: [empty] }))).json<Body>().payloads;
    const encoded = await api.inject({ method: 'POST', url: `${CODEC_PREFIX}/encode`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ payloads: sealed }) });
    const back = await post(encoded.body);
    expect(back.json<Body>().payloads[0]!.metadata).toEqual(empty.metadata);
  });
});

describe('the codec endpoint without authentication (npm start on loopback)', () => {
  it('decodes for the UI origin with no credentials, and still grants CORS to that origin only', async () => {
    const codec = new EncryptionCodec(parsePayloadKeys(newKey));
    const open = await codecServer({ codec, apiToken: token, uiOrigins: ['http://127.0.0.1:18233'], auth: 'none' });
    try {
      const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(secret)]);
      const call = (origin: string) =>
        open.inject({ method: 'POST', url: `${CODEC_PREFIX}/decode`, headers: { origin, 'content-type': 'application/json', 'x-namespace': 'default' }, payload: JSON.stringify({ payloads: [payloadToJSON(sealed!)] }) });
      const res = await call('http://127.0.0.1:18233');
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('http://127.0.0.1:18233');
      expect(res.json<Body>().payloads).toEqual([plain()]);
      expect((await call('http://127.0.0.1:8233')).headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await open.close();
    }
  });
});
