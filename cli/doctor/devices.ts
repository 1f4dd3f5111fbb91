import type { Kysely } from 'kysely';
import type { Lab } from '../../config/lab';
import type { Database } from '../../db/database';
import { databaseInventory } from '../../db/inventory';
import type { InventorySwitch } from '../../activities/inventory';

/** A switch port some NIC is cabled to, and where that cabling is written. */
export interface PortUse {
  port: string;
  place: string;
}

export interface BmcDevice {
  host: string;
  type: string;
  address: string;
  port: number;
  credential: string;
  place: string;
  /** The host's name on the imaging server (FOG), which may differ from ours. */
  imagingName: string;
}

export interface SwitchDevice extends InventorySwitch {
  ports: PortUse[];
  place: string;
}

/** The BMCs and switches a worker of the lab drives, and where doctor learned of them. */
export interface LabDevices {
  source: 'inventory' | 'lab file';
  bmcs: BmcDevice[];
  switches: SwitchDevice[];
}

/** Before the lab is imported, the file is all there is. */
export function devicesFromFile(lab: Lab, file: string): LabDevices {
  const switches = lab.switches.map(
    (s, i): SwitchDevice => ({
      name: s.name,
      type: s.type,
      address: s.address,
      ...(s.port ? { port: s.port } : {}),
      credential: s.credential,
      options: { ...s.options },
      ports: [],
      place: `${file} switches.${i}`,
    }),
  );
  const bmcs = lab.hosts.map((h, i): BmcDevice => {
    h.nics.forEach((n, j) => switches.find((s) => s.name === n.switch)?.ports.push({ port: n.port, place: `${file} hosts.${i}.nics.${j}.port` }));
    // Typed as laas lab import will record it, which is what the workers will then use.
    const type = h.bmc.address.startsWith('sim://') ? 'sim' : 'ipmi';
    return { host: h.name, type, address: h.bmc.address, port: h.bmc.port, credential: h.bmc.credential, place: `${file} hosts.${i}.bmc`, imagingName: h.name };
  });
  return { source: 'lab file', bmcs, switches };
}

/**
 * What the workers really use: hosts and switches as the inventory holds them (the
 * HIL API and `laas` edit those tables too). Places point into the lab file where
 * the file describes the same host or switch, so the fix is made where it lasts.
 */
export async function devicesFromInventory(db: Kysely<Database>, lab: Lab, file: string): Promise<LabDevices> {
  const inventory = databaseInventory(db, lab.name);
  const labId = db.selectFrom('labs').select('id').where('name', '=', lab.name);
  const hostNames = await db.selectFrom('hosts').select('name').where('lab_id', '=', labId).orderBy('name').execute();
  const switchNames = await db.selectFrom('switches').select('name').where('lab_id', '=', labId).orderBy('name').execute();

  const switches: SwitchDevice[] = [];
  for (const { name } of switchNames) {
    const s = await inventory.switchOf(name);
    if (!s) continue;
    const i = lab.switches.findIndex((x) => x.name === name);
    switches.push({
      name: s.name,
      type: s.type,
      address: s.address,
      ...(s.port ? { port: s.port } : {}),
      credential: s.credential,
      options: { ...s.options },
      ports: [],
      place: i >= 0 ? `${file} switches.${i}` : `inventory switch ${name}`,
    });
  }
  const bmcs: BmcDevice[] = [];
  for (const { name } of hostNames) {
    const h = await inventory.host(name);
    if (!h) continue;
    const i = lab.hosts.findIndex((x) => x.name === name);
    const inFile = i >= 0 ? lab.hosts[i] : undefined;
    for (const n of h.nics) {
      const j = inFile ? inFile.nics.findIndex((x) => x.name === n.name) : -1;
      const place = j >= 0 ? `${file} hosts.${i}.nics.${j}.port` : `inventory host ${name} NIC ${n.name}`;
      switches.find((s) => s.name === n.switch)?.ports.push({ port: n.port, place });
    }
    bmcs.push({ host: h.name, ...h.bmc, place: i >= 0 ? `${file} hosts.${i}.bmc` : `inventory host ${name}`, imagingName: h.imagingName });
  }
  return { source: 'inventory', bmcs, switches };
}
