import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { createHash, randomUUID } from 'node:crypto';
import type { Lab } from '../../config/lab';
import type { Database } from '../../db/database';
import { memberUser } from '../../db/api-tokens';
import { actingForHeaders, bookingAccepted, bookingIdParams, createBookingBody } from '../schemas/booking';
import { bookingView } from '../schemas/booking-view';
import { errorResponses } from '../schemas/errors';
import { toWorkflowInput } from '../booking-rules';
import { ApiError } from '../errors';
import { bookingWorkflow } from '../../workflows/booking';
import { bookingStatusQuery, bookingWorkflowId, releaseSignal, BookingIdKey, LabNameKey, ProjectKey, BookingStateKey, HostNamesKey, OwnerKey } from '../../workflows/definitions';
import type { BookingStatus } from '../../workflows/types';
import { presentBooking } from '../present';
import { principalOf } from '../auth/authenticate';
import { actingUser, checkCreate, type Member } from '../auth/principal';
import { bookingNotFound, type BookingMemo } from '../booking-facts';
import { claimCredentials, receivesCredentials } from '../credentials';
import { visibleView, withCredentials } from '../booking-read';

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
      const now = new Date();
      const input = toWorkflowInput(body, id, deps.lab, now);
      const hash = requestHash(body);
      const memo: BookingMemo = { requestHash: hash, purpose: body.purpose ?? '', requestedBy: principal.name, lease: { start: input.start, end: input.end } };
      try {
        await deps.temporal.workflow.start(bookingWorkflow, {
          workflowId: bookingWorkflowId(id),
          taskQueue: deps.taskQueue,
          args: [input],
          // The booking id is the idempotency key, for as long as Temporal remembers the booking.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowIdConflictPolicy: 'FAIL',
          memo: { ...memo },
          // Set at start, so listing and authorization see them before the first workflow task.
          typedSearchAttributes: [
            { key: BookingIdKey, value: id },
            { key: LabNameKey, value: deps.lab.name },
            { key: ProjectKey, value: body.project },
            { key: OwnerKey, value: body.owner },
            { key: BookingStateKey, value: 'provisioning' },
            { key: HostNamesKey, value: body.hosts.flatMap((h) => (h.name ? [h.name] : [])) },
          ],
          staticSummary: `booking ${id} of ${body.project} for ${body.owner}`,
        });
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
      // The read model answers without Temporal; a booking it has not heard of yet, Temporal does.
      const reads = { temporal: deps.temporal, db: deps.db, lab: deps.lab.name };
      const view = await visibleView(reads, principal, id);
      if (view) return withCredentials(reads, request, principal, view);
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
      // The read model knows the state without a query (which a closed booking answers by replay).
      const view = await visibleView({ temporal: deps.temporal, db: deps.db, lab: deps.lab.name }, principalOf(request), id);
      const state = view?.state ?? (await statusOf(id)).state;
      if (['released', 'failed', 'needs_cleanup'].includes(state)) {
        throw new ApiError(409, 'BookingClosed', `booking ${id} is already ${state}`);
      }
      await handleOf(id).signal(releaseSignal, { reason: 'released through the API' });
      return reply.status(202).send({ id, state: 'releasing', links: links(id) });
    },
  );
  return Promise.resolve();
};
