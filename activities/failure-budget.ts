import { ApplicationFailure } from '@temporalio/common';
import type { Info } from '@temporalio/activity';
import { waitForDatabase } from '../db/outage';
import type { EventSink } from './deps';

/**
 * Failures of its own a step may have before it fails for good. Its retry policy allows more
 * attempts than this (workflows/host.ts), because a worker that dies mid-step costs an attempt
 * too (a heartbeat timeout) and that is no fault of the host; only attempts that failed by
 * themselves, as the step recorded them, are counted here. A permanent imaging fault so costs two
 * deploys, while two worker restarts during one deploy cost none.
 */
export const FAILURE_BUDGET: Readonly<Record<string, number>> = { imaging: 2 };

/** How long to wait for the database to count; past it the retry policy alone decides. */
const COUNT_WAIT_MS = 30_000;

function typeOf(err: unknown): string {
  if (err instanceof ApplicationFailure && err.type) return err.type;
  return err instanceof Error ? err.name : 'Error';
}

/**
 * The error an attempt of `step` ends with: `err` itself, or the same failure made non-retryable
 * once the step has spent its budget of real failures (this one included).
 */
export async function afterFailure(sink: EventSink, target: { bookingId: string; host: string }, step: string, info: Info, err: unknown): Promise<unknown> {
  const budget = FAILURE_BUDGET[step];
  if (budget === undefined || !sink.stepFailures) return err;
  if (err instanceof ApplicationFailure && err.nonRetryable) return err;
  const failures = await waitForDatabase(() => sink.stepFailures!({ ...target, step, sinceMs: info.scheduledTimestampMs }), { maxMs: COUNT_WAIT_MS }).catch(() => null);
  if (failures === null || failures < budget) return err;
  const details = err instanceof ApplicationFailure ? err.details ?? [] : [];
  return ApplicationFailure.create({
    type: typeOf(err),
    message: err instanceof Error ? err.message : String(err),
    nonRetryable: true,
    details: [...details],
    cause: err instanceof Error ? err : undefined,
  });
}
