import { describe, expect, it } from 'vitest';
import { fillTemplates } from '../../drivers/switch/engine';
import { nxosCommands, parseNxosInterface } from '../../drivers/switch/nxos';
import { parseOs10Interface } from '../../drivers/switch/os10';
import { parseOvsPort } from '../../drivers/switch/ovs';
import { allVlans, checkVlan } from '../../drivers/switch/vlan';

describe('reading ports back', () => {
  it('NX-OS: a trunk without an allowed line carries every VLAN; an access port its access VLAN; a shut port nothing', () => {
    expect(parseNxosInterface('interface Ethernet1/1\n  switchport mode trunk\n  no shutdown')).toEqual({ native: 1, tagged: allVlans().slice(1) });
    expect(parseNxosInterface('interface Ethernet1/1\n  switchport access vlan 7\n  no shutdown')).toEqual({ native: 7, tagged: [] });
    expect(parseNxosInterface('interface Ethernet1/1\n  switchport mode trunk\n  switchport trunk allowed vlan 5\n  shutdown')).toEqual({ native: null, tagged: [] });
    // The native VLAN counts only when the trunk allows it.
    expect(parseNxosInterface('interface Ethernet1/1\n  switchport mode trunk\n  switchport trunk native vlan 9\n  switchport trunk allowed vlan 5,7\n  no shutdown')).toEqual({ native: null, tagged: [5, 7] });
    expect(() => parseNxosInterface('% Invalid command')).toThrow();
  });

  it('OS10: the access VLAN is the untagged one; tagged VLANs only on a trunk', () => {
    expect(parseOs10Interface('interface ethernet1/1/1\n no shutdown\n switchport access vlan 5\n switchport trunk allowed vlan 6')).toEqual({ native: 5, tagged: [] });
    expect(parseOs10Interface('interface ethernet1/1/1\n no shutdown\n switchport mode trunk\n switchport trunk allowed vlan 6-8')).toEqual({ native: null, tagged: [6, 7, 8] });
  });

  it('OVS: empty trunks mean every VLAN; an access port carries only its tag; 4095 is never reported', () => {
    expect(parseOvsPort('[]\n[]\n[]').tagged).toHaveLength(4094);
    expect(parseOvsPort('100\n[200, 4095]\n[]')).toEqual({ native: 100, tagged: [] });
    expect(parseOvsPort('100\n[200, 4095]\nnative-untagged')).toEqual({ native: 100, tagged: [200] });
    expect(parseOvsPort('[]\n[4095]\ntrunk')).toEqual({ native: null, tagged: [] });
  });
});

describe('templates', () => {
  it('writes an empty NX-OS list as "none" and refuses a line break that slipped past validation', () => {
    expect(fillTemplates(nxosCommands, ['switchport trunk allowed vlan {allowed}'], { parking: 1, after: { native: null, tagged: [] } })).toEqual([
      'switchport trunk allowed vlan none',
    ]);
    expect(() => fillTemplates(nxosCommands, ['interface {port}'], { parking: 1, port: 'Ethernet1/1\nreload' })).toThrow(/control character/);
    expect(() => checkVlan(4095)).toThrow(/1\.\.4094/);
  });
});
