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
import { bookingNotFound } from '../booking-facts';
import { claimCredentials, receivesCredentials } from '../credentials';
import { visibleView, withCredentials } from '../booking-read';
import type { BookingReadCache } from '../booking-read-cache';

/** A reader that only looks (the lab console, a monitor) leaves the generated VPN passwords for their owner. */
const readQuery = z
  .object({ credentials: z.enum(['leave']).optional().describe('leave: do not take the generated VPN passwords (they stay for the owner\'s first read)') })
  .strict();

export interface BookingRouteDeps {
  temporal: Client;
  db: Kysely<Database>;
  lab: Lab;
  taskQueue: string;
  /** Reads kept in memory until their booking changes (api/booking-read-cache.ts). */
  readCache?: BookingReadCache | undefined;
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
      // The read model answers without Temporal; a booking it has not heard of yet, Temporal does.
      const reads = { temporal: deps.temporal, db: deps.db, lab: deps.lab.name, cache: deps.readCache };
      const read = await visibleView(reads, principal, id);
      if (read) return request.query.credentials === 'leave' ? read.view : withCredentials(reads, request, principal, read);
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
      // The read model knows the state without a query (which a closed booking answers by replay).
      const read = await visibleView({ temporal: deps.temporal, db: deps.db, lab: deps.lab.name }, principalOf(request), id);
      const state = read?.view.state ?? (await statusOf(id)).state;
      if (['released', 'failed', 'needs_cleanup'].includes(state)) {
        throw new ApiError(409, 'BookingClosed', `booking ${id} is already ${state}`);
      }
      await handleOf(id).signal(releaseSignal, { reason: 'released through the API' });
      return reply.status(202).send({ id, state: 'releasing', links: links(id) });
    },
  );
  return Promise.resolve();
};
