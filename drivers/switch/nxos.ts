import { vendorDriver } from './engine';
import { openShellChannel } from './ssh-shell';
import type { PortVlans } from './switch';
import type { SwitchVendor } from './vendor';
import { allVlans, parseVlanRanges } from './vlan';

/**
 * Cisco NX-OS, command by command as in switch-cli.md. Trunk lists are written
 * whole (`allowed vlan {allowed}`) rather than with `add`: a port that was
 * never trunked allows every VLAN, and `add` to "all" would leave it so.
 */
export const nxosCommands: SwitchVendor = {
  name: 'nxos',
  // Ethernet<slot>/<port>[/<breakout>] or port-channel<n>, spelled as the switch shows them.
  port: { pattern: /^(?:Ethernet[1-9]\d{0,2}\/[1-9]\d{0,2}(?:\/[1-4])?|port-channel[1-9]\d{0,3})$/, example: 'Ethernet1/34' },
  prompt: /^[A-Za-z0-9._-]+(?:\([A-Za-z0-9._/-]+\))?# ?$/,
  sessionSetup: ['terminal length 0'],
  listSeparator: ',',
  emptyList: 'none',
  configure: { enter: ['configure terminal'], leave: ['end'] },
  commands: {
    ensureVlan: ['vlan {vlan}', 'exit'],
    setNativeVlan: [
      'interface {port}',
      'switchport',
      // First, so a VLAN the switch refuses leaves the port as it was.
      'switchport trunk native vlan {vlan}',
      'switchport mode trunk',
      // The native VLAN must also be in the allowed list.
      'switchport trunk allowed vlan {allowed}',
      'no shutdown',
      'exit',
    ],
    addTaggedVlans: ['interface {port}', 'switchport', 'switchport mode trunk', 'switchport trunk allowed vlan {allowed}', 'no shutdown', 'exit'],
    removeTaggedVlans: ['interface {port}', 'switchport trunk allowed vlan remove {vlans}', 'exit'],
    resetPort: ['interface {port}', 'switchport trunk allowed vlan none', 'switchport trunk native vlan {parking}', 'shutdown', 'exit'],
    readPort: ['show running-config interface {port}'],
    save: ['copy running-config startup-config'],
  },
  errorPatterns: [/^% .*$/m],
  parsePort: parseNxosInterface,
};

/** Reads `show running-config interface <port>`: what the port carries, not what is merely configured. */
export function parseNxosInterface(text: string): PortVlans {
  const lines = text.split('\n').map((l) => l.trim());
  if (!lines.some((l) => /^interface \S+$/i.test(l))) throw new Error('no interface section in the answer');
  // A shut or routed port carries no VLAN whatever its lists say.
  if (lines.includes('shutdown') || lines.includes('no switchport')) return { native: null, tagged: [] };
  const number = (re: RegExp): number | undefined => {
    for (const line of lines) {
      const m = re.exec(line);
      if (m) return Number(m[1]);
    }
    return undefined;
  };
  if (!lines.includes('switchport mode trunk')) {
    return { native: number(/^switchport access vlan (\d+)$/) ?? 1, tagged: [] };
  }
  let allowed: number[] | undefined;
  for (const line of lines) {
    const m = /^switchport trunk allowed vlan (add )?(.+)$/.exec(line);
    if (!m?.[2]) continue;
    const ids = parseVlanRanges(m[2]);
    allowed = m[1] ? [...(allowed ?? []), ...ids] : ids;
  }
  // No allowed line: NX-OS trunks every VLAN.
  const carried = new Set(allowed ?? allVlans());
  const nativeVlan = number(/^switchport trunk native vlan (\d+)$/) ?? 1;
  const native = carried.has(nativeVlan) ? nativeVlan : null;
  const tagged = [...carried].filter((v) => v !== native).sort((a, b) => a - b);
  return { native, tagged };
}

export const nxosDriver = vendorDriver('nxos', () => nxosCommands, openShellChannel);
