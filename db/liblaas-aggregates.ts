import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import type { LiblaasAggregateRow, LiblaasInstanceRow } from './tables/liblaas';

export interface NewAggregate {
  id: string;
  project: string;
  templateId: string;
  users: string[];
  metadata: Record<string, unknown>;
  instances: { id: string; slot: number; hostname: string; imageId: string }[];
}

/** The aggregate and its instances, in one transaction. */
export async function insertAggregate(db: Kysely<Database>, a: NewAggregate): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('liblaas_aggregates')
      .values({ id: a.id, project: a.project, template_id: a.templateId, users: JSON.stringify(a.users), metadata: JSON.stringify(a.metadata) })
      .execute();
    await tx
      .insertInto('liblaas_instances')
      .values(a.instances.map((i) => ({ id: i.id, aggregate_id: a.id, slot: i.slot, hostname: i.hostname, image_id: i.imageId })))
      .execute();
  });
}

/** Undo of insertAggregate when the booking could not be started. */
export async function deleteAggregate(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('liblaas_aggregates').where('id', '=', id).execute();
}

export async function getAggregate(db: Kysely<Database>, id: string): Promise<(LiblaasAggregateRow & { instances: LiblaasInstanceRow[] }) | null> {
  const a = await db.selectFrom('liblaas_aggregates').selectAll().where('id', '=', id).executeTakeFirst();
  if (!a) return null;
  const instances = await db.selectFrom('liblaas_instances').selectAll().where('aggregate_id', '=', id).orderBy('slot').execute();
  return { ...a, instances };
}

export async function getInstance(db: Kysely<Database>, id: string): Promise<LiblaasInstanceRow | null> {
  return (await db.selectFrom('liblaas_instances').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function setInstanceImage(db: Kysely<Database>, id: string, imageId: string): Promise<void> {
  await db.updateTable('liblaas_instances').set({ image_id: imageId }).where('id', '=', id).execute();
}

/** Add users to the aggregate (each once); answers every user after the addition. */
export async function addAggregateUsers(db: Kysely<Database>, id: string, users: string[]): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('liblaas_aggregates').select('users').where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
    const all = [...new Set([...row.users, ...users])];
    await tx.updateTable('liblaas_aggregates').set({ users: JSON.stringify(all) }).where('id', '=', id).execute();
    return all;
  });
}

/** How many aggregates exist (the bad-input tests check nothing was left). */
export async function countAggregates(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('liblaas_aggregates').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}
