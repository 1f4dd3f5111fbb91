import { loadSettings } from '../config/settings';
import { connect, ensureDatabase } from '../db/connection';
import { migrateToLatest } from '../db/migrator';

/** Create the database if missing and bring its schema up to date; prints what it did. */
export async function prepareDatabase(databaseUrl: string, log: (line: string) => void = console.log): Promise<void> {
  const created = await ensureDatabase(databaseUrl);
  if (created === 'created') log(`database: created ${new URL(databaseUrl).pathname.slice(1)}`);
  const db = connect(databaseUrl, { max: 1 });
  try {
    const applied = await migrateToLatest(db);
    log(applied.length ? `database: ${applied.join(', ')}` : 'database: schema up to date');
  } finally {
    await db.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  prepareDatabase(loadSettings().DATABASE_URL).catch((err: unknown) => {
    console.error(`database: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
