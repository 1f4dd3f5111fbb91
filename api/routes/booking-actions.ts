import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database';
import { listBookingEvents } from '../../db/booking-events';
import { actingForHeaders, bookingIdParams, eventsQuery, extendBody, holdBody } from '../schemas/booking';
import { bookingEvents, cleanupResult, extendResult, holdResult } from '../schemas/booking-view';
import { errorResponses } from '../schemas/errors';
import { principalOf } from '../auth/authenticate';
import { requireOperator } from '../auth/principal';
import { visibleBooking } from '../booking-facts';
import { checkVisible } from '../booking-read';
import { ApiError } from '../errors';
import { bookingWorkflowId, extendUpdate, resolveHoldUpdate, retryCleanupUpdate } from '../../workflows/definitions';

export interface BookingActionDeps {
  temporal: Client;
  db: Kysely<Database>;
  /** The lab this API serves. */
  lab: string;
}

/** Extend and operator decisions carry a few fields only. */
const SMALL_BODY_LIMIT = 4 * 1024;

/** Temporal's answer to an Update, in the API's words: refused updates are conflicts with the reason. */
export async function update<T>(handle: WorkflowHandle, id: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      // The server answers "not found" for an Update on a closed workflow too.
      const closed = await handle.describe().then(
        (d) => d.status.name !== 'RUNNING',
        () => false,
      );
      if (closed) throw new ApiError(409, 'BookingClosed', `booking ${id} is already closed`);
      throw new ApiError(404, 'BookingNotFound', `no booking ${id}`);
    }
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause;
      const type = cause instanceof ApplicationFailure && cause.type && cause.type !== 'Error' ? cause.type : 'BookingConflict';
      throw new ApiError(409, type, cause?.message ?? err.message);
    }
    throw err;
  }
}

/** Changes to a running booking (extend, operator decisions) and its event list. */
export const bookingActionRoutes: FastifyPluginAsyncZod<BookingActionDeps> = (app, deps) => {
  const handleOf = (id: string) => deps.temporal.workflow.getHandle(bookingWorkflowId(id));
  const visible = (request: FastifyRequest, id: string) => visibleBooking(deps.temporal, deps.lab, principalOf(request), id);

  app.post(
    '/bookings/:id/extend',
    {
      bodyLimit: SMALL_BODY_LIMIT,
      config: { audit: 'booking.extend' },
      schema: {
        summary: 'Move the lease end (refused with the conflicting range when hosts or VLANs are taken)',
        tags: ['bookings'],
        headers: actingForHeaders,
        params: bookingIdParams,
        body: extendBody,
        response: { 200: extendResult.describe('The new lease end'), ...errorResponses(404, 409, 413, 415) },
      },
    },
    async (request) => {
      const { id } = request.params;
      await visible(request, id);
      return update(handleOf(id), id, () => handleOf(id).executeUpdate(extendUpdate, { args: [{ end: new Date(request.body.end).toISOString() }] }));
    },
  );

  // Operators: answer a held booking (retry the failed step after fixing it, or abort and compensate).
  app.post(
    '/bookings/:id/retry',
    {
      bodyLimit: SMALL_BODY_LIMIT,
      config: { audit: 'booking.retry' },
      schema: {
        summary: 'Retry the held step of a held booking, or abort the booking',
        tags: ['operators'],
        params: bookingIdParams,
        body: holdBody,
        response: { 200: holdResult.describe('The hosts the decision applied to'), ...errorResponses(404, 409, 413, 415) },
      },
    },
    async (request) => {
      const { id } = request.params;
      requireOperator(principalOf(request));
      await visible(request, id);
      return update(handleOf(id), id, () => handleOf(id).executeUpdate(resolveHoldUpdate, { args: [request.body] }));
    },
  );

  // Operators: run the undos that failed again, once their cause is fixed.
  app.post(
    '/bookings/:id/cleanup',
    {
      bodyLimit: SMALL_BODY_LIMIT,
      config: { audit: 'booking.cleanup' },
      schema: {
        summary: 'Run the failed undos of a needs_cleanup booking again',
        tags: ['operators'],
        params: bookingIdParams,
        response: { 200: cleanupResult.describe('What is still left after the undos ran again (empty when clean)'), ...errorResponses(404, 409, 413, 415) },
      },
    },
    async (request) => {
      const { id } = request.params;
      requireOperator(principalOf(request));
      await visible(request, id);
      return update(handleOf(id), id, () => handleOf(id).executeUpdate(retryCleanupUpdate, { args: [] }));
    },
  );

  app.get(
    '/bookings/:id/events',
    {
      schema: {
        summary: 'The append-only event list of the booking; poll with after=<last id> to follow it',
        tags: ['bookings'],
        headers: actingForHeaders,
        params: bookingIdParams,
        querystring: eventsQuery,
        response: { 200: bookingEvents.describe('Events in order, oldest first'), ...errorResponses(404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      // From PostgreSQL alone once the read model knows the booking: no Temporal call, no worker.
      await checkVisible({ temporal: deps.temporal, db: deps.db, lab: deps.lab }, principalOf(request), id);
      const events = await listBookingEvents(deps.db, id, request.query.after ?? '0');
      return {
        events: events.map((e) => ({ id: e.id, kind: e.kind, at: e.at.toISOString(), ...(e.host ? { host: e.host } : {}), ...(e.step ? { step: e.step } : {}), detail: e.detail })),
      };
    },
  );
  return Promise.resolve();
};
