import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../drivers/errors';
import { os9Driver } from '../../drivers/switch/dellnos9';
import { SwitchRejected, type SwitchTarget } from '../../drivers/switch/switch';
import { startOs9Sim, type Os9Sim } from '../../sim/rest-switch/dellnos9-sim';
import { switchConformance } from './switch.conformance';

let sim: Os9Sim;

beforeAll(async () => {
  sim = await startOs9Sim({ username: 'admin', password: 'os9-secret' });
});
afterAll(async () => {
  await sim?.close();
});

const target = (options: Record<string, string> = {}): SwitchTarget => ({
  name: 's3048',
  type: 'dellnos9',
  address: '127.0.0.1',
  port: sim.port,
  username: 'admin',
  password: 'os9-secret',
  options: { interface_type: 'TenGigabitEthernet', ...options },
});

switchConformance('dellnos9 over its REST API (OS9 simulator)', () => ({
  driver: os9Driver,
  target: target(),
  ports: ['1/1', '1/2'],
  missingPort: '1/99',
  wrongCredentials: { ...target(), password: 'not-the-secret' },
  received: () => Promise.resolve([...sim.state.received]),
}));

const ON = '<interface><name>tengig-1-3</name><portmode><hybrid>true</hybrid></portmode><switchport></switchport><shutdown>false</shutdown></interface>';
const OFF = '<interface><name>tengig-1-3</name><portmode><hybrid>false</hybrid></portmode><shutdown>true</shutdown></interface>';
const READ = ['GET /interfaces/interface/tengig-1-3?with-defaults', 'show interfaces switchport TenGigabitEthernet 1/3'];

describe('dellnos9 driver', () => {
  async function sent(work: () => Promise<unknown>): Promise<string[]> {
    const from = sim.state.received.length;
    await work();
    return sim.state.received.slice(from);
  }

  it('sends exactly the requests and CLI lines of HIL’s dellnos9.py', async () => {
    const s = await os9Driver.open(target());
    try {
      expect(await sent(() => s.ensureVlan(300))).toEqual(['interface vlan 300']);
      expect(await sent(() => s.setNativeVlan('1/3', 300))).toEqual([...READ, `PUT /interfaces/interface/tengig-1-3 ${ON}`, 'interface vlan 300', 'untagged TenGigabitEthernet 1/3']);
      expect(await sent(() => s.addTaggedVlans('1/3', [310, 320]))).toEqual([
        `PUT /interfaces/interface/tengig-1-3 ${ON}`,
        'interface vlan 310',
        'tagged TenGigabitEthernet 1/3',
        'interface vlan 320',
        'tagged TenGigabitEthernet 1/3',
      ]);
      // Native 310 instead of 300: the port leaves 300's untagged members and stops tagging 310 first.
      expect(await sent(() => s.setNativeVlan('1/3', 310))).toEqual([
        ...READ,
        `PUT /interfaces/interface/tengig-1-3 ${ON}`,
        'interface vlan 300',
        'no untagged TenGigabitEthernet 1/3',
        'interface vlan 310',
        'no tagged TenGigabitEthernet 1/3',
        'interface vlan 310',
        'untagged TenGigabitEthernet 1/3',
      ]);
      expect(await s.readPort('1/3')).toEqual({ native: 310, tagged: [320] });
      expect(await sent(() => s.removeTaggedVlans('1/3', [320]))).toEqual(['interface vlan 320', 'no tagged TenGigabitEthernet 1/3']);
      await s.addTaggedVlans('1/3', [320]);
      expect(await sent(() => s.resetPort('1/3'))).toEqual([
        ...READ,
        'interface vlan 320',
        'no tagged TenGigabitEthernet 1/3',
        'interface vlan 310',
        'no untagged TenGigabitEthernet 1/3',
        `PUT /interfaces/interface/tengig-1-3 ${OFF}`,
      ]);
      expect(await sent(() => s.save())).toEqual(['write']);
      expect(sim.state.startupConfig).toContain('interface TenGigabitEthernet 1/3\n no ip address\n shutdown');
    } finally {
      await s.close();
    }
  });

  it('a refusal is the switch’s own "% Error:" line; a port still in a VLAN cannot be shut', async () => {
    const s = await os9Driver.open(target());
    try {
      const err = await s.removeTaggedVlans('1/5', [300]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SwitchRejected);
      expect((err as SwitchRejected).message).toContain('400 % Error: Port is not tagged in Vlan 300.');
      expect(sim.state.received.at(-1)).toBe('no tagged TenGigabitEthernet 1/5');
    } finally {
      await s.close();
    }
    // The rule HIL's revert_port works around, straight at the simulator.
    const s2 = await os9Driver.open(target());
    try {
      await s2.ensureVlan(330);
      await s2.addTaggedVlans('1/6', [330]);
    } finally {
      await s2.close();
    }
    const put = await fetch(`${sim.url}/api/running/dell/interfaces/interface/tengig-1-6`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from('admin:os9-secret').toString('base64')}` },
      body: OFF.replace('1-3', '1-6'),
    });
    expect(put.status).toBe(400);
    expect(await put.text()).toContain('% Error: Port is a member of Vlan 330; remove it first.');
  });

  it('takes HIL’s interface types only, and ports as HIL’s validate_port_name', async () => {
    await expect(os9Driver.open(target({ interface_type: 'Ethernet' }))).rejects.toBeInstanceOf(InvalidInput);
    for (const bad of ['Te1/3', '1', '1/3/4/5']) expect(() => os9Driver.validatePort(bad)).toThrow(InvalidInput);
    for (const good of ['1/3', '1/0/1']) expect(() => os9Driver.validatePort(good)).not.toThrow();
  });
});
