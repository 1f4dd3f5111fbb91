import type { BmcTarget } from '../drivers/power/power';
import type { HostTarget } from '../drivers/host/host';
import type { SwitchTarget } from '../drivers/switch/switch';
import type { ActivityDeps } from './deps';
import type { InventoryHost, InventoryImage } from './inventory';
import { badInput } from './failures';

/** Look-ups from names (what workflows carry) to device targets with credentials (what drivers need). */
export function labDirectory(deps: Pick<ActivityDeps, 'labName' | 'inventory' | 'credentials' | 'hostLogin'>) {
  const host = async (name: string): Promise<InventoryHost> => {
    const h = await deps.inventory.host(name);
    if (!h) throw badInput(`host ${name} is not in lab ${deps.labName}`);
    return h;
  };
  return {
    host,
    async image(name: string): Promise<InventoryImage> {
      const i = await deps.inventory.image(name);
      if (!i) throw badInput(`image ${name} is not in lab ${deps.labName}`);
      return i;
    },
    async bmc(name: string): Promise<BmcTarget> {
      const h = await host(name);
      const c = await deps.credentials.get(h.bmc.credential);
      // An obmd node (HIL >= 0.4): its URL and node token are sealed with obmd's admin token.
      const obmd = c.uri ? { obmd: { uri: c.uri, ...(c.token ? { token: c.token } : {}) } } : {};
      return { host: h.name, address: h.bmc.address, port: h.bmc.port, username: c.username, password: c.password, ...obmd };
    },
    async switchOf(switchName: string): Promise<SwitchTarget> {
      const s = await deps.inventory.switchOf(switchName);
      if (!s) throw badInput(`switch ${switchName} is not in lab ${deps.labName}`);
      const c = await deps.credentials.get(s.credential);
      return { name: s.name, type: s.type, address: s.address, ...(s.port ? { port: s.port } : {}), username: c.username, password: c.password, options: s.options };
    },
    async ssh(name: string): Promise<HostTarget> {
      const h = await host(name);
      return { name: h.name, address: h.ssh.address, port: h.ssh.port, username: deps.hostLogin.username, privateKey: deps.hostLogin.privateKey };
    },
  };
}
