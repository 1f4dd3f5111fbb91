import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bookingStatusQuery, extendUpdate, releaseSignal, resolveHoldUpdate } from '../../workflows/definitions';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { listBookingEvents } from '../../db/booking-events';
import { sampleBooking, startBooking, updateRefusal, waitForState } from '../helpers/booking';

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

describe('the hold policy', () => {
  it('holds a failed step for an operator; retry after the fix completes the booking', async () => {
    env.simLab.faults.inject({ at: 'switch.configure', target: 'sim-01', kind: 'permanent' });
    const input = sampleBooking(['sim-01', 'sim-02'], { failurePolicy: 'hold', holdTimeoutMs: 600_000, headnode: undefined });
    const handle = await startBooking(env.client, env.taskQueue, input);
    const held = await waitForState(handle, ['held']);
    const host = held.hosts.find((h) => h.name === 'sim-01')!;
    expect(host.held?.step).toBe('switch');
    expect(host.steps.find((s) => s.step === 'switch')).toMatchObject({ status: 'failed', error: { type: 'SimPermanentFault' } });
    expect((await handle.describe()).searchAttributes.BookingState).toEqual(['held']);
    // Nothing was undone while waiting.
    expect(env.simLab.host('sim-01').image).toBe('1');

    env.simLab.faults.clear();
    expect(await handle.executeUpdate(resolveHoldUpdate, { args: [{ action: 'retry' }] })).toEqual({ hosts: ['sim-01'] });
    const active = await waitForState(handle, ['active', 'failed']);
    expect(active.state).toBe('active');
    expect(active.hosts.find((h) => h.name === 'sim-01')!.held).toBeUndefined();
    await handle.signal(releaseSignal, { reason: 'test' });
    expect((await handle.result()).state).toBe('released');
    expect(env.simLab.residue()).toEqual([]);
  });

  it('abort compensates the whole booking', async () => {
    env.simLab.faults.inject({ at: 'host.write', target: 'sim-03', kind: 'permanent' });
    const input = sampleBooking(['sim-03'], { failurePolicy: 'hold', holdTimeoutMs: 600_000, headnode: undefined });
    const handle = await startBooking(env.client, env.taskQueue, input);
    await waitForState(handle, ['held']);
    expect(await updateRefusal(handle.executeUpdate(resolveHoldUpdate, { args: [{ action: 'retry', host: 'sim-09' }] }))).toMatch(/host sim-09 is not held \(held: sim-03\)/);
    await handle.executeUpdate(resolveHoldUpdate, { args: [{ action: 'abort' }] });
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.query(bookingStatusQuery)).state).toBe('failed');
    expect(env.simLab.residue()).toEqual([]);
  });

  it('compensates by itself when nobody answers before the deadline', async () => {
    env.simLab.faults.inject({ at: 'keys.install', target: 'sim-04', kind: 'permanent' });
    const input = sampleBooking(['sim-04'], { failurePolicy: 'hold', holdTimeoutMs: 2_000, headnode: undefined });
    const handle = await startBooking(env.client, env.taskQueue, input);
    await waitForState(handle, ['held']);
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.query(bookingStatusQuery)).state).toBe('failed');
    expect(env.simLab.residue()).toEqual([]);
  });
});

describe('extend', () => {
  it('moves the lease end when the range is free, and refuses one another booking holds, naming its range', async () => {
    const now = Date.now();
    const first = sampleBooking(['sim-02'], { headnode: undefined, end: new Date(now + 3_600_000).toISOString() });
    // The same host, booked ahead by someone else from two hours on.
    const later = sampleBooking(['sim-02'], { headnode: undefined, start: new Date(now + 2 * 3_600_000).toISOString(), end: new Date(now + 3 * 3_600_000).toISOString() });
    const h1 = await startBooking(env.client, env.taskQueue, first);
    await waitForState(h1, ['active']);
    const h2 = await startBooking(env.client, env.taskQueue, later);
    await waitForState(h2, ['scheduled']);

    const free = new Date(now + 90 * 60_000).toISOString();
    expect(await h1.executeUpdate(extendUpdate, { args: [{ end: free }] })).toEqual({ end: free });
    expect((await h1.query(bookingStatusQuery)).end).toBe(free);

    const taken = new Date(now + 150 * 60_000).toISOString();
    expect(await updateRefusal(h1.executeUpdate(extendUpdate, { args: [{ end: taken }] }))).toBe(
      `host sim-02 is not available: another booking or a project holds it over the extended range (held from ${later.start} to ${later.end})`,
    );
    expect((await h1.query(bookingStatusQuery)).end).toBe(free);

    expect(await updateRefusal(h1.executeUpdate(extendUpdate, { args: [{ end: 'soon' }] }))).toMatch(/not an ISO 8601 instant/);
    for (const h of [h1, h2]) await h.signal(releaseSignal, { reason: 'test' });
    for (const h of [h1, h2]) expect((await h.result()).state).toBe('released');
  });
});

describe('host substitution', () => {
  it('a flavor booking whose host fails twice: that host goes to maintenance and another of the flavor takes over', async () => {
    env.simLab.faults.inject({ at: 'imaging.deploy', target: 'sim-01', kind: 'permanent' });
    const input = sampleBooking([], {
      headnode: undefined,
      hosts: [{ flavor: 'sim.small', image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public', tagged: false }] } }],
    });
    const handle = await startBooking(env.client, env.taskQueue, input);
    const active = await waitForState(handle, ['active', 'failed']);
    expect(active.state, JSON.stringify(active.error)).toBe('active');
    expect(active.hosts.map((h) => h.name)).toEqual(['sim-02']);
    expect(active.leftovers).toEqual([]);
    const host = await env.database.db.selectFrom('hosts').select(['state', 'metadata']).where('name', '=', 'sim-01').executeTakeFirstOrThrow();
    expect(host.state).toBe('maintenance');
    expect(host.metadata).toMatchObject({ maintenance_reason: `failed provisioning twice in booking ${input.id}` });
    const kinds = (await listBookingEvents(env.database.db, input.id)).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['host:retried', 'host:substituted']));
    expect((await handle.describe()).searchAttributes.HostNames).toEqual(['sim-02']);
    // The failed host's steps were undone both times; it holds nothing.
    expect(env.simLab.residue().filter((r) => r.startsWith('sim-01'))).toEqual([]);
    await handle.signal(releaseSignal, { reason: 'test' });
    expect((await handle.result()).state).toBe('released');
    expect(env.simLab.residue()).toEqual([]);
    await env.database.db.updateTable('hosts').set({ state: 'available' }).where('name', '=', 'sim-01').execute();
  });
});
