/**
 * What the dashboard is told, task by task (reference §13; checklist points 11-13, 16, 21): 100 as
 * work starts, nothing while the booking settles, 200 with the reference lab's messages, 300 with a
 * plain reason; teardown 200 once the hosts are clean.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLab } from '../../config/load-lab';
import { readJob } from '../../workers/connector-job';
import { provisionReports, startedReports, teardownReports, type BookingView, type MessageContext } from '../../workers/connector-reports';

const lab = loadLab(join(import.meta.dirname, '..', '..', 'config', 'sim-lab.yaml'));
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'dashboard-2x', name), 'utf8'));
const job = readJob((fixture('setup.json') as unknown[])[0]);
const teardown = readJob((fixture('teardown.json') as unknown[])[0]);
const [HW, VPN, SSH, NET] = ['44a5a128-f30a-412b-a190-ab0c216d69ab', '12174a29-ad34-4cf0-9591-490c0bcb7c65', '155bc5eb-d3a0-49e1-b73d-093cbf2c1ad0', '8bbebf6b-cf68-4089-8a18-cd253c812de1'] as const;

const done = (step: string) => ({ step, status: 'done' });
function booking(overrides: Partial<BookingView> = {}): BookingView {
  return {
    id: 'dash-1',
    state: 'active',
    networks: [{ name: 'vlan-1010', vlan: 1010 }],
    hosts: [{ name: 'sim-01', hostname: 'pod-1', addresses: ['10.20.0.11', '2001:db8::11'], loginUser: 'ubuntu', steps: ['power', 'imaging', 'switch', 'network', 'access'].map(done) }],
    bookingSteps: [done('vpn'), done('headnode')],
    ...overrides,
  };
}
const ctx: MessageContext = { lab, users: new Map([[2, 'alice']]), passwords: { alice: 'Xy7-secret-Pw' }, loginUser: 'root' };
const byTask = (reports: { task: string; status: number; message: string }[] | null) => Object.fromEntries((reports ?? []).map((r) => [r.task, [r.status, r.message]]));

describe('reports for a setup job', () => {
  it('#11: 100 for every task as work starts; #21: 300 on an unknown kind and on an installer task alone', () => {
    const withOthers = readJob({ id: 1, payload: { ...(fixture('setup.json') as { payload: object }[])[0]!.payload, snapshot: { s: { host: 'sim-01' } }, software: { sw: { opnfv: {} } } } });
    const r = byTask(startedReports(withOthers.tasks, false, 'dash-1', 'sim'));
    expect(r[HW]).toEqual([100, 'setting up host sim-01 (booking dash-1)']);
    expect(r[VPN]).toEqual([100, 'setting up VPN access of dashboard user 2 (booking dash-1)']);
    expect(r.s).toEqual([300, 'lab sim does not take snapshots of hosts; nothing was done for this task']);
    expect(r.sw).toEqual([300, 'lab sim does not run OPNFV installers; the hosts are set up without one']);
  });

  it('#12: says nothing while the booking is on its way', () => {
    for (const state of ['provisioning', 'held', 'scheduled']) expect(provisionReports(job.tasks, booking({ state }), ctx)).toBeNull();
  });

  it('#13: addresses and hostname on hardware, VLANs on network, ssh lines, VPN username and password', () => {
    expect(byTask(provisionReports(job.tasks, booking(), ctx))).toEqual({
      [HW]: [200, 'Your host may be reached at any of the following ip addresses: 10.20.0.11, 2001:db8::11\nhostname: pod-1\nimage: ubuntu-22.04\nNo IPMI account is made for bookings: lab sim keeps its BMCs to itself. For a power cycle or the serial console, ask its operators.'],
      [NET]: [200, 'sim-01: eno1 (52:54:00:00:01:01) untagged VLAN 1010'],
      [SSH]: [200, 'Your SSH key is installed. Log in with:\nssh ubuntu@10.20.0.11'],
      [VPN]: [200, 'VPN access to lab sim is ready.\nVPN username: alice\nVPN password: Xy7-secret-Pw\nThis password is shown once; keep it.'],
    });
    // Claimed once: without it, the message says where to get a new one.
    expect(byTask(provisionReports(job.tasks, booking(), { ...ctx, passwords: {} }))[VPN]![1]).toBe(
      "VPN access to lab sim is ready.\nVPN username: alice\nThe VPN password was handed out already; lab sim's operators can set a new one.",
    );
  });

  it('#11: 300 with the failing step own reason', () => {
    const failed = booking({
      state: 'failed',
      hosts: [{ name: 'sim-01', hostname: 'pod-1', steps: [done('power'), { step: 'imaging', status: 'failed', error: { type: 'FogTaskFailed', message: 'imaging timed out' } }] }],
      error: { type: 'FogTaskFailed', message: 'imaging timed out' },
    });
    expect(byTask(provisionReports(job.tasks, failed, ctx))[HW]).toEqual([300, 'sim-01 failed at imaging: imaging timed out; everything set up for it was undone']);
    const refused = booking({ state: 'failed', hosts: [], error: { type: 'VlanUnavailable', message: 'VLAN 1010 is held by another booking' } });
    expect(byTask(provisionReports(job.tasks, refused, ctx))[NET]).toEqual([300, 'booking dash-1 failed: VLAN 1010 is held by another booking; everything set up for it was undone']);
  });
});

describe('reports for a teardown job', () => {
  it('#16: waits while releasing, then 200 for every hardware and network task once the hosts are clean', () => {
    expect(teardownReports(teardown.tasks, booking({ state: 'releasing' }), lab)).toBeNull();
    const r = byTask(teardownReports(teardown.tasks, booking({ state: 'released' }), lab));
    expect(r[HW]).toEqual([200, "sim-01 is wiped of the booking's keys, powered off and back in lab sim's pool (booking dash-1 released)"]);
    expect(r[NET]).toEqual([200, "sim-01: the booking's VLANs are removed from its ports"]);
    expect(r[VPN]).toEqual([200, 'VPN access removed']);
    expect(byTask(teardownReports(teardown.tasks, null, lab))[HW]![0]).toBe(200);
  });

  it('300 naming what the operators must clean up', () => {
    const stuck = booking({ state: 'needs_cleanup', cleanup: { leftovers: [{ host: 'sim-01', step: 'switch', error: { type: 'SwitchUnreachable', message: 'no answer' } }] } });
    expect(byTask(teardownReports(teardown.tasks, stuck, lab))[HW]).toEqual([300, "release of booking dash-1 left work for the lab's operators: sim-01 switch: no answer"]);
  });
});
