/**
 * The LaaS 2.x connector end to end against the rebuilt dashboard simulator (which serves the real
 * dashboard's JSON), the laas API over HTTP, a real worker on the simulated lab and PostgreSQL:
 * the acceptance of issue 12, and the reference's checklist points that need the whole chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../api/server';
import { DashboardSimulator, type BookingSpec } from '../../sim/dashboard/dashboard-sim';
import { SimDirectory } from '../../sim/lab/drivers';
import { createConnector } from '../../workers/connector';
import { DashboardClient, LaasClient } from '../../workers/connector-clients';
import type { HostState } from '../../workers/connector-housekeeping';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';
import { until } from '../helpers/liblaas';

const apiToken = 'connector-test-api-token-0123';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop\n';
const alice = { id: 2, username: 'alice', email: 'alice@example.org', first_name: 'Alice', last_name: 'Smith', company: 'ACME' };
const bob = { id: 3, username: 'Bob', email: 'bob@example.org', first_name: 'Bob', last_name: 'Jones', company: 'ACME' };

let env: LabWorker;
let api: FastifyInstance;
let apiUrl: string;
let dash: DashboardSimulator;
const logs: string[] = [];
let stop = new AbortController();
let running: Promise<void>;
const hostStates = new Map<string, HostState>();

function connectorFor(token: string, alertHours = 1, leaseHours = 2) {
  return createConnector({
    dashboard: new DashboardClient({ url: dash.url, lab: 'sim', token }),
    laas: new LaasClient({ url: apiUrl, token: apiToken }),
    lab: env.lab,
    project: 'demo',
    fallbackOwner: 'dashboard',
    leaseHours,
    alertHours,
    publicVlans: new Set([1010]),
    userMap: new Map(),
    loginUser: 'root',
    hostStates: () => Promise.resolve(hostStates),
    housekeepingEvery: 1_000_000,
    log: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) },
  });
}

beforeAll(async () => {
  env = await startLabWorker();
  api = await buildServer({ temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken });
  apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  const hosts = Object.fromEntries(env.lab.hosts.map((h) => [h.name, 'sim.small']));
  // Job ids differ from run to run, so bookings `dash-<job>` never meet an earlier one on the same server.
  dash = await DashboardSimulator.start({ lab: 'sim', firstJobId: 1000 + Math.floor(Math.random() * 1_000_000), users: [alice, bob], hosts });
  running = connectorFor(dash.labToken).run(stop.signal, 100);
});
afterAll(async () => {
  stop.abort();
  await running;
  await dash?.stop();
  await api?.close();
  await env?.close();
});

const statuses = (task: string, skip = 0) => dash.postsFor(task).slice(skip).map((p) => p.status);
const last = (task: string) => dash.postsFor(task).at(-1)!;

/** Until every task has a final post (≥ 200) after its first `skip` posts. */
async function settled(tasks: string[], skip = 0, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!tasks.every((t) => dash.postsFor(t).slice(skip).some((p) => p.status >= 200))) {
    if (Date.now() > deadline) throw new Error(`tasks did not settle: ${JSON.stringify(tasks.map((t) => dash.postsFor(t)))}\n${logs.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const oneHost = (labid: string, hostname: string, vlan: number, users: BookingSpec['users'], image = 'ubuntu-22.04', taggedVlan?: number): BookingSpec => {
  const macs = env.lab.hosts.find((h) => h.name === labid)!.nics.map((n) => n.mac);
  return { hosts: [{ labid, image, hostname, nics: { [macs[0]!]: [{ vlan_id: vlan, tagged: false }], [macs[1]!]: taggedVlan ? [{ vlan_id: taggedVlan, tagged: true }] : [] } }], users };
};
const headers = { authorization: `Bearer ${apiToken}` };
const eventsOf = async (id: string) => (await api.inject({ method: 'GET', url: `/v1/bookings/${id}/events`, headers })).json<{ events: { kind: string; detail: Record<string, unknown> }[] }>().events;

const taskOf = (job: { tasks: { id: string; kind: string; config: Record<string, unknown> }[] }, kind: string, type?: string, user?: number) =>
  job.tasks.find((t) => t.kind === kind && (type === undefined || t.config.access_type === type) && (user === undefined || t.config.user === user))!.id;

describe('the LaaS 2.x dashboard connector', () => {
  it('sets a 1-host booking up (VPN + SSH), re-images it on the re-issue, and tears it down on the teardown re-issue', async () => {
    // #23: the lab's images are on the dashboard under slug ids (JSON posts); the booking names one of them.
    const pushed = await until('the images pushed', () => Promise.resolve(dash.images.rows.length === env.lab.images.length ? dash.images.rows : undefined));
    expect(pushed.map((i) => [i.lab_id, i.name, i.from_lab_id, i.architecture, i.available])).toEqual([
      ['ubuntu-22_04', 'ubuntu-22.04', 'sim', 'x86_64', true],
      ['rocky-9', 'rocky-9', 'sim', 'x86_64', true],
    ]);
    expect(new Set(dash.requests.filter((r) => r.path.includes('/image/')).map((r) => [r.method, r.status, r.contentType].join(' ')))).toEqual(new Set(['POST 200 application/json']));
    const job = dash.book(oneHost('sim-01', 'pod-1', 1010, [{ id: 2, key: KEY }], 'ubuntu-22_04'));
    const [hw, net, vpn, ssh] = [taskOf(job, 'hardware'), taskOf(job, 'network'), taskOf(job, 'access', 'vpn'), taskOf(job, 'access', 'ssh')];
    await settled([hw, net, vpn, ssh]);
    for (const t of [hw, net, vpn, ssh]) expect(statuses(t), t).toEqual([100, 200]);
    // #1: the listing is polled at the lab's slug, no trailing slash, with the token (else 404 or 403).
    expect(dash.requests.some((r) => r.method === 'GET' && r.path === '/api/labs/sim/jobs/new' && r.status === 200)).toBe(true);
    // The dashboard's VLAN id on the switch, untagged, as the public network; the empty NIC untouched.
    expect(env.simLab.ports.get('sim-switch')!.get('Ethernet1/1')).toEqual({ native: 1010, tagged: [] });
    expect(env.simLab.ports.get('sim-switch')!.get('Ethernet1/2') ?? { native: null, tagged: [] }).toEqual({ native: null, tagged: [] });
    expect(last(hw).message).toContain('Your host may be reached at any of the following ip addresses: sim-01');
    expect(last(hw).message).toContain('hostname: pod-1');
    expect(env.simLab.host('sim-01').image).toBe('1');
    expect(last(net).message).toBe('sim-01: eno1 (52:54:00:00:01:01) untagged VLAN 1010');
    expect(last(ssh).message).toBe('Your SSH key is installed. Log in with:\nssh root@sim-01');
    const m = /VPN username: (\S+)\nVPN password: (\S+)/.exec(last(vpn).message);
    expect(m, last(vpn).message).not.toBeNull();
    expect(m![1]).toBe('alice');
    expect(await new SimDirectory(env.simLab).checkBind(m![1]!, m![2]!)).toBe(true);
    expect(dash.hostState('sim-01')).toMatchObject({ booked: true });

    // Re-image (reference §12): hardware with another image, network and SSH back at 0.
    dash.reimage(job.id, 'sim-01', 'rocky-9');
    await settled([hw, net, ssh], 2);
    for (const t of [hw, net, ssh]) expect(statuses(t, 2), `re-image ${t}`).toEqual([100, 200]);
    expect(statuses(vpn)).toEqual([100, 200]);
    expect(env.simLab.host('sim-01').image).toBe('2');
    expect(env.simLab.ports.get('sim-switch')!.get('Ethernet1/1')).toEqual({ native: 1010, tagged: [] });

    // Teardown: hardware, network and VPN re-issued (SSH is not); the dashboard then frees the host.
    dash.endBooking(job.id);
    await settled([hw, net], 4);
    await settled([vpn], 2);
    for (const t of [hw, net]) expect(statuses(t, 4), `teardown ${t}`).toEqual([100, 200]);
    expect(statuses(vpn, 2)).toEqual([100, 200]);
    expect(statuses(ssh)).toHaveLength(4);
    expect(dash.hostState('sim-01')).toMatchObject({ booked: false });
    // #15: the keys went with the host's teardown (no file left on it); #10 #19: form posts, no lab_token.
    expect(env.simLab.residue()).toEqual([]);
    const posts = dash.requests.filter((r) => r.method === 'POST' && r.path.includes('/jobs/') && !r.path.endsWith('/DATA'));
    expect(posts.length).toBeGreaterThan(0);
    expect(new Set(posts.map((r) => r.contentType))).toEqual(new Set(['application/x-www-form-urlencoded']));
    // The lab_token marks a hardware task set up (a later re-issue with power on is a re-image): short, no secret.
    const tokens = dash.posts.filter((p) => p.job === job.id && p.fields.lab_token !== undefined);
    expect(tokens.map((p) => [p.task, p.status, p.fields.lab_token])).toEqual([
      [hw, 200, `laas:dash-${job.id}`],
      [hw, 200, `laas:dash-${job.id}`],
    ]);
    // #19: at most 50 characters, no secret in it; read back from the re-issued payload (the re-image above was recognised by it).
    for (const p of tokens) {
      expect(p.fields.lab_token!.length).toBeLessThanOrEqual(50);
      expect(p.fields.lab_token).not.toContain(m![2]!);
    }
    for (const line of logs) {
      expect(line).not.toContain(dash.labToken);
      expect(line).not.toContain(m![2]!);
    }
  });

  it('sanitises opnfv_host and says so; an unknown user id fails that task only; a tagged VLAN goes in the trunk', async () => {
    const job = dash.book(oneHost('sim-02', 'opnfv_host', 1011, [{ id: 2, key: KEY }, { id: 77 }], 'rocky-9', 1012));
    const [hw, net, vpn, ssh, stranger] = [taskOf(job, 'hardware'), taskOf(job, 'network'), taskOf(job, 'access', 'vpn', 2), taskOf(job, 'access', 'ssh'), taskOf(job, 'access', 'vpn', 77)];
    await settled([hw, net, vpn, ssh, stranger]);
    for (const t of [hw, net, vpn, ssh]) expect(statuses(t), t).toEqual([100, 200]);
    expect(statuses(stranger)).toEqual([300]);
    expect(last(stranger).message).toBe("dashboard user 77 is unknown to the dashboard's users endpoint; no VPN access was given for it");
    expect(env.simLab.host('sim-02').hostname).toBe('opnfv-host');
    expect(last(hw).message).toContain('The dashboard asked for the hostname "opnfv_host", which is not a valid host name; the host is named "opnfv-host".');
    // #7: native when tagged is false, in the trunk when true: exactly the dashboard's VLAN ids.
    expect(env.simLab.ports.get('sim-switch')!.get('Ethernet1/3')).toEqual({ native: 1011, tagged: [] });
    expect(env.simLab.ports.get('sim-switch')!.get('Ethernet1/4')).toEqual({ native: null, tagged: [1012] });
    // #17: near laas's safety bound the booking raises an alert and stays up: only the teardown re-issue ends it.
    await connectorFor(dash.labToken, 3).housekeeping();
    expect(logs.filter((l) => l.startsWith(`warn ALERT: booking dash-${job.id} `))).toHaveLength(1);
    expect((await api.inject({ method: 'GET', url: `/v1/bookings/dash-${job.id}`, headers: { authorization: `Bearer ${apiToken}` } })).json<{ state: string }>().state).toBe('active');
    dash.endBooking(job.id);
    await settled([hw, net], 2);
    expect(statuses(hw, 2)).toEqual([100, 200]);
  });

  it('refuses a job whose VLAN another booking holds, whole, with the reason, allocating nothing', async () => {
    // #10: a report the dashboard answers 500 is said in the log and made again on the next poll, not forever.
    dash.failNextPosts = 1;
    const first = dash.book(oneHost('sim-03', 'pod-3', 1020, [{ id: 2 }]));
    await settled(first.tasks.map((t) => t.id));
    for (const t of first.tasks) expect(statuses(t.id), t.id).toEqual([100, 200]);
    expect(logs.filter((l) => l.includes('(unknown task); trying again next poll'))).toHaveLength(1);
    const clash = dash.book(oneHost('sim-04', 'pod-4', 1020, [{ id: 2 }]));
    const tasks = clash.tasks.map((t) => t.id);
    await settled(tasks);
    for (const t of tasks) {
      expect(statuses(t).at(-1)).toBe(300);
      expect(last(t).message).toContain('VLAN 1020 is held by another booking');
    }
    const held = await env.database.db.selectFrom('vlan_allocations').select('booking_id').where('booking_id', '=', `dash-${clash.id}`).execute();
    const hosts = await env.database.db.selectFrom('host_allocations').select('booking_id').where('booking_id', '=', `dash-${clash.id}`).execute();
    expect([held, hosts]).toEqual([[], []]);
    expect(env.simLab.ports.get('sim-switch')!.get('Ethernet1/7') ?? { native: null, tagged: [] }).toEqual({ native: null, tagged: [] });
    dash.endBooking(first.id);
    await settled([taskOf(first, 'hardware')], 2);
  });

  it('answers a snapshot task 300 with a message, and the active-users task with a count on its own route (never a status)', async () => {
    const snap = dash.jobs.addTasks('snapshot', [{ host: 'sim-02', dashboard_id: 4 }]);
    const t = dash.jobs.addActiveUsersTask();
    await settled([snap.tasks[0]!.id]);
    expect(last(snap.tasks[0]!.id)).toMatchObject({ status: 300, message: 'lab sim does not take snapshots of hosts; nothing was done for this task' });
    const deadline = Date.now() + 10_000;
    while (dash.activeUsers.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(dash.activeUsers).toHaveLength(1);
    expect(dash.postsFor(t.id)).toEqual([]);
  });

  it('marks a host laas keeps in maintenance not working on the dashboard, and working again when it returns', async () => {
    const connector = connectorFor(dash.labToken);
    hostStates.set('sim-04', 'maintenance');
    await connector.housekeeping();
    expect(dash.hostState('sim-04')).toMatchObject({ working: false });
    hostStates.set('sim-04', 'available');
    await connector.housekeeping();
    expect(dash.hostState('sim-04')).toMatchObject({ working: true });
  });

  it('says the dashboard refused the lab name or token (403), without writing the token down', async () => {
    const before = logs.length;
    const wrong = 'not-the-lab-token-4711';
    await connectorFor(wrong).pollOnce();
    const said = logs.slice(before);
    // The image push (its first call) and the poll each say it once; an error page is never read as JSON.
    expect(said).toEqual([
      expect.stringMatching(/^warn images not pushed: dashboard answered 403 to POST \/api\/labs\/sim\/image\/ubuntu-22_04 \(lab name or token refused\)/) as string,
      expect.stringMatching(/^warn dashboard answered 403 to GET \/api\/labs\/sim\/jobs\/new \(lab name or token refused\)/) as string,
    ]);
    expect(said.join('\n')).not.toContain(wrong);
  });

  it('#17: at its safety bound a booking the dashboard still runs raises a lease:alert event and stays up until the teardown re-issue', async () => {
    stop.abort();
    await running;
    stop = new AbortController();
    // A bound of 30 s stands for the 2016 h of a real lab.
    running = connectorFor(dash.labToken, 1, 30 / 3600).run(stop.signal, 100);
    const job = dash.book(oneHost('sim-03', 'pod-3', 1040, [{ id: 2 }]));
    const hw = taskOf(job, 'hardware');
    await settled(job.tasks.map((t) => t.id));
    const id = `dash-${job.id}`;
    const alert = await until('the lease alert', async () => (await eventsOf(id)).find((e) => e.kind === 'lease:alert'));
    expect(alert.detail.message).toContain('only a release ends it');
    expect((await api.inject({ method: 'GET', url: `/v1/bookings/${id}`, headers })).json<{ state: string }>().state).toBe('active');
    expect(dash.hostState('sim-03')).toMatchObject({ booked: true });
    expect(statuses(hw)).toEqual([100, 200]);
    dash.endBooking(job.id);
    await settled([hw, taskOf(job, 'network')], 2);
    expect(statuses(hw, 2)).toEqual([100, 200]);
    expect((await eventsOf(id)).map((e) => e.kind)).toContain('state:released');
    stop.abort();
    await running;
    stop = new AbortController();
    running = connectorFor(dash.labToken).run(stop.signal, 100);
  });

  it('#24: a restarted connector finishes the tasks its predecessor left at 100 (jobs/current)', async () => {
    stop.abort();
    await running;
    const job = dash.book(oneHost('sim-04', 'pod-4', 1030, [{ id: 2 }]));
    const tasks = job.tasks.map((t) => t.id);
    await connectorFor(dash.labToken).pollOnce();
    for (const t of tasks) expect(statuses(t)).toEqual([100]);
    stop = new AbortController();
    running = connectorFor(dash.labToken).run(stop.signal, 100);
    await settled(tasks);
    for (const t of tasks) expect(statuses(t)).toEqual([100, 200]);
    dash.endBooking(job.id);
    await settled([taskOf(job, 'hardware')], 2);
  });
});
