import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import cors from '@fastify/cors';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils';
import { z } from 'zod';
import { ApiError } from '../errors';
import { authorized, sessionRoutes } from './codec-session';

/**
 * Temporal's remote codec protocol, so the Temporal UI and `temporal ... --codec-endpoint` show
 * histories in clear for people allowed to see them: `POST <prefix>/encode` and `<prefix>/decode`
 * take and return a `Payloads` message in proto3 JSON (`{"payloads": [...]}`, bytes as base64;
 * an empty list is `{}`). The UI calls it from the browser, hence CORS for the UI's origin.
 * Authorized (`auth: 'token'`) by `Authorization: Bearer <API token>` or the session cookie
 * (codec-session.ts); `auth: 'none'` is the development set-up of `npm start` on loopback.
 */

export const CODEC_PREFIX = '/codec';
/** Payloads may be up to a few MiB (Temporal's blob limit); base64 adds a third. */
const CODEC_BODY_LIMIT = 8 * 1024 * 1024;

export type CodecAuth = 'token' | 'none';

export interface CodecRouteDeps {
  codec: PayloadCodec;
  apiToken: string;
  /** Origins of Temporal UI pages allowed to call from a browser. */
  uiOrigins: string[];
  /** The namespace whose payloads this key serves; a request naming another one is refused. */
  namespace?: string;
  /** 'token' (default): bearer or session cookie; 'none': anyone who reaches it (loopback development only). */
  auth?: CodecAuth;
}

/** Proto3 JSON leaves out empty fields: `{}` is no payloads, `{}` in the list is an empty payload. */
const payloadsBody = z
  .object({
    payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).nullish(), data: z.string().nullish() }).loose()).nullish(),
  })
  .loose()
  .nullish();
type PayloadsBody = z.infer<typeof payloadsBody>;

function fromJson(json: JSONPayload, index: number): Payload {
  try {
    return JSONToPayload({ metadata: json.metadata ?? {}, ...(json.data ? { data: json.data } : {}) });
  } catch (err) {
    throw new ApiError(400, 'InvalidRequest', `payloads.${index}: not a proto3 JSON Payload (${(err as Error).message})`);
  }
}

export const codecRoutes: FastifyPluginAsyncZod<CodecRouteDeps> = async (app, deps) => {
  const allowed = new Set(deps.uiOrigins);
  // CORS first, so even a refusal reaches the UI as a readable error rather than a network failure.
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
    maxAge: 600,
  });
  await app.register(cookie);
  await app.register(formbody);

  app.addHook('onRequest', (request, _reply, done) => {
    if (request.method === 'OPTIONS' || request.routeOptions.url === `${app.prefix}/session` || deps.auth === 'none') return done();
    try {
      if (authorized(request, deps.apiToken)) return done();
      done(new ApiError(401, 'Unauthenticated', `missing bearer token (Authorization: Bearer <token>) or codec session cookie (${app.prefix}/session)`));
    } catch (err) {
      done(err as Error);
    }
  });

  function checkNamespace(request: FastifyRequest) {
    const asked = request.headers['x-namespace'];
    if (deps.namespace && typeof asked === 'string' && asked !== '' && asked !== deps.namespace) {
      throw new ApiError(404, 'NamespaceNotServed', `this codec serves namespace ${deps.namespace}, not ${asked}`);
    }
  }

  async function transcode(request: FastifyRequest, reply: FastifyReply, body: PayloadsBody, direction: 'encode' | 'decode') {
    checkNamespace(request);
    const input = (body?.payloads ?? []).map(fromJson);
    let output: Payload[];
    try {
      output = direction === 'encode' ? await deps.codec.encode(input) : await deps.codec.decode(input);
    } catch (err) {
      // The codec's messages name key ids and what went wrong, never key material or payload data.
      throw new ApiError(400, direction === 'decode' ? 'PayloadUndecryptable' : 'PayloadUnencodable', (err as Error).message);
    }
    return reply.status(200).send({ payloads: output.map(payloadToJSON) });
  }

  const options = { bodyLimit: CODEC_BODY_LIMIT, schema: { body: payloadsBody } };
  app.post('/encode', options, (request, reply) => transcode(request, reply, request.body, 'encode'));
  app.post('/decode', options, (request, reply) => transcode(request, reply, request.body, 'decode'));
  sessionRoutes(app, deps.apiToken);
};
