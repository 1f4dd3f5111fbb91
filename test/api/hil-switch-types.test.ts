/**
 * HIL's Dell and Brocade switch types through /v0, end to end: each registered with the body HIL's
 * client sends (hil-clients.md §8), its port named as HIL names them, a node's NIC cabled to it, and
 * networks connected and detached (polled to DONE) by the lab's worker through laas's driver for that
 * vendor, against that vendor's simulator. What the simulator holds afterwards is checked from its
 * own state, not through the driver.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetworkAction } from '../../api/network-actions';
import { buildServer } from '../../api/server';
import { newKeyEntry, parseKeyring } from '../../db/crypto';
import { ensureLab, setVlanPool } from '../../db/labs';
import { switchDrivers } from '../../drivers/switch/drivers';
import { checkPortFor } from '../../drivers/switch/port-rules';
import type { PortVlans } from '../../drivers/switch/switch';
import { createDellState, DellCli, type DellSwitchState } from '../../sim/nxos/dell-cli';
import { startSwitchSsh, type RunningSwitchSsh } from '../../sim/nxos/ssh-server';
import { startBrocadeSim, type BrocadeSim } from '../../sim/rest-switch/brocade-sim';
import { startOs9Sim, type Os9Sim } from '../../sim/rest-switch/dellnos9-sim';
import { startLabWorker, type LabWorker } from '../helpers/lab-worker';

const URI = 'http://schema.massopencloud.org/haas/v0';
const ADMIN_PW = 'switch-types-admin-pw-4';
const ADMIN = `Basic ${Buffer.from(`admin:${ADMIN_PW}`).toString('base64')}`;
const SW_USER = 'hil';
const SW_PW = 'Switch-pw-5';

const keyring = parseKeyring(newKeyEntry('k1'));
let env: LabWorker;
let api: FastifyInstance;
let base: string;
let powerconnect: { state: DellSwitchState; ssh: RunningSwitchSsh };
let n3000: { state: DellSwitchState; ssh: RunningSwitchSsh };
let os9: Os9Sim;
let brocade: BrocadeSim;

async function dellSim(dialect: 'powerconnect' | 'n3000') {
  const state = createDellState(dialect, 8);
  return { state, ssh: await startSwitchSsh({ newCli: () => new DellCli(state), received: state.received, username: SW_USER, password: SW_PW }) };
}

beforeAll(async () => {
  [env, powerconnect, n3000, os9, brocade] = await Promise.all([
    startLabWorker({ switchDrivers, keyring }),
    dellSim('powerconnect'),
    dellSim('n3000'),
    startOs9Sim({ username: SW_USER, password: SW_PW }),
    startBrocadeSim({ username: SW_USER, password: SW_PW }),
  ]);
  await setVlanPool(env.database.db, (await ensureLab(env.database.db, env.lab.name)).id, [1600, 1601, 1602, 1603, 1604, 1605, 1606, 1607]);
  api = await buildServer({
    temporal: env.client, db: env.database.db, lab: env.lab, taskQueue: env.taskQueue, apiToken: 'hil-switch-types-token-0123456789',
    hil: {
      keyring,
      adminPassword: ADMIN_PW,
      power: () => undefined,
      validatePort: (type, port) => checkPortFor(type, port),
      onNetworkAction: (id) => startNetworkAction(env.client, env.taskQueue, id),
    },
  });
  base = `${await api.listen({ host: '127.0.0.1', port: 0 })}/v0`;
});
afterAll(async () => {
  await api?.close();
  await Promise.all([powerconnect?.ssh.close(), n3000?.ssh.close(), os9?.close(), brocade?.close()]);
  await env?.close();
});

/** As HIL's client: json.dumps(body) as text, no Content-Type. */
async function hil(method: string, path: string, body?: unknown): Promise<[number, unknown]> {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: ADMIN }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return [res.status, text ? (JSON.parse(text) as unknown) : undefined];
}

async function ok(method: string, path: string, body?: unknown): Promise<unknown> {
  const [status, answer] = await hil(method, path, body);
  expect([200, 202], `${method} ${path} → ${status} ${JSON.stringify(answer)}`).toContain(status);
  return answer;
}

async function done(answer: unknown): Promise<void> {
  const id = (answer as { status_id: string }).status_id;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [, action] = await hil('GET', `/networking_action/${id}`);
    const status = (action as { status: string }).status;
    if (status !== 'PENDING') return void expect(status, JSON.stringify(action)).toBe('DONE');
    if (Date.now() > deadline) throw new Error(`networking action ${id} stayed PENDING`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function dellPort(state: DellSwitchState, port: string): PortVlans {
  const p = state.ports.get(port)!;
  const native = p.native !== null && p.allowed.has(p.native) ? p.native : null;
  return { native, tagged: [...p.allowed].filter((v) => v !== native).sort((a, b) => a - b) };
}

interface Case {
  type: string;
  /** HIL's body (plus laas's `port` for a simulator's SSH port, which HIL's body cannot name). */
  body: () => Record<string, unknown>;
  port: string;
  /** What the simulator's own state says the port carries. */
  carried: () => PortVlans;
}

const cases: Case[] = [
  {
    type: 'powerconnect55xx',
    body: () => ({ hostname: '127.0.0.1', port: powerconnect.ssh.port, username: SW_USER, password: SW_PW }),
    port: 'gi1/0/3',
    carried: () => dellPort(powerconnect.state, 'gi1/0/3'),
  },
  {
    type: 'delln3000',
    body: () => ({ hostname: '127.0.0.1', port: n3000.ssh.port, username: SW_USER, password: SW_PW, dummy_vlan: '2222' }),
    port: 'gi1/0/3',
    carried: () => dellPort(n3000.state, 'gi1/0/3'),
  },
  {
    type: 'dellnos9',
    body: () => ({ hostname: os9.url, username: SW_USER, password: SW_PW, interface_type: 'TenGigabitEthernet' }),
    port: '1/3',
    carried: () => {
      const members = [...os9.state.vlans.entries()];
      const native = members.find(([, m]) => m.untagged.has('1/3'))?.[0] ?? null;
      return { native, tagged: members.filter(([, m]) => m.tagged.has('1/3')).map(([id]) => id) };
    },
  },
  {
    type: 'brocade',
    body: () => ({ hostname: brocade.url, username: SW_USER, password: SW_PW, interface_type: 'TenGigabitEthernet' }),
    port: '1/0/3',
    carried: () => {
      const p = brocade.state.ports.get('1/0/3')!;
      return p.mode === 'trunk' ? { native: p.native, tagged: [...p.allowed].sort((a, b) => a - b) } : { native: p.accessVlan, tagged: [] };
    },
  },
];

describe('HIL switch types through /v0, driven on their simulators', () => {
  it('refuses a body HIL would refuse, naming the field, and a port name outside the type’s rule', async () => {
    expect(await hil('PUT', '/switch/bad1', { type: `${URI}/switches/delln3000`, hostname: 'h', username: 'u', password: 'p' })).toEqual([
      400,
      { type: 'BadArgumentError', msg: 'The arguments are not valid for this switch type: dummy_vlan: required' },
    ]);
    expect(await hil('PUT', '/switch/bad2', { type: `${URI}/switches/dellnos9`, hostname: '192.0.2.4', username: 'u', password: 'p', interface_type: 'TenGigabitEthernet' })).toEqual([
      400,
      { type: 'BadArgumentError', msg: 'The arguments are not valid for this switch type: hostname: the base URL of the switch’s REST server, like http://192.0.2.4:8008' },
    ]);
    const [status, answer] = await hil('PUT', '/switch/bad3', { type: `${URI}/switches/brocade`, hostname: 'http://192.0.2.4', username: 'u', password: 'p', interface_type: 'Ethernet' });
    expect([status, (answer as { msg: string }).msg]).toEqual([400, expect.stringContaining('interface_type: one of GigabitEthernet, TenGigabitEthernet')]);
    // Nothing was left behind.
    expect(((await hil('GET', '/switches'))[1] as string[]).filter((name) => name.startsWith('bad'))).toEqual([]);
    await ok('PUT', '/switch/pc-rule', { type: `${URI}/switches/powerconnect55xx`, hostname: '192.0.2.5', username: 'u', password: 'p' });
    const [portStatus, portAnswer] = await hil('PUT', '/switch/pc-rule/port/Ethernet1/3');
    expect([portStatus, (portAnswer as { type: string }).type]).toEqual([400, 'BadArgumentError']);
    await ok('DELETE', '/switch/pc-rule');
  });

  it('connects and detaches networks on every Dell and Brocade type, polled to DONE', async () => {
    await ok('PUT', '/project/p1');
    await ok('PUT', '/network/native', { owner: 'p1', access: 'p1', net_id: '' });
    await ok('PUT', '/network/tagged', { owner: 'p1', access: 'p1', net_id: '' });
    const vlanOf = async (net: string) => Number(((await ok('GET', `/network/${net}`)) as { channels: string[] }).channels.find((c) => c !== 'vlan/native')!.slice('vlan/'.length));
    const [nativeVlan, taggedVlan] = [await vlanOf('native'), await vlanOf('tagged')];

    for (const c of cases) {
      const sw = `sw-${c.type}`;
      const node = `n-${c.type}`;
      await ok('PUT', `/switch/${sw}`, { type: `${URI}/switches/${c.type}`, ...c.body() });
      await ok('PUT', `/switch/${sw}/port/${c.port}`);
      await ok('PUT', `/node/${node}`, { obm: { type: `${URI}/obm/mock`, host: `${node}-bmc`, user: 'u', password: 'p' } });
      await ok('PUT', `/node/${node}/nic/eth0`, { macaddr: '52:54:00:12:35:01' });
      await ok('POST', `/switch/${sw}/port/${c.port}/connect_nic`, { node, nic: 'eth0' });
      await ok('POST', '/project/p1/connect_node', { node });

      await done(await ok('POST', `/node/${node}/nic/eth0/connect_network`, { network: 'native', channel: 'vlan/native' }));
      expect(c.carried(), c.type).toEqual({ native: nativeVlan, tagged: [] });
      await done(await ok('POST', `/node/${node}/nic/eth0/connect_network`, { network: 'tagged', channel: `vlan/${taggedVlan}` }));
      expect(c.carried(), c.type).toEqual({ native: nativeVlan, tagged: [taggedVlan] });
      expect(await ok('GET', `/switch/${sw}/port/${c.port}`)).toEqual({ node, nic: 'eth0', networks: { 'vlan/native': 'native', [`vlan/${taggedVlan}`]: 'tagged' } });

      await done(await ok('POST', `/node/${node}/nic/eth0/detach_network`, { network: 'tagged' }));
      expect(c.carried(), c.type).toEqual({ native: nativeVlan, tagged: [] });
      await done(await ok('POST', `/node/${node}/nic/eth0/detach_network`, { network: 'native' }));
      expect(c.carried(), c.type).toEqual({ native: null, tagged: [] });
    }
    // The Dell console switches saved their configuration as HIL's drivers do; OS9 with `write`.
    expect(powerconnect.state.startupConfig).not.toBeNull();
    expect(n3000.state.startupConfig).not.toBeNull();
    expect(os9.state.startupConfig).not.toBeNull();
  });
});
