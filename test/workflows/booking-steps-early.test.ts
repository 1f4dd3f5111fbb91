import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { hostWorkflowId, releaseSignal } from '../../workflows/definitions';
import { useLabWorker } from '../helpers/lab-worker';
import { sampleBooking, scheduledActivities, startBooking, waitForState } from '../helpers/booking';

// Patch i17-booking-steps-early: a booking's VPN accounts and headnode are made once its first host
// is ready, while the others finish; their failure still waits for every host to settle.
const ctx = useLabWorker();
afterEach(() => ctx.env.simLab.faults.clear());

const HOST_DO = ['preparePower', 'imageHost', 'configureSwitchPorts', 'writeNetworkFiles', 'installSshKeys'];
const HOST_UNDO = ['powerOffHost', 'cancelImaging', 'resetSwitchPorts', 'removeNetworkFiles', 'removeSshKeys'];

/** When each activity of a workflow was scheduled, and when the last of each name completed (ms since the epoch). */
async function activityTimes(client: Client, workflowId: string): Promise<{ scheduled: Map<string, number>; completed: Map<string, number> }> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const nameOf = new Map<string, string>();
  const scheduled = new Map<string, number>();
  const completed = new Map<string, number>();
  const at = (e: (typeof events)[number]) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) {
      nameOf.set(String(e.eventId), name);
      if (!scheduled.has(name)) scheduled.set(name, at(e));
    }
    const done = e.activityTaskCompletedEventAttributes;
    if (done) completed.set(nameOf.get(String(done.scheduledEventId))!, at(e));
  }
  return { scheduled, completed };
}

describe('the booking-level steps of a two-host booking', () => {
  it('start once the first host is ready, while the other is still being made', async () => {
    const { env } = ctx;
    const input = sampleBooking(['sim-01', 'sim-02']);
    // sim-02's imaging fails once and is retried: it is ready well after sim-01.
    env.simLab.faults.inject({ at: 'imaging.deploy', target: 'sim-02', kind: 'transient', times: 1 });
    const handle = await startBooking(env.client, env.taskQueue, input);
    expect((await waitForState(handle, ['active', 'failed', 'needs_cleanup'])).state).toBe('active');

    const booking = await activityTimes(env.client, handle.workflowId);
    const first = await activityTimes(env.client, hostWorkflowId(input.id, 'sim-01'));
    const second = await activityTimes(env.client, hostWorkflowId(input.id, 'sim-02'));
    for (const step of ['createVpnAccounts', 'createHeadnode']) {
      expect(booking.scheduled.get(step), step).toBeGreaterThanOrEqual(first.completed.get('installSshKeys')!);
      expect(booking.scheduled.get(step), step).toBeLessThan(second.completed.get('installSshKeys')!);
    }
    await handle.signal(releaseSignal, { reason: 'test' });
    await handle.result();
    expect(env.simLab.residue()).toEqual([]);
  });

  it('that fail while a host is being made: the host finishes, then the booking fails and everything is undone', async () => {
    const { env } = ctx;
    const input = sampleBooking(['sim-03', 'sim-04']);
    env.simLab.faults.inject({ at: 'imaging.deploy', target: 'sim-04', kind: 'transient', times: 1 });
    env.simLab.faults.inject({ at: 'directory.create', kind: 'permanent' });
    const handle = await startBooking(env.client, env.taskQueue, input);
    expect(await handle.result().catch((e: unknown) => e)).toBeInstanceOf(WorkflowFailedError);
    const status = await waitForState(handle, ['failed']);
    expect(status.error).toEqual({ type: 'SimPermanentFault', message: expect.stringContaining('directory.create') as string });
    // The slower host was not cut short: every step done (its imaging after a retry), then undone in reverse.
    expect(await scheduledActivities(env.client, hostWorkflowId(input.id, 'sim-04'))).toEqual([...HOST_DO, ...[...HOST_UNDO].reverse()]);
    expect(env.simLab.residue()).toEqual([]);
  });
});
