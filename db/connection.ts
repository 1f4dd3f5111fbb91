import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database';

// timestamptz and tstzrange come back as strings unless told otherwise; keep Date for timestamptz.
export function connect(databaseUrl: string, options: { max?: number } = {}): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
  // An idle connection closed by the server (restart, failover, a dropped test database) is not a
  // reason to crash the process: the pool replaces it on the next query, which reports its own error.
  pool.on('error', (err) => {
    if ((err as { code?: string }).code !== '57P01') console.warn(`database: idle connection lost: ${err.message}`);
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Create the database named in the URL when it does not exist yet (connecting to `postgres` to do so). */
export async function ensureDatabase(databaseUrl: string): Promise<'created' | 'exists'> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[a-zA-Z_][a-zA-Z0-9_-]{0,62}$/.test(name)) throw new Error(`database name ${JSON.stringify(name)} in DATABASE_URL is not a plain identifier`);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return 'exists';
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } catch (err) {
      // Two processes racing to create it: the loser sees duplicate_database.
      if ((err as { code?: string }).code === '42P04') return 'exists';
      throw err;
    }
    return 'created';
  } finally {
    await client.end();
  }
}
