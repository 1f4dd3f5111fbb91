import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import { LabImportError, type LabPlan, type PlanHost } from './lab-plan';
import { setVlanPool } from './labs';
import type { HostRowUpdate } from './tables/hosts';

/**
 * Applies a lab description to the inventory in one transaction: what the file
 * describes is added or updated, and only what differs is written, so importing
 * the same file twice changes nothing. Hosts, switches and images the file does
 * not mention are left alone; the NICs of a host it describes are exactly the
 * file's. Every problem is found before anything is written.
 */
export interface ImportReport {
  lab: string;
  /** What changed, one line per change; empty when the inventory already matched. */
  changes: string[];
  /** Things that work but need attention (e.g. a credential not set yet). */
  warnings: string[];
}

class DryRun extends Error {
  constructor(readonly report: ImportReport) {
    super('dry run');
  }
}

export async function importLab(db: Kysely<Database>, plan: LabPlan, options: { dryRun?: boolean } = {}): Promise<ImportReport> {
  try {
    return await db.transaction().execute(async (trx) => {
      // Two imports at once would each see the other's half: one at a time.
      await sql`select pg_advisory_xact_lock(hashtext('laas lab import'))`.execute(trx);
      const resolved = await resolveSwitches(trx, plan);
      const problems = await checkAgainstInventory(trx, resolved);
      if (problems.length) throw new LabImportError(plan.source, problems);
      const changes = await apply(trx, resolved);
      const report = { lab: plan.lab.name, changes, warnings: await credentialWarnings(trx, resolved) };
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

async function checkAgainstInventory(trx: Kysely<Database>, plan: LabPlan): Promise<string[]> {
  const problems: string[] = [];
  const lab = await trx.selectFrom('labs').select('id').where('name', '=', plan.lab.name).executeTakeFirst();
  const elsewhere = async (table: 'switches' | 'hosts', name: string) =>
    trx.selectFrom(table).innerJoin('labs', 'labs.id', `${table}.lab_id`).select('labs.name').where(`${table}.name`, '=', name).where('labs.name', '!=', plan.lab.name).executeTakeFirst();
  for (const s of plan.switches) {
    const other = await elsewhere('switches', s.name);
    if (other) problems.push(`${s.path}: switch ${s.name} already belongs to lab ${other.name}`);
  }
  for (const h of plan.hosts) {
    const other = await elsewhere('hosts', h.name);
    if (other) problems.push(`${h.path}.name: host ${h.name} already belongs to lab ${other.name}`);
  }
  if (lab && plan.vlanPool) {
    const keep = new Set(plan.vlanPool);
    const held = await trx
      .selectFrom('vlan_pool as p')
      .innerJoin('vlan_allocations as a', 'a.vlan_pool_id', 'p.id')
      .select(['p.vlan', 'a.booking_id', 'a.network_id'])
      .where('p.lab_id', '=', lab.id)
      .execute();
    for (const h of held.filter((x) => !keep.has(x.vlan))) {
      problems.push(`vlanPool: VLAN ${h.vlan} is held by ${h.booking_id ? `booking ${h.booking_id}` : 'a network'}; it cannot leave the pool yet`);
    }
  }
  const planned = new Set(plan.hosts.map((h) => h.name));
  for (const h of plan.hosts) {
    const nics = await trx
      .selectFrom('nics')
      .innerJoin('hosts', 'hosts.id', 'nics.host_id')
      .leftJoin('network_attachments as a', 'a.nic_id', 'nics.id')
      .select(['nics.label', 'a.id as attachment'])
      .where('hosts.name', '=', h.name)
      .execute();
    const keep = new Set(h.nics.map((n) => n.label));
    for (const n of nics) if (!keep.has(n.label) && n.attachment !== null) problems.push(`${h.path}.nics: NIC ${n.label} is on a network; detach it before removing it from the file`);
    for (const n of h.nics) {
      const cabled = await trx
        .selectFrom('ports')
        .innerJoin('switches', 'switches.id', 'ports.switch_id')
        .innerJoin('nics', 'nics.id', 'ports.nic_id')
        .innerJoin('hosts', 'hosts.id', 'nics.host_id')
        .select(['hosts.name as host', 'nics.label as nic'])
        .where('switches.name', '=', n.switch)
        .where('ports.label', '=', n.port)
        .executeTakeFirst();
      if (cabled && !planned.has(cabled.host)) problems.push(`${n.path}.port: port ${n.port} of switch ${n.switch} is cabled to NIC ${cabled.nic} of host ${cabled.host}, which the file does not describe`);
    }
  }
  return problems;
}

/** "field: old → new" for each field that differs. */
function differences(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const show = (v: unknown): string => {
    if (v === null || v === undefined) return '(none)';
    if (typeof v === 'object') return JSON.stringify(sorted(v as Record<string, unknown>));
    return typeof v === 'string' ? v : JSON.stringify(v);
  };
  return Object.keys(after).filter((k) => show(before[k]) !== show(after[k])).map((k) => `${k} ${show(before[k])} → ${show(after[k])}`);
}
function sorted(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

function ranges(vlans: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < vlans.length; ) {
    let j = i;
    while (j + 1 < vlans.length && vlans[j + 1] === vlans[j]! + 1) j++;
    out.push(i === j ? `${vlans[i]}` : `${vlans[i]}-${vlans[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

async function apply(trx: Kysely<Database>, plan: LabPlan): Promise<string[]> {
  const changes: string[] = [];
  let lab = await trx.selectFrom('labs').selectAll().where('name', '=', plan.lab.name).executeTakeFirst();
  if (!lab) {
    lab = await trx
      .insertInto('labs')
      .values({ name: plan.lab.name, max_lease_hours: plan.lab.maxLeaseHours ?? undefined, headnode_image: plan.lab.headnodeImage })
      .returningAll()
      .executeTakeFirstOrThrow();
    changes.push(`lab ${lab.name}: added`);
  } else {
    const labFields = { max_lease_hours: plan.lab.maxLeaseHours ?? lab.max_lease_hours, headnode_image: plan.lab.headnodeImage ?? lab.headnode_image };
    const labDiff = differences(lab, labFields);
    if (labDiff.length) {
      await trx.updateTable('labs').set(labFields).where('id', '=', lab.id).execute();
      changes.push(`lab ${lab.name}: ${labDiff.join(', ')}`);
    }
  }
  if (plan.vlanPool) {
    const { added, removed } = await setVlanPool(trx, lab.id, plan.vlanPool);
    if (added.length) changes.push(`VLAN pool: added ${ranges(added)}`);
    if (removed.length) changes.push(`VLAN pool: removed ${ranges(removed)}`);
  }
  for (const im of plan.images) {
    const row = { imaging_id: im.imagingId, os_family: im.osFamily };
    const existing = await trx.selectFrom('images').selectAll().where('lab_id', '=', lab.id).where('name', '=', im.name).executeTakeFirst();
    if (!existing) {
      await trx.insertInto('images').values({ lab_id: lab.id, name: im.name, ...row }).execute();
      changes.push(`image ${im.name}: added`);
    } else if (differences(existing, row).length) {
      changes.push(`image ${im.name}: ${differences(existing, row).join(', ')}`);
      await trx.updateTable('images').set(row).where('id', '=', existing.id).execute();
    }
  }
  for (const s of plan.switches) {
    const row = { type: s.type, address: s.address, port: s.port, credential: s.credential };
    const existing = await trx.selectFrom('switches').selectAll().where('name', '=', s.name).executeTakeFirst();
    if (!existing) {
      await trx.insertInto('switches').values({ lab_id: lab.id, name: s.name, ...row, options: JSON.stringify(s.options) }).execute();
      changes.push(`switch ${s.name}: added`);
    } else if (plan.format === 'lab' && differences(existing, row).length) {
      // Only our own lab file describes a switch fully; hosts.json merely names it.
      changes.push(`switch ${s.name}: ${differences(existing, row).join(', ')}`);
      await trx.updateTable('switches').set(row).where('id', '=', existing.id).execute();
    }
  }
  for (const h of plan.hosts) await applyHost(trx, lab.id, h, changes);
  return changes;
}

async function applyHost(trx: Kysely<Database>, labId: number, h: PlanHost, changes: string[]): Promise<void> {
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
    changes.push(`host ${h.name}: added`);
  } else {
    const diff = differences(host, { ...row, default_images: h.defaultImages });
    if (diff.length) {
      await trx.updateTable('hosts').set({ ...row, default_images: JSON.stringify(h.defaultImages), updated_at: sql`now()` }).where('id', '=', host.id).execute();
      changes.push(`host ${h.name}: ${diff.join(', ')}`);
    }
  }
  const nics = await trx.selectFrom('nics').selectAll().where('host_id', '=', host.id).execute();
  for (const old of nics.filter((n) => !h.nics.some((p) => p.label === n.label))) {
    await trx.updateTable('ports').set({ nic_id: null }).where('nic_id', '=', old.id).execute();
    await trx.deleteFrom('nics').where('id', '=', old.id).execute();
    changes.push(`host ${h.name} NIC ${old.label}: removed`);
  }
  for (const n of h.nics) {
    const fields = { mac: n.mac, bus_address: n.bus, os_name: n.osName };
    let nic = nics.find((x) => x.label === n.label);
    if (!nic) {
      nic = await trx.insertInto('nics').values({ host_id: host.id, label: n.label, ...fields }).returningAll().executeTakeFirstOrThrow();
      changes.push(`host ${h.name} NIC ${n.label}: added`);
    } else if (differences(nic, fields).length) {
      changes.push(`host ${h.name} NIC ${n.label}: ${differences(nic, fields).join(', ')}`);
      await trx.updateTable('nics').set(fields).where('id', '=', nic.id).execute();
    }
    await cable(trx, h.name, nic.id, n.label, n.switch, n.port, changes);
  }
}

async function cable(trx: Kysely<Database>, host: string, nicId: number, nicLabel: string, switchName: string, portLabel: string, changes: string[]): Promise<void> {
  const sw = await trx.selectFrom('switches').select('id').where('name', '=', switchName).executeTakeFirstOrThrow();
  let port = await trx.selectFrom('ports').selectAll().where('switch_id', '=', sw.id).where('label', '=', portLabel).executeTakeFirst();
  if (!port) {
    port = await trx.insertInto('ports').values({ switch_id: sw.id, label: portLabel }).returningAll().executeTakeFirstOrThrow();
    changes.push(`switch ${switchName} port ${portLabel}: added`);
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
  changes.push(`host ${host} NIC ${nicLabel}: cabled to ${switchName} ${portLabel}${before ? ` (was ${before.name} ${before.label})` : ''}`);
}

async function credentialWarnings(trx: Kysely<Database>, plan: LabPlan): Promise<string[]> {
  const wanted = new Set([...plan.switches.map((s) => s.credential), ...plan.hosts.map((h) => h.bmc?.credential ?? null)].filter((c): c is string => c !== null));
  if (!wanted.size) return [];
  const have = new Set((await trx.selectFrom('credentials').select('name').where('name', 'in', [...wanted]).execute()).map((c) => c.name));
  return [...wanted].filter((c) => !have.has(c)).sort().map((c) => `credential ${c} is not set yet (laas credential set ${c} --username ...)`);
}
