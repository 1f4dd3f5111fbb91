import { type Kysely, sql } from 'kysely';

// Frozen: this file describes the schema as it was on its date; never edit it, add a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // HIL >= 0.4's OBM gate: null = never gated (IPMI nodes as HIL 0.3 had them), else enabled or not.
  await db.schema.alterTable('hosts').addColumn('obm_enabled', 'boolean').execute();

  // Every switch type HIL's client registers, each with its own driver.
  await sql`alter table switches drop constraint if exists switches_type_check`.execute(db);
  await sql`alter table switches add constraint switches_type_check check (
    type in ('nxos', 'nxapi', 'os10', 'ovs', 'sim', 'delln3000', 'powerconnect55xx', 'dellnos9', 'brocade'))`.execute(db);

  // HIL's per-project headnodes (virtual machines on the lab's libvirt) and their NICs.
  await db.schema
    .createTable('hil_headnodes')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('restrict'))
    .addColumn('base_img', 'text', (c) => c.notNull())
    .addColumn('uuid', 'uuid', (c) => c.notNull())
    // Frozen once started: HIL refuses NIC changes from then on.
    .addColumn('frozen', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('hil_hnics')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('headnode_id', 'integer', (c) => c.notNull().references('hil_headnodes.id').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('network_id', 'integer', (c) => c.references('networks.id').onDelete('restrict'))
    .addUniqueConstraint('hil_hnics_headnode_label', ['headnode_id', 'label'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('hil_hnics').ifExists().execute();
  await db.schema.dropTable('hil_headnodes').ifExists().execute();
  await sql`alter table switches drop constraint if exists switches_type_check`.execute(db);
  await sql`alter table switches add constraint switches_type_check check (type in ('nxos', 'nxapi', 'os10', 'ovs', 'sim'))`.execute(db);
  await db.schema.alterTable('hosts').dropColumn('obm_enabled').execute();
}
