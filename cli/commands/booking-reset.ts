import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowNotFoundError, isGrpcServiceError } from '@temporalio/client';
// @temporalio/proto is CommonJS: under plain Node ESM only its default export is there.
import proto from '@temporalio/proto';
import { bookingWorkflowId } from '../../workflows/definitions';
import { dataConverterFromEnv } from '../../config/payload-codec';
import { CliError, EXIT } from '../context';

const { temporal } = proto;
const EventType = temporal.api.enums.v1.EventType;
const GRPC_NOT_FOUND = 5;
/** How long a booking that already says "failed" may take to close its workflow. */
const CLOSING_MS = 15_000;
/** Temporal's 64-bit event ids, as the history hands them out (kept to hand back unchanged). */
type EventId = NonNullable<proto.temporal.api.history.v1.IHistoryEvent['eventId']>;

/**
 * Resetting a failed booking. Which workflow, and to which event:
 *
 * - The booking workflow, never a host child alone. A failed booking's children are closed and
 *   so is their parent: a host child reset on its own provisions its host again, but every report
 *   to its booking fails (the parent is closed), so it undoes its host and fails a second time
 *   while the booking stays failed.
 * - To the workflow task that scheduled the allocation, not to "just before the step that failed".
 *   A booking fails only after its saga has undone every step (otherwise it would be
 *   needs_cleanup): the hosts are off and back on disk boot, their ports reset, the allocation
 *   released. A run reset to just before the failed step would believe in power, ports and an
 *   allocation that no longer exist. The last point of the history that matches the lab again is
 *   the one before the allocation; from there the new run allocates, starts fresh host children
 *   (the closed ones' ids are free again) and provisions every host.
 * - Signals and Updates after the reset point are not re-applied: they are the old children's
 *   reports (a stale hostReady would count a host as ready before it is provisioned) and
 *   extensions of an allocation that was released.
 *
 * The allocator refuses to allocate a booking it has released (so that a late allocation retry
 * can never take hosts back after the undo); `reopenBooking` (db/allocations.ts) opens it again
 * first, keeping the booking's row and events, so the new run's allocation is made afresh,
 * against everyone else's.
 */

export interface ResetPlan {
  bookingId: string;
  workflowId: string;
  /** The failed run. */
  runId: string;
  /** WorkflowTaskCompleted event to reset to. */
  eventId: number;
  reason: string;
  /** The same event id as Temporal's API takes it. */
  event: EventId;
}

export interface TemporalTarget {
  address: string;
  namespace: string;
}

/** A client with the payload keys (LAAS_PAYLOAD_KEYS): describing a booking decodes its memo, histories hold encrypted payloads. */
export async function connectTemporal(target: TemporalTarget, warn: (line: string) => void): Promise<{ client: Client; close: () => Promise<void> }> {
  const { dataConverter } = dataConverterFromEnv(process.env, warn);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: target.address, connectTimeout: 5_000 });
  } catch (err) {
    throw new CliError(`cannot reach Temporal at ${target.address}: ${(err as Error).message}`, EXIT.unreachable);
  }
  return { client: new Client({ connection, namespace: target.namespace, dataConverter }), close: () => connection.close() };
}

/** Where a failed booking restarts: its failed run, and the event before its allocation. */
export async function planBookingReset(client: Client, bookingId: string, failedAt: string): Promise<ResetPlan> {
  const workflowId = bookingWorkflowId(bookingId);
  let runId: string;
  let status: string;
  // The booking says "failed" a moment before its workflow closes (it records the state first).
  const deadline = Date.now() + CLOSING_MS;
  for (;;) {
    try {
      const d = await client.workflow.getHandle(workflowId).describe();
      runId = d.runId;
      status = d.status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && Number(err.code) === GRPC_NOT_FOUND)) {
        throw new CliError(`no workflow ${workflowId} in namespace ${client.options.namespace}`, EXIT.notFound);
      }
      throw err;
    }
    if (status !== 'RUNNING' || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (status !== 'FAILED') throw new CliError(`workflow ${workflowId} is ${status}, not FAILED: only a failed booking is reset`, EXIT.failed);
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = history.events ?? [];
  const allocation = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'allocateBooking');
  const event = allocation
    ? allocation.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId
    : events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)?.eventId;
  if (!event) throw new CliError(`workflow ${workflowId} has no completed workflow task to reset to`, EXIT.failed);
  const reason = `laas bookings retry: ${failedAt} failed; booking restarts from its allocation`;
  return { bookingId, workflowId, runId, eventId: Number(event), reason, event };
}

/** Reset the failed run; answers the new run's id. */
export async function resetBooking(client: Client, plan: ResetPlan): Promise<string> {
  const answer = await client.workflowService.resetWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId: plan.workflowId, runId: plan.runId },
    reason: plan.reason,
    workflowTaskFinishEventId: plan.event,
    requestId: randomUUID(),
    resetReapplyExcludeTypes: [
      temporal.api.enums.v1.ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL,
      temporal.api.enums.v1.ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE,
    ],
  });
  return answer.runId ?? '';
}

/** A word the shell passes through unchanged: bare when safe, otherwise single-quoted. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The same reset with Temporal's own CLI. */
export function temporalResetCommand(plan: ResetPlan, target: TemporalTarget): string {
  const args = [
    'temporal', 'workflow', 'reset',
    '--address', target.address,
    '--namespace', target.namespace,
    '--workflow-id', plan.workflowId,
    '--run-id', plan.runId,
    '--event-id', String(plan.eventId),
    '--reason', plan.reason,
    '--reapply-exclude', 'Signal',
    '--reapply-exclude', 'Update',
  ];
  return args.map(shellWord).join(' ');
}

