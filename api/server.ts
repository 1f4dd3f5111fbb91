import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import type { Lab } from '../config/lab';
import { ApiError, installErrorHandler } from './errors';
import { installBearerAuth } from './auth';
import { bookingRoutes } from './routes/bookings';
import { codecRoutes, CODEC_PREFIX } from './routes/codec';
import type { PayloadCodec } from '@temporalio/common';
import { bookingActionRoutes } from './routes/booking-actions';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database';

export interface ApiDeps {
  temporal: Client;
  db: Kysely<Database>;
  lab: Lab;
  taskQueue: string;
  apiToken: string;
  /** Payload encryption: serves Temporal's remote codec protocol at /codec for the UI and CLI. */
  codec?: { codec: PayloadCodec; uiOrigins: string[]; namespace?: string };
  /** Fastify logger options; false in tests. */
  logger?: boolean | { level: string };
}

/** The HTTP API: `/healthz` open, everything under `/v1` behind the bearer token. */
export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: 256 * 1024,
    // Credentials and tokens must never reach the log.
    ...(deps.logger ? { logger: { ...(typeof deps.logger === 'object' ? deps.logger : {}), redact: ['req.headers.authorization'] } } : {}),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  // Clients often send the JSON content type on bodiless requests (DELETE): empty is no body, not an error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text: string, done) => {
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new ApiError(400, 'InvalidRequest', `body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });

  app.get('/healthz', async () => {
    // Healthy means Temporal answers; the API holds no other state.
    await deps.temporal.workflowService.getSystemInfo({});
    return { status: 'ok' };
  });

  if (deps.codec) {
    // Outside /v1: browsers send the CORS preflight without credentials; the plugin does its own auth.
    await app.register(codecRoutes, { prefix: CODEC_PREFIX, apiToken: deps.apiToken, ...deps.codec });
  }

  await app.register(
    async (v1) => {
      installBearerAuth(v1, deps.apiToken, []);
      await v1.register(bookingRoutes, { temporal: deps.temporal, lab: deps.lab, taskQueue: deps.taskQueue });
      await v1.register(bookingActionRoutes, { temporal: deps.temporal, db: deps.db });
    },
    { prefix: '/v1' },
  );
  return app;
}
