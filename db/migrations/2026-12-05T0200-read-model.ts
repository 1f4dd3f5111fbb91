import { type Kysely, sql } from 'kysely';

// Frozen: this file describes the schema as it was on its date; never edit it, add a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // The booking as the API reads it, written by the booking workflow's bookkeeping activity.
  await db.schema
    .createTable('booking_views')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lab', 'text', (c) => c.notNull())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('lease_start', 'text', (c) => c.notNull())
    .addColumn('lease_end', 'text', (c) => c.notNull())
    .addColumn('host_names', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('hosts', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('networks', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('booking_steps', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('headnode', 'jsonb')
    .addColumn('vpn_accounts', 'jsonb')
    .addColumn('credentials_pending', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('leftovers', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('error', 'jsonb')
    // Stale-write guard: a write of an older event of the same run never overtakes a newer one.
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('booking_views_lab_created').on('booking_views').columns(['lab', 'created_at', 'id']).execute();
  await db.schema.createIndex('booking_views_host_names').on('booking_views').using('gin').column('host_names').execute();

  // One step of one host (host '' for the booking's own steps), written by the step's activity.
  await db.schema
    .createTable('booking_host_steps')
    .addColumn('booking_id', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('attempt', 'integer')
    .addColumn('progress', 'real')
    .addColumn('error', 'jsonb')
    // The attempt's scheduled time (ms) × 1000 + a counter within the attempt: newer writes win.
    .addColumn('ordinal', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('booking_host_steps_pk', ['booking_id', 'host', 'step'])
    .execute();

  // How a booking's user reaches a host, recorded when the host's network step is done.
  await db.schema
    .createTable('booking_view_hosts')
    .addColumn('booking_id', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('addresses', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('login_user', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull().defaultTo(22))
    .addPrimaryKeyConstraint('booking_view_hosts_pk', ['booking_id', 'host'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('booking_view_hosts').ifExists().execute();
  await db.schema.dropTable('booking_host_steps').ifExists().execute();
  await db.schema.dropTable('booking_views').ifExists().execute();
}
