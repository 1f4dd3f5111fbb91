import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookingStatusQuery } from '../../workflows/definitions';
import { hostWorkflowId } from '../../workflows/definitions';
import { listBookingEvents } from '../../db/booking-events';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { sampleBooking, scheduledActivities, startBooking } from '../helpers/booking';

// A bad SSH key that got past the API (an old client, a workflow started by hand) reaches the
// access step, where the host driver refuses it with InvalidInput. That is the user's fault, not
// the host's: the booking fails at once, and no host is retried, replaced or taken out of service.

let env: LabWorker;
beforeAll(async () => {
  env = await startLabWorker();
});
afterAll(async () => {
  await env?.close();
});

describe.each(['compensate', 'hold'] as const)('an input error under the %s policy', (failurePolicy) => {
  it('fails the booking at once: one try, no substitution, no host in maintenance, nothing held', async () => {
    const input = sampleBooking([], {
      hosts: [{ flavor: 'sim.small', image: 'ubuntu-22.04', interfaces: { eno1: [{ network: 'public', tagged: false }] } }],
      access: { sshKeys: ['not a key'], vpnUsers: [] },
      headnode: undefined,
      failurePolicy,
      holdTimeoutMs: 600_000,
    });
    const handle = await startBooking(env.client, env.taskQueue, input);
    const states = new Set<string>();
    const watching = (async () => {
      for (;;) {
        const s = await handle.query(bookingStatusQuery).catch(() => null);
        if (!s || ['failed', 'released'].includes(s.state)) return;
        states.add(s.state);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await expect(handle.result()).rejects.toThrow();
    await watching;
    const status = await handle.query(bookingStatusQuery);
    expect(status.state).toBe('failed');
    expect(status.error?.type).toBe('InvalidInput');
    expect(states.has('held')).toBe(false);

    const host = status.hosts[0]!.name;
    const access = status.hosts[0]!.steps.find((s) => s.step === 'access')!;
    expect(access.error?.type).toBe('InvalidInput');
    expect((await scheduledActivities(env.client, hostWorkflowId(input.id, host))).filter((a) => a === 'installSshKeys')).toHaveLength(1);

    const kinds = (await listBookingEvents(env.database.db, input.id)).map((e) => e.kind);
    expect(kinds).not.toContain('host:retried');
    expect(kinds).not.toContain('host:substituted');
    const inMaintenance = await env.database.db.selectFrom('hosts').select('name').where('state', '!=', 'available').execute();
    expect(inMaintenance).toEqual([]);
    expect(env.simLab.residue()).toEqual([]);
  });
});
