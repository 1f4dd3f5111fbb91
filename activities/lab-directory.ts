import type { BmcTarget } from '../drivers/power/power';
import type { HostTarget } from '../drivers/host/host';
import type { SwitchTarget } from '../drivers/switch/switch';
import type { LabHost, LabImage } from '../config/lab';
import type { ActivityDeps } from './deps';
import { badInput } from './failures';

/** Look-ups from names (what workflows carry) to device targets with credentials (what drivers need). */
export function labDirectory(deps: Pick<ActivityDeps, 'lab' | 'credentials' | 'hostLogin'>) {
  const host = (name: string): LabHost => {
    const h = deps.lab.hosts.find((x) => x.name === name);
    if (!h) throw badInput(`host ${name} is not in lab ${deps.lab.name}`);
    return h;
  };
  return {
    host,
    image(name: string): LabImage {
      const i = deps.lab.images.find((x) => x.name === name);
      if (!i) throw badInput(`image ${name} is not in lab ${deps.lab.name}`);
      return i;
    },
    bmc(name: string): BmcTarget {
      const h = host(name);
      const c = deps.credentials.get(h.bmc.credential);
      return { host: h.name, address: h.bmc.address, port: h.bmc.port, username: c.username, password: c.password };
    },
    switchOf(switchName: string): SwitchTarget {
      const s = deps.lab.switches.find((x) => x.name === switchName);
      if (!s) throw badInput(`switch ${switchName} is not in lab ${deps.lab.name}`);
      const c = deps.credentials.get(s.credential);
      return { name: s.name, type: s.type, address: s.address, ...(s.port ? { port: s.port } : {}), username: c.username, password: c.password };
    },
    ssh(name: string): HostTarget {
      const h = host(name);
      return { name: h.name, address: h.ssh.address, port: h.ssh.port, username: deps.hostLogin.username, privateKey: deps.hostLogin.privateKey };
    },
  };
}
