import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import { checkAgainstInventory } from './lab-import-checks';
import { differences, optionDifferences, ranges, Tally, type ImportReport } from './lab-import-report';
import { LabImportError, type LabPlan, type PlanHost } from './lab-plan';
import { setVlanPool } from './labs';
import type { HostRowUpdate } from './tables/hosts';

export type { ImportReport } from './lab-import-report';

class DryRun extends Error {
  constructor(readonly report: ImportReport) {
    super('dry run');
  }
}

/**
 * Applies a lab description to the inventory in one transaction, so that the inventory
 * converges to the file: what the file describes is added or updated (a switch's type,
 * address, port, credential name and driver options; a host's flavor, BMC and SSH
 * address; its NICs and their cabling; images; the VLAN pool), and only what differs is
 * written, so importing the same file twice changes nothing. Hosts, switches and images
 * the file does not mention are left alone and reported; the NICs of a host it describes
 * are exactly the file's. Every problem is found before anything is written.
 */
export async function importLab(
  db: Kysely<Database>,
  plan: LabPlan,
  options: { dryRun?: boolean; portRefusal?: (switchType: string, port: string) => string | null } = {},
): Promise<ImportReport> {
  // Ports the switch type's driver would refuse (drivers/switch/port-rules.ts), each with its path in the file.
  const refusal = options.portRefusal;
  if (refusal) {
    const types = new Map(plan.switches.map((s) => [s.name, s.type]));
    const problems = plan.hosts.flatMap((h) => h.nics).flatMap((n) => {
      const type = types.get(n.switch);
      const why = type === undefined ? null : refusal(type, n.port);
      return why ? [`${n.path}.port: ${why}`] : [];
    });
    if (problems.length) throw new LabImportError(plan.source, problems);
  }
  try {
    return await db.transaction().execute(async (trx) => {
      // Two imports at once would each see the other's half: one at a time.
      await sql`select pg_advisory_xact_lock(hashtext('laas lab import'))`.execute(trx);
      const resolved = await resolveSwitches(trx, plan);
      const problems = await checkAgainstInventory(trx, resolved);
      if (problems.length) throw new LabImportError(plan.source, problems);
      const tally = new Tally();
      const labId = await apply(trx, resolved, tally);
      const notInFile = await leftAlone(trx, labId, resolved);
      const report: ImportReport = {
        lab: plan.lab.name,
        changes: tally.changes,
        created: tally.list('created'),
        updated: tally.list('updated'),
        unchanged: tally.list('unchanged'),
        notInFile: notInFile.map((x) => x.thing),
        warnings: [
          ...(await credentialWarnings(trx, resolved)),
          ...notInFile.map((x) => `${x.thing} is in the inventory but not in ${plan.source}: left as it is${x.note ? ` (${x.note})` : ''}`),
        ],
      };
      if (options.dryRun) throw new DryRun(report);
      return report;
    });
  } catch (err) {
    if (err instanceof DryRun) return err.report;
    throw err;
  }
}

/** hosts.json names switches by address: an existing switch of the lab at that address is the one meant. */
async function resolveSwitches(trx: Kysely<Database>, plan: LabPlan): Promise<LabPlan> {
  if (plan.format !== 'hosts-json') return plan;
  const lab = await trx.selectFrom('labs').select('id').where('name', '=', plan.lab.name).executeTakeFirst();
  if (!lab) return plan;
  const existing = await trx.selectFrom('switches').select(['name', 'address']).where('lab_id', '=', lab.id).execute();
  const byAddress = new Map(existing.map((s) => [s.address, s.name]));
  const rename = (name: string) => byAddress.get(name) ?? name;
  return {
    ...plan,
    switches: plan.switches.map((s) => ({ ...s, name: rename(s.name) })),
    hosts: plan.hosts.map((h) => ({ ...h, nics: h.nics.map((n) => ({ ...n, switch: rename(n.switch) })) })),
  };
}

async function apply(trx: Kysely<Database>, plan: LabPlan, tally: Tally): Promise<number> {
  const labThing = `lab ${plan.lab.name}`;
  tally.seen(labThing);
  let lab = await trx.selectFrom('labs').selectAll().where('name', '=', plan.lab.name).executeTakeFirst();
  if (!lab) {
    lab = await trx
      .insertInto('labs')
      .values({ name: plan.lab.name, max_lease_hours: plan.lab.maxLeaseHours ?? undefined, headnode_image: plan.lab.headnodeImage })
      .returningAll()
      .executeTakeFirstOrThrow();
    tally.created(labThing);
  } else {
    const labFields = { max_lease_hours: plan.lab.maxLeaseHours ?? lab.max_lease_hours, headnode_image: plan.lab.headnodeImage ?? lab.headnode_image };
    const labDiff = differences(lab, labFields);
    if (labDiff.length) {
      await trx.updateTable('labs').set(labFields).where('id', '=', lab.id).execute();
      tally.updated(labThing, `${labThing}: ${labDiff.join(', ')}`);
    }
  }
  if (plan.vlanPool) {
    const { added, removed } = await setVlanPool(trx, lab.id, plan.vlanPool);
    if (added.length) tally.updated(labThing, `VLAN pool: added ${ranges(added)}`);
    if (removed.length) tally.updated(labThing, `VLAN pool: removed ${ranges(removed)}`);
  }
  for (const im of plan.images) {
    const thing = `image ${im.name}`;
    tally.seen(thing);
    const row = { imaging_id: im.imagingId, os_family: im.osFamily };
    const existing = await trx.selectFrom('images').selectAll().where('lab_id', '=', lab.id).where('name', '=', im.name).executeTakeFirst();
    if (!existing) {
      await trx.insertInto('images').values({ lab_id: lab.id, name: im.name, ...row }).execute();
      tally.created(thing);
    } else if (differences(existing, row).length) {
      tally.updated(thing, `${thing}: ${differences(existing, row).join(', ')}`);
      await trx.updateTable('images').set(row).where('id', '=', existing.id).execute();
    }
  }
  for (const s of plan.switches) {
    const thing = `switch ${s.name}`;
    tally.seen(thing);
    const row = { type: s.type, address: s.address, port: s.port, credential: s.credential };
    const existing = await trx.selectFrom('switches').selectAll().where('name', '=', s.name).executeTakeFirst();
    if (!existing) {
      await trx.insertInto('switches').values({ lab_id: lab.id, name: s.name, ...row, options: JSON.stringify(s.options) }).execute();
      tally.created(thing);
      continue;
    }
    // Only our own lab file describes a switch fully; hosts.json merely names it.
    if (plan.format !== 'lab') continue;
    const diff = [...differences(existing, row), ...optionDifferences(existing.options, s.options)];
    if (diff.length) {
      tally.updated(thing, `${thing}: ${diff.join(', ')}`);
      await trx.updateTable('switches').set({ ...row, options: JSON.stringify(s.options) }).where('id', '=', existing.id).execute();
    }
  }
  for (const h of plan.hosts) await applyHost(trx, lab.id, h, tally);
  return lab.id;
}

async function applyHost(trx: Kysely<Database>, labId: number, h: PlanHost, tally: Tally): Promise<void> {
  const thing = `host ${h.name}`;
  tally.seen(thing);
  const described = {
    flavor: h.flavor,
    bmc_type: h.bmc === undefined ? undefined : (h.bmc?.type ?? null),
    bmc_address: h.bmc === undefined ? undefined : (h.bmc?.address ?? null),
    bmc_port: h.bmc === undefined ? undefined : (h.bmc?.port ?? null),
    bmc_credential: h.bmc === undefined ? undefined : (h.bmc?.credential ?? null),
    ssh_address: h.ssh === undefined ? undefined : (h.ssh?.address ?? null),
    ssh_port: h.ssh === undefined ? undefined : (h.ssh?.port ?? null),
    imaging_name: h.imagingName,
    external_id: h.externalId,
  };
  // What the file does not say is left as the inventory has it.
  const row = Object.fromEntries(Object.entries(described).filter(([, v]) => v !== undefined)) as Omit<HostRowUpdate, 'attributes' | 'metadata' | 'default_images'>;
  let host = await trx.selectFrom('hosts').selectAll().where('name', '=', h.name).executeTakeFirst();
  if (!host) {
    host = await trx.insertInto('hosts').values({ lab_id: labId, name: h.name, ...row, default_images: JSON.stringify(h.defaultImages) }).returningAll().executeTakeFirstOrThrow();
    tally.created(thing);
  } else {
    const diff = differences(host, { ...row, default_images: h.defaultImages });
    if (diff.length) {
      await trx.updateTable('hosts').set({ ...row, default_images: JSON.stringify(h.defaultImages), updated_at: sql`now()` }).where('id', '=', host.id).execute();
      tally.updated(thing, `${thing}: ${diff.join(', ')}`);
    }
  }
  const nics = await trx.selectFrom('nics').selectAll().where('host_id', '=', host.id).execute();
  for (const old of nics.filter((n) => !h.nics.some((p) => p.label === n.label))) {
    await trx.updateTable('ports').set({ nic_id: null }).where('nic_id', '=', old.id).execute();
    await trx.deleteFrom('nics').where('id', '=', old.id).execute();
    tally.updated(thing, `${thing} NIC ${old.label}: removed`);
  }
  for (const n of h.nics) {
    const fields = { mac: n.mac, bus_address: n.bus, os_name: n.osName };
    let nic = nics.find((x) => x.label === n.label);
    if (!nic) {
      nic = await trx.insertInto('nics').values({ host_id: host.id, label: n.label, ...fields }).returningAll().executeTakeFirstOrThrow();
      tally.updated(thing, `${thing} NIC ${n.label}: added`);
    } else if (differences(nic, fields).length) {
      tally.updated(thing, `${thing} NIC ${n.label}: ${differences(nic, fields).join(', ')}`);
      await trx.updateTable('nics').set(fields).where('id', '=', nic.id).execute();
    }
    await cable(trx, thing, nic.id, n.label, n.switch, n.port, tally);
  }
}

async function cable(trx: Kysely<Database>, host: string, nicId: number, nicLabel: string, switchName: string, portLabel: string, tally: Tally): Promise<void> {
  const sw = await trx.selectFrom('switches').select('id').where('name', '=', switchName).executeTakeFirstOrThrow();
  let port = await trx.selectFrom('ports').selectAll().where('switch_id', '=', sw.id).where('label', '=', portLabel).executeTakeFirst();
  if (!port) {
    port = await trx.insertInto('ports').values({ switch_id: sw.id, label: portLabel }).returningAll().executeTakeFirstOrThrow();
    tally.updated(host, `switch ${switchName} port ${portLabel}: added`);
  }
  if (port.nic_id === nicId) return;
  const before = await trx
    .selectFrom('ports')
    .innerJoin('switches', 'switches.id', 'ports.switch_id')
    .select(['ports.id', 'ports.label', 'switches.name'])
    .where('ports.nic_id', '=', nicId)
    .executeTakeFirst();
  // Whatever the port held is re-cabled by the same file (checked before), so it can be let go first.
  await trx.updateTable('ports').set({ nic_id: null }).where('id', 'in', [port.id, ...(before ? [before.id] : [])]).execute();
  await trx.updateTable('ports').set({ nic_id: nicId }).where('id', '=', port.id).execute();
  tally.updated(host, `${host} NIC ${nicLabel}: cabled to ${switchName} ${portLabel}${before ? ` (was ${before.name} ${before.label})` : ''}`);
}

/**
 * What the lab has that the file does not describe. It stays: bookings and HIL projects may
 * hold it, and a host or switch left out of a file by mistake must not vanish with its cabling.
 * (A hosts.json lists no images, so its lab's images are not counted.)
 */
async function leftAlone(trx: Kysely<Database>, labId: number, plan: LabPlan): Promise<{ thing: string; note: string | null }[]> {
  const out: { thing: string; note: string | null }[] = [];
  const described = { images: plan.images.map((i) => i.name), switches: plan.switches.map((s) => s.name), hosts: plan.hosts.map((h) => h.name) };
  const images =
    plan.format === 'lab'
      ? await trx
          .selectFrom('images')
          .select('name')
          .where('lab_id', '=', labId)
          .$if(described.images.length > 0, (q) => q.where('name', 'not in', described.images))
          .orderBy('name')
          .execute()
      : [];
  for (const im of images) out.push({ thing: `image ${im.name}`, note: null });
  const switches = await trx
    .selectFrom('switches')
    .leftJoin('ports', (join) => join.onRef('ports.switch_id', '=', 'switches.id').on('ports.nic_id', 'is not', null))
    .select(['switches.name', (eb) => eb.fn.count<string>('ports.id').as('cabled')])
    .where('switches.lab_id', '=', labId)
    .$if(described.switches.length > 0, (q) => q.where('switches.name', 'not in', described.switches))
    .groupBy('switches.name')
    .orderBy('switches.name')
    .execute();
  for (const s of switches) out.push({ thing: `switch ${s.name}`, note: Number(s.cabled) ? `${s.cabled} port(s) cabled to NICs` : null });
  const hosts = await trx
    .selectFrom('hosts')
    .leftJoin('host_allocations as a', (join) => join.onRef('a.host_id', '=', 'hosts.id').on(sql<boolean>`(upper_inf(a.during) or upper(a.during) > now())`))
    .leftJoin('projects', 'projects.id', 'a.project_id')
    .select(['hosts.name', 'a.booking_id', 'projects.name as project'])
    .where('hosts.lab_id', '=', labId)
    .$if(described.hosts.length > 0, (q) => q.where('hosts.name', 'not in', described.hosts))
    .orderBy('hosts.name')
    .execute();
  const holders = new Map<string, string[]>();
  for (const h of hosts) {
    const list = holders.get(h.name) ?? [];
    if (h.booking_id) list.push(`booking ${h.booking_id}`);
    else if (h.project) list.push(`project ${h.project}`);
    holders.set(h.name, list);
  }
  for (const [name, held] of holders) out.push({ thing: `host ${name}`, note: held.length ? `held by ${held.join(', ')}` : null });
  return out;
}

async function credentialWarnings(trx: Kysely<Database>, plan: LabPlan): Promise<string[]> {
  const wanted = new Set([...plan.switches.map((s) => s.credential), ...plan.hosts.map((h) => h.bmc?.credential ?? null)].filter((c): c is string => c !== null));
  if (!wanted.size) return [];
  const have = new Set((await trx.selectFrom('credentials').select('name').where('name', 'in', [...wanted]).execute()).map((c) => c.name));
  return [...wanted].filter((c) => !have.has(c)).sort().map((c) => `credential ${c} is not set yet (laas credential set ${c} --username ...)`);
}
