import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookingStatusQuery } from '../../workflows/definitions';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';

// A held step waits for an operator, but never past the booking's lease: at the lease end the
// booking is over, so the hold gives up and the booking compensates.

let env: LabWorker;
beforeAll(async () => {
  env = await startLabWorker();
});
afterAll(async () => {
  env?.simLab.faults.clear();
  await env?.close();
});

describe('the hold deadline', () => {
  it('is capped by the lease end', async () => {
    env.simLab.faults.inject({ at: 'switch.configure', target: 'sim-02', kind: 'permanent' });
    const end = new Date(Date.now() + 8_000).toISOString();
    const input = sampleBooking(['sim-02'], { failurePolicy: 'hold', holdTimeoutMs: 3_600_000, end, headnode: undefined, access: { sshKeys: [], vpnUsers: [] } });
    const handle = await startBooking(env.client, env.taskQueue, input);
    const held = await waitForState(handle, ['held']);
    expect(held.hosts[0]!.held!.until).toBe(end);
    const started = Date.now();
    await expect(handle.result()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await handle.query(bookingStatusQuery)).state).toBe('failed');
    expect(env.simLab.residue()).toEqual([]);
  });
});
