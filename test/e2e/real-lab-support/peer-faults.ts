/**
 * Faults put into the real peers themselves, never into laas: a peer frozen (SIGSTOP) so it
 * answers nobody until thawed, a wrong credential sealed for one device, a port missing on the
 * switch, a host OS without a directory or with a read-only one, a VPN name someone else holds,
 * a hypervisor without its base image, FOG cancelling every task of a host.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RealLab } from '../../../sim/real-lab';

async function pidIn(file: string): Promise<number> {
  const pid = Number((await readFile(file, 'utf8')).trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${file}`);
  return pid;
}

const childrenOf = async (pid: number): Promise<number[]> =>
  (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).split(/\s+/).filter(Boolean).map(Number);

/**
 * The host OS's sshd writes its pid as its own PID namespace numbers it; this machine knows it by
 * another. Found among the box's processes by the NSpid line of /proc/<pid>/status.
 */
async function boxSshdPid(lab: RealLab, host: string): Promise<number> {
  const os = lab.host(host).os;
  const inBox = await pidIn(join(os.dir, 'sshd.pid'));
  const todo = await childrenOf(os.pid);
  while (todo.length) {
    const pid = todo.shift()!;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const ns = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).map(Number) ?? [];
    if (ns.length > 1 && ns.at(-1) === inBox && /^Name:\s+sshd$/m.test(status)) return pid;
    todo.push(...(await childrenOf(pid)));
  }
  throw new Error(`the sshd of ${host} (pid ${inBox} in its box) is not running`);
}

/** The processes a transient fault freezes, by what they play in the lab. */
export const peerPids = {
  bmc: (lab: RealLab, host: string) => Promise.resolve(lab.host(host).bmc.pid),
  switchHost: (lab: RealLab) => pidIn(join(dirname(lab.switchHost.privateKeyFile), 'sshd.pid')),
  /** The switch's configuration daemon: ovs-vsctl waits for it to apply each change. */
  vswitchd: (lab: RealLab) => pidIn(join(lab.ovs.dir, 'ovs-vswitchd.pid')),
  /** The host OS's listening sshd (a new one after every reboot); sessions already open go on. */
  hostSshd: boxSshdPid,
  slapd: (lab: RealLab) => Promise.resolve(lab.slapd.pid),
  libvirtd: (lab: RealLab) => Promise.resolve(lab.libvirtd.pid),
};

/** Frozen peers, thawed in any case by thawAll(). */
export class Freezer {
  private readonly frozen = new Set<number>();
  /** Stops the process, after making sure the pid is still the program it should be. */
  async freeze(pid: number, program: string): Promise<void> {
    const name = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
    if (name !== program) throw new Error(`pid ${pid} is ${name || 'gone'}, not ${program}: not stopping it`);
    process.kill(pid, 'SIGSTOP');
    this.frozen.add(pid);
  }
  thaw(pid: number): void {
    this.frozen.delete(pid);
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Gone already.
    }
  }
  thawAll(): void {
    for (const pid of [...this.frozen]) this.thaw(pid);
  }
}

/**
 * Resolves once the host's OS has rebooted (its boot id changed from `bootBefore`) and then
 * accepted a login: the reboot wait of the network step seeing the host back.
 */
export async function untilLoginAfterReboot(lab: RealLab, host: string, bootBefore: string, timeoutMs = 120_000): Promise<void> {
  const os = lab.host(host).os;
  const deadline = Date.now() + timeoutMs;
  let logFrom = -1;
  while (Date.now() < deadline) {
    if (logFrom < 0) {
      const boot = (await readFile(join(os.dir, 'boot_id'), 'utf8')).trim();
      if (boot !== bootBefore) logFrom = (await readFile(join(os.dir, 'sshd.log'), 'utf8')).length;
    } else {
      const log = (await readFile(join(os.dir, 'sshd.log'), 'utf8')).slice(logFrom);
      if (/Accepted publickey for root/.test(log)) return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${host} did not reboot and accept a login within ${timeoutMs} ms`);
}

export async function bootIdOf(lab: RealLab, host: string): Promise<string> {
  return (await readFile(join(lab.host(host).os.dir, 'boot_id'), 'utf8')).trim();
}
