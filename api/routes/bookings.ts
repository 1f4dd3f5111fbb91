import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Lab } from '../../config/lab';
import type { Database } from '../../db/database';
import { memberUser } from '../../db/api-tokens';
import { actingForHeaders, bookingAccepted, bookingIdParams, createBookingBody } from '../schemas/booking';
import { bookingView } from '../schemas/booking-view';
import { errorResponses } from '../schemas/errors';
import { requestHash, startBooking } from '../booking-start';
import { ApiError } from '../errors';
import type { bookingWorkflow } from '../../workflows/booking';
import { bookingStatusQuery, bookingWorkflowId, releaseSignal } from '../../workflows/definitions';
import type { BookingStatus } from '../../workflows/types';
import { presentBooking } from '../present';
import { principalOf } from '../auth/authenticate';
import { actingUser, checkCreate, type Member } from '../auth/principal';
import { bookingNotFound, visibleBooking, type BookingMemo } from '../booking-facts';
import { claimCredentials, receivesCredentials } from '../credentials';

export interface BookingRouteDeps {
  temporal: Client;
  db: Kysely<Database>;
  lab: Lab;
  taskQueue: string;
}

/** A whole booking request: a few dozen hosts with their keys fit well within this. */
export const CREATE_BODY_LIMIT = 256 * 1024;

function links(id: string) {
  return { self: `/v1/bookings/${id}`, events: `/v1/bookings/${id}/events` };
}

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

  /** A dashboard acting for nobody books for the owner: the owner must then be a user of the lab. */
  async function ownerAsMember(owner: string): Promise<Member | null> {
    const user = await memberUser(deps.db, owner);
    return user ? { name: user.name, isAdmin: user.isAdmin, projects: new Set(user.projects) } : null;
  }

  app.post(
    '/bookings',
    {
      bodyLimit: CREATE_BODY_LIMIT,
      config: { audit: 'booking.create' },
      schema: {
        summary: 'Book hosts: start the booking (idempotent by id)',
        tags: ['bookings'],
        headers: actingForHeaders,
        body: createBookingBody,
        response: { 202: bookingAccepted.describe('Accepted: the booking is being carried out (or this id already was, with this request)'), ...errorResponses(409, 413, 415) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const principal = principalOf(request);
      const needsOwner = principal.kind === 'dashboard' && !actingUser(principal);
      checkCreate(principal, body.project, body.owner, needsOwner ? await ownerAsMember(body.owner) : null);
      const id = body.id ?? randomUUID();
      const hash = requestHash(body);
      try {
        await startBooking(deps, body, id, principal.name);
        return await reply.status(202).send({ id, state: 'provisioning', links: links(id) });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        const existing = await handleOf(id).describe();
        // Same id, same request: the same booking (the caller is a member of its project, checked above).
        if ((existing.memo as BookingMemo | undefined)?.requestHash !== hash) {
          throw new ApiError(409, 'BookingIdConflict', `booking id ${id} is already used by a different booking`);
        }
        const status = await statusOf(id);
        return reply.status(202).send({ id, state: status.state, links: links(id) });
      }
    },
  );

  app.get(
    '/bookings/:id',
    {
      schema: {
        summary: 'A booking: state, per-host step timeline, addresses, access (generated VPN passwords once)',
        tags: ['bookings'],
        headers: actingForHeaders,
        params: bookingIdParams,
        response: { 200: bookingView.describe('The booking'), ...errorResponses(404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const principal = principalOf(request);
      await visibleBooking(deps.temporal, deps.lab.name, principal, id);
      const status = await statusOf(id);
      const claimed = status.vpnPasswords !== undefined && receivesCredentials(principal, status.owner) ? await claimCredentials(deps.temporal, deps.db, request, principal, id) : null;
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
