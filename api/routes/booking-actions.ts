import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database';
import { listBookingEvents } from '../../db/booking-events';
import { bookingIdParams, eventsQuery, extendBody, holdBody } from '../schemas/booking';
import { ApiError } from '../errors';
import { bookingWorkflowId, extendUpdate, resolveHoldUpdate, retryCleanupUpdate } from '../../workflows/definitions';

export interface BookingActionDeps {
  temporal: Client;
  db: Kysely<Database>;
}

/** Temporal's answer to an Update, in the API's words: refused updates are conflicts with the reason. */
async function update<T>(handle: WorkflowHandle, id: string, run: () => Promise<T>): Promise<T> {
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

  app.post('/bookings/:id/extend', { schema: { params: bookingIdParams, body: extendBody } }, async (request) => {
    const { id } = request.params;
    return update(handleOf(id), id, () => handleOf(id).executeUpdate(extendUpdate, { args: [{ end: new Date(request.body.end).toISOString() }] }));
  });

  // Operators: answer a held booking (retry the failed step after fixing it, or abort and compensate).
  app.post('/bookings/:id/retry', { schema: { params: bookingIdParams, body: holdBody } }, async (request) => {
    const { id } = request.params;
    return update(handleOf(id), id, () => handleOf(id).executeUpdate(resolveHoldUpdate, { args: [request.body] }));
  });

  // Operators: run the undos that failed again, once their cause is fixed.
  app.post('/bookings/:id/cleanup', { schema: { params: bookingIdParams } }, async (request) => {
    const { id } = request.params;
    return update(handleOf(id), id, () => handleOf(id).executeUpdate(retryCleanupUpdate, { args: [] }));
  });

  app.get('/bookings/:id/events', { schema: { params: bookingIdParams, querystring: eventsQuery } }, async (request) => {
    const { id } = request.params;
    const events = await listBookingEvents(deps.db, id, request.query.after ?? '0');
    if (!events.length && !request.query.after) {
      // No events yet: tell an unknown booking from one that has not recorded anything.
      try {
        await handleOf(id).describe();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'BookingNotFound', `no booking ${id}`);
        throw err;
      }
    }
    return {
      events: events.map((e) => ({ id: e.id, kind: e.kind, at: e.at.toISOString(), ...(e.host ? { host: e.host } : {}), ...(e.step ? { step: e.step } : {}), detail: e.detail })),
    };
  });
  return Promise.resolve();
};
