import type { Kysely } from 'kysely';
import type { Database } from './database';

/** Runs `work` in a transaction, or inside the caller's when `db` already is one (the caller owns it). */
export function transact<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
