import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database';
import type { LiblaasTemplateRow, TemplateHost } from '../../db/tables/liblaas';
import { insertTemplate } from '../../db/liblaas-templates';
import { flavorInterfaces, type Catalog } from './catalog';
import { fail } from './context';
import { isUuid, nameUuid } from './ids';

/** The dashboard's host and network names: 1-25 of [0-9a-z-], starting with a letter, not ending in "-" (case-insensitive). */
export const DASHBOARD_NAME = /^[a-z]([a-z0-9-]{0,23}[a-z0-9])?$/i;

const cifile = z.union([z.array(z.string()), z.string(), z.null()]).optional();
const iface = z.object({ name: z.string() }).passthrough();
const bondgroup = z.object({ connections: z.array(z.object({ tagged: z.boolean(), connects_to: z.string() })), ifaces: z.array(iface) });
const hostConfig = z.object({ hostname: z.string(), flavor: z.string(), image: z.string(), cifile, bondgroups: z.array(bondgroup) });

/** §2.13's TemplateBlob; cifile as D sends it (array) or as newer servers take it (string or null), §0.1. */
export const templateBlob = z.object({
  id: z.string().nullish(),
  owner: z.string(),
  lab_name: z.string(),
  pod_name: z.string(),
  pod_desc: z.string(),
  public: z.boolean(),
  host_list: z.array(hostConfig),
  networks: z.array(z.object({ name: z.string(), public: z.boolean() })),
});
export type TemplateBlobIn = z.infer<typeof templateBlob>;

const cifiles = (c: TemplateBlobIn['host_list'][number]['cifile']): string[] => (Array.isArray(c) ? c : typeof c === 'string' ? [c] : []).filter((x) => x !== '');

/**
 * Everything the dashboard's design could get wrong, checked before anything is stored: names,
 * flavors and images of this lab, images per flavor, interfaces of the flavor, networks named.
 */
export function checkTemplate(blob: TemplateBlobIn, catalog: Catalog): TemplateHost[] {
  if (!blob.host_list.length) throw fail('a template needs at least one host');
  if (!blob.networks.length) throw fail('a template needs at least one network');
  const nets = new Set<string>();
  for (const n of blob.networks) {
    if (!DASHBOARD_NAME.test(n.name)) throw fail(`network name ${JSON.stringify(n.name)} is not 1-25 letters, digits or "-", starting with a letter`);
    if (nets.has(n.name.toLowerCase())) throw fail(`network ${n.name} is defined twice`);
    nets.add(n.name.toLowerCase());
  }
  const hostnames = new Set<string>();
  return blob.host_list.map((h) => {
    if (!DASHBOARD_NAME.test(h.hostname)) throw fail(`hostname ${JSON.stringify(h.hostname)} is not 1-25 letters, digits or "-", starting with a letter`);
    if (hostnames.has(h.hostname.toLowerCase())) throw fail(`hostname ${h.hostname} is used twice`);
    hostnames.add(h.hostname.toLowerCase());
    const flavor = catalog.flavorById(h.flavor);
    if (!flavor) throw fail(`no flavor ${h.flavor} in this lab`);
    if (!catalog.imageById(h.image)) throw fail(`image ${h.image} is not available for flavor ${flavor}`);
    const nics = new Set(flavorInterfaces(catalog, flavor).map((i) => i.name));
    for (const g of h.bondgroups) {
      if (!g.ifaces[0]) throw fail(`a bond group of ${h.hostname} has no interface`);
      for (const i of g.ifaces) if (!nics.has(i.name)) throw fail(`flavor ${flavor} has no interface ${i.name}`);
      if (g.connections.filter((c) => !c.tagged).length > 1) throw fail(`at most one untagged network per interface (${h.hostname})`);
      for (const c of g.connections) if (!nets.has(c.connects_to.toLowerCase())) throw fail(`network ${c.connects_to} is not defined in the template`);
    }
    return {
      hostname: h.hostname,
      flavor: h.flavor,
      image: h.image,
      cifile: cifiles(h.cifile),
      bondgroups: h.bondgroups.map((g) => ({ connections: g.connections.map((c) => ({ tagged: c.tagged, connects_to: c.connects_to })), ifaces: g.ifaces.map((i) => ({ name: i.name })) })),
    };
  });
}

/** §2.12's TemplateBlob of a stored template, interfaces filled from the flavor (speed 0 when unknown). */
export function templateBlobOf(t: LiblaasTemplateRow, catalog: Catalog) {
  return {
    id: t.id,
    owner: t.owner ?? 'no owner',
    lab_name: t.project,
    pod_name: t.name,
    pod_desc: t.description,
    public: t.public,
    host_list: t.hosts.map((h) => {
      const flavor = catalog.flavorById(h.flavor);
      const known = flavor ? flavorInterfaces(catalog, flavor) : [];
      return {
        ...h,
        bondgroups: h.bondgroups.map((g) => ({
          connections: g.connections,
          ifaces: g.ifaces.map((i) => known.find((k) => k.name === i.name) ?? { name: i.name, speed: { value: 0, unit: 'GigaBitsPerSecond' }, cardtype: 'Unknown' }),
        })),
      };
    }),
    networks: t.networks,
  };
}

/** §2.2's stored template record, embedded in a booking's status. */
export function templateRecordOf(t: LiblaasTemplateRow, lab: string) {
  const netId = (name: string) => nameUuid(t.id, 'network', name.toLowerCase());
  return {
    id: t.id,
    name: t.name,
    deleted: t.deleted,
    description: t.description,
    owner: t.owner,
    public: t.public,
    networks: t.networks.map((n) => netId(n.name)),
    hosts: t.hosts.map((h) => ({
      hostname: h.hostname,
      flavor: h.flavor,
      image: h.image,
      cifile: h.cifile.map((_, i) => nameUuid(t.id, 'cifile', h.hostname, String(i))),
      connections: h.bondgroups.map((g) => ({
        connects_to: g.connections.map((c) => ({ network: netId(c.connects_to), tagged: c.tagged })),
        member_interfaces: g.ifaces.map((i) => i.name),
      })),
    })),
    lab: nameUuid(lab, 'lab'),
  };
}

export const isTemplateId = isUuid;

/**
 * The lab's public catalog, from the lab description: per flavor one single-host template (its
 * first NIC untagged on the public network) and, with two hosts or more, a pair that adds a
 * private network tagged on every NIC. Stable ids: seeding again changes nothing.
 */
export async function seedPublicTemplates(db: Kysely<Database>, catalog: Catalog, project: string): Promise<void> {
  const image = catalog.images[0];
  if (!image) return;
  for (const flavor of [...new Set(catalog.hosts.map((h) => h.flavor))].sort()) {
    const nics = flavorInterfaces(catalog, flavor).map((i) => i.name);
    if (!nics.length) continue;
    const count = catalog.hosts.filter((h) => h.flavor === flavor).length;
    const host = (hostname: string, withPrivate: boolean): TemplateHost => ({
      hostname,
      flavor: catalog.flavorId(flavor),
      image: image.id,
      cifile: [],
      bondgroups: nics.map((name, i) => ({
        ifaces: [{ name }],
        connections: [...(i === 0 ? [{ tagged: false, connects_to: 'public' }] : []), ...(withPrivate ? [{ tagged: true, connects_to: 'private' }] : [])],
      })),
    });
    const base = { project, owner: null, public: true };
    await insertTemplate(db, {
      ...base,
      id: nameUuid(catalog.lab, project, 'template', flavor, '1'),
      name: `${flavor}`,
      description: `One ${flavor} host on the public network`,
      hosts: [host('node-1', false)],
      networks: [{ name: 'public', public: true }],
    });
    if (count < 2) continue;
    await insertTemplate(db, {
      ...base,
      id: nameUuid(catalog.lab, project, 'template', flavor, '2'),
      name: `${flavor} pair`,
      description: `Two ${flavor} hosts on the public network and a private one`,
      hosts: [host('node-1', true), host('node-2', true)],
      networks: [
        { name: 'public', public: true },
        { name: 'private', public: false },
      ],
    });
  }
}
