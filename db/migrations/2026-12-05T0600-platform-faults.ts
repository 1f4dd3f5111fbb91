import { type Kysely, sql } from 'kysely';

// Frozen: this file describes the schema as it was on its date; never edit it, add a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // One change at a time per switch, across every worker: a lease taken and given back in short
  // statements, so no database session is held while the switch is worked on (an outage in the
  // middle of a change does not break it) and a dead holder's lease runs out by itself.
  await db.schema
    .createTable('switch_locks')
    .addColumn('switch', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('taken_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();

  // The audit is written ahead: a row 'pending' before the change is made, completed with the
  // answer's status after it. A change is never made without its row.
  await sql`alter table api_audit alter column status drop not null`.execute(db);
  await sql`alter table api_audit drop constraint if exists api_audit_outcome_check`.execute(db);
  await sql`alter table api_audit add constraint api_audit_outcome_check check (outcome in ('ok', 'refused', 'failed', 'pending'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('switch_locks').ifExists().execute();
  // A pending row of the newer schema becomes a failed one: its answer was never recorded.
  await sql`update api_audit set outcome = 'failed', status = coalesce(status, 500) where outcome = 'pending'`.execute(db);
  await sql`alter table api_audit drop constraint if exists api_audit_outcome_check`.execute(db);
  await sql`alter table api_audit add constraint api_audit_outcome_check check (outcome in ('ok', 'refused', 'failed'))`.execute(db);
  await sql`alter table api_audit alter column status set not null`.execute(db);
}
