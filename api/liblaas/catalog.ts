import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database';
import { nameUuid } from './ids';

/** A liblaas DataValue: `{value, unit}`. */
export interface DataValue {
  value: number;
  unit: string;
}

export interface ImageBlob {
  image_id: string;
  name: string;
  distro: 'Ubuntu' | 'Fedora' | 'Alma' | 'EVE';
  version: string;
  arch: 'x86_64' | 'aarch64';
}

export interface InterfaceBlob {
  name: string;
  speed: DataValue;
  cardtype: 'PCIeOnboard' | 'PCIeModular' | 'Unknown';
}

export interface FlavorBlob {
  flavor_id: string;
  name: string;
  interfaces: InterfaceBlob[];
  images: ImageBlob[];
  available_count: number;
  cpu_count: number;
  ram: DataValue;
  root_size: DataValue;
  disk_size: DataValue;
  swap_size: DataValue;
}

export interface CatalogHost {
  name: string;
  flavor: string;
  state: string;
  bmcAddress: string;
  /** Held right now by a booking or a HIL project. */
  held: boolean;
  nics: string[];
}

/** The lab's inventory as liblaas shows it: laas names on one side, stable UUIDs on the wire. */
export interface Catalog {
  lab: string;
  hosts: CatalogHost[];
  images: { name: string; id: string; blob: ImageBlob }[];
  flavorId(flavor: string): string;
  flavorById(id: string): string | undefined;
  imageById(id: string): string | undefined;
  imageId(name: string): string;
}

/** Guessed from the image's name: liblaas's distro and version are display only (D treats a name with "eve" as EVE-OS). */
function imageBlob(lab: string, name: string): ImageBlob {
  const lower = name.toLowerCase();
  const distro = lower.includes('eve') ? 'EVE' : lower.includes('fedora') ? 'Fedora' : /alma|rocky|rhel|centos/.test(lower) ? 'Alma' : 'Ubuntu';
  const version = /(\d+(\.\d+)*)/.exec(name)?.[1] ?? '';
  return { image_id: nameUuid(lab, 'image', name), name, distro, version, arch: /aarch64|arm/.test(lower) ? 'aarch64' : 'x86_64' };
}

/** Read the lab's hosts (with whether they are held now), NICs and images from PostgreSQL. */
export async function readCatalog(db: Kysely<Database>, lab: string): Promise<Catalog> {
  const labId = db.selectFrom('labs').select('id').where('name', '=', lab);
  const rows = await db
    .selectFrom('hosts')
    .select([
      'hosts.id',
      'hosts.name',
      'hosts.flavor',
      'hosts.state',
      'hosts.bmc_address',
      sql<boolean>`exists (select 1 from host_allocations a where a.host_id = hosts.id and a.during @> now())`.as('held'),
    ])
    .where('lab_id', '=', labId)
    .orderBy('name')
    .execute();
  const nics = rows.length
    ? await db.selectFrom('nics').select(['host_id', 'label', 'os_name']).where('host_id', 'in', rows.map((r) => r.id)).orderBy('label').execute()
    : [];
  // In the lab description's order: the first image is the seeded templates' default.
  const imageRows = await db.selectFrom('images').select('name').where('lab_id', '=', labId).orderBy('id').execute();
  const hosts = rows.map((r) => ({
    name: r.name,
    flavor: r.flavor ?? 'default',
    state: r.state,
    bmcAddress: r.bmc_address ?? '',
    held: r.held,
    nics: nics.filter((n) => n.host_id === r.id).map((n) => n.os_name ?? n.label),
  }));
  const flavors = new Map([...new Set(hosts.map((h) => h.flavor))].map((f) => [nameUuid(lab, 'flavor', f), f]));
  const images = imageRows.map((i) => ({ name: i.name, id: nameUuid(lab, 'image', i.name), blob: imageBlob(lab, i.name) }));
  return {
    lab,
    hosts,
    images,
    flavorId: (flavor) => nameUuid(lab, 'flavor', flavor),
    flavorById: (id) => flavors.get(id),
    imageById: (id) => images.find((i) => i.id === id)?.name,
    imageId: (name) => nameUuid(lab, 'image', name),
  };
}

const unknownSize: DataValue = { value: 0, unit: 'Unknown' };

/** NICs every host of the flavor has: a template may use them on any host of it. */
export function flavorInterfaces(catalog: Catalog, flavor: string): InterfaceBlob[] {
  const of = catalog.hosts.filter((h) => h.flavor === flavor);
  const names = of[0]?.nics.filter((n) => of.every((h) => h.nics.includes(n))) ?? [];
  return names.map((name) => ({ name, speed: { value: 0, unit: 'GigaBitsPerSecond' }, cardtype: 'Unknown' }));
}

/** §2.10: every flavor of the lab, every image of the lab (laas images are not flavor-bound), free hosts now. */
export function flavorList(catalog: Catalog): FlavorBlob[] {
  const flavors = [...new Set(catalog.hosts.map((h) => h.flavor))].sort();
  return flavors.map((f) => ({
    flavor_id: catalog.flavorId(f),
    name: f,
    interfaces: flavorInterfaces(catalog, f),
    images: catalog.images.map((i) => i.blob),
    available_count: catalog.hosts.filter((h) => h.flavor === f && h.state === 'available' && !h.held).length,
    cpu_count: 0,
    ram: unknownSize,
    root_size: unknownSize,
    disk_size: unknownSize,
    swap_size: unknownSize,
  }));
}

/** §2.11: `allocation` null when free, "maintenance"/"retire" from the host's state, else "booking". */
export function hostList(catalog: Catalog) {
  return catalog.hosts.map((h) => ({
    id: nameUuid(catalog.lab, 'host', h.name),
    name: h.name,
    arch: 'x86_64',
    flavor: catalog.flavorId(h.flavor),
    ipmi_fqdn: h.bmcAddress,
    allocation: h.state === 'maintenance' ? 'maintenance' : h.state === 'retired' ? 'retire' : h.held ? 'booking' : null,
  }));
}
