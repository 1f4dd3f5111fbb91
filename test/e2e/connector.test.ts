/**
 * The dashboard connector end to end: the dashboard simulator over HTTP, the laas API over HTTP
 * (buildServer on a loopback port), a real worker on the simulated lab, and the connector's
 * polling loop between them. A job becomes one booking; every task hears 100 then 200 with the
 * message the user reads; the teardown delta releases the booking and leaves the lab clean.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../api/server';
import { DashboardSimulator, type JobSpec, type TaskReport } from '../../sim/dashboard/dashboard-sim';
import { createConnector } from '../../workers/connector';
import { DashboardClient, LaasClient } from '../../workers/connector-clients';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';

const apiToken = 'connector-test-api-token-0123';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4zAgkH9vYq2rfsmoUdLZHAlTcwLrSvwVSZqu3vU0u alice@laptop';

let env: LabWorker;
let api: FastifyInstance;
let apiUrl: string;
let dash: DashboardSimulator;
const logs: string[] = [];
const stop = new AbortController();
let running: Promise<void>;

function connectorFor(token: string) {
  return createConnector({
    dashboard: new DashboardClient({ url: dash.url, lab: 'sim', token }),
    laas: new LaasClient({ url: apiUrl, token: apiToken }),
    lab: env.lab,
    project: 'demo',
    fallbackOwner: 'dashboard',
    leaseHours: 2,
    log: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) },
  });
}

beforeAll(async () => {
  env = await startLabWorker();
  api = await buildServer({ temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken });
  apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  // Job ids differ from run to run, so bookings `dash-<job>` never meet an earlier one on the same server.
  dash = await DashboardSimulator.start({ lab: 'sim', firstJobId: 1000 + Math.floor(Math.random() * 1_000_000) });
  running = connectorFor(dash.labToken).run(stop.signal, 100);
});
afterAll(async () => {
  stop.abort();
  await running;
  await dash?.stop();
  await api?.close();
  await env?.close();
});

async function getBooking(id: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await api.inject({ method: 'GET', url: `/v1/bookings/${id}`, headers: { authorization: `Bearer ${apiToken}` } });
  return { status: res.statusCode, body: res.json() };
}

/** Wait until every task of the job has a final report (200 or 300) after the first `skip` reports of each. */
async function settled(jobId: number, tasks: string[], skip = 0, timeoutMs = 60_000): Promise<Map<string, TaskReport[]>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const byTask = new Map(tasks.map((t) => [t, dash.reportsFor(jobId, t).slice(skip)]));
    if ([...byTask.values()].every((rs) => rs.some((r) => r.status >= 200))) return byTask;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not settle: ${JSON.stringify([...byTask])}\n${logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const job: JobSpec = {
  hardware: [
    { id: 'sim-01', image: 'ubuntu-22.04', power: 'on', hostname: 'pod-1', ipmi_create: false },
    { id: 'sim-02', image: 'rocky-9', power: 'on', hostname: 'pod-2', ipmi_create: false },
  ],
  network: [
    { 'sim-01': { '52:54:00:00:01:01': [{ vlan_id: 10, tagged: false }], '52:54:00:00:01:02': [{ vlan_id: 20, tagged: true }] } },
    { 'sim-02': { '52:54:00:00:02:01': [{ vlan_id: 10, tagged: false }], '52:54:00:00:02:02': [] } },
  ],
  access: [
    { access_type: 'vpn', user: 'alice', revoke: false },
    { access_type: 'ssh', user: 'alice', revoke: false, context: { key: KEY, hosts: ['sim-01', 'sim-02'] } },
  ],
};

describe('the dashboard connector', () => {
  it('turns a job into one booking, reports 100 then 200 per task, and releases it on the teardown delta', async () => {
    // The first report is lost: the job stays new, and the next poll must find the booking, not make another.
    dash.setFaults({ failNextReports: 1 });
    const added = dash.addJob(job);
    const id = `dash-${added.id}`;
    const tasks = added.tasks.map((t) => t.id);
    const [hw1, hw2, net1, net2, vpn, ssh] = tasks as [string, string, string, string, string, string];

    const setUp = await settled(added.id, tasks);
    for (const t of tasks) expect(setUp.get(t)!.map((r) => r.status), `task ${t}`).toEqual([100, 200]);
    let runs = 0;
    for await (const _ of env.client.workflow.list({ query: `BookingId = "${id}"` })) runs++;
    expect(runs).toBe(1);

    const booking = await getBooking(id);
    expect(booking.body.state).toBe('active');
    const vlans = Object.fromEntries((booking.body.networks as { name: string; vlan: number }[]).map((n) => [n.name, n.vlan]));
    expect(Object.keys(vlans).sort()).toEqual(['vlan-10', 'vlan-20']);
    const final = (t: string) => setUp.get(t)!.at(-1)!.message;
    expect(final(hw1)).toBe(`sim-01 is ready: hostname pod-1, image ubuntu-22.04 (booking ${id})`);
    expect(final(hw2)).toBe(`sim-02 is ready: hostname pod-2, image rocky-9 (booking ${id})`);
    expect(final(net1)).toBe(
      `sim-01: eno1 (52:54:00:00:01:01) untagged VLAN ${vlans['vlan-10']} (dashboard VLAN 10); eno2 (52:54:00:00:01:02) tagged VLAN ${vlans['vlan-20']} (dashboard VLAN 20)`,
    );
    expect(final(net2)).toBe(`sim-02: eno1 (52:54:00:00:02:01) untagged VLAN ${vlans['vlan-10']} (dashboard VLAN 10)`);
    expect(final(vpn)).toBe(`VPN account alice is ready on lab sim's VPN; the lab generates its password and hands it out once with booking ${id}, never on this dashboard`);
    expect(final(ssh)).toBe('SSH key of alice installed on sim-01 (pod-1), sim-02 (pod-2)');
    expect(setUp.get(hw1)![0]!.message).toBe(`setting up host sim-01 (booking ${id})`);

    // What the user was told is what the lab did.
    expect(env.simLab.host('sim-01').hostname).toBe('pod-1');
    expect(env.simLab.ports.get('sim-switch')!.get('Ethernet1/2')).toEqual({ native: null, tagged: [vlans['vlan-20']] });
    expect(env.simLab.ports.get('sim-switch')!.get('Ethernet1/3')).toEqual({ native: vlans['vlan-10'], tagged: [] });
    expect([...env.simLab.accounts.values()].map((a) => a.uid)).toEqual(['alice']);

    dash.endBooking(added.id);
    const tornDown = await settled(added.id, tasks, 2);
    for (const t of tasks) expect(tornDown.get(t)!.map((r) => r.status), `teardown of task ${t}`).toEqual([100, 200]);
    expect(tornDown.get(hw1)!.at(-1)!.message).toBe(`sim-01 is powered off and back in lab sim's pool (booking ${id} released)`);
    expect(tornDown.get(net1)!.at(-1)!.message).toBe('sim-01: VLANs removed from eno1, eno2');
    expect(tornDown.get(vpn)!.at(-1)!.message).toBe('VPN account alice removed');
    expect((await getBooking(id)).body.state).toBe('released');
    expect(env.simLab.residue()).toEqual([]);

    expect(logs.some((l) => l.startsWith('warn') && l.includes('dashboard answered 500'))).toBe(true);
    for (const line of logs) {
      expect(line).not.toContain(dash.labToken);
      expect(line).not.toContain(apiToken);
    }
  });

  it('reports 300 to every task of a job the lab refuses, naming why, and books nothing', async () => {
    const added = dash.addJob({ hardware: [{ id: 'sim-09', image: 'ubuntu-22.04', power: 'on', hostname: 'pod-9', ipmi_create: false }], access: [{ access_type: 'vpn', user: 'bob', revoke: false }] });
    const reports = await settled(added.id, added.tasks.map((t) => t.id));
    for (const rs of reports.values()) {
      expect(rs.map((r) => r.status)).toEqual([300]);
      expect(rs[0]!.message).toBe('lab sim refused the booking: hosts.0.name: no host sim-09 in lab sim');
    }
    expect((await getBooking(`dash-${added.id}`)).status).toBe(404);

    const badMac = dash.addJob({ ...job, network: [{ 'sim-01': { '52:54:00:ff:ff:ff': [{ vlan_id: 10, tagged: false }] } }] });
    const macReports = await settled(badMac.id, badMac.tasks.map((t) => t.id));
    const netTask = badMac.tasks.find((t) => t.kind === 'network')!.id;
    expect(macReports.get(netTask)!.map((r) => [r.status, r.message])).toEqual([[300, 'host sim-01 has no interface with MAC 52:54:00:ff:ff:ff']]);
    expect((await getBooking(`dash-${badMac.id}`)).status).toBe(404);
  });

  it('says the dashboard refused the lab token, without writing the token down', async () => {
    const before = logs.length;
    const wrong = 'not-the-lab-token-4711';
    await connectorFor(wrong).pollOnce();
    const said = logs.slice(before);
    expect(said).toEqual([expect.stringMatching(/^warn dashboard answered 401 to GET \/api\/labs\/sim\/jobs\/new \(lab token refused\)/) as string]);
    expect(said.join('\n')).not.toContain(wrong);
  });
});
