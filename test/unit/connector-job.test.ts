/**
 * A dashboard job read and turned into a booking request: the contract's shapes, MACs to NIC
 * names through the lab description, the dashboard's VLAN ids to named networks, access tasks to
 * keys and VPN users, and problems that name the task. The request is checked with the API's own
 * schema and lab rules, so what the connector sends is what the API accepts.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadLab } from '../../config/load-lab';
import { createBookingBody } from '../../api/schemas/booking';
import { checkAgainstLab } from '../../api/booking-rules';
import { bookingIdOf, intentOf, readJob, toBookingRequest, JobUnreadable, type BookingRequest, type DashboardJob } from '../../workers/connector-job';

const lab = loadLab(join(import.meta.dirname, '..', '..', 'config', 'sim-lab.yaml'));
const now = new Date('2026-03-01T10:00:00Z');
const options = { project: 'demo', fallbackOwner: 'dashboard', leaseHours: 48, now };
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop';

/** A two-host job as the dashboard sends it, `lab_token` and all. */
function jobJson(overrides: Record<string, Record<string, unknown>> = {}) {
  return {
    id: 7,
    payload: {
      hardware: {
        'hw-1': { id: 'sim-01', image: 'ubuntu-22.04', power: 'on', hostname: 'pod-1', ipmi_create: false, lab_token: 'null' },
        'hw-2': { id: 'sim-02', image: '2', power: 'on', hostname: 'pod-2', ipmi_create: false, lab_token: 'null' },
      },
      network: {
        'net-1': { 'sim-01': { '52:54:00:00:01:01': [{ vlan_id: 101, tagged: false, public: true }], '52:54:00:00:01:02': [{ vlan_id: 102, tagged: true }] }, lab_token: 'null' },
        'net-2': { 'sim-02': { '52:54:00:00:02:01': [{ vlan_id: 101, tagged: false }], '52:54:00:00:02:02': [] } },
      },
      access: {
        'vpn-1': { access_type: 'vpn', user: 'alice', revoke: false, context: {} },
        'ssh-1': { access_type: 'ssh', user: 'alice', revoke: false, context: { key: KEY, hosts: ['sim-01', 'sim-02'] } },
      },
      ...overrides,
    },
  };
}

function request(job: DashboardJob): BookingRequest {
  const r = toBookingRequest(job, lab, options);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.request;
}

function problems(raw: unknown): { task: string; message: string }[] {
  const r = toBookingRequest(readJob(raw), lab, options);
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}

describe('reading a dashboard job', () => {
  it('reads every task of the contract, ignoring the dashboard own extra fields', () => {
    const job = readJob(jobJson());
    expect(job.id).toBe(7);
    expect(job.tasks.map((t) => `${t.kind}:${t.id}`)).toEqual(['hardware:hw-1', 'hardware:hw-2', 'network:net-1', 'network:net-2', 'access:vpn-1', 'access:ssh-1']);
    expect(job.tasks[0]).toEqual({ kind: 'hardware', id: 'hw-1', host: 'sim-01', image: 'ubuntu-22.04', power: 'on', hostname: 'pod-1' });
    expect(job.tasks[5]).toEqual({ kind: 'access', id: 'ssh-1', accessType: 'ssh', user: 'alice', revoke: false, key: KEY, hosts: ['sim-01', 'sim-02'] });
  });

  it('marks a task it cannot read, naming the task and the field; a job without an id is unreadable', () => {
    const job = readJob(jobJson({ hardware: { 'hw-9': { image: 'rocky-9', power: 'on' } } }));
    expect(job.tasks[0]).toEqual({ kind: 'unreadable', id: 'hw-9', problem: expect.stringMatching(/^hardware task hw-9: id: /) as string });
    expect(intentOf(job)).toMatchObject({ kind: 'refused', problem: expect.stringMatching(/^hardware task hw-9: /) as string });
    const badVlan = readJob(jobJson({ network: { n: { 'sim-01': { '52:54:00:00:01:01': [{ vlan_id: 5000, tagged: false }] } } } }));
    expect(badVlan.tasks.find((t) => t.id === 'n')).toMatchObject({ kind: 'unreadable', problem: expect.stringContaining('vlan_id') as string });
    expect(() => readJob({ payload: {} })).toThrow(JobUnreadable);
    expect(() => readJob('[]')).toThrow(/not a dashboard job/);
  });

  it('tells setup from teardown: power off, no VLANs and revoked access end the booking; a mix is refused', () => {
    expect(intentOf(readJob(jobJson()))).toEqual({ kind: 'provision' });
    const teardown = {
      id: 7,
      payload: {
        hardware: { 'hw-1': { id: 'sim-01', power: 'off' } },
        network: { 'net-1': { 'sim-01': { '52:54:00:00:01:01': [], '52:54:00:00:01:02': [] } } },
        access: { 'vpn-1': { access_type: 'vpn', user: 'alice', revoke: true } },
      },
    };
    expect(intentOf(readJob(teardown))).toEqual({ kind: 'teardown' });
    const mixed = { ...teardown, payload: { ...teardown.payload, access: { 'vpn-1': { access_type: 'vpn', user: 'alice', revoke: false } } } };
    expect(intentOf(readJob(mixed))).toMatchObject({ kind: 'refused', problem: expect.stringContaining('mixes teardown and setup') as string });
    expect(intentOf(readJob({ id: 8, payload: { software: { s: {} } } }))).toMatchObject({ kind: 'refused' });
  });
});

describe('a job as a booking request', () => {
  it('books the named hosts with their images and hostnames, NICs found by MAC, VLAN ids as networks', () => {
    const r = request(readJob(jobJson()));
    expect(r).toEqual({
      id: 'dash-7',
      project: 'demo',
      owner: 'alice',
      purpose: 'LaaS dashboard job 7',
      end: '2026-03-03T10:00:00.000Z',
      networks: [{ name: 'vlan-101', public: true }, { name: 'vlan-102' }],
      hosts: [
        { name: 'sim-01', image: 'ubuntu-22.04', hostname: 'pod-1', interfaces: { eno1: [{ network: 'vlan-101', tagged: false }], eno2: [{ network: 'vlan-102', tagged: true }] } },
        { name: 'sim-02', image: 'rocky-9', hostname: 'pod-2', interfaces: { eno1: [{ network: 'vlan-101', tagged: false }] } },
      ],
      access: { sshKeys: [KEY], vpnUsers: ['alice'] },
    });
    expect(bookingIdOf(7)).toBe(r.id);
  });

  it('is a request the API accepts for the simulated lab', () => {
    const body = createBookingBody.parse(request(readJob(jobJson())));
    expect(checkAgainstLab(body, lab, now)).toEqual([]);
  });

  it('matches MACs whatever their case, and falls back to the configured owner for a user name the API cannot take', () => {
    const r = request(
      readJob(
        jobJson({
          network: { n: { 'sim-01': { ['52:54:00:00:01:01'.toUpperCase()]: [{ vlan_id: 300, tagged: false }] } } },
          access: { v: { access_type: 'vpn', user: 'Alice Smith', revoke: false } },
        }),
      ),
    );
    expect(r.hosts[0]!.interfaces).toEqual({ eno1: [{ network: 'vlan-300', tagged: false }] });
    expect(r.owner).toBe('dashboard');
  });

  it('names the task of each problem: unknown MAC, unbooked host, two untagged VLANs, a key-less SSH task, no image', () => {
    expect(problems(jobJson({ network: { n: { 'sim-01': { 'aa:bb:cc:dd:ee:ff': [{ vlan_id: 1, tagged: false }] } } } }))).toEqual([
      { task: 'n', message: 'host sim-01 has no interface with MAC aa:bb:cc:dd:ee:ff' },
    ]);
    expect(problems(jobJson({ network: { n: { 'sim-03': { '52:54:00:00:03:01': [{ vlan_id: 1, tagged: false }] } } } }))).toEqual([
      { task: 'n', message: 'network task names host sim-03, which no hardware task of job 7 books' },
    ]);
    const twoUntagged = { n: { 'sim-01': { '52:54:00:00:01:01': [{ vlan_id: 1, tagged: false }, { vlan_id: 2, tagged: false }] } } };
    expect(problems(jobJson({ network: twoUntagged }))[0]).toEqual({ task: 'n', message: 'sim-01 eno1 (52:54:00:00:01:01) asks for more than one untagged VLAN' });
    expect(problems(jobJson({ access: { s: { access_type: 'ssh', user: 'bob', revoke: false, context: { hosts: ['sim-01'] } } } }))).toEqual([
      { task: 's', message: 'ssh access for bob carries no public key (context.key)' },
    ]);
    expect(problems(jobJson({ hardware: { h: { id: 'sim-01', power: 'on' } } }))).toContainEqual({ task: 'h', message: 'hardware task for sim-01 names no image' });
    const noHost = problems({ id: 9, payload: { access: { v: { access_type: 'vpn', user: 'alice', revoke: false } } } });
    expect(noHost).toEqual([{ task: 'v', message: 'job 9 books no host (no hardware task)' }]);
  });
});
