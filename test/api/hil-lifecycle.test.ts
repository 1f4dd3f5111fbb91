/**
 * Acceptance: a whole HIL admin and project life cycle through /v0 with the bodies HIL's v0.3 and
 * master clients send (hil-clients.md §3-§8): every switch type, a mock node driven by the lab's
 * worker (simulated lab), an IPMI node on ipmi_sim (power, SOL console), an obmd node (obmd
 * simulator in front of ipmi_sim, OBM enable/disable), a headnode on libvirtd, connect/detach
 * polled to DONE, `hil project node remove --force`, and the deletes in reverse.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetworkAction } from '../../api/network-actions';
import { buildServer } from '../../api/server';
import { newKeyEntry, parseKeyring } from '../../db/crypto';
import { ensureLab, setVlanPool } from '../../db/labs';
import { LibvirtHeadnodes } from '../../drivers/headnode/libvirt';
import { IpmitoolPower } from '../../drivers/power/ipmitool';
import { ObmdPower } from '../../drivers/power/obmd';
import { startIpmiSim, type IpmiSim } from '../../sim/counterparts/ipmi-sim';
import { startLibvirtd, type Libvirtd } from '../../sim/counterparts/libvirtd';
import { startObmdSim, type ObmdSim } from '../../sim/obmd/obmd-sim';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';

const run = promisify(execFile);
const URI = 'http://schema.massopencloud.org/haas/v0';
const ADMIN_PW = 'lifecycle-admin-pw-9';
const BMC_PW = 'LifeBmc-7-pw';
const keyring = parseKeyring(newKeyEntry('k1'));
const auth = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const ADMIN = auth('admin', ADMIN_PW);
const FRANK = auth('frank', 'frank-life-pw-3');

let env: LabWorker;
let api: FastifyInstance;
let base: string;
let bmc: IpmiSim;
let obmd: ObmdSim;
let libvirtd: Libvirtd;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laas-hil-life-'));
  await mkdir(join(dir, 'images'));
  await mkdir(join(dir, 'overlays'));
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'images', 'centos7.qcow2'), '16M']);
  [bmc, obmd, libvirtd] = await Promise.all([startIpmiSim({ password: BMC_PW, serial: true }), startObmdSim(), startLibvirtd()]);
  // The lab's worker reaches the hypervisor, obmd (tokens) and the serial consoles; the API only asks it.
  const headnode = new LibvirtHeadnodes({ uri: libvirtd.testUri, domainType: 'test', imageDir: join(dir, 'images'), overlayDir: join(dir, 'overlays'), fabric: { kind: 'openvswitch', bridge: 'br-lab' }, timeoutMs: 20_000 });
  env = await startLabWorker({ keyring, headnode });
  await setVlanPool(env.database.db, (await ensureLab(env.database.db, env.lab.name)).id, [1500, 1501]);
  const ipmi = new IpmitoolPower({ timeoutMs: 10_000 });
  const viaObmd = new ObmdPower({ timeoutMs: 15_000 });
  api = await buildServer({
    temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken: 'hil-life-token-0123456789',
    hil: {
      keyring,
      adminPassword: ADMIN_PW,
      // Real BMCs in this process; the simulated lab's (mock OBM) through the lab's worker.
      power: (type) => (type === 'ipmi' ? ipmi : type === 'obmd' ? viaObmd : undefined),
      onNetworkAction: (id) => startNetworkAction(env.client, env.taskQueue, id),
      headnodes: true,
    },
  });
  base = `${await api.listen({ host: '127.0.0.1', port: 0 })}/v0`;
  await bmc.serial!.connected();
  const obmdAdmin = `Basic ${Buffer.from(`admin:${obmd.adminToken}`).toString('base64')}`;
  const put = await fetch(obmd.nodeUri('o1'), { method: 'PUT', headers: { authorization: obmdAdmin }, body: JSON.stringify({ type: 'ipmi', info: { addr: `127.0.0.1:${bmc.port}`, user: bmc.username, pass: BMC_PW } }) });
  expect(put.status).toBe(200);
});
afterAll(async () => {
  await api?.close();
  await Promise.all([bmc?.stop(), obmd?.stop(), libvirtd?.stop()]);
  await env?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** As HIL's client: json.dumps(body) as text, no Content-Type; no body at all for body-less calls. */
async function hil(who: string, method: string, path: string, body?: unknown): Promise<[number, unknown]> {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: who }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // the console log is text
  }
  return [res.status, parsed];
}

async function ok(who: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const [status, answer] = await hil(who, method, path, body);
  expect([200, 202], `${method} ${path} → ${status} ${JSON.stringify(answer)}`).toContain(status);
  return answer;
}

/** The console log: plain text, as HIL's show_console answered it. */
async function consoleText(node: string): Promise<string> {
  const res = await fetch(`${base}/node/${node}/console`, { headers: { authorization: FRANK } });
  expect(res.status).toBe(200);
  return res.text();
}

/** What the CLI does after connect/detach/revert: poll the action until it is no longer PENDING. */
async function done(answer: unknown): Promise<void> {
  const id = (answer as { status_id: string }).status_id;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [, action] = await hil(FRANK, 'GET', `/networking_action/${id}`);
    const status = (action as { status: string }).status;
    if (status !== 'PENDING') return void expect(status).toBe('DONE');
    if (Date.now() > deadline) throw new Error(`networking action ${id} stayed PENDING`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// HIL's bodies for its Dell and Brocade types (hil-clients.md §8), and a port of each.
const VENDOR_SWITCHES = [
  ['delln3000', { hostname: '192.0.2.9', username: 'a', password: 'b', dummy_vlan: '2222' }, 'gi1/0/3'],
  ['powerconnect55xx', { hostname: '192.0.2.10', username: 'a', password: 'b' }, 'te1/3'],
  ['dellnos9', { hostname: 'http://192.0.2.11:8008', username: 'a', password: 'b', interface_type: 'TenGigabitEthernet' }, '1/3'],
  ['brocade', { hostname: 'http://192.0.2.12', username: 'a', password: 'b', interface_type: 'TenGigabitEthernet' }, '1/0/3'],
] as const;

describe("HIL's clients, a whole life cycle", () => {
  it('runs the admin set-up, the project life cycle, and the deletes in reverse', async () => {
    // Switches: every type HIL's client registers (§8).
    await ok(ADMIN, 'PUT', '/switch/mock0', { type: `${URI}/switches/mock`, hostname: 'mock0', username: 'u', password: 'p' });
    await ok(ADMIN, 'PUT', '/switch/ovs0', { type: `${URI}/switches/ovs`, ovs_bridge: 'br-lab' });
    await ok(ADMIN, 'PUT', '/switch/nx0', { type: `${URI}/switches/nexus`, hostname: '192.0.2.8', username: 'admin', password: 'nx-pw', dummy_vlan: '2222' });
    for (const [type, fields, port] of VENDOR_SWITCHES) {
      await ok(ADMIN, 'PUT', `/switch/x-${type}`, { type: `${URI}/switches/${type}`, ...fields });
      // With HIL's own port names (validate_port_name); driven against simulators in hil-switch-types.test.ts.
      await ok(ADMIN, 'PUT', `/switch/x-${type}/port/${port}`);
    }
    const modules = ['mock', 'nexus', 'ovs', 'n3000', 'dell', 'dellnos9', 'brocade'].map((m) => `hil.ext.switches.${m}`);
    expect(await ok(ADMIN, 'GET', '/active_extensions')).toEqual(expect.arrayContaining(modules));
    expect(await hil(FRANK, 'GET', '/active_extensions')).toEqual([401, expect.objectContaining({ type: 'AuthorizationError' })]);
    await ok(ADMIN, 'PUT', '/switch/mock0/port/gi1/0/1');

    // Nodes: V3's mock and IPMI bodies, master's obmd body.
    await ok(ADMIN, 'PUT', '/node/m1', { obm: { type: `${URI}/obm/mock`, host: 'm1-bmc', user: 'u', password: 'p' } });
    await ok(ADMIN, 'PUT', '/node/i1', { obm: { type: `${URI}/obm/ipmi`, host: '127.0.0.1', port: bmc.port, user: bmc.username, password: BMC_PW } });
    await ok(ADMIN, 'PUT', '/node/o1', { obmd: { uri: obmd.nodeUri('o1'), admin_token: obmd.adminToken } });
    await ok(ADMIN, 'PUT', '/node/m1/nic/eth0', { macaddr: '52:54:00:12:34:01' });
    await ok(ADMIN, 'POST', '/switch/mock0/port/gi1/0/1/connect_nic', { node: 'm1', nic: 'eth0' });

    // A project and its member.
    await ok(ADMIN, 'PUT', '/project/p1');
    await ok(ADMIN, 'PUT', '/auth/basic/user/frank', { password: 'frank-life-pw-3', is_admin: false });
    await ok(ADMIN, 'POST', '/auth/basic/user/frank/add_project', { project: 'p1' });
    for (const node of ['m1', 'i1', 'o1']) await ok(FRANK, 'POST', '/project/p1/connect_node', { node });

    // Power: the mock node through the lab's worker, the IPMI node on ipmi_sim, the obmd node once enabled.
    await ok(FRANK, 'POST', '/node/m1/power_on');
    expect(env.simLab.host('m1').power).toBe('on');
    expect(await ok(FRANK, 'GET', '/node/m1/power_status')).toEqual({ power_status: 'on' });
    expect(await hil(FRANK, 'POST', '/node/o1/power_on')).toEqual([409, { type: 'BlockedError', msg: 'OBM is not enabled' }]);
    await ok(FRANK, 'PUT', '/node/o1/obm', { enabled: true });
    await ok(FRANK, 'POST', '/node/o1/power_on');
    expect(await bmc.power()).toBe('on');
    expect(await ok(FRANK, 'GET', '/node/i1/power_status')).toEqual({ power_status: 'on' });
    await ok(FRANK, 'PUT', '/node/i1/boot_device', { bootdev: 'pxe' });
    await ok(FRANK, 'POST', '/node/i1/power_cycle', { force: false });

    // Console (V3: start, read, stop) on the IPMI node's serial port.
    await ok(FRANK, 'PUT', '/node/i1/console');
    const deadline = Date.now() + 15_000;
    let log = '';
    while (!log.includes('i1 login:') && Date.now() < deadline) {
      bmc.serial!.write('i1 login: \r\n');
      log = await consoleText('i1');
    }
    expect(log).toContain('i1 login:');
    await ok(FRANK, 'DELETE', '/node/i1/console');
    let simLog = '';
    for (let i = 0; i < 50 && !simLog.includes('simulated serial console of m1'); i++) simLog = await consoleText('m1');
    expect(simLog).toContain('simulated serial console of m1');

    // A network from the pool, the mock node's NIC on it through the lab's worker.
    await ok(FRANK, 'PUT', '/network/net1', { owner: 'p1', access: 'p1', net_id: '' });
    await done(await ok(FRANK, 'POST', '/node/m1/nic/eth0/connect_network', { network: 'net1', channel: 'vlan/native' }));
    expect(env.simLab.ports.get('mock0')?.get('gi1/0/1')).toEqual({ native: 1500, tagged: [] });
    expect(await ok(FRANK, 'GET', '/node/m1')).toMatchObject({ nics: [{ label: 'eth0', networks: { 'vlan/native': 'net1' } }] });

    // Headnode: create → hnic → connect → start → stop → delete.
    await ok(FRANK, 'PUT', '/headnode/hn1', { project: 'p1', base_img: 'centos7' });
    await ok(FRANK, 'PUT', '/headnode/hn1/hnic/eth0', {});
    await ok(FRANK, 'POST', '/headnode/hn1/hnic/eth0/connect_network', { network: 'net1' });
    await ok(FRANK, 'POST', '/headnode/hn1/start', {});
    expect((await run('virsh', ['-q', '-c', libvirtd.testUri, 'dumpxml', 'hil-hn1'])).stdout).toContain("<tag id='1500'");
    await ok(FRANK, 'POST', '/headnode/hn1/stop', {});
    await ok(FRANK, 'DELETE', '/headnode/hn1');

    // Detach the network (polled to DONE), then `hil project node remove --force` on m1 attached again.
    await done(await ok(FRANK, 'POST', '/node/m1/nic/eth0/detach_network', { network: 'net1' }));
    expect(env.simLab.ports.get('mock0')?.get('gi1/0/1')).toEqual({ native: null, tagged: [] });
    await done(await ok(FRANK, 'POST', '/node/m1/nic/eth0/connect_network', { network: 'net1', channel: 'vlan/native' }));
    await ok(ADMIN, 'PUT', '/node/m1/obm', { enabled: false });
    await ok(ADMIN, 'GET', '/node/m1');
    await done(await ok(ADMIN, 'POST', '/switch/mock0/port/gi1/0/1/revert'));
    await ok(ADMIN, 'POST', '/project/p1/detach_node', { node: 'm1' });

    // The obmd node leaves only with its OBM disabled; the IPMI node (V3) has no gate.
    expect(await hil(FRANK, 'POST', '/project/p1/detach_node', { node: 'o1' })).toEqual([409, { type: 'BlockedError', msg: "Node's obm is enabled." }]);
    await ok(FRANK, 'PUT', '/node/o1/obm', { enabled: false });
    await ok(FRANK, 'POST', '/project/p1/detach_node', { node: 'o1' });
    await ok(FRANK, 'POST', '/project/p1/detach_node', { node: 'i1' });

    // Deletes in reverse.
    await ok(FRANK, 'DELETE', '/network/net1');
    await ok(ADMIN, 'POST', '/auth/basic/user/frank/remove_project', { project: 'p1' });
    await ok(ADMIN, 'DELETE', '/auth/basic/user/frank');
    await ok(ADMIN, 'DELETE', '/project/p1');
    await ok(ADMIN, 'POST', '/switch/mock0/port/gi1/0/1/detach_nic');
    await ok(ADMIN, 'DELETE', '/node/m1/nic/eth0');
    for (const node of ['o1', 'i1', 'm1']) await ok(ADMIN, 'DELETE', `/node/${node}`);
    await ok(ADMIN, 'DELETE', '/switch/mock0/port/gi1/0/1');
    for (const [type, , port] of VENDOR_SWITCHES) {
      await ok(ADMIN, 'DELETE', `/switch/x-${type}/port/${port}`);
      await ok(ADMIN, 'DELETE', `/switch/x-${type}`);
    }
    for (const sw of ['nx0', 'ovs0', 'mock0']) await ok(ADMIN, 'DELETE', `/switch/${sw}`);
    expect(await ok(ADMIN, 'GET', '/nodes/all')).toEqual(env.lab.hosts.map((h) => h.name).sort());
    expect((await run('virsh', ['-q', '-c', libvirtd.testUri, 'list', '--all', '--name'])).stdout.trim()).toBe('test');
  });
});
