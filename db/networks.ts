import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import { AllocationError, BadArgumentError, BlockedError, DuplicateError, NotFoundError, pgCode, PG_UNIQUE_VIOLATION } from './errors';
import { checkLabel } from './labels';
import { ensureLab } from './labs';
import { getProject } from './projects';
import { fromNowSql } from './ranges';
import type { NetworkRow } from './tables/networks';
import { transact } from './transact';

export interface NewNetwork {
  lab: string;
  name: string;
  /** Owning project, or null for the administrators. */
  owner: string | null;
  /** Projects that may use it; empty = public. */
  access: string[];
  /** A given VLAN id, or null to take one from the lab's pool. */
  vlan: number | null;
}

export interface NetworkView {
  name: string;
  vlan: number;
  owner: string | null;
  public: boolean;
  access: string[];
  attachments: { node: string; nic: string; channel: string; project: string | null }[];
}

export async function getNetwork(db: Kysely<Database>, name: string): Promise<NetworkRow> {
  const network = await db.selectFrom('networks').selectAll().where('name', '=', name).executeTakeFirst();
  if (!network) throw new NotFoundError(`Network ${name} does not exist.`, { network: name });
  return network;
}

/** A pool network holds its VLAN from now on with no end, so no booking can be given it meanwhile. */
export async function createNetwork(db: Kysely<Database>, n: NewNetwork): Promise<NetworkRow> {
  checkLabel('network', n.name);
  if (n.vlan !== null && (!Number.isInteger(n.vlan) || n.vlan < 1 || n.vlan > 4094)) {
    throw new BadArgumentError('Invalid net_id: a VLAN id is an integer from 1 to 4094', { what: 'net_id' });
  }
  return transact(db, async (trx) => {
    if (await trx.selectFrom('networks').select('id').where('name', '=', n.name).executeTakeFirst()) {
      throw new DuplicateError(`Network ${n.name} already exists.`, { network: n.name });
    }
    const owner = n.owner === null ? null : await getProject(trx, n.owner);
    const access = [];
    for (const p of new Set(n.access)) access.push(await getProject(trx, p));
    const lab = await ensureLab(trx, n.lab);
    const network = n.vlan === null ? await createOnPoolVlan(trx, lab.id, n, owner?.id ?? null) : await createOnGivenVlan(trx, lab.id, n, n.vlan, owner?.id ?? null);
    if (access.length) await trx.insertInto('network_access').values(access.map((p) => ({ network_id: network.id, project_id: p.id }))).execute();
    return network;
  });
}

async function createOnPoolVlan(trx: Kysely<Database>, labId: number, n: NewNetwork, ownerId: number | null): Promise<NetworkRow> {
  const free = await trx
    .selectFrom('vlan_pool as p')
    .select(['p.id', 'p.vlan'])
    .where('p.lab_id', '=', labId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('vlan_allocations as a')
            .select(sql`1`.as('one'))
            .whereRef('a.vlan_pool_id', '=', 'p.id')
            .where(sql<boolean>`(upper_inf(a.during) or upper(a.during) > now())`),
        ),
      ),
    )
    .orderBy('p.vlan')
    .execute();
  for (const candidate of free) {
    // The network row comes first so the allocation can name it; a race lost on either moves on to the next VLAN.
    const network = await trx
      .insertInto('networks')
      .values({ lab_id: labId, name: n.name, owner_project_id: ownerId, vlan: candidate.vlan, from_pool: true, public: n.access.length === 0 })
      .onConflict((oc) => oc.constraint('networks_lab_vlan').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!network) continue;
    const held = await trx
      .insertInto('vlan_allocations')
      .values({ vlan_pool_id: candidate.id, network_id: network.id, during: fromNowSql() })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (held) return network;
    await trx.deleteFrom('networks').where('id', '=', network.id).execute();
  }
  throw new AllocationError('No more networks', { network: n.name });
}

async function createOnGivenVlan(trx: Kysely<Database>, labId: number, n: NewNetwork, vlan: number, ownerId: number | null): Promise<NetworkRow> {
  let network: NetworkRow;
  try {
    network = await trx
      .insertInto('networks')
      .values({ lab_id: labId, name: n.name, owner_project_id: ownerId, vlan, from_pool: false, public: n.access.length === 0 })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (err) {
    if (pgCode(err) === PG_UNIQUE_VIOLATION) throw new BlockedError(`VLAN ${vlan} is already used by another network`, { vlan });
    throw err;
  }
  const pool = await trx.selectFrom('vlan_pool').select('id').where('lab_id', '=', labId).where('vlan', '=', vlan).executeTakeFirst();
  if (pool) {
    // A pool VLAN named explicitly is still taken from the pool, or bookings would be handed it too.
    const held = await trx
      .insertInto('vlan_allocations')
      .values({ vlan_pool_id: pool.id, network_id: network.id, during: fromNowSql() })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!held) throw new BlockedError(`VLAN ${vlan} is held by a booking or another network`, { vlan });
    await trx.updateTable('networks').set({ from_pool: true }).where('id', '=', network.id).execute();
  }
  return network;
}

async function accessList(db: Kysely<Database>, networkId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('network_access')
    .innerJoin('projects', 'projects.id', 'network_access.project_id')
    .select('projects.name')
    .where('network_access.network_id', '=', networkId)
    .orderBy('projects.name')
    .execute();
  return rows.map((r) => r.name);
}

async function ownerName(db: Kysely<Database>, network: NetworkRow): Promise<string | null> {
  if (network.owner_project_id === null) return null;
  const row = await db.selectFrom('projects').select('name').where('id', '=', network.owner_project_id).executeTakeFirstOrThrow();
  return row.name;
}

export async function showNetwork(db: Kysely<Database>, name: string): Promise<NetworkView> {
  const network = await getNetwork(db, name);
  const attachments = await db
    .selectFrom('network_attachments as a')
    .innerJoin('nics', 'nics.id', 'a.nic_id')
    .innerJoin('hosts', 'hosts.id', 'nics.host_id')
    .leftJoin('host_allocations as h', (join) => join.onRef('h.host_id', '=', 'hosts.id').on('h.project_id', 'is not', null))
    .leftJoin('projects', 'projects.id', 'h.project_id')
    .select(['hosts.name as node', 'nics.label as nic', 'a.channel', 'projects.name as project'])
    .where('a.network_id', '=', network.id)
    .orderBy('hosts.name')
    .orderBy('nics.label')
    .execute();
  return {
    name: network.name,
    vlan: network.vlan,
    owner: await ownerName(db, network),
    public: network.public,
    access: await accessList(db, network.id),
    attachments,
  };
}

export async function listNetworks(db: Kysely<Database>): Promise<{ name: string; vlan: number; public: boolean; owner: string | null; access: string[] }[]> {
  const networks = await db.selectFrom('networks').selectAll().orderBy('name').execute();
  const out = [];
  for (const n of networks) out.push({ name: n.name, vlan: n.vlan, public: n.public, owner: await ownerName(db, n), access: await accessList(db, n.id) });
  return out;
}

/** `authorize` sees the owner (null = administrators) before anything changes. */
export async function deleteNetwork(db: Kysely<Database>, name: string, authorize?: (owner: string | null) => void): Promise<void> {
  await transact(db, async (trx) => {
    const network = await getNetwork(trx, name);
    authorize?.(await ownerName(trx, network));
    const attached = await trx.selectFrom('network_attachments').select('id').where('network_id', '=', network.id).executeTakeFirst();
    if (attached) throw new BlockedError('Network still connected to nodes', { network: name });
    const pending = await trx.selectFrom('networking_actions').select('id').where('new_network_id', '=', network.id).where('status', '=', 'PENDING').executeTakeFirst();
    if (pending) throw new BlockedError('There are pending actions on this network', { network: name });
    // Its pool VLAN goes back to the pool with it (the allocation cascades).
    await trx.deleteFrom('networks').where('id', '=', network.id).execute();
  });
}

export async function grantNetworkAccess(db: Kysely<Database>, name: string, projectName: string, authorize?: (owner: string | null) => void): Promise<void> {
  await transact(db, async (trx) => {
    const network = await getNetwork(trx, name);
    const project = await getProject(trx, projectName);
    authorize?.(await ownerName(trx, network));
    const row = await trx
      .insertInto('network_access')
      .values({ network_id: network.id, project_id: project.id })
      .onConflict((oc) => oc.columns(['network_id', 'project_id']).doNothing())
      .returning('network_id')
      .executeTakeFirst();
    if (!row) throw new DuplicateError(`Network ${name} is already in project ${projectName}`, { network: name, project: projectName });
  });
}

/**
 * `authorize` sees the owner and the access list. Unlike HIL, revoking the last
 * project never makes a network public: `public` is fixed when it is created.
 */
export async function revokeNetworkAccess(
  db: Kysely<Database>,
  name: string,
  projectName: string,
  authorize?: (facts: { owner: string | null; access: string[] }) => void,
): Promise<void> {
  await transact(db, async (trx) => {
    const network = await getNetwork(trx, name);
    const project = await getProject(trx, projectName);
    const owner = await ownerName(trx, network);
    const access = await accessList(trx, network.id);
    authorize?.({ owner, access });
    if (!access.includes(projectName)) throw new NotFoundError(`Network ${name} is not in project ${projectName}`, { network: name, project: projectName });
    if (owner === projectName) throw new BlockedError(`Project ${projectName} is owner of network ${name} and its access cannot be removed`, { network: name });
    const attached = await trx
      .selectFrom('network_attachments as a')
      .innerJoin('nics', 'nics.id', 'a.nic_id')
      .innerJoin('host_allocations as h', 'h.host_id', 'nics.host_id')
      .select('a.id')
      .where('a.network_id', '=', network.id)
      .where('h.project_id', '=', project.id)
      .executeTakeFirst();
    if (attached) throw new BlockedError('Project still has node(s) attached to the network', { network: name, project: projectName });
    await trx.deleteFrom('network_access').where('network_id', '=', network.id).where('project_id', '=', project.id).execute();
  });
}
