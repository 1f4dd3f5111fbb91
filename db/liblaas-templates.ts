import { sql, type Kysely } from 'kysely';
import type { Database } from './database';
import type { LiblaasTemplateRow, TemplateHost } from './tables/liblaas';

export interface NewTemplate {
  id: string;
  project: string;
  owner: string | null;
  name: string;
  description: string;
  public: boolean;
  hosts: TemplateHost[];
  networks: { name: string; public: boolean }[];
}

/** Insert a template; one with this id already there is left as it is (seeding is idempotent). */
export async function insertTemplate(db: Kysely<Database>, t: NewTemplate): Promise<void> {
  await db
    .insertInto('liblaas_templates')
    .values({ ...t, hosts: JSON.stringify(t.hosts), networks: JSON.stringify(t.networks) })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** The project's public templates and the user's own ones, not deleted. */
export async function listTemplates(db: Kysely<Database>, project: string, user: string): Promise<LiblaasTemplateRow[]> {
  return db
    .selectFrom('liblaas_templates')
    .selectAll()
    .where('project', '=', project)
    .where('deleted', '=', false)
    .where((eb) => eb.or([eb('public', '=', true), eb('owner', '=', user)]))
    .orderBy('id')
    .execute();
}

/** A template by id, deleted ones included (a booking keeps referring to its template). */
export async function getTemplate(db: Kysely<Database>, id: string): Promise<LiblaasTemplateRow | null> {
  return (await db.selectFrom('liblaas_templates').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Soft delete; false when there is no such template. */
export async function deleteTemplate(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.updateTable('liblaas_templates').set({ deleted: true }).where('id', '=', id).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** How many templates a project has (tests and seeding checks). */
export async function countTemplates(db: Kysely<Database>, project: string): Promise<number> {
  const r = await db.selectFrom('liblaas_templates').select(sql<string>`count(*)`.as('n')).where('project', '=', project).executeTakeFirstOrThrow();
  return Number(r.n);
}
