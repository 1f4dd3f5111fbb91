import { InvalidInput } from '../errors';
import { vendorDriver, type ChannelOpener } from './engine';
import { openExecChannel } from './ssh-exec';
import type { PortVlans, SwitchTarget } from './switch';
import type { SwitchVendor } from './vendor';
import { allVlans, parseVlanRanges } from './vlan';

/**
 * In OVS an empty `trunks` set means "every VLAN", so a port must never be
 * left with an empty one: every change keeps 4095 in it, a VLAN 802.1Q
 * reserves and no frame carries. A reset port is a trunk of only 4095: it
 * drops untagged frames and carries nothing, which is OVS's way of "shut".
 */
export const OVS_NO_VLAN = 4095;

/** Open vSwitch over SSH to the switch host; option `db` points ovs-vsctl at a non-default database. */
export function ovsCommands(db?: string): SwitchVendor {
  if (db !== undefined && !/^unix:\/[A-Za-z0-9._/-]+$/.test(db)) {
    throw new InvalidInput('option db', db, 'expected unix:/path/to/db.sock');
  }
  const vsctl = ['ovs-vsctl', '--timeout=10', ...(db ? [`--db=${db}`] : [])].join(' ');
  return {
    name: 'ovs',
    // A Linux interface name.
    port: { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$/, example: 'eth3' },
    sessionSetup: [],
    listSeparator: ' ',
    emptyList: null,
    configure: { enter: [], leave: [] },
    commands: {
      // OVS has no VLAN table: a VLAN exists as soon as a port carries it.
      ensureVlan: [],
      setNativeVlan: [`${vsctl} set port {port} tag={vlan} vlan_mode=native-untagged -- add port {port} trunks ${OVS_NO_VLAN}`],
      addTaggedVlans: [`${vsctl} add port {port} trunks {vlans} ${OVS_NO_VLAN}`],
      removeTaggedVlans: [`${vsctl} remove port {port} trunks {vlans} -- add port {port} trunks ${OVS_NO_VLAN}`],
      resetPort: [`${vsctl} clear port {port} tag -- set port {port} vlan_mode=trunk trunks=${OVS_NO_VLAN}`],
      readPort: [`${vsctl} get port {port} tag -- get port {port} trunks -- get port {port} vlan_mode`],
      // Every ovs-vsctl transaction is already on disk.
      save: [],
    },
    errorPatterns: [/^ovs-vsctl: .*$/m],
    parsePort: parseOvsPort,
  };
}

/** Reads the three lines of `get port tag -- get port trunks -- get port vlan_mode`. */
export function parseOvsPort(text: string): PortVlans {
  const [tagText, trunksText, modeText] = text.split('\n').map((l) => l.trim());
  if (tagText === undefined || trunksText === undefined || modeText === undefined) throw new Error('expected tag, trunks and vlan_mode');
  const tag = tagText === '[]' ? null : Number(tagText);
  if (tag !== null && !Number.isInteger(tag)) throw new Error(`unreadable tag "${tagText}"`);
  const listed = /^\[(.*)\]$/.exec(trunksText);
  if (!listed) throw new Error(`unreadable trunks "${trunksText}"`);
  const trunks = listed[1] === '' ? allVlans() : parseVlanRanges(listed[1]?.replace(/\s/g, '') ?? '');
  const mode = modeText === '[]' ? (tag === null ? 'trunk' : 'access') : modeText;
  if (mode === 'access') return { native: tag, tagged: [] };
  const native = mode === 'trunk' ? null : tag;
  return { native, tagged: trunks.filter((v) => v !== OVS_NO_VLAN && v !== native) };
}

/** The SSH runner by default; a test or a local switch host may hand in another channel. */
export function createOvsDriver(openChannel: ChannelOpener = (target) => openExecChannel(target)) {
  return vendorDriver('ovs', (target?: SwitchTarget) => ovsCommands(target?.options?.db), openChannel);
}

export const ovsDriver = createOvsDriver();
