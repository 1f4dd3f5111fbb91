import type { Kysely } from 'kysely';
import type { Database } from './database';
import { NotFoundError } from './errors';
import type { LabRow } from './tables/labs';

/** The lab row by name, created with defaults when missing (HIL registrations land in the API's lab). */
export async function ensureLab(db: Kysely<Database>, name: string): Promise<LabRow> {
  await db.insertInto('labs').values({ name }).onConflict((oc) => oc.column('name').doNothing()).execute();
  return db.selectFrom('labs').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
}

export async function getLab(db: Kysely<Database>, name: string): Promise<LabRow> {
  const lab = await db.selectFrom('labs').selectAll().where('name', '=', name).executeTakeFirst();
  if (!lab) throw new NotFoundError(`lab ${name} does not exist`, { lab: name });
  return lab;
}

export async function listLabs(db: Kysely<Database>): Promise<LabRow[]> {
  return db.selectFrom('labs').selectAll().orderBy('name').execute();
}

/** Make the lab's pool exactly `vlans`: adds the missing ids, removes unused ones no longer listed. */
export async function setVlanPool(db: Kysely<Database>, labId: number, vlans: number[]): Promise<{ added: number[]; removed: number[] }> {
  const current = await db.selectFrom('vlan_pool').select(['id', 'vlan']).where('lab_id', '=', labId).execute();
  const wanted = new Set(vlans);
  const have = new Set(current.map((r) => r.vlan));
  const added = [...wanted].filter((v) => !have.has(v)).sort((a, b) => a - b);
  const removed = current.filter((r) => !wanted.has(r.vlan));
  if (added.length) await db.insertInto('vlan_pool').values(added.map((vlan) => ({ lab_id: labId, vlan }))).execute();
  // A pool VLAN that is still held (foreign key from vlan_allocations) makes this fail: the caller sees which.
  if (removed.length) await db.deleteFrom('vlan_pool').where('id', 'in', removed.map((r) => r.id)).execute();
  return { added, removed: removed.map((r) => r.vlan).sort((a, b) => a - b) };
}
