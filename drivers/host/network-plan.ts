import { InvalidInput } from '../errors';

/** One NIC's networks as the booking resolved them (same shape as the workflow's NicPlan). */
export interface NicNetworks {
  /** Interface name in the installed OS, e.g. eno1. */
  nic: string;
  /** Network carried untagged on the NIC's switch port. */
  native: { network: string; vlan: number } | null;
  /** Networks carried as 802.1Q tagged VLANs. */
  tagged: { network: string; vlan: number }[];
}

export interface HostNetworkPlan {
  nics: NicNetworks[];
  /** The booking's public network: DHCP and the default route. Null when there is none. */
  publicNetwork: string | null;
}

/** One interface to configure: the NIC itself, or a VLAN interface on it. */
export interface Link {
  name: string;
  nic: string;
  /** Present for VLAN interfaces. */
  vlan?: number;
  /** Network on this link; absent for a NIC that only carries tagged VLANs. */
  network?: string;
  /** DHCP and the default route: only the public network. */
  dhcp: boolean;
}

/** Linux interface names are at most 15 characters (IFNAMSIZ 16 with the NUL). */
const IFNAME_MAX = 15;

export function checkNicName(nic: string): void {
  // Starting with a letter keeps names from reading as numbers or booleans in YAML;
  // no dot, because "<nic>.<vid>" is how the VLAN interfaces are named.
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,14}$/.test(nic)) {
    throw new InvalidInput('interface name', nic, 'expected a letter, then up to 14 letters, digits, "_" or "-"');
  }
}

function checkVlan(nic: string, vlan: number): void {
  if (!Number.isInteger(vlan) || vlan < 1 || vlan > 4094) {
    throw new InvalidInput(`VLAN id on ${nic}`, String(vlan), 'must be a whole number from 1 to 4094');
  }
}

/** Network names only ever reach comments; anything unusual is shown as "?" so it cannot break a file. */
export function commentSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9._ -]/g, '?').slice(0, 64);
}

/** Validates the plan and lists the interfaces to configure, NIC first, then its VLANs by id. */
export function planLinks(plan: HostNetworkPlan): Link[] {
  const nics = new Set<string>();
  const publicOn: string[] = [];
  const links: Link[] = [];
  for (const { nic, native, tagged } of plan.nics) {
    checkNicName(nic);
    if (nics.has(nic)) throw new InvalidInput('interface name', nic, 'appears twice in the plan');
    nics.add(nic);
    const vlans = new Set<number>();
    for (const { vlan } of [...(native ? [native] : []), ...tagged]) {
      checkVlan(nic, vlan);
      if (vlans.has(vlan)) throw new InvalidInput(`VLAN id on ${nic}`, String(vlan), 'is asked for twice on the same NIC');
      vlans.add(vlan);
    }
    if (!native && tagged.length === 0) continue;

    const nicDhcp = native !== null && native.network === plan.publicNetwork;
    if (nicDhcp) publicOn.push(nic);
    links.push({ name: nic, nic, ...(native ? { network: native.network } : {}), dhcp: nicDhcp });
    for (const t of [...tagged].sort((a, b) => a.vlan - b.vlan)) {
      const name = `${nic}.${t.vlan}`;
      if (name.length > IFNAME_MAX) {
        throw new InvalidInput('VLAN interface name', name, `is longer than the ${IFNAME_MAX} characters Linux allows for an interface`);
      }
      const dhcp = t.network === plan.publicNetwork;
      if (dhcp) publicOn.push(name);
      links.push({ name, nic, vlan: t.vlan, network: t.network, dhcp });
    }
  }
  if (publicOn.length > 1) {
    throw new InvalidInput('public network', plan.publicNetwork ?? '', `is on ${publicOn.join(' and ')}; a host has one default route`);
  }
  return links;
}

/** First line of every file, so an operator on the host knows where it came from. */
export function describe(link: Link): string {
  const what = link.network ? `network ${commentSafe(link.network)}` : 'no network of its own (carries tagged VLANs)';
  const how = link.vlan !== undefined ? `VLAN ${link.vlan}, tagged on ${link.nic}` : 'untagged';
  return `Written by laas: ${link.name}, ${what}${link.network ? ` (${how})` : ''}${link.dhcp ? ', public: DHCP and default route' : ''}`;
}
