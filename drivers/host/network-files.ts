import { InvalidInput } from '../errors';
import { ifupdownFiles } from './ifupdown';
import { rhelFiles } from './ifcfg-rhel';
import { suseFiles } from './ifcfg-suse';
import { netplanFiles } from './netplan';
import { planLinks, type HostNetworkPlan, type Link } from './network-plan';

export type { HostNetworkPlan, NicNetworks } from './network-plan';

/** How the installed OS configures its network (the image's osFamily). */
export type OsFamily = 'netplan' | 'ifupdown' | 'rhel' | 'suse';

export interface NetworkFile {
  path: string;
  content: string;
  mode: number;
}

export interface NetworkFiles {
  files: NetworkFile[];
  /** Applies the files without a reboot (the booking reboots instead, which also proves they hold). */
  apply: string[];
}

const families: Record<OsFamily, { render: (links: Link[]) => NetworkFile[]; apply: string[] }> = {
  netplan: { render: netplanFiles, apply: ['netplan', 'apply'] },
  // networking.service runs ifup -a / ifdown -a over everything, interfaces.d included.
  ifupdown: { render: ifupdownFiles, apply: ['systemctl', 'restart', 'networking'] },
  // Restarting NetworkManager re-reads ifcfg files and activates every ONBOOT=yes profile.
  rhel: { render: rhelFiles, apply: ['systemctl', 'restart', 'NetworkManager'] },
  suse: { render: suseFiles, apply: ['wicked', 'ifreload', 'all'] },
};

/** The network files a host needs for its booking's networks, for its OS family. Pure. */
export function renderNetworkFiles(family: OsFamily, plan: HostNetworkPlan): NetworkFiles {
  const chosen = Object.hasOwn(families, family) ? families[family] : undefined;
  if (!chosen) throw new InvalidInput('OS family', String(family), `expected one of ${Object.keys(families).join(', ')}`);
  return { files: chosen.render(planLinks(plan)), apply: [...chosen.apply] };
}
