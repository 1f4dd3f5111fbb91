import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Kysely } from 'kysely';
import type { Lab } from '../config/lab';
import type { Database } from '../db/database';
import { ApiError, installErrorHandler } from './errors';
import { installAuthentication, maybePrincipalOf } from './auth/authenticate';
import { actorOf } from './auth/principal';
import { bookingDetail, installAudit } from './audit';
import { bookingRoutes } from './routes/bookings';
import { bookingCreateRoutes } from './routes/booking-create';
import { discoveryRoutes } from './routes/discovery';
import { vpnPasswordRoutes } from './routes/vpn-password';
import { bookingListRoutes } from './routes/booking-list';
import { bookingActionRoutes } from './routes/booking-actions';
import { bookingReimageRoutes } from './routes/booking-reimage';
import { codecRoutes, CODEC_PREFIX, type CodecAuth } from './routes/codec';
import { installOpenApi, openApiRoute } from './openapi';
import { mountHil, type HilOptions } from './hil-mount';
import { bookingConsoleRoutes } from './routes/booking-console';
import { NodeConsoles, temporalConsoleRunner } from './consoles';
import { cursorKey } from './visibility-query';
import { frameworkRefusals, installInputGuard } from './input-guard';
import { installDependencyGate, type DependencyMonitor } from './dependencies';
import { mountLiblaas } from './liblaas/plugin';
import type { LiblaasOptions } from './liblaas/context';
import { meRoutes } from './routes/me';
import { serveConsole } from './console-static';
import { installHealth } from './health';
import type { BookingReadCache } from './booking-read-cache';
import type { TokenCache } from './auth/token-cache';

export interface ApiDeps {
  temporal: Client;
  db: Kysely<Database>;
  lab: Lab;
  taskQueue: string;
  /** LAAS_API_TOKEN: the development administrator's bearer token. */
  apiToken: string;
  /** Payload encryption: serves Temporal's remote codec protocol at /codec for the UI and CLI. */
  codec?: { codec: PayloadCodec; uiOrigins: string[]; namespace?: string; auth?: CodecAuth };
  /** HIL's admin API under /v0 (its own Basic and bearer authentication); not served when absent. */
  hil?: HilOptions;
  /** Watches Temporal and PostgreSQL: routes that need one that is away answer 503 at once. */
  monitor?: DependencyMonitor;
  /** The liblaas API for the LaaS 3.0 dashboard (docs/liblaas.md); not served when absent. */
  liblaas?: LiblaasOptions;
  /** Booking reads kept in memory until PostgreSQL says their booking changed; every read queries without. */
  readCache?: BookingReadCache;
  /** Who bearer tokens speak for, kept in memory until PostgreSQL says access changed; every request queries without. */
  tokenCache?: TokenCache;
  /** Fastify logger options; false in tests. */
  logger?: boolean | { level: string; transport?: { target: string; options: Record<string, unknown> }; formatters?: { level: (label: string) => Record<string, unknown> } };
}

const routesOf = new WeakMap<FastifyInstance, string[]>();

/** Every route the server answers, as `METHOD /path/:param` (HEAD left out): what the OpenAPI check compares with. */
export function servedRoutes(app: FastifyInstance): string[] {
  return [...(routesOf.get(app) ?? [])];
}

/** JSON bodies; clients often send the JSON content type on bodiless requests (DELETE): empty is no body, not an error. */
function tolerantJson(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text: string, done) => {
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new ApiError(400, 'InvalidRequest', `body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
}

/**
 * One log line per answered request: method, URL, status, duration. Dashboards poll their bookings
 * many times a second, so reads that succeed are logged at debug; changes and every error at info.
 * Fastify's other request logs (errors its handler met, streams that broke) stay as they are.
 */
class OneLineRequestLog extends LogController {
  override incomingRequest(): void {
    // Said once, when the request is answered.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if ((request.method === 'GET' || request.method === 'HEAD') && reply.statusCode < 400) reply.log.debug(line, 'request');
    else reply.log.info(line, 'request');
  }
}

/**
 * The HTTP API: `/healthz` open; `/v1` (the booking API) behind bearer tokens with project
 * scoping and an audit of every change; `/v0` (HIL) and `/codec` with their own authentication.
 */
export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: 256 * 1024,
    ...frameworkRefusals,
    // Credentials and tokens must never reach the log.
    ...(deps.logger ? { logger: { ...(typeof deps.logger === 'object' ? deps.logger : {}), redact: ['req.headers.authorization'] } } : {}),
    // One line per request, when it is answered; errors are still logged as Fastify logs them.
    logController: new OneLineRequestLog(),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const routes: string[] = [];
  routesOf.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`);
  });
  installErrorHandler(app);
  installInputGuard(app);
  if (deps.monitor) installDependencyGate(app, deps.monitor);
  tolerantJson(app);
  await installOpenApi(app);

  installHealth(app, deps);

  if (deps.codec) {
    // Outside /v1: browsers send the CORS preflight without credentials; the plugin does its own auth.
    await app.register(codecRoutes, { prefix: CODEC_PREFIX, apiToken: deps.apiToken, ...deps.codec });
  }

  // Serial consoles, captured by the lab's worker into PostgreSQL, for HIL's console API and the bookings' console.
  const consoles = deps.hil ? (deps.hil.consoles ?? new NodeConsoles(deps.db, temporalConsoleRunner(deps.temporal, deps.taskQueue, deps.lab.name))) : undefined;

  await app.register(
    async (v1) => {
      // JSON only: any other body type is refused with 415 before a handler runs.
      v1.removeContentTypeParser('text/plain');
      installAuthentication(v1, { db: deps.db, lab: deps.lab.name, adminToken: deps.apiToken, tokens: deps.tokenCache });
      installAudit(v1, {
        db: deps.db,
        actorOf: (request) => {
          const p = maybePrincipalOf(request);
          return p ? actorOf(p) : undefined;
        },
        detailOf: bookingDetail,
      });
      await v1.register(openApiRoute);
      await v1.register(bookingListRoutes, { db: deps.db, lab: deps.lab, cursorKey: cursorKey(deps.apiToken), cache: deps.readCache });
      await v1.register(bookingCreateRoutes, { temporal: deps.temporal, db: deps.db, lab: deps.lab, taskQueue: deps.taskQueue });
      await v1.register(bookingRoutes, { temporal: deps.temporal, db: deps.db, lab: deps.lab, taskQueue: deps.taskQueue, readCache: deps.readCache });
      await v1.register(bookingActionRoutes, { temporal: deps.temporal, db: deps.db, lab: deps.lab.name });
      await v1.register(vpnPasswordRoutes, { temporal: deps.temporal, db: deps.db, lab: deps.lab.name });
      await v1.register(discoveryRoutes, { db: deps.db, lab: deps.lab });
      await v1.register(bookingReimageRoutes, { temporal: deps.temporal, lab: deps.lab });
      if (consoles) await v1.register(bookingConsoleRoutes, { temporal: deps.temporal, lab: deps.lab.name, consoles });
      await v1.register(meRoutes);
    },
    { prefix: '/v1' },
  );

  if (deps.liblaas) await mountLiblaas(app, { temporal: deps.temporal, db: deps.db, lab: deps.lab, taskQueue: deps.taskQueue, options: deps.liblaas });
  if (deps.hil) await mountHil(app, { db: deps.db, lab: deps.lab.name, adminToken: deps.apiToken, temporal: deps.temporal, taskQueue: deps.taskQueue, ...deps.hil, consoles });
  // The lab console: a static page that reads /v1 with its user's token.
  await serveConsole(app);
  return app;
}
