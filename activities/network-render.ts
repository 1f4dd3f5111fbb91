import type { NicPlan } from '../workflows/types';
import type { LabImage } from '../config/lab';

export interface RenderedFile {
  path: string;
  content: string;
  mode: number;
}

/**
 * Minimal netplan-style rendering used until the full per-family renderers land
 * (drivers/host/network-files); the paths follow laas-pipeline.md per OS family.
 */
export function renderNetworkFiles(family: LabImage['osFamily'], nics: NicPlan[], publicNetwork: string | null): RenderedFile[] {
  const files: RenderedFile[] = [];
  for (const nic of nics) {
    for (const t of nic.tagged) {
      const dev = `${nic.nic}.${t.vlan}`;
      const dhcp = t.network === publicNetwork;
      const path = {
        netplan: `/etc/netplan/60-laas-${dev}.yaml`,
        ifupdown: `/etc/network/interfaces.d/${dev}`,
        rhel: `/etc/sysconfig/network-scripts/ifcfg-${dev}`,
        suse: `/etc/sysconfig/network/ifcfg-${dev}`,
      }[family];
      files.push({ path, content: `# laas: ${dev} on ${t.network}, dhcp ${dhcp}\n`, mode: 0o644 });
    }
  }
  return files;
}
