import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { createHash, randomUUID } from 'node:crypto';
import type { Lab } from '../../config/lab';
import type { Database } from '../../db/database';
import { memberUser } from '../../db/api-tokens';
import { actingForHeaders, bookingAdmitted, createBookingBody, type CreateBookingBody } from '../schemas/booking';
import { errorResponses } from '../schemas/errors';
import { toWorkflowInput } from '../booking-rules';
import { ApiError } from '../errors';
import { bookingWorkflow } from '../../workflows/booking';
import { admitUpdate, bookingStatusQuery, bookingWorkflowId, BookingIdKey, LabNameKey, ProjectKey, BookingStateKey, HostNamesKey, OwnerKey, type Admission, type Refusal } from '../../workflows/definitions';
import type { BookingInput } from '../../workflows/types';
import { principalOf } from '../auth/authenticate';
import { actingUser, checkCreate, type Member } from '../auth/principal';
import type { BookingMemo } from '../booking-facts';

export interface BookingCreateDeps {
  temporal: Client;
  db: Kysely<Database>;
  lab: Lab;
  taskQueue: string;
}

/** A whole booking request: a few dozen hosts with their keys fit well within this. */
export const CREATE_BODY_LIMIT = 256 * 1024;
/** What the allocator says when the lab cannot give what was asked for: the caller may pick another range. */
const UNAVAILABLE = ['HostUnavailable', 'NoFreeHost', 'NoFreeVlan', 'VlanUnavailable', 'BookingReleased'];
const NOT_IN_LAB = ['UnknownHost', 'LeaseTooLong', 'InvalidInput', 'BadArgumentError'];

/** How long a create waits for the lab's workers to make the allocation before it answers 503. */
const ADMISSION_BOUND_MS = 120_000;

/** No worker polling (all down, or still starting): say so, and the same request later joins the same booking. */
async function withinAdmissionBound<T>(admission: Promise<T>, id: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ApiError(503, 'AdmissionPending', `the lab's workers did not admit booking ${id} within ${ADMISSION_BOUND_MS / 1000} s; send the same request again for its answer`)), ADMISSION_BOUND_MS);
  });
  admission.catch(() => undefined);
  try {
    return await Promise.race([admission, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the booking says first: it waits for a start in the future, or provisions now. */
function startState(input: BookingInput): 'scheduled' | 'provisioning' {
  return Date.parse(input.start) > Date.now() ? 'scheduled' : 'provisioning';
}

export function links(id: string) {
  return { self: `/v1/bookings/${id}`, events: `/v1/bookings/${id}/events` };
}

/** The request, minus what the server fills in, hashed: tells a resubmission from a different booking under a reused id. */
function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/** The refusal as the API answers it: 409 with the conflicting range for what is taken. */
function refusalError(r: Refusal): ApiError {
  const details = r.conflict ? { conflict: r.conflict } : undefined;
  if (UNAVAILABLE.includes(r.type)) return new ApiError(409, r.type, r.message, details);
  if (NOT_IN_LAB.includes(r.type)) return new ApiError(400, r.type, r.message, details);
  return new ApiError(503, 'AdmissionFailed', `the booking could not be admitted now: ${r.message}`);
}

function refusalOfUpdate(err: WorkflowUpdateFailedError): Refusal {
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure)) return { type: 'AdmissionFailed', message: cause?.message ?? err.message };
  const conflict = (cause.details?.[0] as { conflict?: Refusal['conflict'] } | undefined)?.conflict;
  return { type: cause.type ?? 'AdmissionFailed', message: cause.message, ...(conflict ? { conflict } : {}) };
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

  /** Starts the booking with its admission Update; the answer is the allocation or the refusal. */
  async function admit(input: BookingInput, memo: BookingMemo, body: CreateBookingBody): Promise<Admission> {
    const startWorkflowOperation = new WithStartWorkflowOperation(bookingWorkflow, {
      workflowId: bookingWorkflowId(input.id),
      taskQueue: deps.taskQueue,
      args: [input],
      // A resubmission while the booking runs joins it; a refused booking's id may be tried again.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      memo: { ...memo },
      // Set at start, so listing and authorization see them before the first workflow task.
      typedSearchAttributes: [
        { key: BookingIdKey, value: input.id },
        { key: LabNameKey, value: deps.lab.name },
        { key: ProjectKey, value: body.project },
        { key: OwnerKey, value: body.owner },
        { key: BookingStateKey, value: startState(input) },
        { key: HostNamesKey, value: body.hosts.flatMap((h) => (h.name ? [h.name] : [])) },
      ],
      staticSummary: `booking ${input.id} of ${body.project} for ${body.owner}`,
    });
    try {
      // Each request its own Update: the server answers a reused Update id of a closed run with that run's old outcome.
      const admission = deps.temporal.workflow.executeUpdateWithStart(admitUpdate, { updateId: `admit-${randomUUID()}`, startWorkflowOperation });
      return await withinAdmissionBound(admission, input.id);
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError)) throw err;
      // The booking ends itself on a refusal; answer once it has, so no run is left behind.
      await Promise.race([handleOf(input.id).result().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
      throw refusalError(refusalOfUpdate(err));
    }
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
        admitted = await admit(input, memo, body);
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
