import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../drivers/errors';
import { nxapiDriver } from '../../drivers/switch/nxapi';
import { SwitchRejected, type SwitchTarget } from '../../drivers/switch/switch';
import { startNxapi, type RunningNxapi } from '../../sim/nxos/nxapi-server';
import { createNxosState } from '../../sim/nxos/nxos-cli';
import { switchConformance } from './switch.conformance';

const state = createNxosState(8);
let sim: RunningNxapi;

beforeAll(async () => {
  sim = await startNxapi({ state, username: 'admin', password: 'api-secret' });
});
afterAll(async () => {
  await sim?.close();
});

const target = (options: Record<string, string> = {}): SwitchTarget => ({
  name: 'spine1',
  type: 'nxapi',
  address: '127.0.0.1',
  port: sim.port,
  username: 'admin',
  password: 'api-secret',
  options,
});

switchConformance('nxapi over HTTP (NX-API simulator)', () => ({
  driver: nxapiDriver,
  target: target(),
  ports: ['Ethernet1/1', 'Ethernet1/2'],
  missingPort: 'Ethernet1/99',
  wrongCredentials: { ...target(), password: 'not-the-secret' },
  received: () => Promise.resolve([...state.received]),
}));

describe('nxapi driver', () => {
  async function sent(work: () => Promise<unknown>): Promise<string[]> {
    const from = state.received.length;
    await work();
    return state.received.slice(from);
  }

  it('sends the NX-OS commands without the CLI wrapping (cli_conf is configuration mode already)', async () => {
    expect(await sent(async () => (await nxapiDriver.open(target())).close())).toEqual(['show version']);
    const s = await nxapiDriver.open(target());
    expect(await sent(() => s.ensureVlan(300))).toEqual(['vlan 300', 'exit']);
    expect(await sent(() => s.resetPort('Ethernet1/3'))).toEqual([
      'interface Ethernet1/3',
      'switchport trunk allowed vlan none',
      'switchport trunk native vlan 1',
      'shutdown',
      'exit',
    ]);
    expect(await sent(() => s.setNativeVlan('Ethernet1/3', 300))).toEqual([
      'show running-config interface Ethernet1/3',
      'interface Ethernet1/3',
      'switchport',
      'switchport trunk native vlan 300',
      'switchport mode trunk',
      'switchport trunk allowed vlan 300',
      'no shutdown',
      'exit',
    ]);
    expect(await sent(() => s.removeTaggedVlans('Ethernet1/3', [5, 6]))).toEqual(['interface Ethernet1/3', 'switchport trunk allowed vlan remove 5,6', 'exit']);
    expect(await sent(() => s.save())).toEqual(['copy running-config startup-config']);
    expect(state.startupConfig).toContain('switchport trunk native vlan 300');
  });

  it('reports the failing command of a batch with the switch’s clierror and runs nothing after it', async () => {
    const s = await nxapiDriver.open(target());
    const lines = await sent(async () => {
      const err = await s.setNativeVlan('Ethernet1/4', 888).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SwitchRejected);
      expect((err as SwitchRejected).message).toContain('% VLAN not found');
    });
    expect(lines.at(-1)).toBe('switchport trunk native vlan 888');
  });

  it('refuses an address that would change the URL', async () => {
    await expect(nxapiDriver.open({ ...target(), address: '127.0.0.1/evil?x=' })).rejects.toBeInstanceOf(InvalidInput);
  });
});
