/**
 * A worker whose cache holds one workflow: every leased booking (and each of its hosts) is evicted
 * while it sleeps, and replayed from its history when it wakes. Every way a lease ends still undoes
 * everything: the lease running out, a release, and the lease running out after an extension.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';
import { bookingStatusQuery, extendUpdate, releaseSignal } from '../../workflows/definitions';
import { cacheSizeFromHeap } from '../../workers/worker';

let env: LabWorker;
beforeAll(async () => {
  env = await startLabWorker({ maxCachedWorkflows: 1 });
});
afterAll(async () => {
  await env?.close();
});

describe('a worker with a cache of one workflow', () => {
  it('releases an evicted booking at its lease end and another on release', async () => {
    const leaseEnds = sampleBooking(['sim-01'], { headnode: undefined, end: new Date(Date.now() + 25_000).toISOString() });
    const released = sampleBooking(['sim-02'], { headnode: undefined, access: { sshKeys: [], vpnUsers: [] } });
    const ending = await startBooking(env.client, env.taskQueue, leaseEnds);
    const releasing = await startBooking(env.client, env.taskQueue, released);
    await waitForState(ending, ['active'], 60_000);
    await waitForState(releasing, ['active'], 60_000);
    // Four workflows for a cache of one (which a workflow task in flight may overrun by one): most are evicted.
    expect(env.worker.getStatus().numCachedWorkflows).toBeLessThanOrEqual(2);

    await releasing.signal(releaseSignal, { reason: 'test' });
    expect((await releasing.result()).state).toBe('released');
    expect((await ending.result()).state).toBe('released');
    expect(env.simLab.residue()).toEqual([]);
  });

  it('extends an evicted booking: it sleeps to the new end, not the old one, then releases', async () => {
    const oldEnd = Date.now() + 20_000;
    const input = sampleBooking(['sim-03'], { headnode: undefined, access: { sshKeys: [], vpnUsers: [] }, end: new Date(oldEnd).toISOString() });
    const handle = await startBooking(env.client, env.taskQueue, input);
    await waitForState(handle, ['active'], 60_000);
    // Another booking's workflows take the one place in the cache: this one is evicted while it sleeps.
    const other = await startBooking(env.client, env.taskQueue, sampleBooking(['sim-04'], { headnode: undefined, access: { sshKeys: [], vpnUsers: [] } }));
    await waitForState(other, ['active'], 60_000);
    const newEnd = new Date(oldEnd + 15_000).toISOString();
    expect(await handle.executeUpdate(extendUpdate, { args: [{ end: newEnd }] })).toEqual({ end: newEnd });
    await new Promise((r) => setTimeout(r, Math.max(0, oldEnd + 3_000 - Date.now())));
    // Past the old end: still active, woken by the update and put back to sleep until the new one.
    expect((await handle.query(bookingStatusQuery)).state).toBe('active');
    expect((await handle.result()).state).toBe('released');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(newEnd));
    await other.signal(releaseSignal, { reason: 'test' });
    await other.result();
    expect(env.simLab.residue()).toEqual([]);
  });

  it('sizes the cache from the heap', () => {
    expect(cacheSizeFromHeap(4 * 2 ** 30)).toBe(213);
    expect(cacheSizeFromHeap(16 * 2 ** 30)).toBe(853);
    expect(cacheSizeFromHeap(1 * 2 ** 30)).toBe(53);
    expect(cacheSizeFromHeap(64 * 2 ** 20)).toBe(8);
  });
});
