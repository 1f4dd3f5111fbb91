import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { hostWorkflowId, releaseSignal, retryCleanupUpdate } from '../../workflows/definitions';
import { listLeftovers } from '../../db/booking-leftovers';
import { readBookingAllocation } from '../../db/allocations';
import type { SimFault } from '../../sim/lab/faults';
import { FAILURE_BUDGET } from '../../activities/failure-budget';
import { listBookingEvents } from '../../db/booking-events';
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
      // The VPN accounts and the headnode are made together, and undone together (the headnode's
      // undo first); the allocation is given back last, by a local activity (not in this list).
      const booking = (await scheduledActivities(env.client, handle.workflowId)).filter((a) => a !== 'recordBookingEvent');
      expect(booking.slice(-4)).toEqual(['createVpnAccounts', 'createHeadnode', 'destroyHeadnode', 'removeVpnAccounts']);
      expect((await readBookingAllocation(env.database.db, input.id))?.released).toBe(true);
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

describe("a step's own failures, not its attempts, end it", () => {
  it('imaging that keeps failing with a retryable error fails for good after its budget of 2, not after its 5 attempts', async () => {
    const input = sampleBooking(['sim-03'], { headnode: undefined });
    // Retryable every time: only the budget of real failures (activities/failure-budget.ts) stops it.
    env.simLab.faults.inject({ at: 'imaging.deploy', target: 'sim-03', kind: 'transient', times: 50 });
    const handle = await startBooking(env.client, env.taskQueue, input);
    const status = await waitForState(handle, ['failed', 'needs_cleanup', 'active']);
    expect(status.state).toBe('failed');
    const imaging = status.hosts[0]!.steps.find((s) => s.step === 'imaging')!;
    expect(imaging.error?.type).toBe('SimTransientFault');
    // Each attempt that failed is a step:failed event of the booking (the attempt in its detail).
    const failed = (await listBookingEvents(env.database.db, input.id)).filter((e) => e.kind === 'step:failed' && e.step === 'imaging');
    expect(failed.map((e) => e.detail.attempt)).toEqual(Array.from({ length: FAILURE_BUDGET.imaging ?? 0 }, (_, i) => i + 1));
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
    expect(stuck.leftovers).toEqual([
      { host: null, step: 'allocation', error: { type: 'LeftoversRemain', message: 'allocation kept until the other leftovers are cleaned up' } },
      { host: 'sim-04', step: 'switch', error: expect.objectContaining({ type: 'SimPermanentFault' }) as unknown },
    ]);
    // The ports still carry the booking's VLANs: neither they nor the host go back to the pool yet.
    expect(await readBookingAllocation(env.database.db, input.id)).toMatchObject({ released: false, hosts: [{ name: 'sim-04' }] });
    // The other undos still ran; the ports are what is left.
    expect(env.simLab.host('sim-04').power).toBe('off');
    expect(env.simLab.accounts.size).toBe(0);
    expect(env.simLab.residue().length).toBeGreaterThan(0);
    expect(env.simLab.residue().every((r) => /^sim-switch Ethernet1\/[78]:/.test(r))).toBe(true);
    // Durable: in PostgreSQL, and findable by state.
    await expect
      .poll(async () => (await listLeftovers(env.database.db, input.id)).map((l) => [l.host, l.step, l.error_type]))
      .toEqual([
        ['', 'allocation', 'LeftoversRemain'],
        ['sim-04', 'switch', 'SimPermanentFault'],
      ]);
    expect((await handle.describe()).searchAttributes.BookingState).toEqual(['needs_cleanup']);

    // Retrying before the fault is fixed leaves it as it was.
    const again = await handle.executeUpdate(retryCleanupUpdate, { args: [] });
    expect(again.leftovers.map((l) => l.step)).toEqual(['allocation', 'switch']);
    expect((await readBookingAllocation(env.database.db, input.id))?.released).toBe(false);

    env.simLab.faults.clear();
    const cleared = await handle.executeUpdate(retryCleanupUpdate, { args: [] });
    expect(cleared.leftovers).toEqual([]);
    expect((await handle.result()).state).toBe('released');
    expect(env.simLab.residue()).toEqual([]);
    expect(await listLeftovers(env.database.db, input.id)).toEqual([]);
    expect((await readBookingAllocation(env.database.db, input.id))?.released).toBe(true);
  });

  it('a step that fails whose undo fails too: the booking leaves provisioning for needs_cleanup, then fails once cleaned', async () => {
    const input = sampleBooking(['sim-03'], { headnode: undefined });
    // The switch step fails for good, and so does resetting the ports.
    env.simLab.faults.inject({ at: 'switch.configure', target: 'sim-03', kind: 'permanent' });
    env.simLab.faults.inject({ at: 'switch.reset', target: 'sim-03', kind: 'permanent' });
    const handle = await startBooking(env.client, env.taskQueue, input);
    const stuck = await waitForState(handle, ['needs_cleanup', 'failed', 'active']);
    expect(stuck.state).toBe('needs_cleanup');
    expect(stuck.error).toEqual({ type: 'SimPermanentFault', message: expect.stringMatching(/^sim-03: .*simulated permanent fault/) as string });
    expect(stuck.leftovers.map((l) => [l.host, l.step])).toEqual([
      [null, 'allocation'],
      ['sim-03', 'switch'],
    ]);
    // The steps before the failed one were undone all the same.
    expect(env.simLab.host('sim-03').power).toBe('off');
    expect((await readBookingAllocation(env.database.db, input.id))?.released).toBe(false);

    env.simLab.faults.clear();
    const cleared = await handle.executeUpdate(retryCleanupUpdate, { args: [] });
    expect(cleared.leftovers).toEqual([]);
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((await waitForState(handle, ['failed'])).state).toBe('failed');
    expect(env.simLab.residue()).toEqual([]);
    expect((await readBookingAllocation(env.database.db, input.id))?.released).toBe(true);
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
