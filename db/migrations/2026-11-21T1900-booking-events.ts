import { type Kysely, sql } from 'kysely';

// Frozen: this file describes the schema as it was on its date; never edit it, add a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('booking_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('booking_id', 'text', (c) => c.notNull())
    // Idempotency: the same event (e.g. replayed activity) is recorded once.
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('host', 'text')
    .addColumn('step', 'text')
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('booking_events_booking_event_key', ['booking_id', 'event_key'])
    .execute();
  await db.schema.createIndex('booking_events_booking_id_id').on('booking_events').columns(['booking_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('booking_events').ifExists().execute();
}
