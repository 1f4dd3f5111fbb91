import { describe, expect, it } from 'vitest';
import type { temporal } from '@temporalio/proto';
import { msToNumber } from '@temporalio/common/lib/time';
import { OUTAGE_WAIT_MS } from '../../db/outage';
import { WAIT_OUT_OUTAGES_IN_ATTEMPT } from '../../activities/step-recorder';
import { localBookkeepingOptions } from '../../workflows/activity-options';
import { hostWorkflowId, releaseSignal } from '../../workflows/definitions';
import { useLabWorker } from '../helpers/lab-worker';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';

// "A booking caught by a 5-minute outage completes once the database returns": every activity a
// booking schedules, with the bounds and retry policy it was really scheduled with (read back from
// the histories), keeps trying for at least five minutes of an outage in which every attempt fails.
const OUTAGE_S = 5 * 60;

interface Policy {
  scheduleToCloseS: number;
  startToCloseS: number;
  initialS: number;
  coefficient: number;
  maximumS: number;
  /** 0: no limit. */
  attempts: number;
}

const seconds = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) => (d ? Number(d.seconds ?? 0) + (d.nanos ?? 0) / 1e9 : 0);

/**
 * Seconds of an outage the activity outlasts: attempts after attempt until the count or the
 * schedule-to-close bound ends it. An attempt that waits for the database inside itself (and
 * heartbeats while it waits: activities/step-recorder.ts) lasts min(start-to-close, OUTAGE_WAIT_MS)
 * during an outage; any other is counted as failing at once.
 */
function outageCovered(p: Policy, waitsInAttempt: boolean): number {
  if (p.attempts === 0) return p.scheduleToCloseS || Infinity;
  const perAttempt = waitsInAttempt ? Math.min(p.startToCloseS, OUTAGE_WAIT_MS / 1000) : 0;
  let total = p.attempts * perAttempt;
  for (let retry = 1; retry < p.attempts; retry++) total += Math.min(p.initialS * p.coefficient ** (retry - 1), p.maximumS);
  return Math.min(p.scheduleToCloseS || Infinity, total);
}

function policyOf(a: temporal.api.history.v1.IActivityTaskScheduledEventAttributes): Policy {
  const r = a.retryPolicy;
  return {
    scheduleToCloseS: seconds(a.scheduleToCloseTimeout),
    startToCloseS: seconds(a.startToCloseTimeout),
    initialS: seconds(r?.initialInterval) || 1,
    coefficient: r?.backoffCoefficient || 2,
    maximumS: seconds(r?.maximumInterval) || 100 * (seconds(r?.initialInterval) || 1),
    attempts: r?.maximumAttempts ?? 0,
  };
}

const worker = useLabWorker();

describe('a 5-minute database outage', () => {
  it('is outlasted by every activity a booking schedules, from provisioning to release, and by its local bookkeeping', async () => {
    const { env } = worker;
    const input = sampleBooking(['sim-01']);
    const handle = await startBooking(env.client, env.taskQueue, input);
    expect((await waitForState(handle, ['active', 'failed'])).state).toBe('active');
    await handle.signal(releaseSignal, { reason: 'test' });
    expect((await handle.result()).state).toBe('released');

    const scheduled = new Map<string, Policy>();
    for (const id of [handle.workflowId, hostWorkflowId(input.id, 'sim-01')]) {
      const history = await env.client.workflow.getHandle(id).fetchHistory();
      for (const e of history.events ?? []) {
        const a = e.activityTaskScheduledEventAttributes;
        if (a?.activityType?.name) scheduled.set(a.activityType.name, policyOf(a));
      }
    }
    // The booking's whole life: the host's five steps, the booking's two, and their undos. The
    // allocator's calls (allocate, release, ...) are local activities: the local bookkeeping bound below.
    expect([...scheduled.keys()]).toEqual(expect.arrayContaining(['imageHost', 'configureSwitchPorts', 'createVpnAccounts', 'removeVpnAccounts', 'powerOffHost']));
    const short = [...scheduled].flatMap(([name, p]) => {
      const covered = outageCovered(p, WAIT_OUT_OUTAGES_IN_ATTEMPT.has(name));
      return covered < OUTAGE_S ? [`${name}: ${Math.round(covered)} s`] : [];
    });
    expect(short).toEqual([]);

    const local = localBookkeepingOptions;
    const localPolicy: Policy = {
      scheduleToCloseS: msToNumber(local.scheduleToCloseTimeout ?? 0) / 1000,
      startToCloseS: msToNumber(local.startToCloseTimeout ?? 0) / 1000,
      initialS: msToNumber(local.retry?.initialInterval ?? '1s') / 1000,
      coefficient: local.retry?.backoffCoefficient ?? 2,
      maximumS: msToNumber(local.retry?.maximumInterval ?? '100s') / 1000,
      attempts: local.retry?.maximumAttempts ?? 0,
    };
    expect(outageCovered(localPolicy, false)).toBeGreaterThanOrEqual(OUTAGE_S);
  });

  it('the bound itself: a policy of ten quick attempts outlasts about 2.5 minutes, not 5, unless each attempt waits', () => {
    const tenQuick: Policy = { scheduleToCloseS: 1800, startToCloseS: 120, initialS: 1, coefficient: 2, maximumS: 30, attempts: 10 };
    expect(outageCovered(tenQuick, false)).toBe(1 + 2 + 4 + 8 + 16 + 30 * 4);
    expect(outageCovered(tenQuick, true)).toBe(10 * 120 + (1 + 2 + 4 + 8 + 16 + 30 * 4));
  });
});
