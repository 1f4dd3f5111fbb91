import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actingForHeaders } from '../schemas/booking';
import { errorResponses } from '../schemas/errors';
import { principalOf } from '../auth/authenticate';
import { actingUser, projectScope } from '../auth/principal';

export const whoAmI = z
  .object({
    name: z.string(),
    kind: z.enum(['admin', 'user', 'dashboard']),
    /** The user a dashboard's request acts for (X-On-Behalf-Of), when it names one. */
    actingFor: z.string().optional(),
    /** May retry held bookings and failed undos. */
    operator: z.boolean(),
    /** The projects whose bookings this token sees; null: every project of the lab. */
    projects: z.array(z.string()).nullable(),
  })
  .meta({ id: 'WhoAmI' });

/** `GET /v1/me`: who the token is, so a client (the lab console) shows what it may see and do. */
export const meRoutes: FastifyPluginAsyncZod = (app) => {
  app.get(
    '/me',
    {
      schema: {
        summary: 'Who this token is: its role, whether it may act as an operator, the projects it sees',
        tags: ['meta'],
        headers: actingForHeaders,
        response: { 200: whoAmI.describe('The caller'), ...errorResponses() },
      },
    },
    (request) => {
      const p = principalOf(request);
      const scope = projectScope(p);
      const acting = p.kind === 'dashboard' ? actingUser(p) : null;
      return Promise.resolve({
        name: p.name,
        kind: p.kind,
        ...(acting ? { actingFor: acting.name } : {}),
        operator: p.kind === 'admin',
        projects: scope === 'all' ? null : [...scope].sort(),
      });
    },
  );
  return Promise.resolve();
};
