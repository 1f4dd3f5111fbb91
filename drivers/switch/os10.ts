import { vendorDriver } from './engine';
import { openShellChannel } from './ssh-shell';
import type { PortVlans } from './switch';
import type { SwitchVendor } from './vendor';
import { parseVlanRanges } from './vlan';

/**
 * Dell OS10, as in switch-cli.md. OS10 adds to a trunk's list with
 * `switchport trunk allowed vlan` and has no "none", so a reset names the VLANs
 * the port had (`{dropped}`, read first) and shuts the port.
 */
export const os10Commands: SwitchVendor = {
  name: 'os10',
  // ethernet<node>/<slot>/<port>[:<breakout>] or port-channel<n>.
  port: { pattern: /^(?:ethernet[1-9]\/[1-9]\/[1-9]\d{0,2}(?::[1-4])?|port-channel[1-9]\d{0,3})$/, example: 'ethernet1/1/3' },
  prompt: /^[A-Za-z0-9._-]+(?:\([A-Za-z0-9._/-]+\))?# ?$/,
  sessionSetup: ['terminal length 0'],
  listSeparator: ',',
  emptyList: null,
  configure: { enter: ['configure terminal'], leave: ['end'] },
  commands: {
    ensureVlan: ['interface vlan {vlan}', 'exit'],
    setNativeVlan: ['interface {port}', 'switchport mode trunk', 'switchport access vlan {vlan}', 'no shutdown', 'exit'],
    addTaggedVlans: ['interface {port}', 'switchport mode trunk', 'switchport trunk allowed vlan {vlans}', 'no shutdown', 'exit'],
    removeTaggedVlans: ['interface {port}', 'no switchport trunk allowed vlan {vlans}', 'exit'],
    resetPort: ['interface {port}', 'no switchport trunk allowed vlan {dropped}', 'no switchport access vlan', 'shutdown', 'exit'],
    readPort: ['show running-configuration interface {port}'],
    save: ['write memory'],
  },
  errorPatterns: [/^% Error:.*$/m],
  parsePort: parseOs10Interface,
};

/** Reads `show running-configuration interface <port>`. */
export function parseOs10Interface(text: string): PortVlans {
  const lines = text.split('\n').map((l) => l.trim());
  if (!lines.some((l) => /^interface \S+$/i.test(l))) throw new Error('no interface section in the answer');
  if (lines.includes('shutdown')) return { native: null, tagged: [] };
  let native: number | null = null;
  const tagged = new Set<number>();
  const trunk = lines.includes('switchport mode trunk');
  for (const line of lines) {
    const access = /^switchport access vlan (\d+)$/.exec(line);
    if (access) native = Number(access[1]);
    const allowed = /^switchport trunk allowed vlan (.+)$/.exec(line);
    if (allowed?.[1] && trunk) for (const v of parseVlanRanges(allowed[1])) tagged.add(v);
  }
  return { native, tagged: [...tagged].filter((v) => v !== native).sort((a, b) => a - b) };
}

export const os10Driver = vendorDriver('os10', () => os10Commands, openShellChannel);
