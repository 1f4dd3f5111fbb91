import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../drivers/errors';
import { nxosDriver } from '../../drivers/switch/nxos';
import { SwitchRejected, SwitchUnreachable, type SwitchTarget } from '../../drivers/switch/switch';
import { createNxosState, NxosCli } from '../../sim/nxos/nxos-cli';
import { startSwitchSsh, type RunningSwitchSsh } from '../../sim/nxos/ssh-server';
import { switchConformance } from './switch.conformance';

const state = createNxosState(8);
let sim: RunningSwitchSsh;

beforeAll(async () => {
  sim = await startSwitchSsh({ newCli: () => new NxosCli(state), received: state.received, username: 'admin', password: 'leaf-secret' });
});
afterAll(async () => {
  await sim?.close();
});

const target = (options: Record<string, string> = {}): SwitchTarget => ({
  name: 'leaf1',
  type: 'nxos',
  address: '127.0.0.1',
  port: sim.port,
  username: 'admin',
  password: 'leaf-secret',
  options: { hostKeySha256: sim.hostKeySha256, ...options },
});

switchConformance('nxos over SSH (NX-OS simulator)', () => ({
  driver: nxosDriver,
  target: target(),
  ports: ['Ethernet1/1', 'Ethernet1/2'],
  missingPort: 'Ethernet1/99',
  wrongCredentials: { ...target(), password: 'not-the-secret' },
  received: () => Promise.resolve([...state.received]),
}));

describe('nxos driver', () => {
  /** The lines the switch received while `work` ran. */
  async function sent(work: () => Promise<unknown>): Promise<string[]> {
    const from = state.received.length;
    await work();
    return state.received.slice(from);
  }

  it('sends exactly the NX-OS command lists of switch-cli.md', async () => {
    expect(await sent(async () => (await nxosDriver.open(target())).close())).toEqual(['terminal length 0']);
    const s = await nxosDriver.open(target());
    try {
      expect(await sent(() => s.ensureVlan(300))).toEqual(['configure terminal', 'vlan 300', 'exit', 'end']);
      expect(await sent(() => s.resetPort('Ethernet1/3'))).toEqual([
        'configure terminal',
        'interface Ethernet1/3',
        'switchport trunk allowed vlan none',
        'switchport trunk native vlan 1',
        'shutdown',
        'exit',
        'end',
      ]);
      expect(await sent(() => s.setNativeVlan('Ethernet1/3', 300))).toEqual([
        'show running-config interface Ethernet1/3',
        'configure terminal',
        'interface Ethernet1/3',
        'switchport',
        'switchport trunk native vlan 300',
        'switchport mode trunk',
        'switchport trunk allowed vlan 300',
        'no shutdown',
        'exit',
        'end',
      ]);
      expect(await sent(() => s.addTaggedVlans('Ethernet1/3', [320, 310]))).toEqual([
        'show running-config interface Ethernet1/3',
        'configure terminal',
        'interface Ethernet1/3',
        'switchport',
        'switchport mode trunk',
        'switchport trunk allowed vlan 300,310,320',
        'no shutdown',
        'exit',
        'end',
      ]);
      expect(await sent(() => s.removeTaggedVlans('Ethernet1/3', [310]))).toEqual([
        'configure terminal',
        'interface Ethernet1/3',
        'switchport trunk allowed vlan remove 310',
        'exit',
        'end',
      ]);
      expect(await sent(() => s.save())).toEqual(['copy running-config startup-config']);
      expect(state.startupConfig).toContain('interface Ethernet1/3\n  switchport\n  switchport mode trunk\n  switchport trunk native vlan 300\n  switchport trunk allowed vlan 300,320\n  no shutdown');
      expect(await sent(() => s.addTaggedVlans('Ethernet1/3', []))).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('parks an emptied port on the configured parking VLAN', async () => {
    const s = await nxosDriver.open(target({ parkingVlan: '999' }));
    try {
      await s.ensureVlan(999);
      expect(await sent(() => s.resetPort('Ethernet1/4'))).toContain('switchport trunk native vlan 999');
      await expect(nxosDriver.open(target({ parkingVlan: '99x' }))).rejects.toBeInstanceOf(InvalidInput);
    } finally {
      await s.close();
    }
  });

  it('a VLAN the switch lacks is refused with its message, the port stays as it was, and the session goes on', async () => {
    const s = await nxosDriver.open(target());
    try {
      await s.ensureVlan(401);
      await s.resetPort('Ethernet1/5');
      await s.setNativeVlan('Ethernet1/5', 401);
      const lines = await sent(async () => {
        const err = await s.setNativeVlan('Ethernet1/5', 777).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SwitchRejected);
        expect((err as SwitchRejected).message).toContain('% VLAN not found');
        expect((err as SwitchRejected).details.command).toBe('switchport trunk native vlan 777');
      });
      // Nothing after the refused line, then back to exec mode.
      expect(lines.slice(-2)).toEqual(['switchport trunk native vlan 777', 'end']);
      expect(await s.readPort('Ethernet1/5')).toEqual({ native: 401, tagged: [] });
    } finally {
      await s.close();
    }
  });

  it('reads back long allowed lists that NX-OS wraps onto "allowed vlan add" lines', async () => {
    const s = await nxosDriver.open(target());
    try {
      const many = Array.from({ length: 40 }, (_, i) => 1000 + 3 * i);
      await s.resetPort('Ethernet1/6');
      await s.addTaggedVlans('Ethernet1/6', many);
      expect(await s.readPort('Ethernet1/6')).toEqual({ native: null, tagged: many });
    } finally {
      await s.close();
    }
  });

  it('will not log in to a switch whose host key is not the pinned one', async () => {
    const err = await nxosDriver.open(target({ hostKeySha256: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchUnreachable);
    expect(String(err)).toContain('host key');
  });
});
