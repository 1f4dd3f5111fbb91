import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;
const { PendingActivityState } = temporal.api.enums.v1;

/** The activity of that type the workflow is waiting for, as the Temporal server sees it; null if none. */
export async function pendingActivity(client: Client, workflowId: string, activityType: string): Promise<PendingActivity | null> {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  return raw.pendingActivities?.find((a) => a.activityType?.name === activityType) ?? null;
}

/** Polls the server until `check` holds for the pending activity (or the time runs out). */
export async function untilActivity(
  client: Client,
  workflowId: string,
  activityType: string,
  what: string,
  check: (a: PendingActivity) => boolean,
  timeoutMs = 120_000,
): Promise<PendingActivity> {
  const deadline = Date.now() + timeoutMs;
  let last: PendingActivity | null = null;
  while (Date.now() < deadline) {
    last = await pendingActivity(client, workflowId, activityType).catch(() => null);
    if (last && check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${activityType} of ${workflowId}: not ${what} within ${timeoutMs} ms (last seen attempt ${last?.attempt ?? '-'}, state ${last?.state ?? '-'})`);
}

/** An earlier attempt failed and the activity is being retried. */
export const retried = (a: PendingActivity): boolean => (a.attempt ?? 1) >= 2;

const millis = (t: PendingActivity['lastHeartbeatTime']): number => (t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0);

/**
 * Attempt `attempt` (or a later one) runs on a worker and has heartbeated since it started. The
 * last heartbeat's time outlives its attempt (the server keeps it for the retry), so a heartbeat
 * alone may still be the killed attempt's while the retry waits in the queue.
 */
export const heartbeatingAttempt =
  (attempt: number) =>
  (a: PendingActivity): boolean =>
    (a.attempt ?? 0) >= attempt && a.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED && millis(a.lastHeartbeatTime) >= millis(a.lastStartedTime);

/**
 * Temporal learns that a SIGKILLed worker's attempt died only when the step's start-to-close or
 * heartbeat timeout runs out (2 to 5 minutes in workflows/). This reports the dead attempt failed
 * through the server's own API (what `temporal activity fail` sends), so the retry that the timeout
 * would bring comes now. The retry policy decides as it would after the timeout.
 */
export async function failDeadAttempt(client: Client, workflowId: string, activityType: string): Promise<void> {
  const a = await untilActivity(client, workflowId, activityType, 'started', (p) => p.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED, 10_000);
  await client.workflowService.respondActivityTaskFailedById({
    namespace: 'default',
    workflowId,
    activityId: a.activityId ?? '',
    identity: 'e2e: the worker running this attempt was killed',
    failure: { message: 'the worker running this attempt was killed', applicationFailureInfo: { type: 'WorkerLost', nonRetryable: false } },
  });
}

/**
 * A killed worker's sticky queue would hold the next workflow task for its 10 s schedule-to-start
 * timeout; ResetStickyTaskQueue (what a worker calls when it forgets a workflow) sends it to the
 * lab's task queue at once.
 */
export async function resetStickyQueues(client: Client, workflowIds: string[]): Promise<void> {
  for (const workflowId of workflowIds) {
    await client.workflowService.resetStickyTaskQueue({ namespace: 'default', execution: { workflowId } }).catch(() => undefined);
  }
}
