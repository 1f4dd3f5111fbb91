import type { NetworkFile } from './network-files';
import { describe, type Link } from './network-plan';

export const NETPLAN_FILE = '/etc/netplan/90-laas.yaml';

// One file for every interface: netplan merges files in name order, so "90-" lets the
// lab's settings win over the image's own (e.g. 50-cloud-init.yaml) for the same NIC.
function linkLines(link: Link): string[] {
  const lines = [`    # ${describe(link)}`, `    ${link.name}:`];
  if (link.vlan !== undefined) lines.push(`      id: ${link.vlan}`, `      link: ${link.nic}`);
  lines.push(`      dhcp4: ${link.dhcp}`);
  // Without an address the link never counts as "online": optional keeps boot from waiting for it.
  if (!link.dhcp) lines.push('      optional: true');
  return lines;
}

export function netplanFiles(links: Link[]): NetworkFile[] {
  const nics = links.filter((l) => l.vlan === undefined);
  const vlans = links.filter((l) => l.vlan !== undefined);
  const lines = ['network:', '  version: 2', '  renderer: networkd'];
  if (nics.length > 0) lines.push('  ethernets:', ...nics.flatMap(linkLines));
  if (vlans.length > 0) lines.push('  vlans:', ...vlans.flatMap(linkLines));
  // netplan warns about (and newer releases refuse) files others can read.
  return [{ path: NETPLAN_FILE, content: `${lines.join('\n')}\n`, mode: 0o600 }];
}
