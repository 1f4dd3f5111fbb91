import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createHash, randomUUID } from 'node:crypto';
import type { Lab } from '../config/lab';
import type { CreateBookingBody } from './schemas/booking';
import { ApiError } from './errors';
import type { BookingMemo } from './booking-facts';
import { bookingWorkflow } from '../workflows/booking';
import { admitUpdate, bookingWorkflowId, BookingIdKey, LabNameKey, ProjectKey, BookingStateKey, HostNamesKey, OwnerKey, type Admission, type Refusal } from '../workflows/definitions';
import type { BookingInput } from '../workflows/types';

export interface AdmissionDeps {
  temporal: Client;
  lab: Lab;
  taskQueue: string;
}

/** What the allocator says when the lab cannot give what was asked for: the caller may pick another range. */
const UNAVAILABLE = ['HostUnavailable', 'NoFreeHost', 'NoFreeVlan', 'VlanUnavailable', 'BookingReleased'];
const NOT_IN_LAB = ['UnknownHost', 'LeaseTooLong', 'InvalidInput', 'BadArgumentError'];

/** How long a create waits for the lab's workers to make the allocation before it answers 503. */
const ADMISSION_BOUND_MS = 120_000;

/** The request, minus what the server fills in, hashed: tells a resubmission from a different booking under a reused id. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/** What the booking says first: it waits for a start in the future, or provisions now. */
export function startState(input: BookingInput): 'scheduled' | 'provisioning' {
  return Date.parse(input.start) > Date.now() ? 'scheduled' : 'provisioning';
}

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

/**
 * Start a booking with its admission Update (Update-with-Start, workflows/admission.ts): the one
 * way `POST /v1/bookings` and liblaas's `booking/create` start the booking workflow. Answers the
 * hosts and VLANs once they are held; a refusal is an ApiError (409 taken, 400 not in the lab,
 * 503 otherwise), thrown once the refused run has ended, so no run is left behind.
 * WorkflowExecutionAlreadyStartedError is the caller's to answer.
 */
export async function admitBooking(deps: AdmissionDeps, input: BookingInput, memo: BookingMemo, body: CreateBookingBody): Promise<Admission> {
  const handle = deps.temporal.workflow.getHandle<typeof bookingWorkflow>(bookingWorkflowId(input.id));
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
    await Promise.race([handle.result().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
    throw refusalError(refusalOfUpdate(err));
  }
}
