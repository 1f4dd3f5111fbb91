import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Lab } from '../../config/lab';
import type { Database } from '../../db/database';
import { ApiError } from '../errors';
import { installAudit } from '../audit';
import { refusal } from './access';
import { LiblaasError, LiblaasJsonError, servedProjects, type LiblaasContext, type LiblaasOptions } from './context';
import { readCatalog } from './catalog';
import { seedPublicTemplates } from './templates';
import { bookingRoutes } from './booking-routes';
import { catalogRoutes } from './catalog-routes';
import { userRoutes } from './user-routes';
import { powerRoutes } from './power-routes';
import { noticeRoutes } from './notice-routes';
import { reimageRoutes } from './reimage-routes';

export interface LiblaasDeps {
  temporal: Client;
  db: Kysely<Database>;
  lab: Lab;
  taskQueue: string;
  options: LiblaasOptions;
}

/**
 * The liblaas API (reference liblaas-api.md): the 20 routes the LaaS 3.0 dashboard calls, mapped
 * onto laas's bookings, inventory and power calls. No bearer tokens (the dashboard sends none):
 * an allow-list of client addresses and an optional shared X-Auth-Key instead. Errors are plain
 * text or liblaas's own shapes, never laas's `{error}` JSON, which the dashboard would take as data.
 */
export async function mountLiblaas(app: FastifyInstance, deps: LiblaasDeps): Promise<void> {
  const prefix = deps.options.prefix.replace(/\/+$/, '');
  const catalog = await readCatalog(deps.db, deps.lab.name);
  const ctx: LiblaasContext = { ...deps, log: app.log };
  for (const project of servedProjects(ctx)) await seedPublicTemplates(deps.db, catalog, project);
  await app.register(
    (scope, _opts, done) => {
      scope.addHook('onRequest', async (request, reply) => {
        const why = refusal(deps.options, request);
        if (why) await reply.status(403).type('text/plain').send(why);
      });
      scope.setErrorHandler((err: FastifyError | Error, request, reply) => {
        if (err instanceof LiblaasJsonError) return reply.status(err.status).send({ message: err.message });
        if (err instanceof LiblaasError) return reply.status(err.status).type('text/plain').send(`Error handling request: ${err.message}`);
        if (err instanceof ApiError && err.status === 400) return reply.status(400).type('text/plain').send(`Failed to parse the request body as JSON: ${err.message}`);
        const status = 'statusCode' in err && typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
        if (status >= 500) request.log.error({ err }, 'liblaas request failed');
        return reply.status(status).type('text/plain').send(status >= 500 ? 'Error handling request: internal error' : err.message);
      });
      scope.setNotFoundHandler((_request, reply) => reply.status(404).type('text/plain').send(''));
      const routes = scope as unknown as FastifyInstance;
      // Every change the dashboard asks for is recorded like /v1's: written ahead of the workflow it
      // starts; refused with 503 (plain text, which the dashboard shows) when it cannot be recorded.
      installAudit(routes, {
        db: deps.db,
        actorOf: () => ({ actor: 'liblaas', actorKind: 'dashboard' }),
        detailOf: liblaasDetail,
        unavailableBody: () => 'Error handling request: the database that records every change is unavailable; nothing was changed, try again',
      });
      bookingRoutes(routes, ctx);
      catalogRoutes(routes, ctx);
      userRoutes(routes, ctx);
      powerRoutes(routes, ctx);
      noticeRoutes(routes, ctx);
      reimageRoutes(routes, ctx);
      done();
    },
    { prefix },
  );
}

/** What a liblaas change asked for, from its body and the booking metadata in it; never keys or passwords. */
function liblaasDetail(request: FastifyRequest): Record<string, unknown> {
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
  const meta = (typeof body.metadata === 'object' && body.metadata !== null ? body.metadata : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of [...Object.entries(body), ...Object.entries(meta)]) {
    if (['template_id', 'owner', 'project', 'purpose', 'lab', 'booking_id', 'length', 'image', 'flavor', 'hostname', 'origin'].includes(key) && (typeof value === 'string' || typeof value === 'number')) {
      out[key] = typeof value === 'string' ? value.slice(0, 200) : value;
    }
  }
  if (Array.isArray(body.allowed_users)) out.allowed_users = body.allowed_users.length;
  return out;
}
