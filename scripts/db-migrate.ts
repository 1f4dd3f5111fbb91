import { loadSettings } from '../config/settings';
import { connect, ensureDatabase } from '../db/connection';
import { migrateToLatest } from '../db/migrator';
import { answers, hidePassword } from './lib/database-choice';

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

/** `npm run setup`: with DATABASE_URL unset and no server at the default address, `npm start` runs the embedded cluster and migrates it then. */
async function setUpDatabase(): Promise<void> {
  const settings = loadSettings();
  if (!process.env.DATABASE_URL && !(await answers(settings.LAAS_DEFAULT_DATABASE_URL))) {
    console.log(`database: nothing answers at ${hidePassword(settings.LAAS_DEFAULT_DATABASE_URL)}; npm start will run the embedded PostgreSQL`);
    return;
  }
  await prepareDatabase(process.env.DATABASE_URL ?? settings.LAAS_DEFAULT_DATABASE_URL);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  setUpDatabase().catch((err: unknown) => {
    console.error(`database: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
