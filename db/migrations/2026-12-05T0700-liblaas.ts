import { type Kysely, sql } from 'kysely';

// Frozen: this file describes the schema as it was on its date; never edit it, add a new migration.
// The liblaas API (the LaaS 3.0 dashboard's lab API): its templates, its bookings' dashboard-side
// facts (aggregates and their instances), and its users' profiles.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('liblaas_templates')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('public', 'boolean', (c) => c.notNull().defaultTo(false))
    // host_list of the TemplateBlob (hostname, flavor, image, cifile, bondgroups) and networks [{name, public}].
    .addColumn('hosts', 'jsonb', (c) => c.notNull())
    .addColumn('networks', 'jsonb', (c) => c.notNull())
    .addColumn('deleted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('liblaas_templates_project').on('liblaas_templates').columns(['project', 'deleted']).execute();

  await db.schema
    .createTable('liblaas_aggregates')
    // The laas booking id: the same booking under /v1.
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('template_id', 'uuid', (c) => c.notNull().references('liblaas_templates.id'))
    .addColumn('users', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('liblaas_instances')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('aggregate_id', 'uuid', (c) => c.notNull().references('liblaas_aggregates.id').onDelete('cascade'))
    // Position in the template's host_list, and so in the booking's hosts.
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('image_id', 'uuid', (c) => c.notNull())
    .addUniqueConstraint('liblaas_instances_slot', ['aggregate_id', 'slot'])
    .execute();

  await db.schema
    .createTable('liblaas_users')
    .addColumn('uid', 'text', (c) => c.primaryKey())
    .addColumn('givenname', 'text', (c) => c.notNull())
    .addColumn('sn', 'text', (c) => c.notNull())
    .addColumn('mail', 'text', (c) => c.notNull())
    .addColumn('ou', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('ssh_keys', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['liblaas_users', 'liblaas_instances', 'liblaas_aggregates', 'liblaas_templates']) await db.schema.dropTable(t).ifExists().execute();
}
