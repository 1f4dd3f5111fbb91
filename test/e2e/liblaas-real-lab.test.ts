import { realLabTestsOff } from './real-lab-support/opt-in';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { buildServer } from '../../api/server';
import { dataConverterFromEnv } from '../../config/payload-codec';
import { generateKeyPair } from '../../sim/counterparts/sshd';
import { SimDashboard, type DashboardUser } from '../../sim/liblaas-dashboard/dashboard';
import { endBooking, poll, setPower } from '../../sim/liblaas-dashboard/booking-page';
import { createWorker } from '../../workers/worker';
import { taskQueueOf } from '../../workflows/definitions';
import { openRealLab, realLabUnavailable, temporalClient, type RealLabSession } from './real-lab-support/lab-session';
import { directoryView, portState, RESET_PORT, residueOf } from './real-lab-support/residue';
import { realLabDeps } from './real-lab-support/worker-deps';
import { until } from '../helpers/liblaas';

// One booking made by the (simulated) LaaS 3.0 dashboard through liblaas on real peers: ipmi_sim
// BMCs, the FOG simulator, Open vSwitch, sshd boxes and slapd, checked on the devices themselves.
const unavailable = realLabTestsOff() || realLabUnavailable();

let session: RealLabSession | undefined;
let worker: Worker | undefined;
let running: Promise<void> | undefined;
let native: NativeConnection | undefined;
let temporal: Awaited<ReturnType<typeof temporalClient>> | undefined;
let api: FastifyInstance | undefined;
let keyDir = '';
let dash: SimDashboard;
const alice: DashboardUser = { name: 'alice', email: 'alice@example.org', ipa: null };

beforeAll(async () => {
  if (unavailable) return;
  session = await openRealLab({ hosts: ['rl-01', 'rl-02'] });
  const { lab, database, keyring } = session;
  native = await NativeConnection.connect({ address: inject('temporalAddress') });
  worker = await createWorker({
    connection: native,
    namespace: 'default',
    taskQueue: taskQueueOf(lab.name),
    deps: await realLabDeps(lab.lab, database.db, keyring),
    workflowBundle: { codePath: inject('workflowBundlePath') },
    dataConverter: dataConverterFromEnv(process.env, () => undefined).dataConverter,
  });
  running = worker.run();
  temporal = await temporalClient(inject('temporalAddress'));
  api = await buildServer({
    temporal: temporal.client,
    db: database.db,
    lab: lab.lab,
    taskQueue: taskQueueOf(lab.name),
    apiToken: `admin-${randomBytes(12).toString('hex')}`,
    liblaas: { prefix: '/liblaas/', projects: ['anuket'], allow: ['127.0.0.1', '::ffff:127.0.0.1'] },
  });
  await api.listen({ host: '127.0.0.1', port: 0 });
  dash = new SimDashboard(`http://127.0.0.1:${(api.server.address() as AddressInfo).port}/liblaas/`, 'anuket');
  keyDir = await mkdtemp(join(tmpdir(), 'laas-liblaas-'));
}, 300_000);

afterAll(async () => {
  await api?.close();
  worker?.shutdown();
  await running?.catch(() => undefined);
  await native?.close();
  await temporal?.close();
  await session?.close();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

describe.skipIf(unavailable !== '')(`a dashboard booking through liblaas on real peers${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('books one host from a public template: powered, imaged by FOG, its port on the VLAN; power off/on; end leaves zero residue', async () => {
    const lab = session!.lab;
    const key = await generateKeyPair(keyDir, 'alice');
    await dash.createAccount(alice, { givenname: 'Alice', sn: 'Liddell', company: 'Wonderland' });
    await dash.fixPrerequisites(alice, { keys: [key.publicKey] });
    const page = await dash.bookPage(alice);
    const single = page.templates.find((t) => t.pod_name === 'real.small')!;
    const made = await dash.book(alice, { templateId: single.id as string, collaborators: [], purpose: 'Testing', project: 'Anuket', details: 'One real-peer booking made through liblaas', length: 1 });
    const b = dash.booking(made.bookingId);
    const ready = await until('ready', async () => {
      const p = await poll(dash, made.bookingId);
      return p.ready ? p : null;
    }, 240_000);
    expect(Object.values(ready.lights)).toEqual(['success']);
    // alice's own directory entry (user/create) is in the VPN group for this booking, no account of the booking's own.
    await until('active', async () => ((await dash.api.bookingStatus(b.aggregateId)) as { state: string }).state === 'active', 60_000);
    const joined = await directoryView(lab, 'alice');
    expect(joined.entries.map((e) => [...e.description].sort())).toEqual([['laas-user', `laas-booking=${b.aggregateId}`].sort()]);
    expect(joined.groupMembers).toContain(joined.entries[0]!.dn);
    const status = (await dash.api.bookingStatus(b.aggregateId)) as { instances: Record<string, { assigned_host_info: { hostname: string } }>; networks: { vlan: number }[] };
    const [instance, inst] = Object.entries(status.instances)[0]!;
    const host = inst.assigned_host_info.hostname;
    expect(await lab.host(host).bmc.chassisChanges()).toEqual(['set power 0', 'set boot pxe', 'set power 1']);
    const ubuntu = lab.lab.images.find((i) => i.name === 'ubuntu-22.04')!.imagingId;
    expect(lab.fog.tasks(host).map((t) => [t.typeID, String(t.imageID), t.stateID])).toEqual([[1, ubuntu, 4]]);
    expect(await portState(lab, lab.host(host).nics[0]!.port)).toBe(`tag=${status.networks[0]!.vlan} trunks=[4095] vlan_mode=native-untagged`);
    expect(await portState(lab, lab.host(host).nics[1]!.port)).toBe(RESET_PORT);
    expect(await setPower(dash, instance, 'PowerOff')).toEqual({ power_state: 'Off' });
    expect(await lab.host(host).bmc.power()).toBe('off');
    expect(await setPower(dash, instance, 'PowerOn')).toEqual({ power_state: 'On' });
    expect(await dash.api.powerStatus(instance)).toEqual({ power_state: 'On' });
    expect(await endBooking(dash, b)).toBe(true);
    await until('released', async () => ((await dash.api.bookingStatus(b.aggregateId)) as { state: string }).state === 'released', 180_000);
    expect(await residueOf(lab, session!.database.db, { bookingId: b.aggregateId, hosts: ['rl-01', 'rl-02'], vpnUsers: ['alice'] })).toEqual([]);
    const left = await directoryView(lab, 'alice');
    expect(left.entries.map((e) => e.description)).toEqual([['laas-user']]);
    expect(left.groupMembers).not.toContain(left.entries[0]!.dn);
  });
});
