import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNxapi, type RunningNxapi } from '../../sim/nxos/nxapi-server';
import { createNxosState, NxosCli } from '../../sim/nxos/nxos-cli';

const state = createNxosState(4);
let sim: RunningNxapi;
beforeAll(async () => {
  sim = await startNxapi({ state, username: 'admin', password: 'pw-api' });
});
afterAll(async () => sim?.close());

async function ins(type: string, input: string, password = 'pw-api') {
  const res = await fetch(`http://127.0.0.1:${sim.port}/ins`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ins_api: { version: '1.0', type, chunk: '0', sid: '1', input, output_format: 'json' } }),
  });
  return { status: res.status, body: (await res.json()) as { ins_api: { outputs: { output: unknown } } } };
}

describe('NX-API simulator', () => {
  it('wants Basic auth', async () => {
    const res = await ins('cli_show_ascii', 'show version', 'wrong');
    expect(res.status).toBe(401);
  });

  it('runs cli_conf commands joined by " ;" with a code per command, on the state the SSH CLI shares', async () => {
    const res = await ins('cli_conf', 'vlan 300 ;exit ;interface Ethernet1/1 ;switchport mode trunk ;switchport trunk allowed vlan 300 ;switchport trunk native vlan 300 ;no shutdown');
    const out = res.body.ins_api.outputs.output as { code: string }[];
    expect(out).toHaveLength(7);
    expect(out.every((o) => o.code === '200')).toBe(true);
    // What NX-API changed, the SSH CLI shows.
    const shown = new NxosCli(state).execute('show running-config interface Ethernet1/1').output;
    expect(shown).toContain('switchport trunk native vlan 300');
  });

  it('stops at the first failing command and reports its clierror', async () => {
    const res = await ins('cli_conf', 'interface Ethernet1/2 ;switchport trunk native vlan 999 ;no shutdown');
    expect(res.body.ins_api.outputs.output).toEqual([
      { input: 'interface Ethernet1/2', code: '200', msg: 'Success', body: {} },
      { input: 'switchport trunk native vlan 999', code: '400', msg: 'CLI execution error', clierror: '% VLAN not found\n' },
    ]);
    expect(new NxosCli(state).execute('show running-config interface Ethernet1/2').output).toContain('  shutdown');
  });

  it('answers cli_show_ascii with the text, one output object for one command', async () => {
    const res = await ins('cli_show_ascii', 'show running-config interface Ethernet1/1');
    const out = res.body.ins_api.outputs.output as { code: string; body: string };
    expect(out.code).toBe('200');
    expect(out.body).toContain('interface Ethernet1/1');
  });
});
