import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { Lab } from '../../config/lab';
import type { Database } from '../../db/database';
import { memberUser } from '../../db/api-tokens';
import { actingForHeaders, bookingAdmitted, createBookingBody } from '../schemas/booking';
import { errorResponses } from '../schemas/errors';
import { toWorkflowInput } from '../booking-rules';
import { ApiError } from '../errors';
import type { bookingWorkflow } from '../../workflows/booking';
import { bookingStatusQuery, bookingWorkflowId, type Admission } from '../../workflows/definitions';
import { principalOf } from '../auth/authenticate';
import { actingUser, checkCreate, type Member } from '../auth/principal';
import type { BookingMemo } from '../booking-facts';
import { admitBooking, requestHash, startState } from '../booking-admission';

export interface BookingCreateDeps {
  temporal: Client;
  db: Kysely<Database>;
  lab: Lab;
  taskQueue: string;
}

/** A whole booking request: a few dozen hosts with their keys fit well within this. */
export const CREATE_BODY_LIMIT = 256 * 1024;

export function links(id: string) {
  return { self: `/v1/bookings/${id}`, events: `/v1/bookings/${id}/events` };
}

export const bookingCreateRoutes: FastifyPluginAsyncZod<BookingCreateDeps> = (app, deps) => {
  const handleOf = (id: string) => deps.temporal.workflow.getHandle<typeof bookingWorkflow>(bookingWorkflowId(id));

  async function describeOrNull(id: string): Promise<WorkflowExecutionDescription | null> {
    try {
      return await handleOf(id).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  /** A dashboard acting for nobody books for the owner: the owner must then be a user of the lab. */
  async function ownerAsMember(owner: string): Promise<Member | null> {
    const user = await memberUser(deps.db, owner);
    return user ? { name: user.name, isAdmin: user.isAdmin, projects: new Set(user.projects) } : null;
  }

  /** The answer for a booking that exists: its hosts and VLANs as it holds them now. */
  async function answerOf(id: string) {
    const status = await handleOf(id).query(bookingStatusQuery);
    return { id, state: status.state, hosts: status.hosts.map((h) => h.name), networks: status.networks, links: links(id) };
  }

  app.post(
    '/bookings',
    {
      bodyLimit: CREATE_BODY_LIMIT,
      config: { audit: 'booking.create' },
      schema: {
        summary: 'Book hosts: allocate them now and start provisioning (idempotent by id)',
        description: 'Answers once the hosts and VLANs are allocated (201), or with the conflicting range when they are taken (409).',
        tags: ['bookings'],
        headers: actingForHeaders,
        body: createBookingBody,
        response: { 201: bookingAdmitted.describe('Admitted: hosts and VLANs are held, provisioning runs (or this id already was, with this request)'), ...errorResponses(409, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const principal = principalOf(request);
      const needsOwner = principal.kind === 'dashboard' && !actingUser(principal);
      checkCreate(principal, body.project, body.owner, needsOwner ? await ownerAsMember(body.owner) : null);
      const id = body.id ?? randomUUID();
      const input = toWorkflowInput(body, id, deps.lab, new Date());
      const hash = requestHash(body);
      const sameRequest = (d: WorkflowExecutionDescription) => (d.memo as BookingMemo | undefined)?.requestHash === hash;
      const prior = await describeOrNull(id);
      const refusedBefore = prior !== null && (prior.memo as { refused?: unknown } | undefined)?.refused !== undefined && prior.status.name !== 'RUNNING';
      if (prior && !refusedBefore) {
        // Same id, same request: the same booking (the caller is a member of its project, checked above).
        if (!sameRequest(prior)) throw new ApiError(409, 'BookingIdConflict', `booking id ${id} is already used by a different booking`);
        if (prior.status.name !== 'RUNNING') return reply.status(201).send(await answerOf(id));
      }
      const memo: BookingMemo = { requestHash: hash, purpose: body.purpose ?? '', requestedBy: principal.name, lease: { start: input.start, end: input.end } };
      let admitted: Admission;
      try {
        admitted = await admitBooking(deps, input, memo, body);
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return reply.status(201).send(await answerOf(id));
        throw err;
      }
      // Two different requests under one new id at once: the second joined the first's booking.
      const run = await describeOrNull(id);
      if (run && !sameRequest(run)) throw new ApiError(409, 'BookingIdConflict', `booking id ${id} is already used by a different booking`);
      const state = startState(input);
      return reply.status(201).send({ id, state, ...admitted, links: links(id) });
    },
  );
  return Promise.resolve();
};
