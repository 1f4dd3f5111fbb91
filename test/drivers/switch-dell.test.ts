import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { n3000Driver, parseDellSwitchport, powerconnectDriver } from '../../drivers/switch/dell-cli';
import { SwitchRejected, type SwitchDriver, type SwitchTarget } from '../../drivers/switch/switch';
import { createDellState, DellCli, type DellDialect, type DellSwitchState } from '../../sim/nxos/dell-cli';
import { startSwitchSsh, type RunningSwitchSsh } from '../../sim/nxos/ssh-server';
import { switchConformance } from './switch.conformance';

interface Lab {
  state: DellSwitchState;
  sim?: RunningSwitchSsh;
}

const labs: Record<DellDialect, Lab> = { powerconnect: { state: createDellState('powerconnect', 8) }, n3000: { state: createDellState('n3000', 8) } };

beforeAll(async () => {
  for (const lab of Object.values(labs)) {
    lab.sim = await startSwitchSsh({ newCli: () => new DellCli(lab.state), received: lab.state.received, username: 'admin', password: 'dell-secret' });
  }
});
afterAll(async () => {
  for (const lab of Object.values(labs)) await lab.sim?.close();
});

function target(dialect: DellDialect, options: Record<string, string> = {}): SwitchTarget {
  const sim = labs[dialect].sim;
  if (!sim) throw new Error('simulator not started');
  return {
    name: dialect,
    type: dialect === 'n3000' ? 'delln3000' : 'powerconnect55xx',
    address: '127.0.0.1',
    port: sim.port,
    username: 'admin',
    password: 'dell-secret',
    options: { hostKeySha256: sim.hostKeySha256, ...options },
  };
}

const drivers: Record<DellDialect, SwitchDriver> = { powerconnect: powerconnectDriver, n3000: n3000Driver };
for (const dialect of ['powerconnect', 'n3000'] as const) {
  switchConformance(`${drivers[dialect].type} over SSH (Dell simulator)`, () => ({
    driver: drivers[dialect],
    target: target(dialect),
    ports: ['gi1/0/1', 'gi1/0/2'],
    missingPort: 'gi1/0/99',
    wrongCredentials: { ...target(dialect), password: 'not-the-secret' },
    received: () => Promise.resolve([...labs[dialect].state.received]),
  }));
}

async function sent(dialect: DellDialect, work: () => Promise<unknown>): Promise<string[]> {
  const received = labs[dialect].state.received;
  const from = received.length;
  await work();
  return received.slice(from);
}

describe('powerconnect55xx driver', () => {
  it('sends exactly the PowerConnect command lists of switch-cli.md and HIL’s dell.py', async () => {
    expect(await sent('powerconnect', async () => (await powerconnectDriver.open(target('powerconnect'))).close())).toEqual(['terminal datadump']);
    const s = await powerconnectDriver.open(target('powerconnect'));
    try {
      expect(await sent('powerconnect', () => s.ensureVlan(300))).toEqual(['configure', 'vlan database', 'vlan 300', 'exit', 'exit']);
      await s.ensureVlan(310);
      expect(await sent('powerconnect', () => s.resetPort('gi1/0/3'))).toEqual([
        'configure',
        'interface gi1/0/3',
        'switchport mode trunk',
        'switchport trunk allowed vlan none',
        'switchport trunk native vlan none',
        'exit',
        'exit',
      ]);
      expect(await sent('powerconnect', () => s.setNativeVlan('gi1/0/3', 300))).toEqual([
        'show interfaces switchport gi1/0/3',
        'configure',
        'interface gi1/0/3',
        'switchport mode trunk',
        'switchport trunk allowed vlan add 300',
        'switchport trunk native vlan 300',
        'exit',
        'exit',
      ]);
      // A new native VLAN takes the old one off the trunk first, as HIL's set_native does.
      expect(await sent('powerconnect', () => s.setNativeVlan('gi1/0/3', 310))).toEqual([
        'show interfaces switchport gi1/0/3',
        'configure',
        'interface gi1/0/3',
        'switchport mode trunk',
        'switchport trunk allowed vlan remove 300',
        'switchport trunk allowed vlan add 310',
        'switchport trunk native vlan 310',
        'exit',
        'exit',
      ]);
      expect(await sent('powerconnect', () => s.addTaggedVlans('gi1/0/3', [300]))).toEqual([
        'configure',
        'interface gi1/0/3',
        'switchport mode trunk',
        'switchport trunk allowed vlan add 300',
        'exit',
        'exit',
      ]);
      expect(await sent('powerconnect', () => s.removeTaggedVlans('gi1/0/3', [300]))).toEqual(['configure', 'interface gi1/0/3', 'switchport trunk allowed vlan remove 300', 'exit', 'exit']);
      expect(await sent('powerconnect', () => s.save())).toEqual(['copy running-config startup-config', 'y']);
      expect(labs.powerconnect.state.startupConfig).toContain('interface gi1/0/3\nswitchport mode trunk\nswitchport trunk native vlan 310\nswitchport trunk allowed vlan 310');
    } finally {
      await s.close();
    }
  });

  it('a VLAN the switch lacks is refused with its "% " message, and the session goes back with `end`', async () => {
    const s = await powerconnectDriver.open(target('powerconnect'));
    try {
      const lines = await sent('powerconnect', async () => {
        const err = await s.addTaggedVlans('gi1/0/4', [3999]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SwitchRejected);
        expect((err as SwitchRejected).message).toContain('% VLAN 3999 does not exist');
      });
      expect(lines.slice(-2)).toEqual(['switchport trunk allowed vlan add 3999', 'end']);
      expect(await s.readPort('gi1/0/4')).toEqual({ native: null, tagged: [] });
    } finally {
      await s.close();
    }
  });
});

describe('delln3000 driver', () => {
  it('sends exactly the N3000 command lists of HIL’s n3000.py, parking a reset port on the dummy VLAN', async () => {
    const opts = { dummy_vlan: '2222' };
    expect(await sent('n3000', async () => (await n3000Driver.open(target('n3000', opts))).close())).toEqual(['enable', 'terminal length 0']);
    const s = await n3000Driver.open(target('n3000', opts));
    try {
      expect(await sent('n3000', () => s.ensureVlan(300))).toEqual(['configure', 'vlan 300', 'exit', 'exit']);
      expect(await sent('n3000', () => s.resetPort('gi1/0/3'))).toEqual([
        'configure',
        'vlan 2222',
        'exit',
        'interface gi1/0/3',
        'switchport mode trunk',
        'switchport trunk allowed vlan add 2222',
        'switchport trunk native vlan 2222',
        'switchport trunk allowed vlan remove 1-4093',
        'exit',
        'exit',
      ]);
      expect(await s.readPort('gi1/0/3')).toEqual({ native: null, tagged: [] });
      expect(await sent('n3000', () => s.setNativeVlan('gi1/0/3', 300))).toEqual([
        'show interfaces switchport gi1/0/3',
        'configure',
        'interface gi1/0/3',
        'switchport mode trunk',
        'switchport trunk allowed vlan add 300',
        'switchport trunk native vlan 300',
        'exit',
        'exit',
      ]);
      expect(await sent('n3000', () => s.save())).toEqual(['copy running-config startup-config', 'y']);
      expect(labs.n3000.state.startupConfig).toContain('interface gi1/0/3\nswitchport mode trunk\nswitchport trunk native vlan 300\nswitchport trunk allowed vlan 300');
    } finally {
      await s.close();
    }
  });

  it('a native VLAN the switch lacks is refused with its "% " message', async () => {
    const s = await n3000Driver.open(target('n3000'));
    try {
      const err = await s.setNativeVlan('gi1/0/5', 3999).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SwitchRejected);
      expect((err as SwitchRejected).message).toContain('% VLAN 3999 does not exist');
    } finally {
      await s.close();
    }
  });

  it('HIL’s own abbreviated lines are understood by the simulator, and the N3000 refuses a native VLAN the trunk does not allow', () => {
    const state = createDellState('n3000', 2);
    const cli = new DellCli(state);
    const run = (line: string) => cli.execute(line).output;
    for (const line of ['en', 'config', 'vlan 2222', 'exit', 'int gi1/0/1', 'sw mode trunk', 'sw trunk allowed vlan remove 1-4093']) expect(run(line)).toBe('');
    expect(run('sw trunk native vlan 2222')).toMatch(/^% VLAN 2222 is not allowed/);
    expect(run('sw trunk allowed vlan add 2222')).toBe('');
    expect(run('sw trunk native vlan 2222')).toBe('');
  });
});

describe('reading `show interfaces switchport`', () => {
  it('PowerConnect: wrapped lists, "none", and an access port', () => {
    const trunk = 'Name: gi1/0/3\nAdministrative Mode: trunk\nAccess Mode VLAN: 1\nTrunking Native Mode VLAN: 10\nTrunking VLANs Enabled: 10-12\n                        2000 (Inactive)\n\nClassification rules:';
    expect(parseDellSwitchport(trunk)).toEqual({ native: 10, tagged: [11, 12, 2000] });
    expect(parseDellSwitchport('Name: gi1/0/3\nAdministrative Mode: trunk\nTrunking Native Mode VLAN: none\nTrunking VLANs Enabled: none')).toEqual({ native: null, tagged: [] });
    expect(parseDellSwitchport('Name: gi1/0/3\nAdministrative Mode: access\nAccess Mode VLAN: 7')).toEqual({ native: 7, tagged: [] });
    expect(() => parseDellSwitchport('% Unrecognized command')).toThrow();
  });

  it('N3000: "(default)", "All", and a native VLAN the trunk does not allow carries nothing', () => {
    expect(parseDellSwitchport('Port: Gi1/0/3\nVLAN Membership Mode: Trunk Mode\nTrunking Mode Native VLAN: 1 (default)\nTrunking Mode VLANs Enabled: All').tagged).toHaveLength(4093);
    expect(parseDellSwitchport('Port: Gi1/0/3\nVLAN Membership Mode: Trunk Mode\nTrunking Mode Native VLAN: 2222\nTrunking Mode VLANs Enabled: 5,7')).toEqual({ native: null, tagged: [5, 7] });
  });
});
