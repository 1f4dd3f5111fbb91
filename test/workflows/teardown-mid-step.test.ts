// A booking released while a host's step is still at work on a device: the step's undo waits until
// the step has stopped, so the undo is the last to touch the device. Before, the workflow took the
// step for cancelled at once and undid it while its device call still ran: the switch port was
// reset, then configured by the call that was still on its way, and stayed on the booking's VLANs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { releaseSignal } from '../../workflows/definitions';
import { getBookingView } from '../../db/booking-views';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, startBooking } from '../helpers/booking';

let env: LabWorker;
beforeAll(async () => {
  env = await startLabWorker();
  // Each switch configuration takes a second: long enough to release the booking in the middle of one.
  env.simLab.operationLatencyMs['switch.configure'] = 1_000;
  // And so does making a headnode.
  env.simLab.operationLatencyMs['headnode.create'] = 1_000;
});
afterAll(async () => {
  await env?.close();
});

describe('a release while a step is at work', () => {
  it('undoes the switch step once the step has stopped: no port is configured after its reset', async () => {
    const input = sampleBooking(['sim-01'], { id: 'mid-step', headnode: undefined });
    const handle = await startBooking(env.client, env.taskQueue, input);
    // The switch step's activity records its start in the read model.
    const switchStatus = async () => (await getBookingView(env.database.db, input.id))?.hosts[0]?.steps.find((s) => s.step === 'switch')?.status;
    for (let i = 0; i < 300 && (await switchStatus()) !== 'running'; i++) await sleep(50);
    expect(await switchStatus()).toBe('running');
    await sleep(300); // inside the first configuration's second
    await handle.signal(releaseSignal, { reason: 'released mid-step' });
    await handle.result();
    // A device call still on its way would land within the second it takes.
    await sleep(1_500);

    const ops = env.simLab.journal.filter((j) => j.target === 'sim-01' && j.at.startsWith('switch.')).map((j) => j.at);
    expect(ops).toContain('switch.configure');
    expect(ops.lastIndexOf('switch.configure')).toBeLessThan(ops.lastIndexOf('switch.reset'));
    expect(env.simLab.residue()).toEqual([]);
  });
});

describe('an operator cancelling the booking workflow while its headnode is being made', () => {
  it('destroys the headnode once the step has stopped: none is left behind', async () => {
    const input = sampleBooking(['sim-02'], { id: 'mid-headnode' });
    const handle = await startBooking(env.client, env.taskQueue, input);
    const headnodeStatus = async () => (await getBookingView(env.database.db, input.id))?.bookingSteps.find((s) => s.step === 'headnode')?.status;
    for (let i = 0; i < 300 && (await headnodeStatus()) !== 'running'; i++) await sleep(50);
    expect(await headnodeStatus()).toBe('running');
    await sleep(300); // inside the second it takes
    // What `temporal workflow cancel` sends: the booking is released as on a release while provisioning.
    await handle.cancel();
    await handle.result().catch(() => undefined);
    await sleep(1_500);

    const ops = env.simLab.journal.filter((j) => j.at.startsWith('headnode.')).map((j) => j.at);
    expect(ops).toEqual(['headnode.create', 'headnode.destroy']);
    expect(env.simLab.residue()).toEqual([]);
  });
});
