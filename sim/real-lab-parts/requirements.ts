import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The programs a real lab runs or drives. */
const PROGRAMS = ['ipmi_sim', 'ipmitool', 'slapd', 'libvirtd', 'virsh', 'qemu-img', 'sshd', 'ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl', 'nsenter', 'unshare', 'ping', 'ip'];

/** Why a real lab cannot run on this machine (not root, a counterpart not installed), or '' when it can. */
export function realLabUnavailable(): string {
  if (process.getuid?.() !== 0) return 'needs root for network, mount and PID namespaces';
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'].filter(Boolean);
  const missing = PROGRAMS.filter((p) => !dirs.some((d) => existsSync(join(d, p))));
  return missing.length ? `not installed: ${missing.join(', ')}` : '';
}
