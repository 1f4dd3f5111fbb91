import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ApiError } from '../errors';

/**
 * Temporal's remote codec protocol, so the Temporal UI and `temporal ... --codec-endpoint` show
 * histories in clear for people allowed to see them: `POST <prefix>/encode` and `<prefix>/decode`
 * take and return `{"payloads": [...]}` in proto3 JSON (bytes as base64). The UI calls it from the
 * browser, hence CORS for the UI's origin. Authorized like the API: `Authorization: Bearer <token>`,
 * or a browser cookie got from the form at `<prefix>/session` (the UI can only send cookies
 * unless it has its own login).
 */

export const CODEC_PREFIX = '/codec';
const SESSION_COOKIE = 'laas_codec';
const SESSION_SECONDS = 12 * 3600;
/** Payloads may be up to a few MiB (Temporal's blob limit); base64 adds a third. */
const CODEC_BODY_LIMIT = 8 * 1024 * 1024;

export interface CodecRouteDeps {
  codec: PayloadCodec;
  apiToken: string;
  /** Origins of Temporal UI pages allowed to call from a browser. */
  uiOrigins: string[];
  /** The namespace whose payloads this key serves; a request naming another one is refused. */
  namespace?: string;
}

const payloadsBody = z.object({
  payloads: z.array(
    z
      .object({
        metadata: z.record(z.string(), z.string()).nullish(),
        data: z.string().nullish(),
      })
      .loose(),
  ),
});

function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/** The cookie holds a value derived from the token, good for the codec only, never the API token itself. */
function sessionValue(apiToken: string): string {
  return createHmac('sha256', apiToken).update('laas codec session').digest('base64url');
}

function cookieOf(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function fromJson(json: JSONPayload, index: number): Payload {
  try {
    return JSONToPayload(json);
  } catch (err) {
    throw new ApiError(400, 'InvalidRequest', `payloads.${index}: not a proto3 JSON Payload (${(err as Error).message})`);
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function sessionPage(message: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>laas codec</title></head><body>
<h1>laas payload codec</h1><p>${escapeHtml(message)}</p>
<form method="post"><label>API token <input type="password" name="token" autocomplete="off" required></label>
<button type="submit">Unlock for this browser</button></form></body></html>`;
}

export const codecRoutes: FastifyPluginAsyncZod<CodecRouteDeps> = (app, deps) => {
  const allowed = new Set(deps.uiOrigins);
  const session = sessionValue(deps.apiToken);

  // CORS first, so even a refusal reaches the UI as a readable error rather than a network failure.
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin !== undefined && allowed.has(origin)) {
      void reply.header('access-control-allow-origin', origin);
      void reply.header('access-control-allow-credentials', 'true');
    }
    void reply.header('vary', 'Origin');
    // Browsers send preflights without credentials; the session form is how credentials are got.
    if (request.method === 'OPTIONS' || request.routeOptions.url === `${app.prefix}/session`) return;
    const header = request.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (bearer !== undefined && sameSecret(bearer, deps.apiToken)) return;
    const cookie = cookieOf(request, SESSION_COOKIE);
    if (cookie !== undefined && sameSecret(cookie, session)) return;
    if (bearer !== undefined) throw new ApiError(401, 'Unauthenticated', 'bearer token not recognised');
    throw new ApiError(401, 'Unauthenticated', `missing bearer token (Authorization: Bearer <token>) or codec session cookie (${app.prefix}/session)`);
  });

  // Browsers post the session form url-encoded; only this plugin's routes accept that type.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, text: string, done) => {
    done(null, Object.fromEntries(new URLSearchParams(text)));
  });

  function checkNamespace(request: FastifyRequest) {
    const asked = request.headers['x-namespace'];
    if (deps.namespace && typeof asked === 'string' && asked !== '' && asked !== deps.namespace) {
      throw new ApiError(404, 'NamespaceNotServed', `this codec serves namespace ${deps.namespace}, not ${asked}`);
    }
  }

  async function transcode(request: FastifyRequest, reply: FastifyReply, payloads: JSONPayload[], direction: 'encode' | 'decode') {
    checkNamespace(request);
    const input = payloads.map(fromJson);
    let output: Payload[];
    try {
      output = direction === 'encode' ? await deps.codec.encode(input) : await deps.codec.decode(input);
    } catch (err) {
      // The codec's messages name key ids and what went wrong, never key material or payload data.
      throw new ApiError(400, direction === 'decode' ? 'PayloadUndecryptable' : 'PayloadUnencodable', (err as Error).message);
    }
    return reply.status(200).send({ payloads: output.map(payloadToJSON) });
  }

  function preflight(request: FastifyRequest, reply: FastifyReply) {
    const origin = request.headers.origin;
    if (origin === undefined || !allowed.has(origin)) {
      throw new ApiError(403, 'OriginNotAllowed', `origin ${origin ?? '(none)'} may not call the codec; allowed: ${[...allowed].join(', ')} (LAAS_CODEC_UI_ORIGINS)`);
    }
    return reply
      .status(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'Authorization, Content-Type, X-Namespace')
      .header('access-control-max-age', '600')
      .send();
  }
  app.options('/encode', preflight);
  app.options('/decode', preflight);
  app.post('/encode', { bodyLimit: CODEC_BODY_LIMIT, schema: { body: payloadsBody } }, (request, reply) => transcode(request, reply, request.body.payloads, 'encode'));
  app.post('/decode', { bodyLimit: CODEC_BODY_LIMIT, schema: { body: payloadsBody } }, (request, reply) => transcode(request, reply, request.body.payloads, 'decode'));

  app.get('/session', (_request, reply) => reply.type('text/html; charset=utf-8').send(sessionPage('Unlock the Temporal UI\'s codec for this browser with the API token.')));
  app.post('/session', { schema: { body: z.object({ token: z.string().min(1, 'the API token') }) } }, (request, reply) => {
    if (!sameSecret(request.body.token, deps.apiToken)) throw new ApiError(401, 'Unauthenticated', 'API token not recognised');
    // SameSite=Strict still reaches the API from a UI on the same host (ports do not make sites differ).
    return reply
      .header('set-cookie', `${SESSION_COOKIE}=${session}; Path=${app.prefix || '/'}; Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Strict`)
      .type('text/html; charset=utf-8')
      .send(sessionPage('This browser may now decode payloads for 12 hours. In the Temporal UI\'s codec settings, turn on "Include cross-origin credentials".'));
  });
  return Promise.resolve();
};
