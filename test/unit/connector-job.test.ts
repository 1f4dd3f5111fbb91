/**
 * Reading the real dashboard's jobs (the reference's example JSON) and turning a setup job into a
 * booking request: checklist points 3-9, 14, 21 of shared/reference/laas-dashboard-2x.md §15.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLab } from '../../config/load-lab';
import { intentOf, isTeardown, readJob, validHostname, type AccessTask, type HardwareTask, type NetworkTask } from '../../workers/connector-job';
import { dashboardImageId, toBookingRequest } from '../../workers/connector-request';
import { createUserDirectory, laasUserOf, parseUserMap } from '../../workers/connector-users';

const lab = loadLab(join(import.meta.dirname, '..', '..', 'config', 'sim-lab.yaml'));
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'dashboard-2x', name), 'utf8'));
const [setupJob] = fixture('setup.json') as unknown[];
const [teardownJob] = fixture('teardown.json') as unknown[];
const options = { project: 'demo', fallbackOwner: 'dashboard', leaseHours: 2, publicVlans: new Set([1010]), now: new Date('2030-01-01T00:00:00Z') };

describe('reading a job as the real dashboard serves it', () => {
  it('#3 #4 #6: string ipmi_create, integer user, lab_token inside and beside the host key', () => {
    const job = readJob(setupJob);
    expect(job.tasks.map((t) => t.kind).sort()).toEqual(['access', 'access', 'hardware', 'network']);
    const hw = job.tasks.find((t) => t.kind === 'hardware') as HardwareTask;
    expect(hw).toEqual({ kind: 'hardware', id: '44a5a128-f30a-412b-a190-ab0c216d69ab', host: 'sim-01', image: 'ubuntu-22.04', power: 'on', hostname: 'pod-1', ipmiCreate: true, labToken: 'null' });
    const net = job.tasks.find((t) => t.kind === 'network') as NetworkTask;
    expect(Object.keys(net.hosts)).toEqual(['sim-01']);
    expect(job.tasks.filter((t): t is AccessTask => t.kind === 'access').map((t) => [t.accessType, t.user])).toEqual([
      ['vpn', 2],
      ['ssh', 2],
    ]);
    expect(intentOf(job)).toEqual({ kind: 'setup' });
  });

  it('#3 #6: tolerates a boolean ipmi_create, a numeric-string user, no context on VPN and keys in any order', () => {
    const job = readJob({
      payload: { access: { a: { user: '5', revoke: false, access_type: 'vpn' } }, hardware: { h: { power: 'on', ipmi_create: true, id: 'sim-01', image: 'rocky-9' } } },
      id: 9,
    });
    expect(job.tasks.map((t) => t.kind)).toEqual(['access', 'hardware']);
    expect((job.tasks[0] as AccessTask).user).toBe(5);
  });

  it('#14: the teardown re-issue is teardown by power off, every NIC [], revoke; the oldest {id, lab_token, power} too', () => {
    const job = readJob(teardownJob);
    expect(job.tasks.every(isTeardown)).toBe(true);
    expect(intentOf(job)).toEqual({ kind: 'teardown' });
    expect(intentOf(readJob({ id: 1, payload: { hardware: { h: { id: 'sim-01', lab_token: 'null', power: 'off' } } } }))).toEqual({ kind: 'teardown' });
  });

  it('#21: an unknown kind (snapshot, anything new) is unsupported on that task only, the analytics task is its own kind', () => {
    const job = readJob({ id: 3, payload: { snapshot: { s: { host: 'sim-01', dashboard_id: 4 } }, 'active users task': { a: {} }, hardware: { h: { id: 'sim-01', image: 'rocky-9', power: 'on' } } } });
    expect(job.tasks.map((t) => t.kind)).toEqual(['unsupported', 'active-users', 'hardware']);
    expect(intentOf(job)).toEqual({ kind: 'setup' });
  });
});

describe('the booking request of a setup job', () => {
  const users = new Map<number, string | null>([[2, 'alice']]);

  it('#7 #8 #9: exactly the dashboard VLAN, untagged, public when it is a public VLAN; the empty NIC is left out', () => {
    const r = toBookingRequest(readJob(setupJob), lab, users, options);
    expect(r.ok && r.request).toEqual({
      id: 'dash-1',
      project: 'demo',
      owner: 'alice',
      purpose: 'LaaS dashboard job 1',
      end: '2030-01-01T02:00:00.000Z',
      networks: [{ name: 'vlan-1010', vlan: 1010, public: true }],
      hosts: [{ name: 'sim-01', image: 'ubuntu-22.04', hostname: 'pod-1', interfaces: { eno1: [{ network: 'vlan-1010', tagged: false }] } }],
      access: { sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop'], vpnUsers: ['alice'] },
      // #17: the end is a safety bound; reaching it raises an alert event, never a release.
      leaseEnd: 'alert',
    });
    const privateOnly = toBookingRequest(readJob(setupJob), lab, users, { ...options, publicVlans: new Set() });
    expect(privateOnly.ok && privateOnly.request.networks).toEqual([{ name: 'vlan-1010', vlan: 1010 }]);
  });

  it('#4: a user the dashboard does not know is refused on its own task; the booking goes on', () => {
    const r = toBookingRequest(readJob(setupJob), lab, new Map([[2, null]]), options);
    expect(r.ok && r.refused.map((p) => p.message)).toEqual([
      "dashboard user 2 is unknown to the dashboard's users endpoint; no VPN access was given for it",
      "dashboard user 2 is unknown to the dashboard's users endpoint; no SSH access was given for it",
    ]);
    expect(r.ok && [r.request.owner, r.request.access]).toEqual(['dashboard', { sshKeys: [], vpnUsers: [] }]);
  });

  it('#5: any hostname becomes a valid one, deterministically', () => {
    expect(validHostname('opnfv_host', 'sim-01')).toBe('opnfv-host');
    expect(validHostname('My Pod #1.', 'sim-01')).toBe('my-pod-1');
    expect(validHostname('___', 'sim-01')).toBe('sim-01');
    expect(validHostname('x'.repeat(80), 'sim-01')).toHaveLength(63);
  });

  it('#23: the image is the id the lab pushed it under (a slug), else its name or imaging server id; an unknown one is refused on its task', () => {
    expect(lab.images.map((i) => dashboardImageId(i.name))).toEqual(['ubuntu-22_04', 'rocky-9']);
    const raw = structuredClone(setupJob) as { payload: { hardware: Record<string, { image: string }> } };
    raw.payload.hardware['44a5a128-f30a-412b-a190-ab0c216d69ab']!.image = 'ubuntu-22_04';
    const pushed = toBookingRequest(readJob(raw), lab, users, options);
    expect(pushed.ok && pushed.request.hosts[0]!.image).toBe('ubuntu-22.04');
    raw.payload.hardware['44a5a128-f30a-412b-a190-ab0c216d69ab']!.image = '2';
    const r = toBookingRequest(readJob(raw), lab, users, options);
    expect(r.ok && r.request.hosts[0]!.image).toBe('rocky-9');
    raw.payload.hardware['44a5a128-f30a-412b-a190-ab0c216d69ab']!.image = 'win95';
    const bad = toBookingRequest(readJob(raw), lab, users, options);
    expect(!bad.ok && bad.problems[0]!.message).toBe('lab sim has no image win95 (its images: ubuntu-22_04, rocky-9)');
  });

  it('maps dashboard users to laas users by username, lower-cased, or by the map', () => {
    const map = parseUserMap('Bob.Jones=bjones');
    expect(laasUserOf({ id: 3, username: 'Bob.Jones' }, map)).toBe('bjones');
    expect(laasUserOf({ id: 2, username: 'Alice' }, map)).toBe('alice');
    expect(laasUserOf({ id: 4, username: 'név@x' }, map)).toBeNull();
  });

  it('#4: looks each dashboard user id up once and keeps the answer, unknown ids included', async () => {
    const asked: number[] = [];
    const directory = createUserDirectory((id) => {
      asked.push(id);
      return Promise.resolve(id === 2 ? { id, username: 'alice' } : null);
    }, new Map());
    expect(await directory.resolve([2, 77, 2])).toEqual(new Map([[2, 'alice'], [77, null]]));
    expect(await directory.resolve([77, 2])).toEqual(new Map([[77, null], [2, 'alice']]));
    expect(asked).toEqual([2, 77]);
  });
});
