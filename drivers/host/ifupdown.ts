import type { NetworkFile } from './network-files';
import { describe, type Link } from './network-plan';

// Debian's /etc/network/interfaces sources /etc/network/interfaces.d/*; one file per
// interface lets the lab add and remove exactly its own. VLANs need the "vlan" package
// for vlan-raw-device.
function stanza(link: Link): string {
  const lines = [`# ${describe(link)}`, `auto ${link.name}`, `iface ${link.name} inet ${link.dhcp ? 'dhcp' : 'manual'}`];
  if (link.vlan !== undefined) lines.push(`    vlan-raw-device ${link.nic}`);
  return `${lines.join('\n')}\n`;
}

export function ifupdownFiles(links: Link[]): NetworkFile[] {
  return links.map((link) => ({ path: `/etc/network/interfaces.d/${link.name}`, content: stanza(link), mode: 0o644 }));
}
