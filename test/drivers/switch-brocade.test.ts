import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInput } from '../../drivers/errors';
import { brocadeDriver, parseBrocadePort } from '../../drivers/switch/brocade';
import { SwitchRejected, type SwitchTarget } from '../../drivers/switch/switch';
import { startBrocadeSim, type BrocadeSim } from '../../sim/rest-switch/brocade-sim';
import { switchConformance } from './switch.conformance';

let sim: BrocadeSim;

beforeAll(async () => {
  sim = await startBrocadeSim({ username: 'admin', password: 'vdx-secret' });
});
afterAll(async () => {
  await sim?.close();
});

const target = (options: Record<string, string> = {}): SwitchTarget => ({
  name: 'vdx1',
  type: 'brocade',
  address: '127.0.0.1',
  port: sim.port,
  username: 'admin',
  password: 'vdx-secret',
  options: { interface_type: 'TenGigabitEthernet', ...options },
});

switchConformance('brocade over its REST API (NOS simulator)', () => ({
  driver: brocadeDriver,
  target: target(),
  ports: ['1/0/1', '1/0/2'],
  missingPort: '1/0/99',
  wrongCredentials: { ...target(), password: 'not-the-secret' },
  received: () => Promise.resolve([...sim.state.received]),
}));

const P = '/interface/TenGigabitEthernet/%221/0/3%22';
const SWITCHPORT = `POST ${P} <switchport></switchport>`;
const TRUNK = `PUT ${P}/switchport/mode <mode><vlan-mode>trunk</vlan-mode></mode>`;
const READ = [`GET ${P}/switchport/mode`, `GET ${P}/switchport/access`, `GET ${P}/switchport/trunk`];

describe('brocade driver', () => {
  async function sent(work: () => Promise<unknown>): Promise<string[]> {
    const from = sim.state.received.length;
    await work();
    return sim.state.received.slice(from);
  }

  it('sends exactly the requests of HIL’s brocade.py (payloads as its unit tests record them)', async () => {
    const s = await brocadeDriver.open(target());
    try {
      expect(await sent(() => s.ensureVlan(102))).toEqual(['POST /interface <Vlan><name>102</name></Vlan>']);
      await s.ensureVlan(103);
      // Again: the VLAN exists, NOS answers 409, which is fine.
      expect(await sent(() => s.ensureVlan(102))).toEqual(['POST /interface <Vlan><name>102</name></Vlan>']);
      expect(await sent(() => s.setNativeVlan('1/0/3', 102))).toEqual([
        ...READ,
        SWITCHPORT,
        TRUNK,
        `DELETE ${P}/switchport/trunk/tag/native-vlan`,
        `PUT ${P}/switchport/trunk <trunk><native-vlan>102</native-vlan></trunk>`,
      ]);
      expect(await sent(() => s.addTaggedVlans('1/0/3', [103]))).toEqual([SWITCHPORT, TRUNK, `PUT ${P}/switchport/trunk/allowed/vlan <vlan><add>103</add></vlan>`]);
      expect(await s.readPort('1/0/3')).toEqual({ native: 102, tagged: [103] });
      expect(await sent(() => s.removeTaggedVlans('1/0/3', [103]))).toEqual([`PUT ${P}/switchport/trunk/allowed/vlan <vlan><remove>103</remove></vlan>`]);
      expect(await sent(() => s.resetPort('1/0/3'))).toEqual([SWITCHPORT, TRUNK, `PUT ${P}/switchport/trunk/allowed/vlan <vlan><none>true</none></vlan>`, `DELETE ${P}/switchport/trunk/native-vlan`]);
      expect(await s.readPort('1/0/3')).toEqual({ native: null, tagged: [] });
      // HIL's Brocade driver never saves, and neither do we.
      expect(await sent(() => s.save())).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('a refusal is the status and the switch’s <error-message>', async () => {
    const s = await brocadeDriver.open(target());
    try {
      const err = await s.addTaggedVlans('1/0/4', [3999]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SwitchRejected);
      expect((err as SwitchRejected).message).toContain('400 %Error: Vlan 3999 does not exist');
      expect(sim.state.received.at(-1)).toBe('PUT /interface/TenGigabitEthernet/%221/0/4%22/switchport/trunk/allowed/vlan <vlan><add>3999</add></vlan>');
    } finally {
      await s.close();
    }
  });

  it('reads the responses HIL’s unit tests recorded', () => {
    const trunk = `<mode><vlan-mode>trunk</vlan-mode></mode>
<trunk xmlns="urn:brocade.com:mgmt:brocade-interface"><allowed><rspan-vlan/><vlan><add>4001,4025</add></vlan></allowed><tag><native-vlan>true</native-vlan></tag><native-vlan>10</native-vlan></trunk>`;
    expect(parseBrocadePort(trunk)).toEqual({ native: 10, tagged: [4001, 4025] });
    expect(parseBrocadePort('<mode><vlan-mode>trunk</vlan-mode></mode><trunk><allowed><vlan/></allowed><tag><native-vlan>true</native-vlan></tag></trunk>')).toEqual({ native: null, tagged: [] });
    expect(parseBrocadePort('<mode><vlan-mode>access</vlan-mode></mode><access><vlan>10</vlan></access>')).toEqual({ native: 10, tagged: [] });
  });

  it('takes NOS interface types only', async () => {
    await expect(brocadeDriver.open(target({ interface_type: 'Ethernet' }))).rejects.toBeInstanceOf(InvalidInput);
  });
});
