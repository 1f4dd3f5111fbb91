import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { connect, ensureDatabase } from '../../../db/connection';
import type { Database } from '../../../db/database';
import { migrateToLatest } from '../../../db/migrator';

/** The server the database tests use: trust auth on loopback. */
export const PG_SERVER = process.env.LAAS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

export interface TempDatabase {
  url: string;
  db: Kysely<Database>;
  drop(): Promise<void>;
}

/** A fresh throwaway database (migrated unless told otherwise), dropped by `drop()`. */
export async function createTempDatabase(options: { migrate?: boolean; max?: number } = {}): Promise<TempDatabase> {
  const name = `laas_test_${randomBytes(6).toString('hex')}`;
  const url = `${PG_SERVER}/${name}`;
  await ensureDatabase(url);
  const db = connect(url, { max: options.max ?? 5 });
  if (options.migrate !== false) await migrateToLatest(db);
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      const admin = new pg.Client({ connectionString: `${PG_SERVER}/postgres` });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
