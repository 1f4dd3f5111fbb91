import type { NetworkFile } from './network-files';
import { describe, type Link } from './network-plan';

// network-scripts ifcfg files, read by NetworkManager's ifcfg-rh plugin on RHEL 8/9 and
// by the legacy network service before that.
function ifcfg(link: Link): string {
  const lines = [`# ${describe(link)}`, `DEVICE=${link.name}`];
  if (link.vlan !== undefined) lines.push('VLAN=yes', `VLAN_ID=${link.vlan}`, `PHYSDEV=${link.nic}`);
  else lines.push('TYPE=Ethernet');
  lines.push(`BOOTPROTO=${link.dhcp ? 'dhcp' : 'none'}`, 'ONBOOT=yes', `DEFROUTE=${link.dhcp ? 'yes' : 'no'}`);
  return `${lines.join('\n')}\n`;
}

export function rhelFiles(links: Link[]): NetworkFile[] {
  return links.map((link) => ({ path: `/etc/sysconfig/network-scripts/ifcfg-${link.name}`, content: ifcfg(link), mode: 0o644 }));
}
