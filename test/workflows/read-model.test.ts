/**
 * The read model in PostgreSQL (db/booking-views.ts), written by the activities the bookings run
 * anyway: after a run of bookings (released, failed, active), it says what Temporal says of every
 * booking's state and every host's steps; it shows how to log in to each host; its event list
 * names each host step as it starts and ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, startBooking, waitForState } from '../helpers/booking';
import { bothSides } from '../helpers/read-model';
import { getBookingView, listBookingViews } from '../../db/booking-views';
import { listBookingEvents } from '../../db/booking-events';
import { releaseSignal } from '../../workflows/definitions';

let env: LabWorker;
beforeAll(async () => {
  env = await startLabWorker();
});
afterAll(async () => {
  await env?.close();
});

describe('the read model', () => {
  it('agrees with Temporal on every booking after a run of bookings', async () => {
    env.simLab.faults.inject({ at: 'switch.configure', target: 'sim-04', kind: 'permanent' });
    const released = sampleBooking(['sim-01', 'sim-02']);
    const failed = sampleBooking(['sim-04'], { headnode: undefined });
    const active = sampleBooking(['sim-03'], { headnode: undefined, access: { sshKeys: [], vpnUsers: [] } });
    // One after the other: the list is newest first.
    const handles = [];
    for (const b of [released, failed, active]) handles.push(await startBooking(env.client, env.taskQueue, b));
    await waitForState(handles[0]!, ['active']);
    await handles[0]!.signal(releaseSignal, { reason: 'test' });
    await handles[0]!.result();
    await handles[1]!.result().catch(() => undefined);
    await waitForState(handles[2]!, ['active']);

    const expected = { [released.id]: 'released', [failed.id]: 'failed', [active.id]: 'active' };
    for (const [id, state] of Object.entries(expected)) {
      const { temporal, read } = await bothSides(env.client, env.database.db, id);
      expect(read, id).toEqual(temporal);
      expect(read?.state, id).toBe(state);
    }
    const failedView = await getBookingView(env.database.db, failed.id);
    expect(failedView?.error?.type).toBe('SimPermanentFault');
    expect(failedView?.hosts[0]?.steps.find((s) => s.step === 'switch')?.error?.type).toBe('SimPermanentFault');

    const page = await listBookingViews(env.database.db, { lab: 'sim', scope: 'all', states: ['released', 'failed', 'active'] }, { limit: 10 });
    expect(page.bookings.map((b) => [b.id, b.state])).toEqual([
      [active.id, 'active'],
      [failed.id, 'failed'],
      [released.id, 'released'],
    ]);
  });

  it('shows each host with its image, address, login user and ssh command, steps with times and attempts', async () => {
    const input = sampleBooking(['sim-01'], { headnode: undefined });
    const handle = await startBooking(env.client, env.taskQueue, input);
    await waitForState(handle, ['active']);
    await bothSides(env.client, env.database.db, input.id);
    const view = await getBookingView(env.database.db, input.id);
    expect(view).toMatchObject({ id: input.id, state: 'active', project: 'demo', owner: 'alice', access: { vpnAccounts: ['alice'] } });
    const [host] = view!.hosts;
    expect(host).toMatchObject({ name: 'sim-01', hostname: 'sim-01-pod', image: 'ubuntu-22.04', address: 'sim-01', addresses: ['sim-01'], loginUser: 'root', ssh: 'ssh root@sim-01' });
    for (const s of host!.steps) {
      expect(s).toMatchObject({ status: 'done', attempt: 1 });
      expect(Date.parse(s.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(s.startedAt!));
    }
    expect(view!.networks.every((n) => typeof n.vlan === 'number')).toBe(true);
    // The passwords stay in the workflow: the read model only knows they wait for their owner.
    expect(JSON.stringify(view)).not.toContain('vpnPasswords');

    const events = await listBookingEvents(env.database.db, input.id);
    const steps = events.filter((e) => e.kind.startsWith('step:')).map((e) => [e.host, e.step, e.kind]);
    expect(steps).toEqual(
      [
        ...['power', 'imaging', 'switch', 'network', 'access'].flatMap((step) => [
          ['sim-01', step, 'step:running'],
          ['sim-01', step, 'step:done'],
        ]),
        [null, 'vpn', 'step:running'],
        [null, 'vpn', 'step:done'],
      ],
    );
    await handle.signal(releaseSignal, { reason: 'test' });
    await handle.result();
    const { temporal, read } = await bothSides(env.client, env.database.db, input.id);
    expect(read).toEqual(temporal);
    expect((await getBookingView(env.database.db, input.id))!.hosts[0]!.steps.every((s) => s.status === 'undone')).toBe(true);
  });
});
