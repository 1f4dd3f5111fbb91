import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostWorkflowId, bookingStatusQuery, credentialsDeliveredSignal, releaseSignal } from '../../workflows/definitions';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, scheduledActivities, startBooking, waitForState } from '../helpers/booking';
import { listBookingEvents } from '../../db/booking-events';

let env: LabWorker;
beforeAll(async () => {
  env = await startLabWorker();
});
afterAll(async () => {
  await env?.close();
});

describe('a booking on the simulated lab', () => {
  it('provisions every host, stays active, and releases with every undo run', async () => {
    const input = sampleBooking(['sim-01', 'sim-02']);
    const handle = await startBooking(env.client, env.taskQueue, input);
    const active = await waitForState(handle, ['active', 'failed']);
    expect(active.state).toBe('active');
    for (const h of active.hosts) expect(h.steps.map((s) => [s.step, s.status])).toEqual([
      ['power', 'done'], ['imaging', 'done'], ['switch', 'done'], ['network', 'done'], ['access', 'done'],
    ]);
    expect(active.bookingSteps.map((s) => [s.step, s.status])).toEqual([['vpn', 'done'], ['headnode', 'done']]);

    // The devices really are in the booking's state.
    const vlans = Object.fromEntries(active.networks.map((n) => [n.name, n.vlan]));
    expect(env.simLab.ports.get('sim-switch')!.get('Ethernet1/1')).toEqual({ native: vlans.public, tagged: [] });
    expect(env.simLab.ports.get('sim-switch')!.get('Ethernet1/2')).toEqual({ native: null, tagged: [vlans.private] });
    expect(env.simLab.host('sim-01').image).toBe('1');
    expect(env.simLab.host('sim-01').hostname).toBe('sim-01-pod');
    expect(env.simLab.host('sim-02').files.get('/root/.ssh/authorized_keys')?.content).toContain('alice@laptop');
    expect([...env.simLab.accounts.keys()]).toEqual(['alice']);
    // The generated VPN password is there for delivery, it works, and it is gone once delivered.
    const password = active.vpnPasswords?.alice;
    expect(password).toMatch(/^.{12,}$/);
    expect(env.simLab.accounts.get('alice')!.password).toBe(password);
    await handle.signal(credentialsDeliveredSignal);
    expect((await handle.query(bookingStatusQuery)).vpnPasswords).toBeUndefined();
    expect(env.simLab.headnodes.get(`laas-${input.id}-headnode`)?.networks).toEqual([{ name: 'private', vlan: vlans.private }]);
    expect(env.simLab.host('sim-03').power).toBe('off');

    // Search attributes follow the state.
    const described = await handle.describe();
    expect(described.searchAttributes.BookingState).toEqual(['active']);
    expect(described.searchAttributes.HostNames).toEqual(['sim-01', 'sim-02']);

    await handle.signal(releaseSignal, { reason: 'test' });
    const released = await handle.result();
    expect(released.state).toBe('released');
    expect(env.simLab.residue()).toEqual([]);
    for (const h of released.hosts) expect(h.steps.every((s) => s.status === 'undone')).toBe(true);
    expect((await handle.describe()).searchAttributes.BookingState).toEqual(['released']);

    const events = await listBookingEvents(env.database.db, input.id);
    // The booking's own events; each host step's start and end are there too (test/workflows/read-model.test.ts).
    expect(events.filter((e) => !e.kind.startsWith('step:')).map((e) => e.kind)).toEqual(['state:provisioning', 'allocated', 'state:active', 'state:releasing', 'state:released']);
  });

  it("runs a host's steps in the mission's order, as the host child's history shows", async () => {
    const input = sampleBooking(['sim-03']);
    const handle = await startBooking(env.client, env.taskQueue, input);
    await waitForState(handle, ['active']);
    const activities = await scheduledActivities(env.client, hostWorkflowId(input.id, 'sim-03'));
    expect(activities).toEqual(['preparePower', 'imageHost', 'configureSwitchPorts', 'writeNetworkFiles', 'installSshKeys']);
    const booking = await scheduledActivities(env.client, handle.workflowId);
    expect(booking.filter((a) => a === 'createVpnAccounts' || a === 'createHeadnode')).toEqual(['createVpnAccounts', 'createHeadnode']);
    await handle.signal(releaseSignal, { reason: 'test' });
    await handle.result();
    const after = await scheduledActivities(env.client, hostWorkflowId(input.id, 'sim-03'));
    expect(after.slice(5)).toEqual(['removeSshKeys', 'removeNetworkFiles', 'resetSwitchPorts', 'cancelImaging', 'powerOffHost']);
  });

  it('ends at the lease end by itself', async () => {
    const input = sampleBooking(['sim-04'], { end: new Date(Date.now() + 8_000).toISOString(), headnode: undefined });
    const handle = await startBooking(env.client, env.taskQueue, input);
    const result = await handle.result();
    expect(result.state).toBe('released');
    expect(env.simLab.host('sim-04').power).toBe('off');
    expect((await handle.query(bookingStatusQuery)).state).toBe('released');
  });
});
