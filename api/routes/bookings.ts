import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Lab } from '../../config/lab';
import type { Database } from '../../db/database';
import { actingForHeaders, bookingAccepted, bookingIdParams } from '../schemas/booking';
import { bookingView } from '../schemas/booking-view';
import { errorResponses } from '../schemas/errors';
import { ApiError } from '../errors';
import { type bookingWorkflow } from '../../workflows/booking';
import { bookingStatusQuery, bookingWorkflowId, releaseSignal } from '../../workflows/definitions';
import type { BookingStatus } from '../../workflows/types';
import { presentBooking } from '../present';
import { principalOf } from '../auth/authenticate';
import { bookingNotFound, visibleBooking } from '../booking-facts';
import { claimCredentials, receivesCredentials } from '../credentials';

/** A reader that only looks (the lab console, a monitor) leaves the generated VPN passwords for their owner. */
const readQuery = z
  .object({ credentials: z.enum(['leave']).optional().describe('leave: do not take the generated VPN passwords (they stay for the owner\'s first read)') })
  .strict();

export interface BookingRouteDeps {
  temporal: Client;
  db: Kysely<Database>;
  lab: Lab;
  taskQueue: string;
}

import { links } from './booking-create';

export const bookingRoutes: FastifyPluginAsyncZod<BookingRouteDeps> = (app, deps) => {
  const handleOf = (id: string) => deps.temporal.workflow.getHandle<typeof bookingWorkflow>(bookingWorkflowId(id));

  async function statusOf(id: string): Promise<BookingStatus> {
    try {
      return await handleOf(id).query(bookingStatusQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw bookingNotFound(id);
      throw err;
    }
  }

  app.get(
    '/bookings/:id',
    {
      schema: {
        summary: 'A booking: state, per-host step timeline, addresses, access (generated VPN passwords once)',
        tags: ['bookings'],
        headers: actingForHeaders,
        params: bookingIdParams,
        querystring: readQuery,
        response: { 200: bookingView.describe('The booking'), ...errorResponses(404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const principal = principalOf(request);
      await visibleBooking(deps.temporal, deps.lab.name, principal, id);
      const status = await statusOf(id);
      const claims = request.query.credentials !== 'leave' && status.vpnPasswords !== undefined && receivesCredentials(principal, status.owner);
      const claimed = claims ? await claimCredentials(deps.temporal, deps.db, request, principal, id) : null;
      if (claimed) status.vpnPasswords = claimed;
      return presentBooking(status, deps.temporal, { withPasswords: claimed !== null });
    },
  );

  app.delete(
    '/bookings/:id',
    {
      config: { audit: 'booking.release' },
      schema: {
        summary: 'Release the booking now (teardown)',
        tags: ['bookings'],
        headers: actingForHeaders,
        params: bookingIdParams,
        response: { 202: bookingAccepted.describe('Releasing: the undos run now'), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await visibleBooking(deps.temporal, deps.lab.name, principalOf(request), id);
      const status = await statusOf(id);
      if (['released', 'failed', 'needs_cleanup'].includes(status.state)) {
        throw new ApiError(409, 'BookingClosed', `booking ${id} is already ${status.state}`);
      }
      await handleOf(id).signal(releaseSignal, { reason: 'released through the API' });
      return reply.status(202).send({ id, state: 'releasing', links: links(id) });
    },
  );
  return Promise.resolve();
};
