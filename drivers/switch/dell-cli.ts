import { vendorDriver } from './engine';
import { openShellChannel } from './ssh-shell';
import type { PortVlans, SwitchTarget } from './switch';
import type { SwitchVendor } from './vendor';
import { parseVlanRanges } from './vlan';

/**
 * Dell's older console switches, PowerConnect 55xx and N3000, as switch-cli.md gives their
 * commands and as HIL's drivers use them (M hil/ext/switches/_dell_base.py, dell.py, n3000.py;
 * HIL abbreviates `sw` and `int`, we write the words out). Ports are `gi1/0/3` or `te1/1`
 * (HIL's `validate_port_name` for both).
 */
const DELL_PORT = { pattern: /^(?:gi|te)\d{1,2}\/\d{1,2}(?:\/\d{1,2})?$/, example: 'gi1/0/3' };

/** `console#`, `console(config-if-Gi1/0/3)#`, the N3000's `console>` before `enable`, and the save's `(y/n)` question. */
const DELL_PROMPT = /(?:^[A-Za-z0-9._-]+(?:\([A-Za-z0-9._/-]+\))?[#>] ?|\([yY]\/[nN]\)(?:\[N\])? ?\??\s?)$/;

const shared = {
  port: DELL_PORT,
  prompt: DELL_PROMPT,
  listSeparator: ',',
  emptyList: null,
  // HIL leaves an interface with `exit` and the configuration with another; after a refusal
  // the session may be anywhere in the configuration, and `end` goes back to exec mode from all of it.
  configure: { enter: ['configure'], leave: ['exit'], abort: ['end'] },
  errorPatterns: [/^% .*$/m],
} satisfies Partial<SwitchVendor>;

const trunkCommands = {
  // HIL's set_native: the old native VLAN leaves the trunk, the new one is allowed, then made native.
  setNativeVlan: [
    'interface {port}',
    'switchport mode trunk',
    'switchport trunk allowed vlan remove {oldNative}',
    'switchport trunk allowed vlan add {vlan}',
    'switchport trunk native vlan {vlan}',
    'exit',
  ],
  addTaggedVlans: ['interface {port}', 'switchport mode trunk', 'switchport trunk allowed vlan add {vlans}', 'exit'],
  removeTaggedVlans: ['interface {port}', 'switchport trunk allowed vlan remove {vlans}', 'exit'],
  readPort: ['show interfaces switchport {port}'],
  // The switch asks "Overwrite file [startup-config] ...? (Y/N)" and HIL answers "y".
  save: ['copy running-config startup-config', 'y'],
};

export const powerconnectCommands: SwitchVendor = {
  ...shared,
  name: 'powerconnect55xx',
  // HIL's _set_terminal_lines('unlimited') for the PowerConnect.
  sessionSetup: ['terminal datadump'],
  commands: {
    ...trunkCommands,
    ensureVlan: ['vlan database', 'vlan {vlan}', 'exit'],
    // HIL's disable_port, after putting the port in trunk mode (HIL assumed its ports were trunks already).
    resetPort: ['interface {port}', 'switchport mode trunk', 'switchport trunk allowed vlan none', 'switchport trunk native vlan none', 'exit'],
  },
  parsePort: parseDellSwitchport,
};

export const n3000Commands: SwitchVendor = {
  ...shared,
  name: 'delln3000',
  // HIL logs in at `>` and sends `en`; an account with privilege 15 is at `#` already and `enable` does nothing.
  sessionSetup: ['enable', 'terminal length 0'],
  commands: {
    ...trunkCommands,
    ensureVlan: ['vlan {vlan}', 'exit'],
    // An N3000 port cannot be without a native VLAN: HIL parks it on the dummy VLAN (made sure of
    // first, as HIL does at login) and then takes every VLAN off the trunk, the dummy included.
    resetPort: [
      'vlan {parking}',
      'exit',
      'interface {port}',
      'switchport mode trunk',
      'switchport trunk allowed vlan add {parking}',
      'switchport trunk native vlan {parking}',
      'switchport trunk allowed vlan remove 1-4093',
      'exit',
    ],
  },
  parsePort: parseDellSwitchport,
};

/**
 * Reads `show interfaces switchport <port>` of either switch: "Key: value" lines, a value
 * going on over indented lines. PowerConnect says "Trunking Native Mode VLAN" and "Trunking VLANs
 * Enabled", the N3000 "Trunking Mode Native VLAN" and "Trunking Mode VLANs Enabled"; values may
 * carry "(default)" or "(Inactive)". A native VLAN the trunk does not allow carries nothing (the
 * N3000's parked ports).
 */
export function parseDellSwitchport(text: string): PortVlans {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    const m = /^([A-Za-z][^:]*):\s*(.*)$/.exec(line);
    if (m?.[1] !== undefined && !/^\s/.test(line)) {
      last = m[1].trim().toLowerCase();
      fields.set(last, m[2] ?? '');
    } else if (last && /^\s+\S/.test(line)) fields.set(last, `${fields.get(last)},${line.trim()}`);
  }
  if (!fields.has('name') && !fields.has('port')) throw new Error('no "Name:" or "Port:" line in the answer');
  const value = (...keys: string[]) => {
    for (const k of keys) {
      const v = fields.get(k);
      if (v !== undefined) return v.replace(/\([^)]*\)/g, '').replace(/\s*,\s*/g, ',').replace(/,+$/, '').trim().toLowerCase();
    }
    return undefined;
  };
  const mode = value('administrative mode', 'vlan membership mode') ?? '';
  if (!mode.startsWith('trunk')) {
    const access = value('access mode vlan');
    return { native: access && /^\d+$/.test(access) ? Number(access) : null, tagged: [] };
  }
  const enabled = parseVlanRanges(value('trunking vlans enabled', 'trunking mode vlans enabled') ?? 'none');
  const nativeText = value('trunking native mode vlan', 'trunking mode native vlan') ?? 'none';
  const nativeVlan = /^\d+$/.test(nativeText) ? Number(nativeText) : null;
  const native = nativeVlan !== null && enabled.includes(nativeVlan) ? nativeVlan : null;
  return { native, tagged: enabled.filter((v) => v !== native) };
}

export const powerconnectDriver = vendorDriver('powerconnect55xx', () => powerconnectCommands, openShellChannel);
export const n3000Driver = vendorDriver('delln3000', (_target?: SwitchTarget) => n3000Commands, openShellChannel);
