import ssh2, { type ClientChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNxosState, NxosCli } from '../../sim/nxos/nxos-cli';
import { createOs10State, Os10Cli } from '../../sim/nxos/os10-cli';
import { startSwitchSsh, type RunningSwitchSsh } from '../../sim/nxos/ssh-server';

/** A plain ssh2 client typing into the simulator's shell, as an operator would. */
async function login(port: number, password: string): Promise<{ type(line: string): Promise<string>; end(): void }> {
  const conn = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    conn.once('ready', () => resolve());
    conn.once('error', reject);
    conn.connect({ host: '127.0.0.1', port, username: 'admin', password });
  });
  const stream = await new Promise<ClientChannel>((resolve, reject) => conn.shell({ term: 'vt100' }, (err, s) => (err ? reject(err) : resolve(s))));
  let buffer = '';
  let wake: (() => void) | undefined;
  stream.on('data', (d: Buffer) => {
    buffer += d.toString();
    wake?.();
  });
  const untilPrompt = async (): Promise<string> => {
    while (!/[#]\s*$/.test(buffer)) await new Promise<void>((r) => (wake = r));
    const text = buffer.replace(/\r/g, '');
    buffer = '';
    return text;
  };
  await untilPrompt();
  return {
    async type(line) {
      stream.write(`${line}\n`);
      return untilPrompt();
    },
    end: () => conn.end(),
  };
}

describe('NX-OS SSH simulator', () => {
  const state = createNxosState(4);
  let sim: RunningSwitchSsh;
  beforeAll(async () => {
    sim = await startSwitchSsh({ newCli: () => new NxosCli(state), received: state.received, username: 'admin', password: 'pw-nxos' });
  });
  afterAll(async () => sim?.close());

  it('refuses a wrong password', async () => {
    await expect(login(sim.port, 'wrong')).rejects.toThrow(/authentication/i);
  });

  it('prompts per mode, answers "% " errors, and keeps running and startup config', async () => {
    const cli = await login(sim.port, 'pw-nxos');
    try {
      expect(await cli.type('terminal length 0')).toMatch(/\nswitch#$/);
      expect(await cli.type('frobnicate')).toContain("% Invalid command at '^' marker.");
      expect(await cli.type('configure terminal')).toMatch(/switch\(config\)#$/);
      expect(await cli.type('vlan 4095')).toContain('% Invalid VLAN ID');
      expect(await cli.type('vlan 120')).toMatch(/switch\(config-vlan\)#$/);
      expect(await cli.type('interface Ethernet1/9')).toContain('% Invalid range');
      expect(await cli.type('interface Ethernet1/2')).toMatch(/switch\(config-if\)#$/);
      expect(await cli.type('switchport trunk native vlan 121')).toContain('% VLAN not found');
      for (const line of ['switchport mode trunk', 'switchport trunk allowed vlan 120,130-132', 'switchport trunk native vlan 120', 'no shutdown']) {
        expect(await cli.type(line)).not.toContain('%');
      }
      expect(await cli.type('end')).toMatch(/\nswitch#$/);
      const shown = await cli.type('show running-config interface Ethernet1/2');
      expect(shown).toContain('interface Ethernet1/2\n  switchport\n  switchport mode trunk\n  switchport trunk native vlan 120\n  switchport trunk allowed vlan 120,130-132\n  no shutdown');
      expect(state.startupConfig).toBeNull();
      expect(await cli.type('copy running-config startup-config')).toContain('Copy complete.');
      expect(state.startupConfig).toContain('switchport trunk allowed vlan 120,130-132');
      expect(state.received).toContain('switchport trunk native vlan 121');
    } finally {
      cli.end();
    }
  });
});

describe('OS10 mode of the simulator', () => {
  const state = createOs10State(4);
  let sim: RunningSwitchSsh;
  beforeAll(async () => {
    sim = await startSwitchSsh({ newCli: () => new Os10Cli(state), received: state.received, username: 'admin', password: 'pw-os10' });
  });
  afterAll(async () => sim?.close());

  it('prompts like OS10, errors with "% Error:", and writes memory', async () => {
    const cli = await login(sim.port, 'pw-os10');
    try {
      expect(await cli.type('configure terminal')).toMatch(/OS10\(config\)#$/);
      expect(await cli.type('interface vlan 200')).toMatch(/OS10\(conf-if-vl-200\)#$/);
      expect(await cli.type('interface ethernet1/1/2')).toMatch(/OS10\(conf-if-eth1\/1\/2\)#$/);
      expect(await cli.type('switchport trunk allowed vlan 200')).toContain('% Error: Interface is not in trunk mode.');
      expect(await cli.type('switchport mode trunk')).not.toContain('%');
      expect(await cli.type('switchport trunk allowed vlan 201')).toContain('% Error: vlan201 does not exist.');
      expect(await cli.type('switchport trunk allowed vlan 200')).not.toContain('%');
      expect(await cli.type('bogus')).toContain('% Error: Unrecognized command.');
      await cli.type('end');
      expect(await cli.type('show running-configuration interface ethernet1/1/2')).toContain('interface ethernet1/1/2\n no shutdown\n switchport mode trunk\n switchport access vlan 1\n switchport trunk allowed vlan 200');
      await cli.type('write memory');
      expect(state.startupConfig).toContain('switchport trunk allowed vlan 200');
    } finally {
      cli.end();
    }
  });
});
