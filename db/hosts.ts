import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import { BadArgumentError, BlockedError, DuplicateError, NotFoundError, pgCode, PG_UNIQUE_VIOLATION } from './errors';
import { hostHoldings, hostProject } from './holdings';
import { checkAddress, checkLabel } from './labels';
import { ensureLab } from './labs';
import { transact } from './transact';
import type { HostRow, HostState } from './tables/hosts';

/** BMC types a host may have: real IPMI, the simulated lab's BMC, or a node behind obmd (HIL >= 0.4). */
export const BMC_TYPES = ['ipmi', 'sim', 'obmd'] as const;
export type BmcType = (typeof BMC_TYPES)[number];

export interface BmcInfo {
  type: BmcType;
  address: string;
  port: number;
  /** Name of the credentials row with the BMC user and password. */
  credential: string | null;
}

export interface NewHost {
  lab: string;
  name: string;
  flavor?: string | null;
  attributes?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  bmc?: BmcInfo | null;
  ssh?: { address: string; port: number } | null;
}

export async function registerHost(db: Kysely<Database>, host: NewHost): Promise<HostRow> {
  checkLabel('node', host.name);
  if (host.bmc) checkAddress('BMC address', host.bmc.address);
  const lab = await ensureLab(db, host.lab);
  try {
    return await db
      .insertInto('hosts')
      .values({
        lab_id: lab.id,
        name: host.name,
        flavor: host.flavor ?? null,
        attributes: JSON.stringify(host.attributes ?? {}),
        metadata: JSON.stringify(host.metadata ?? {}),
        bmc_type: host.bmc?.type ?? null,
        bmc_address: host.bmc?.address ?? null,
        bmc_port: host.bmc?.port ?? null,
        bmc_credential: host.bmc?.credential ?? null,
        ssh_address: host.ssh?.address ?? null,
        ssh_port: host.ssh?.port ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (err) {
    if (pgCode(err) === PG_UNIQUE_VIOLATION) throw new DuplicateError(`Node ${host.name} already exists.`, { node: host.name });
    throw err;
  }
}

export async function getHost(db: Kysely<Database>, name: string): Promise<HostRow> {
  const host = await db.selectFrom('hosts').selectAll().where('name', '=', name).executeTakeFirst();
  if (!host) throw new NotFoundError(`Node ${name} does not exist.`, { node: name });
  return host;
}

/** All host names, or only the free ones: available and held by no project or booking now or later. */
export async function listHostNames(db: Kysely<Database>, which: 'all' | 'free' = 'all'): Promise<string[]> {
  let query = db.selectFrom('hosts').select('name').orderBy('name');
  if (which === 'free') {
    query = query
      .where('state', '=', 'available')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('host_allocations as a')
              .select(sql`1`.as('one'))
              .whereRef('a.host_id', '=', 'hosts.id')
              .where(sql<boolean>`(upper_inf(a.during) or upper(a.during) > now())`),
          ),
        ),
      );
  }
  return (await query.execute()).map((r) => r.name);
}

export async function listHosts(db: Kysely<Database>, lab?: string): Promise<(HostRow & { lab: string })[]> {
  let query = db.selectFrom('hosts').innerJoin('labs', 'labs.id', 'hosts.lab_id').selectAll('hosts').select('labs.name as lab').orderBy('hosts.name');
  if (lab) query = query.where('labs.name', '=', lab);
  return query.execute();
}

/** HIL: a node in a project, held by a booking, or with NICs cannot be deleted. Returns its BMC credential name. */
export async function deleteHost(db: Kysely<Database>, name: string): Promise<{ bmcCredential: string | null }> {
  return transact(db, async (trx) => {
    const host = await getHost(trx, name);
    const project = await hostProject(trx, host.id);
    if (project) throw new BlockedError(`Node ${name} is part of project ${project}; remove from project before deleting`, { node: name });
    const held = await hostHoldings(trx, host.id);
    if (held[0]) throw new BlockedError(`Node ${name} is held by booking ${held[0].bookingId}`, { node: name });
    const nics = await trx.selectFrom('nics').select('label').where('host_id', '=', host.id).execute();
    if (nics.length) throw new BlockedError(`Node ${name} has nics; remove them before deleting ${name}.`, { node: name });
    // Ended holdings are history only; they go with the host.
    await trx.deleteFrom('host_allocations').where('host_id', '=', host.id).execute();
    await trx.deleteFrom('hosts').where('id', '=', host.id).execute();
    return { bmcCredential: host.bmc_credential };
  });
}

export async function setHostMetadata(db: Kysely<Database>, name: string, label: string, value: unknown): Promise<void> {
  if (!label) throw new BadArgumentError('metadata label must not be empty', { what: 'label' });
  const host = await getHost(db, name);
  await db
    .updateTable('hosts')
    .set({ metadata: sql`metadata || jsonb_build_object(${label}::text, ${JSON.stringify(value ?? null)}::jsonb)`, updated_at: sql`now()` })
    .where('id', '=', host.id)
    .execute();
}

export async function deleteHostMetadata(db: Kysely<Database>, name: string, label: string): Promise<void> {
  const host = await getHost(db, name);
  if (!Object.prototype.hasOwnProperty.call(host.metadata, label)) {
    throw new NotFoundError(`Metadata ${label} on Node ${name} does not exist.`, { node: name, label });
  }
  await db.updateTable('hosts').set({ metadata: sql`metadata - ${label}::text`, updated_at: sql`now()` }).where('id', '=', host.id).execute();
}

export async function setHostState(db: Kysely<Database>, name: string, state: HostState): Promise<void> {
  const result = await db.updateTable('hosts').set({ state, updated_at: sql`now()` }).where('name', '=', name).executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new NotFoundError(`Node ${name} does not exist.`, { node: name });
}

export interface HostNicView {
  label: string;
  macaddr: string | null;
  port: string | null;
  switch: string | null;
  /** channel → network name */
  networks: Record<string, string>;
}

export interface HostView {
  name: string;
  project: string | null;
  nics: HostNicView[];
  metadata: Record<string, unknown>;
}

/** What HIL's `GET /node/<n>` shows (port and switch are the caller's to hide from non-administrators). */
export async function showHost(db: Kysely<Database>, name: string): Promise<HostView> {
  const host = await getHost(db, name);
  const nics = await db
    .selectFrom('nics')
    .leftJoin('ports', 'ports.nic_id', 'nics.id')
    .leftJoin('switches', 'switches.id', 'ports.switch_id')
    .select(['nics.id', 'nics.label', 'nics.mac', 'ports.label as port', 'switches.name as switch'])
    .where('nics.host_id', '=', host.id)
    .orderBy('nics.label')
    .execute();
  const attachments = nics.length
    ? await db
        .selectFrom('network_attachments as a')
        .innerJoin('networks', 'networks.id', 'a.network_id')
        .select(['a.nic_id', 'a.channel', 'networks.name'])
        .where('a.nic_id', 'in', nics.map((n) => n.id))
        .execute()
    : [];
  return {
    name: host.name,
    project: await hostProject(db, host.id),
    nics: nics.map((n) => ({
      label: n.label,
      macaddr: n.mac,
      port: n.port,
      switch: n.switch,
      networks: Object.fromEntries(attachments.filter((a) => a.nic_id === n.id).map((a) => [a.channel, a.name])),
    })),
    metadata: host.metadata,
  };
}
