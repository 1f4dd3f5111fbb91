import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { os10Driver } from '../../drivers/switch/os10';
import { SwitchRejected, type SwitchTarget } from '../../drivers/switch/switch';
import { createOs10State, Os10Cli } from '../../sim/nxos/os10-cli';
import { startSwitchSsh, type RunningSwitchSsh } from '../../sim/nxos/ssh-server';
import { switchConformance } from './switch.conformance';

const state = createOs10State(8);
let sim: RunningSwitchSsh;

beforeAll(async () => {
  sim = await startSwitchSsh({ newCli: () => new Os10Cli(state), received: state.received, username: 'admin', password: 'os10-secret' });
});
afterAll(async () => {
  await sim?.close();
});

const target = (): SwitchTarget => ({
  name: 'tor1',
  type: 'os10',
  address: '127.0.0.1',
  port: sim.port,
  username: 'admin',
  password: 'os10-secret',
  options: { hostKeySha256: sim.hostKeySha256 },
});

switchConformance('os10 over SSH (OS10 mode of the simulator)', () => ({
  driver: os10Driver,
  target: target(),
  ports: ['ethernet1/1/1', 'ethernet1/1/2'],
  missingPort: 'ethernet1/1/99',
  wrongCredentials: { ...target(), password: 'not-the-secret' },
  received: () => Promise.resolve([...state.received]),
}));

describe('os10 driver', () => {
  async function sent(work: () => Promise<unknown>): Promise<string[]> {
    const from = state.received.length;
    await work();
    return state.received.slice(from);
  }

  it('sends exactly the OS10 command lists of switch-cli.md', async () => {
    const s = await os10Driver.open(target());
    try {
      expect(await sent(() => s.ensureVlan(300))).toEqual(['configure terminal', 'interface vlan 300', 'exit', 'end']);
      await s.ensureVlan(310);
      expect(await sent(() => s.setNativeVlan('ethernet1/1/3', 300))).toEqual([
        'configure terminal',
        'interface ethernet1/1/3',
        'switchport mode trunk',
        'switchport access vlan 300',
        'no shutdown',
        'exit',
        'end',
      ]);
      expect(await sent(() => s.addTaggedVlans('ethernet1/1/3', [310]))).toEqual([
        'configure terminal',
        'interface ethernet1/1/3',
        'switchport mode trunk',
        'switchport trunk allowed vlan 310',
        'no shutdown',
        'exit',
        'end',
      ]);
      // OS10 has no "allowed vlan none": the reset reads the port and names what it had.
      expect(await sent(() => s.resetPort('ethernet1/1/3'))).toEqual([
        'show running-configuration interface ethernet1/1/3',
        'configure terminal',
        'interface ethernet1/1/3',
        'no switchport trunk allowed vlan 310',
        'no switchport access vlan',
        'shutdown',
        'exit',
        'end',
      ]);
      expect(await sent(() => s.save())).toEqual(['write memory']);
      expect(state.startupConfig).toContain('interface ethernet1/1/3\n shutdown');
    } finally {
      await s.close();
    }
  });

  it('a VLAN the switch lacks is refused with its "% Error:" message', async () => {
    const s = await os10Driver.open(target());
    try {
      const err = await s.addTaggedVlans('ethernet1/1/4', [3999]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SwitchRejected);
      expect((err as SwitchRejected).message).toContain('% Error: vlan3999 does not exist.');
    } finally {
      await s.close();
    }
  });
});
