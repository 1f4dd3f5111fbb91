import type { NetworkFile } from './network-files';
import { describe, type Link } from './network-plan';

// wicked's ifcfg files (ifcfg(5), ifcfg-vlan(5)): values single-quoted as SUSE writes them.
function ifcfg(link: Link): string {
  const lines = [`# ${describe(link)}`];
  if (link.vlan !== undefined) lines.push(`ETHERDEVICE='${link.nic}'`, `VLAN_ID='${link.vlan}'`);
  lines.push(`BOOTPROTO='${link.dhcp ? 'dhcp' : 'none'}'`, "STARTMODE='auto'");
  if (link.dhcp) lines.push("DHCLIENT_SET_DEFAULT_ROUTE='yes'");
  return `${lines.join('\n')}\n`;
}

export function suseFiles(links: Link[]): NetworkFile[] {
  return links.map((link) => ({ path: `/etc/sysconfig/network/ifcfg-${link.name}`, content: ifcfg(link), mode: 0o644 }));
}
