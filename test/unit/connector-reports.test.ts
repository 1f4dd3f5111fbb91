/**
 * What the dashboard is told, task by task, from the booking's state: nothing while it settles,
 * 200 with the host, its hostname and address, the real VLANs, the VPN account and where the
 * password is once active; 300 with the failing step's own reason; the teardown's outcome.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadLab } from '../../config/load-lab';
import { readJob } from '../../workers/connector-job';
import { provisionReports, startedReports, teardownReports, type BookingView } from '../../workers/connector-reports';

const lab = loadLab(join(import.meta.dirname, '..', '..', 'config', 'sim-lab.yaml'));
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop';

const job = readJob({
  id: 7,
  payload: {
    hardware: { hw: { id: 'sim-01', image: 'ubuntu-22.04', power: 'on', hostname: 'pod-1' } },
    network: { net: { 'sim-01': { '52:54:00:00:01:01': [{ vlan_id: 101, tagged: false }], '52:54:00:00:01:02': [{ vlan_id: 102, tagged: true }] } } },
    access: {
      vpn: { access_type: 'vpn', user: 'alice', revoke: false },
      ssh: { access_type: 'ssh', user: 'alice', revoke: false, context: { key: KEY } },
    },
    software: { sw: { opnfv: {} } },
  },
});

const done = (step: string) => ({ step, status: 'done' });
function booking(overrides: Partial<BookingView> = {}): BookingView {
  return {
    id: 'dash-7',
    state: 'active',
    networks: [
      { name: 'vlan-101', vlan: 1004 },
      { name: 'vlan-102', vlan: 1005 },
    ],
    hosts: [{ name: 'sim-01', hostname: 'pod-1', address: '10.20.0.11', steps: ['power', 'imaging', 'switch', 'network', 'access'].map(done) }],
    bookingSteps: [done('vpn'), done('headnode')],
    ...overrides,
  };
}

const byTask = (reports: { task: string; status: number; message: string }[] | null) => Object.fromEntries((reports ?? []).map((r) => [r.task, [r.status, r.message]]));

describe('reports for a setup job', () => {
  it('starts every task with 100, and refuses installer tasks this lab does not run', () => {
    expect(byTask(startedReports(job, false, 'dash-7', 'sim'))).toEqual({
      hw: [100, 'setting up host sim-01 (booking dash-7)'],
      net: [100, 'setting up the VLANs of sim-01 (booking dash-7)'],
      vpn: [100, 'setting up VPN account alice (booking dash-7)'],
      ssh: [100, 'setting up SSH access for alice (booking dash-7)'],
      sw: [300, 'lab sim does not run installers; the hosts are set up without them'],
    });
  });

  it('says nothing while the booking is provisioning', () => {
    expect(provisionReports(job, booking({ state: 'provisioning' }), lab)).toBeNull();
  });

  it('reports 200 when active: host, hostname, address, image; real VLANs per NIC; VPN account; key on the hosts', () => {
    const reports = byTask(provisionReports(job, booking(), lab));
    expect(reports).toEqual({
      hw: [200, 'sim-01 is ready: hostname pod-1, address 10.20.0.11, image ubuntu-22.04 (booking dash-7)'],
      net: [200, 'sim-01: eno1 (52:54:00:00:01:01) untagged VLAN 1004 (dashboard VLAN 101); eno2 (52:54:00:00:01:02) tagged VLAN 1005 (dashboard VLAN 102)'],
      vpn: [200, "VPN account alice is ready on lab sim's VPN; the lab generates its password and hands it out once with booking dash-7, never on this dashboard"],
      ssh: [200, 'SSH key of alice installed on sim-01 (10.20.0.11)'],
    });
    const noAddress = booking({ hosts: [{ name: 'sim-01', hostname: 'pod-1', steps: [] }] });
    expect(byTask(provisionReports(job, noAddress, lab)).hw).toEqual([200, 'sim-01 is ready: hostname pod-1, image ubuntu-22.04 (booking dash-7)']);
  });

  it('reports 300 with the failing step own reason to its tasks, and the booking reason to the rest', () => {
    const failed = booking({
      state: 'failed',
      hosts: [{ name: 'sim-01', hostname: 'pod-1', steps: [done('power'), done('imaging'), { step: 'switch', status: 'failed', error: { type: 'SwitchRejected', message: 'switch refused VLAN 1004' } }] }],
      error: { type: 'SwitchRejected', message: 'switch refused VLAN 1004' },
    });
    const reports = byTask(provisionReports(job, failed, lab));
    expect(reports.hw).toEqual([300, 'sim-01 failed at switch: switch refused VLAN 1004; everything set up for it was undone']);
    expect(reports.net).toEqual([300, 'sim-01 failed at switch: switch refused VLAN 1004; everything set up for it was undone']);
    expect(reports.vpn).toEqual([300, 'booking dash-7 failed: switch refused VLAN 1004; everything set up for it was undone']);

    const vpnFailed = booking({ state: 'needs_cleanup', bookingSteps: [{ step: 'vpn', status: 'failed', error: { type: 'DirectoryUnreachable', message: 'LDAP directory did not answer' } }] });
    expect(byTask(provisionReports(job, vpnFailed, lab)).vpn).toEqual([
      300,
      "VPN account alice could not be created: LDAP directory did not answer; some of it could not be undone and is left to the lab's operators",
    ]);
  });

  it('reports 300 for a booking released before it became ready', () => {
    expect(byTask(provisionReports(job, booking({ state: 'released' }), lab)).hw).toEqual([300, 'booking dash-7 was released before it became ready']);
  });
});

describe('reports for a teardown job', () => {
  const teardown = readJob({
    id: 7,
    payload: {
      hardware: { hw: { id: 'sim-01', power: 'off' } },
      network: { net: { 'sim-01': { '52:54:00:00:01:01': [], '52:54:00:00:01:02': [] } } },
      access: { vpn: { access_type: 'vpn', user: 'alice', revoke: true }, ssh: { access_type: 'ssh', user: 'alice', revoke: true, context: { key: KEY } } },
    },
  });

  it('waits while releasing, then reports 200 with what was undone', () => {
    expect(teardownReports(teardown, booking({ state: 'releasing' }), lab)).toBeNull();
    expect(teardownReports(teardown, booking({ state: 'active' }), lab)).toBeNull();
    expect(byTask(teardownReports(teardown, booking({ state: 'released' }), lab))).toEqual({
      hw: [200, "sim-01 is powered off and back in lab sim's pool (booking dash-7 released)"],
      net: [200, 'sim-01: VLANs removed from eno1, eno2'],
      vpn: [200, 'VPN account alice removed'],
      ssh: [200, 'SSH key of alice removed with booking dash-7'],
    });
  });

  it('reports 200 when there is nothing to tear down, and 300 naming what the operators must clean up', () => {
    expect(byTask(teardownReports(teardown, null, lab)).hw).toEqual([200, 'nothing to tear down: job 7 has no booking in lab sim']);
    expect(byTask(teardownReports(teardown, booking({ state: 'failed' }), lab)).vpn).toEqual([200, 'booking dash-7 had failed; everything it set up was already undone']);
    const stuck = booking({
      state: 'needs_cleanup',
      cleanup: { leftovers: [{ host: 'sim-01', step: 'switch', error: { type: 'SwitchUnreachable', message: 'no answer from sim-switch' } }] },
    });
    expect(byTask(teardownReports(teardown, stuck, lab)).hw).toEqual([
      300,
      "release of booking dash-7 left work for the lab's operators: sim-01 switch: no answer from sim-switch",
    ]);
  });
});
