import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../db/database';
import { importLab } from '../../db/lab-import';
import { LabImportError } from '../../db/lab-plan';
import { migrator } from '../../db/migrator';
import { devicesFromFile, devicesFromInventory, type LabDevices } from './devices';
import { type Findings, messageOf } from './findings';
import type { LabFile } from './lab-file';

/** A short-lived pool of its own: doctor must say "unreachable" in seconds, not hang on a dead server. */
export function openDatabase(url: string, connectTimeoutMs: number): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: connectTimeoutMs });
  pool.on('error', () => undefined);
  // A connection lost while checked out emits 'error' on the client: handled, the query reports it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** The URL as it may be shown: never its password. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(DATABASE_URL is not a URL)';
  }
}

/**
 * The inventory side: the database answers and is migrated, the lab is imported and
 * matches its file, and the devices the workers will drive are read from it. Without
 * a usable inventory the file's devices stand in, so the rest can still be checked.
 */
export async function checkInventory(
  db: Kysely<Database>,
  url: string,
  file: LabFile,
  simulated: boolean,
  findings: Findings,
): Promise<{ devices: LabDevices; usable: boolean }> {
  const { lab, plan } = file;
  const fallback = { devices: devicesFromFile(lab, plan.source), usable: false };
  try {
    const migrations = await migrator(db).getMigrations();
    const pending = migrations.filter((m) => m.executedAt === undefined);
    // One line naming the schema the database has and the one this laas expects.
    const applied = migrations.filter((m) => m.executedAt !== undefined).at(-1)?.name ?? 'none';
    const expected = migrations.at(-1)?.name ?? 'none';
    if (!pending.length) findings.note('database schema', `PostgreSQL at ${shownUrl(url)} answers; migration ${applied} applied, as expected`);
    else findings.error('database schema', `migration ${applied} applied, ${expected} expected: ${pending.length} migration(s) not applied to ${shownUrl(url)}, e.g. ${pending[0]!.name} (laas db migrate)`);
    // Partly migrated still has the inventory tables worth reading; an empty database has nothing.
    if (pending.length === migrations.length) return fallback;
  } catch (err) {
    findings.error('database', `cannot reach ${shownUrl(url)} (settings: DATABASE_URL): ${messageOf(err)}`);
    return fallback;
  }
  const row = await db.selectFrom('labs').select('id').where('name', '=', lab.name).executeTakeFirst();
  if (!row) {
    if (simulated) findings.warning('database', `lab ${lab.name} is not in the inventory yet; npm start imports ${plan.source} when it starts`);
    else findings.error('database', `lab ${lab.name} is not in the inventory, so workers know none of its hosts: laas lab import ${plan.source}`);
    return { devices: devicesFromFile(lab, plan.source), usable: true };
  }
  await compareWithFile(db, file, findings);
  return { devices: await devicesFromInventory(db, lab, plan.source), usable: true };
}

/** What `laas lab import` would change is where the inventory and the file disagree; the workers follow the inventory. */
async function compareWithFile(db: Kysely<Database>, file: LabFile, findings: Findings): Promise<void> {
  const source = file.plan.source;
  try {
    const report = await importLab(db, file.plan, { dryRun: true });
    for (const change of report.changes) {
      findings.warning('database', `the inventory differs from ${source}: ${change} (workers use the inventory; laas lab import ${source} applies the file)`);
    }
  } catch (err) {
    if (!(err instanceof LabImportError)) throw err;
    for (const problem of err.problems) findings.error(`${source} (against the inventory)`, problem);
  }
}
