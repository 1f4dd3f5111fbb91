import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database';

/**
 * A pg pool whose every connection has its 'error' handled. pg emits 'error' on a client whose
 * connection dies (server restart, network cut, failover); the pool listens only while a client
 * is idle, so a client checked out at that moment (a query or transaction in flight) would crash
 * the process with an unhandled 'error'. The query in flight still fails with its own error,
 * which the caller sees and retries; the broken client is not returned to the pool.
 */
export function resilientPool(databaseUrl: string, options: { max?: number; label?: string; connectTimeoutMs?: number } = {}): pg.Pool {
  const label = options.label ?? 'database';
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    // An unreachable server fails a query in seconds instead of hanging it.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    keepAlive: true,
  });
  let lastWarned = 0;
  const warn = (what: string, err: Error) => {
    // One line per outage burst, not one per connection.
    if ((err as { code?: string }).code === '57P01' || Date.now() - lastWarned < 5_000) return;
    lastWarned = Date.now();
    console.warn(`${label}: ${what}: ${err.message}`);
  };
  pool.on('error', (err) => warn('idle connection lost', err));
  pool.on('connect', (client) => client.on('error', (err) => warn('connection lost', err)));
  return pool;
}

// timestamptz and tstzrange come back as strings unless told otherwise; keep Date for timestamptz.
export function connect(databaseUrl: string, options: { max?: number } = {}): Kysely<Database> {
  const pool = resilientPool(databaseUrl, options);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Create the database named in the URL when it does not exist yet (connecting to `postgres` to do so). */
export async function ensureDatabase(databaseUrl: string): Promise<'created' | 'exists'> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[a-zA-Z_][a-zA-Z0-9_-]{0,62}$/.test(name)) throw new Error(`database name ${JSON.stringify(name)} in DATABASE_URL is not a plain identifier`);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 10_000 });
  // A connection lost mid-way fails the query below; the event itself must not crash the process.
  client.on('error', () => undefined);
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
    await client.end().catch(() => undefined);
  }
}
