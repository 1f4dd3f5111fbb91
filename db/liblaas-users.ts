import type { Kysely } from 'kysely';
import type { Database } from './database';
import type { LiblaasUserRow } from './tables/liblaas';

export interface NewLiblaasUser {
  uid: string;
  givenname: string;
  sn: string;
  mail: string;
  ou: string;
}

/** False when the name is taken. */
export async function createLiblaasUser(db: Kysely<Database>, u: NewLiblaasUser): Promise<boolean> {
  const r = await db
    .insertInto('liblaas_users')
    .values({ ...u, ssh_keys: '[]' })
    .onConflict((oc) => oc.column('uid').doNothing())
    .returning('uid')
    .executeTakeFirst();
  return r !== undefined;
}

export async function getLiblaasUser(db: Kysely<Database>, uid: string): Promise<LiblaasUserRow | null> {
  return (await db.selectFrom('liblaas_users').selectAll().where('uid', '=', uid).executeTakeFirst()) ?? null;
}

/** The users of these names that exist (any order). */
export async function getLiblaasUsers(db: Kysely<Database>, uids: string[]): Promise<LiblaasUserRow[]> {
  if (!uids.length) return [];
  return db.selectFrom('liblaas_users').selectAll().where('uid', 'in', uids).execute();
}

/** Replace the keys; false when there is no such user. */
export async function setLiblaasUserKeys(db: Kysely<Database>, uid: string, keys: string[]): Promise<boolean> {
  const r = await db.updateTable('liblaas_users').set({ ssh_keys: JSON.stringify(keys) }).where('uid', '=', uid).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function setLiblaasUserCompany(db: Kysely<Database>, uid: string, ou: string): Promise<boolean> {
  const r = await db.updateTable('liblaas_users').set({ ou }).where('uid', '=', uid).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}
