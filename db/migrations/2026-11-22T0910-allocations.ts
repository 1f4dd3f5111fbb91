/* eslint-disable @typescript-eslint/no-explicit-any -- a frozen migration sees the schema of its date, not today's Database type */
import { type Kysely, sql } from 'kysely';

// Frozen: this file describes the schema as it was on its date; never edit it, add a new migration.
// Double booking is made impossible by PostgreSQL itself: exclusion constraints over
// (host, time range) and (pool VLAN, time range), whichever process inserts the rows.
export async function up(db: Kysely<any>): Promise<void> {
  // btree_gist lets an integer equality sit in the same GiST index as a range overlap.
  await sql`CREATE EXTENSION IF NOT EXISTS btree_gist`.execute(db);

  await db.schema
    .createTable('bookings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lab_id', 'integer', (c) => c.references('labs.id').onDelete('restrict'))
    .addColumn('project', 'text')
    .addColumn('owner', 'text')
    .addColumn('during', sql`tstzrange`, (c) => c.notNull().check(sql`not isempty(during)`))
    .addColumn('released_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('host_allocations')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('host_id', 'integer', (c) => c.notNull().references('hosts.id').onDelete('restrict'))
    .addColumn('booking_id', 'text', (c) => c.references('bookings.id').onDelete('cascade'))
    .addColumn('project_id', 'integer', (c) => c.references('projects.id').onDelete('restrict'))
    .addColumn('during', sql`tstzrange`, (c) => c.notNull())
    .addCheckConstraint('host_allocations_one_holder', sql`num_nonnulls(booking_id, project_id) = 1`)
    .addCheckConstraint('host_allocations_not_empty', sql`not isempty(during)`)
    .execute();
  await sql`ALTER TABLE host_allocations ADD CONSTRAINT host_allocations_no_overlap
            EXCLUDE USING gist (host_id WITH =, during WITH &&)`.execute(db);
  await db.schema.createIndex('host_allocations_booking_id').on('host_allocations').column('booking_id').execute();

  await db.schema
    .createTable('vlan_allocations')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('vlan_pool_id', 'integer', (c) => c.notNull().references('vlan_pool.id').onDelete('restrict'))
    .addColumn('booking_id', 'text', (c) => c.references('bookings.id').onDelete('cascade'))
    .addColumn('booking_network', 'text')
    .addColumn('network_id', 'integer', (c) => c.references('networks.id').onDelete('cascade'))
    .addColumn('during', sql`tstzrange`, (c) => c.notNull())
    .addCheckConstraint('vlan_allocations_one_holder', sql`num_nonnulls(booking_id, network_id) = 1`)
    .addCheckConstraint('vlan_allocations_not_empty', sql`not isempty(during)`)
    .execute();
  await sql`ALTER TABLE vlan_allocations ADD CONSTRAINT vlan_allocations_no_overlap
            EXCLUDE USING gist (vlan_pool_id WITH =, during WITH &&)`.execute(db);
  await db.schema.createIndex('vlan_allocations_booking_id').on('vlan_allocations').column('booking_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('vlan_allocations').ifExists().execute();
  await db.schema.dropTable('host_allocations').ifExists().execute();
  await db.schema.dropTable('bookings').ifExists().execute();
  // btree_gist stays: other schemas in the database may use it, and `up` tolerates it being there.
}
