import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { BookingIdKey, BookingStateKey, bookingWorkflowId, HostNamesKey, LabNameKey, OwnerKey, ProjectKey } from '../workflows/definitions';
import type { BookingState } from '../workflows/types';
import { inScope, type Principal } from './auth/principal';
import { ApiError } from './errors';

/**
 * What Temporal's own record of a booking says without asking its worker: the search attributes
 * the workflow keeps (project, owner, state, hosts) and its memo (the lease). Authorization reads
 * these, so a booking's project is known even while no worker runs.
 */
export interface BookingFacts {
  id: string;
  lab: string | undefined;
  project: string | undefined;
  owner: string | undefined;
  state: BookingState;
  start: string;
  end: string;
  hosts: string[];
}

/** What the API puts in the memo at start; the workflow adds `summary` (since i17-booking-fewer-events: project, owner and lease end only, the state and hosts being search attributes). */
export interface BookingMemo {
  requestHash?: string;
  purpose?: string;
  requestedBy?: string;
  lease?: { start: string; end: string };
  summary?: { project?: string; owner?: string; state?: BookingState; hosts?: string[]; end?: string };
}

const SETTLED: BookingState[] = ['released', 'failed'];

export function factsOf(info: Pick<WorkflowExecutionInfo, 'workflowId' | 'status' | 'startTime' | 'memo' | 'typedSearchAttributes'>): BookingFacts {
  const sa = info.typedSearchAttributes;
  const memo = (info.memo ?? {}) as BookingMemo;
  let state = sa.get(BookingStateKey) as BookingState | undefined;
  state ??= memo.summary?.state ?? 'provisioning';
  // A booking workflow that ended without settling (terminated by hand, timed out) is over all the same.
  if (!['RUNNING', 'COMPLETED'].includes(info.status.name) && !SETTLED.includes(state)) state = 'failed';
  return {
    id: sa.get(BookingIdKey) ?? info.workflowId.replace(/^booking-/, ''),
    lab: sa.get(LabNameKey),
    project: sa.get(ProjectKey) ?? memo.summary?.project,
    owner: sa.get(OwnerKey) ?? memo.summary?.owner,
    state,
    start: memo.lease?.start ?? info.startTime.toISOString(),
    end: memo.summary?.end ?? memo.lease?.end ?? '',
    hosts: sa.get(HostNamesKey) ?? memo.summary?.hosts ?? [],
  };
}

export function bookingNotFound(id: string): ApiError {
  return new ApiError(404, 'BookingNotFound', `no booking ${id}`);
}

/**
 * The booking if the caller may see it. Another lab's booking, or another project's, answers
 * exactly like a booking that does not exist: its existence is not the caller's to know.
 */
export async function visibleBooking(temporal: Client, lab: string, principal: Principal, id: string): Promise<BookingFacts> {
  let facts: BookingFacts;
  try {
    facts = factsOf(await temporal.workflow.getHandle(bookingWorkflowId(id)).describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw bookingNotFound(id);
    throw err;
  }
  if ((facts.lab !== undefined && facts.lab !== lab) || !inScope(principal, facts.project)) throw bookingNotFound(id);
  return facts;
}
