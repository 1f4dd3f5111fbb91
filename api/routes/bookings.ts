import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { createHash, randomUUID } from 'node:crypto';
import type { Lab } from '../../config/lab';
import { bookingIdParams, bookingAccepted, createBookingBody } from '../schemas/booking';
import { toWorkflowInput } from '../booking-rules';
import { ApiError } from '../errors';
import { bookingWorkflow } from '../../workflows/booking';
import { bookingStatusQuery, bookingWorkflowId, releaseSignal, BookingIdKey, LabNameKey, ProjectKey, BookingStateKey, HostNamesKey } from '../../workflows/definitions';
import type { BookingStatus } from '../../workflows/types';
import { presentBooking } from '../present';

export interface BookingRouteDeps {
  temporal: Client;
  lab: Lab;
  taskQueue: string;
}

function links(id: string) {
  return { self: `/v1/bookings/${id}`, events: `/v1/bookings/${id}/events` };
}

/** The request, minus what the server fills in, hashed: tells a resubmission from a different booking under a reused id. */
function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

export const bookingRoutes: FastifyPluginAsyncZod<BookingRouteDeps> = (app, deps) => {
  const handleOf = (id: string) => deps.temporal.workflow.getHandle<typeof bookingWorkflow>(bookingWorkflowId(id));

  async function statusOf(id: string): Promise<BookingStatus> {
    try {
      return await handleOf(id).query(bookingStatusQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'BookingNotFound', `no booking ${id}`);
      throw err;
    }
  }

  app.post('/bookings', { schema: { body: createBookingBody, response: { 202: bookingAccepted } } }, async (request, reply) => {
    const body = request.body;
    const id = body.id ?? randomUUID();
    const input = toWorkflowInput(body, id, deps.lab, new Date());
    const hash = requestHash(body);
    try {
      await deps.temporal.workflow.start(bookingWorkflow, {
        workflowId: bookingWorkflowId(id),
        taskQueue: deps.taskQueue,
        args: [input],
        // The booking id is the idempotency key, for as long as Temporal remembers the booking.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        memo: { requestHash: hash, purpose: body.purpose ?? '' },
        typedSearchAttributes: [
          { key: BookingIdKey, value: id },
          { key: LabNameKey, value: deps.lab.name },
          { key: ProjectKey, value: body.project },
          { key: BookingStateKey, value: 'provisioning' },
          { key: HostNamesKey, value: body.hosts.flatMap((h) => (h.name ? [h.name] : [])) },
        ],
        staticSummary: `booking ${id} of ${body.project} for ${body.owner}`,
      });
      return reply.status(202).send({ id, state: 'provisioning', links: links(id) });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const existing = await handleOf(id).describe();
      if (existing.memo?.requestHash !== hash) {
        throw new ApiError(409, 'BookingIdConflict', `booking id ${id} is already used by a different booking`);
      }
      const status = await statusOf(id);
      return reply.status(202).send({ id, state: status.state, links: links(id) });
    }
  });

  app.get('/bookings/:id', { schema: { params: bookingIdParams } }, async (request) => {
    const status = await statusOf(request.params.id);
    return presentBooking(status, deps.temporal);
  });

  app.delete('/bookings/:id', { schema: { params: bookingIdParams } }, async (request, reply) => {
    const id = request.params.id;
    const status = await statusOf(id);
    if (['released', 'failed', 'needs_cleanup'].includes(status.state)) {
      throw new ApiError(409, 'BookingClosed', `booking ${id} is already ${status.state}`);
    }
    await handleOf(id).signal(releaseSignal, { reason: 'released through the API' });
    return reply.status(202).send({ id, state: 'releasing', links: links(id) });
  });
  return Promise.resolve();
};
