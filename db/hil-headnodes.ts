import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './database';
import { BadArgumentError, BlockedError, DuplicateError, IllegalStateError, NotFoundError, pgCode, PG_UNIQUE_VIOLATION, ProjectMismatchError } from './errors';
import { getNetwork } from './networks';
import { getProject } from './projects';
import type { HilHeadnodeRow } from './tables/hil-headnodes';

/** HIL's per-project headnodes (M hil/api.py:537-723): the records; the VM is the driver's. */
export async function getHeadnode(db: Kysely<Database>, name: string): Promise<HilHeadnodeRow & { project: string }> {
  const row = await db
    .selectFrom('hil_headnodes as h')
    .innerJoin('projects as p', 'p.id', 'h.project_id')
    .selectAll('h')
    .select('p.name as project')
    .where('h.name', '=', name)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`Headnode ${name} does not exist.`, { headnode: name });
  return row;
}

export async function createHeadnode(db: Kysely<Database>, name: string, projectName: string, baseImg: string): Promise<void> {
  const project = await getProject(db, projectName);
  try {
    await db.insertInto('hil_headnodes').values({ name, project_id: project.id, base_img: baseImg, uuid: randomUUID() }).execute();
  } catch (err) {
    if (pgCode(err) === PG_UNIQUE_VIOLATION) throw new DuplicateError(`Headnode ${name} already exists.`, { headnode: name });
    throw err;
  }
}

export async function deleteHeadnodeRecord(db: Kysely<Database>, id: number): Promise<void> {
  await db.deleteFrom('hil_headnodes').where('id', '=', id).execute();
}

export async function freezeHeadnode(db: Kysely<Database>, id: number): Promise<void> {
  await db.updateTable('hil_headnodes').set({ frozen: true }).where('id', '=', id).execute();
}

const notFrozen = (h: HilHeadnodeRow) => {
  if (h.frozen) throw new IllegalStateError(`Headnode ${h.name} has been started and its NICs can no longer change.`, { headnode: h.name });
};

export async function listHnics(db: Kysely<Database>, headnodeId: number): Promise<{ label: string; network: string | null; vlan: number | null }[]> {
  return db
    .selectFrom('hil_hnics as n')
    .leftJoin('networks as w', 'w.id', 'n.network_id')
    .select(['n.label', 'w.name as network', 'w.vlan'])
    .where('n.headnode_id', '=', headnodeId)
    .orderBy('n.label')
    .execute();
}

export async function createHnic(db: Kysely<Database>, headnode: string, label: string): Promise<void> {
  const h = await getHeadnode(db, headnode);
  notFrozen(h);
  try {
    await db.insertInto('hil_hnics').values({ headnode_id: h.id, label }).execute();
  } catch (err) {
    if (pgCode(err) === PG_UNIQUE_VIOLATION) throw new DuplicateError(`Hnic ${label} already exists on headnode ${headnode}.`, { headnode, hnic: label });
    throw err;
  }
}

async function hnicOf(db: Kysely<Database>, headnode: string, label: string) {
  const h = await getHeadnode(db, headnode);
  const nic = await db.selectFrom('hil_hnics').selectAll().where('headnode_id', '=', h.id).where('label', '=', label).executeTakeFirst();
  if (!nic) throw new NotFoundError(`Hnic ${label} on headnode ${headnode} does not exist.`, { headnode, hnic: label });
  return { h, nic };
}

export async function deleteHnic(db: Kysely<Database>, headnode: string, label: string): Promise<void> {
  const { h, nic } = await hnicOf(db, headnode, label);
  notFrozen(h);
  await db.deleteFrom('hil_hnics').where('id', '=', nic.id).execute();
}

/** HIL's rules: only a network the project allocated (from the pool), one the project may use. */
export async function connectHnic(db: Kysely<Database>, headnode: string, label: string, networkName: string): Promise<void> {
  const { h, nic } = await hnicOf(db, headnode, label);
  notFrozen(h);
  const network = await getNetwork(db, networkName);
  const access = await db.selectFrom('network_access').select('project_id').where('network_id', '=', network.id).where('project_id', '=', h.project_id).executeTakeFirst();
  if (network.owner_project_id !== h.project_id && !access) throw new ProjectMismatchError('Project does not have access to given network.', { network: networkName });
  if (!network.from_pool) throw new BadArgumentError('Headnodes may only be connected to networks allocated by the project.', { network: networkName });
  await db.updateTable('hil_hnics').set({ network_id: network.id }).where('id', '=', nic.id).execute();
}

export async function detachHnic(db: Kysely<Database>, headnode: string, label: string): Promise<void> {
  const { h, nic } = await hnicOf(db, headnode, label);
  notFrozen(h);
  await db.updateTable('hil_hnics').set({ network_id: null }).where('id', '=', nic.id).execute();
}

export async function projectHeadnodes(db: Kysely<Database>, projectName: string): Promise<string[]> {
  const project = await getProject(db, projectName);
  const rows = await db.selectFrom('hil_headnodes').select('name').where('project_id', '=', project.id).orderBy('name').execute();
  return rows.map((r) => r.name);
}

/** HIL's refusals while headnodes hold on to a project or a network. */
export async function requireNoHeadnodes(db: Kysely<Database>, what: { project?: string; network?: string }): Promise<void> {
  if (what.project) {
    const found = await db.selectFrom('hil_headnodes as h').innerJoin('projects as p', 'p.id', 'h.project_id').select('h.id').where('p.name', '=', what.project).executeTakeFirst();
    if (found) throw new BlockedError('Project still has a headnode', { project: what.project });
  }
  if (what.network) {
    const found = await db.selectFrom('hil_hnics as n').innerJoin('networks as w', 'w.id', 'n.network_id').select('n.id').where('w.name', '=', what.network).executeTakeFirst();
    if (found) throw new BlockedError('Network still connected to headnodes', { network: what.network });
  }
}
