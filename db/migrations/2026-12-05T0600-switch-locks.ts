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
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('switch_locks').ifExists().execute();
}
