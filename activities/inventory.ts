import type { Lab } from '../config/lab';

/** A host as the drivers need it: how to reach its BMC, where its NICs are cabled, how to log in. */
export interface InventoryHost {
  name: string;
  flavor: string | null;
  bmc: { type: string; address: string; port: number; credential: string };
  /** NICs by their OS name, with the switch port each is cabled to. */
  nics: { name: string; mac: string | null; switch: string; port: string }[];
  ssh: { address: string; port: number };
  /** The host's name on the imaging server, when it differs from ours. */
  imagingName: string;
}

export interface InventorySwitch {
  name: string;
  type: string;
  address: string;
  port?: number;
  credential: string;
  options: Record<string, string>;
}

export interface InventoryImage {
  name: string;
  imagingId: string;
  osFamily: 'netplan' | 'ifupdown' | 'rhel' | 'suse';
}

/** Where activities look hosts, switches and images up: PostgreSQL in a running lab, the lab file for quick simulations. */
export interface Inventory {
  /** null when the lab has no such host. */
  host(name: string): Promise<InventoryHost | null>;
  switchOf(name: string): Promise<InventorySwitch | null>;
  image(name: string): Promise<InventoryImage | null>;
  /** A host that keeps failing is taken out of service until an operator looks at it. */
  setMaintenance(name: string, reason: string): Promise<void>;
}

/** The inventory straight from a lab description (the simulated lab and benchmarks). */
export function labFileInventory(lab: Lab): Inventory {
  const maintenance = new Map<string, string>();
  return {
    host: (name) => {
      const h = lab.hosts.find((x) => x.name === name);
      if (!h) return Promise.resolve(null);
      return Promise.resolve({
        name: h.name,
        flavor: h.flavor,
        bmc: { type: h.bmc.type, address: h.bmc.address, port: h.bmc.port, credential: h.bmc.credential },
        nics: h.nics.map((n) => ({ name: n.name, mac: n.mac, switch: n.switch, port: n.port })),
        ssh: { address: h.ssh.address, port: h.ssh.port },
        imagingName: h.name,
      });
    },
    switchOf: (name) => {
      const s = lab.switches.find((x) => x.name === name);
      if (!s) return Promise.resolve(null);
      return Promise.resolve({ name: s.name, type: s.type, address: s.address, ...(s.port ? { port: s.port } : {}), credential: s.credential, options: { ...s.options } });
    },
    image: (name) => {
      const i = lab.images.find((x) => x.name === name);
      return Promise.resolve(i ? { name: i.name, imagingId: i.imagingId, osFamily: i.osFamily } : null);
    },
    setMaintenance: (name, reason) => {
      maintenance.set(name, reason);
      return Promise.resolve();
    },
  };
}
