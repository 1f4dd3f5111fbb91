import type { Client } from '@temporalio/client';
import { createHash } from 'node:crypto';
import type { Lab } from '../config/lab';
import type { CreateBookingBody } from './schemas/booking';
import { toWorkflowInput } from './booking-rules';
import type { BookingMemo } from './booking-facts';
import { bookingWorkflow } from '../workflows/booking';
import { bookingWorkflowId, BookingIdKey, LabNameKey, ProjectKey, BookingStateKey, HostNamesKey, OwnerKey } from '../workflows/definitions';

export interface BookingStartDeps {
  temporal: Client;
  lab: Lab;
  taskQueue: string;
}

/** The request, minus what the server fills in, hashed: tells a resubmission from a different booking under a reused id. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/**
 * Start a booking: the one code path of `POST /v1/bookings` and liblaas's `booking/create`.
 * Checks the request against the lab (ApiError 400), then starts the booking workflow with its
 * search attributes and memo. WorkflowExecutionAlreadyStartedError is the caller's to answer.
 */
export async function startBooking(deps: BookingStartDeps, body: CreateBookingBody, id: string, requestedBy: string, now = new Date()): Promise<{ hash: string }> {
  const input = toWorkflowInput(body, id, deps.lab, now);
  const hash = requestHash(body);
  const memo: BookingMemo = { requestHash: hash, purpose: body.purpose ?? '', requestedBy, lease: { start: input.start, end: input.end } };
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
  return { hash };
}
