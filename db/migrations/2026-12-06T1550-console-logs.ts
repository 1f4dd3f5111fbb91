import { type Kysely, sql } from 'kysely';

// Frozen: this file describes the schema as it was on its date; never edit it, add a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // A node's serial console as the lab's worker captures it: the newest bytes (bounded by the
  // worker), how many were ever written (so a live reader knows what it has not seen), and the
  // capture's state. The API reads it; the worker's console activity writes it.
  await db.schema
    .createTable('console_logs')
    .addColumn('host_id', 'integer', (c) => c.primaryKey().references('hosts.id').onDelete('cascade'))
    .addColumn('log', 'bytea', (c) => c.notNull().defaultTo(sql`'\\x'::bytea`))
    .addColumn('total', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('starting').check(sql`state in ('starting', 'running', 'ended')`))
    .addColumn('ended_reason', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('console_logs').ifExists().execute();
}
