import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database';
import { actingForHeaders, bookingIdParams } from '../schemas/booking';
import { errorResponses } from '../schemas/errors';
import { principalOf } from '../auth/authenticate';
import type { Principal } from '../auth/principal';
import { visibleBooking } from '../booking-facts';
import { claimCredentials, receivesCredentials } from '../credentials';
import { ApiError } from '../errors';
import { update } from './booking-actions';
import { bookingWorkflowId, resetVpnPasswordUpdate } from '../../workflows/definitions';

export interface VpnPasswordDeps {
  temporal: Client;
  db: Kysely<Database>;
  lab: string;
}

const claimBody = z.object({}).strict();
const resetBody = z
  .object({ users: z.array(z.string().min(1).max(64)).min(1).max(32).optional().describe('Only these VPN accounts (all of the booking\'s when absent)') })
  .strict();
const passwords = z
  .object({ vpnPasswords: z.record(z.string(), z.string()) })
  .meta({ id: 'VpnPasswords', example: { vpnPasswords: { alice: 'q3Vb0yW2c8JmZr5x1KpNaT7e' } } });

/** An explicit request for the passwords: the owner's, a dashboard's or an administrator's. */
function mayClaim(p: Principal, owner: string | undefined): boolean {
  return p.kind === 'admin' || p.kind === 'dashboard' || (owner !== undefined && receivesCredentials(p, owner));
}

/**
 * The booking's generated VPN passwords: handed over once on an explicit request (reading the
 * booking hands them only to its owner), and reissued in the directory on the owner's request.
 */
export const vpnPasswordRoutes: FastifyPluginAsyncZod<VpnPasswordDeps> = (app, deps) => {
  const handleOf = (id: string) => deps.temporal.workflow.getHandle(bookingWorkflowId(id));

  app.post(
    '/bookings/:id/vpn-password',
    {
      schema: {
        summary: 'Hand over the generated VPN passwords, once (the owner, a dashboard or an administrator)',
        tags: ['bookings'],
        headers: actingForHeaders,
        params: bookingIdParams,
        body: claimBody,
        response: { 200: passwords.describe('The passwords by VPN account: shown this once'), ...errorResponses(404, 409, 415) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const principal = principalOf(request);
      const facts = await visibleBooking(deps.temporal, deps.lab, principal, id);
      if (!mayClaim(principal, facts.owner)) throw new ApiError(403, 'NotTheOwner', `only ${facts.owner ?? 'the owner'} receives the VPN passwords of booking ${id}`);
      const claimed = await update(handleOf(id), id, () => claimCredentials(deps.temporal, deps.db, request, principal, id));
      if (!claimed) throw new ApiError(409, 'NoPasswordToDeliver', `booking ${id} has no undelivered VPN password: it was handed over already (reset it for a new one), or the VPN step has not run`);
      return { vpnPasswords: claimed };
    },
  );

  app.post(
    '/bookings/:id/vpn-password/reset',
    {
      config: { audit: 'booking.vpn-reset' },
      schema: {
        summary: "Issue new VPN passwords in the directory (the booking's owner only); the old ones stop working",
        tags: ['bookings'],
        headers: actingForHeaders,
        params: bookingIdParams,
        body: resetBody,
        response: { 200: passwords.describe('The new passwords by VPN account: shown this once'), ...errorResponses(404, 409, 415) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const principal = principalOf(request);
      const facts = await visibleBooking(deps.temporal, deps.lab, principal, id);
      if (!facts.owner || !receivesCredentials(principal, facts.owner)) {
        throw new ApiError(403, 'NotTheOwner', `only ${facts.owner ?? 'the owner'} may reset the VPN passwords of booking ${id}`);
      }
      const users = request.body.users;
      const fresh = await update(handleOf(id), id, () => handleOf(id).executeUpdate(resetVpnPasswordUpdate, { args: [users ? { users } : {}] }));
      return { vpnPasswords: fresh };
    },
  );
  return Promise.resolve();
};
