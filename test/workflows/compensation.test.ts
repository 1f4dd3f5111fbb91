import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { hostWorkflowId, releaseSignal, retryCleanupUpdate } from '../../workflows/definitions';
import { listLeftovers } from '../../db/booking-leftovers';
import type { SimFault } from '../../sim/lab/faults';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, scheduledActivities, startBooking, updateRefusal, waitForState } from '../helpers/booking';

let env: LabWorker;
beforeAll(async () => {
  env = await startLabWorker();
});
afterEach(() => {
  env.simLab.faults.clear();
});
afterAll(async () => {
  await env?.close();
});

const HOST_DO = ['preparePower', 'imageHost', 'configureSwitchPorts', 'writeNetworkFiles', 'installSshKeys'];
const HOST_UNDO = ['powerOffHost', 'cancelImaging', 'resetSwitchPorts', 'removeNetworkFiles', 'removeSshKeys'];

/** The device operation that carries out each step (and only that step). */
const stepFault: Record<string, Omit<SimFault, 'kind'>> = {
  power: { at: 'power.bootdev', detail: 'pxe' },
  imaging: { at: 'imaging.deploy' },
  switch: { at: 'switch.configure' },
  network: { at: 'host.write' },
  access: { at: 'keys.install' },
  headnode: { at: 'headnode.create' },
};
const hostSteps = ['power', 'imaging', 'switch', 'network', 'access'];

describe('a permanent fault at each step', () => {
  it.each(Object.keys(stepFault))('at %s: exactly the started steps are undone, in reverse, and the lab is clean', async (step) => {
    const input = sampleBooking(['sim-01', 'sim-02']);
    // The fault hits sim-02 only (the headnode is the booking's own).
    env.simLab.faults.inject({ ...stepFault[step]!, kind: 'permanent', ...(step === 'headnode' ? {} : { target: 'sim-02' }) });
    const handle = await startBooking(env.client, env.taskQueue, input);
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);

    const status = await waitForState(handle, ['failed']);
    const failedAt = hostSteps.indexOf(step);
    const started = failedAt < 0 ? 5 : failedAt + 1;
    const sim02 = await scheduledActivities(env.client, hostWorkflowId(input.id, 'sim-02'));
    // Undo registered before each step: the failed step is undone too.
    expect(sim02).toEqual([...HOST_DO.slice(0, started), ...HOST_UNDO.slice(0, started).reverse()]);
    if (failedAt >= 0) {
      expect(status.hosts.find((h) => h.name === 'sim-02')!.steps[failedAt]!.error?.type).toBe('SimPermanentFault');
    } else {
      const booking = (await scheduledActivities(env.client, handle.workflowId)).filter((a) => a !== 'recordBookingEvent');
      expect(booking.slice(-4)).toEqual(['createHeadnode', 'destroyHeadnode', 'removeVpnAccounts', 'releaseAllocation']);
    }
    expect(status.state).toBe('failed');
    expect(status.error).toEqual({ type: 'SimPermanentFault', message: expect.stringContaining('simulated permanent fault') as string });
    expect((await handle.describe()).searchAttributes.BookingState).toEqual(['failed']);
    expect(env.simLab.residue()).toEqual([]);
  });
});

describe('a transient fault at each step', () => {
  it.each(Object.keys(stepFault))('at %s: retried, and the booking becomes active', async (step) => {
    const input = sampleBooking(['sim-03']);
    env.simLab.faults.inject({ ...stepFault[step]!, kind: 'transient', times: 1 });
    const handle = await startBooking(env.client, env.taskQueue, input);
    const status = await waitForState(handle, ['active', 'failed']);
    expect(status.state).toBe('active');
    const retried = [...status.hosts[0]!.steps, ...status.bookingSteps].find((s) => s.step === step)!;
    expect(retried.attempt).toBe(2);
    await handle.signal(releaseSignal, { reason: 'test' });
    expect((await handle.result()).state).toBe('released');
    expect(env.simLab.residue()).toEqual([]);
  });
});

describe('an undo that fails for good', () => {
  it('leaves needs_cleanup with the leftover recorded; retryCleanup after the fix clears it', async () => {
    const input = sampleBooking(['sim-04'], { headnode: undefined });
    const handle = await startBooking(env.client, env.taskQueue, input);
    await waitForState(handle, ['active']);
    env.simLab.faults.inject({ at: 'switch.reset', target: 'sim-04', kind: 'permanent' });
    await handle.signal(releaseSignal, { reason: 'test' });
    const stuck = await waitForState(handle, ['needs_cleanup']);
    expect(stuck.leftovers).toEqual([{ host: 'sim-04', step: 'switch', error: expect.objectContaining({ type: 'SimPermanentFault' }) as unknown }]);
    // The other undos still ran; the ports are what is left.
    expect(env.simLab.host('sim-04').power).toBe('off');
    expect(env.simLab.accounts.size).toBe(0);
    expect(env.simLab.residue().length).toBeGreaterThan(0);
    expect(env.simLab.residue().every((r) => /^sim-switch Ethernet1\/[78]:/.test(r))).toBe(true);
    // Durable: in PostgreSQL, and findable by state.
    await expect.poll(async () => (await listLeftovers(env.database.db, input.id)).map((l) => [l.host, l.step, l.error_type])).toEqual([['sim-04', 'switch', 'SimPermanentFault']]);
    expect((await handle.describe()).searchAttributes.BookingState).toEqual(['needs_cleanup']);

    // Retrying before the fault is fixed leaves it as it was.
    const again = await handle.executeUpdate(retryCleanupUpdate, { args: [] });
    expect(again.leftovers).toHaveLength(1);

    env.simLab.faults.clear();
    const cleared = await handle.executeUpdate(retryCleanupUpdate, { args: [] });
    expect(cleared.leftovers).toEqual([]);
    expect((await handle.result()).state).toBe('released');
    expect(env.simLab.residue()).toEqual([]);
    expect(await listLeftovers(env.database.db, input.id)).toEqual([]);
  });

  it('refuses retryCleanup on a booking that has nothing to clean', async () => {
    const input = sampleBooking(['sim-01'], { headnode: undefined });
    const handle = await startBooking(env.client, env.taskQueue, input);
    await waitForState(handle, ['active']);
    expect(await updateRefusal(handle.executeUpdate(retryCleanupUpdate, { args: [] }))).toBe('booking is active: there is nothing to clean up');
    await handle.signal(releaseSignal, { reason: 'test' });
    await handle.result();
  });
});
