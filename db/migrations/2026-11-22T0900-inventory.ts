/* eslint-disable @typescript-eslint/no-explicit-any -- a frozen migration sees the schema of its date, not today's Database type */
import { type Kysely, sql } from 'kysely';

// Frozen: this file describes the schema as it was on its date; never edit it, add a new migration.
// Labels follow HIL: globally unique, except NIC labels (per host) and port labels (per switch).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('labs')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('max_lease_hours', 'integer', (c) => c.notNull().defaultTo(720).check(sql`max_lease_hours > 0`))
    .addColumn('headnode_image', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('projects')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text')
    .addColumn('is_admin', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('user_projects')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_projects_pk', ['user_id', 'project_id'])
    .execute();
  await db.schema.createIndex('user_projects_project_id').on('user_projects').column('project_id').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('credentials')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('nonce', 'bytea', (c) => c.notNull())
    .addColumn('ciphertext', 'bytea', (c) => c.notNull())
    .addColumn('auth_tag', 'bytea', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('images')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('lab_id', 'integer', (c) => c.notNull().references('labs.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('imaging_id', 'text', (c) => c.notNull())
    .addColumn('os_family', 'text', (c) => c.notNull().check(sql`os_family in ('netplan', 'ifupdown', 'rhel', 'suse')`))
    .addUniqueConstraint('images_lab_name', ['lab_id', 'name'])
    .execute();

  await db.schema
    .createTable('hosts')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('lab_id', 'integer', (c) => c.notNull().references('labs.id').onDelete('restrict'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('flavor', 'text')
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('state', 'text', (c) =>
      c.notNull().defaultTo('available').check(sql`state in ('available', 'maintenance', 'retired')`),
    )
    .addColumn('bmc_type', 'text')
    .addColumn('bmc_address', 'text')
    .addColumn('bmc_port', 'integer', (c) => c.check(sql`bmc_port between 1 and 65535`))
    .addColumn('bmc_credential', 'text')
    .addColumn('ssh_address', 'text')
    .addColumn('ssh_port', 'integer', (c) => c.check(sql`ssh_port between 1 and 65535`))
    .addColumn('imaging_name', 'text')
    .addColumn('external_id', 'text')
    .addColumn('default_images', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('hosts_lab_flavor').on('hosts').columns(['lab_id', 'flavor']).execute();

  await db.schema
    .createTable('nics')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    // A host with NICs cannot be deleted (HIL: remove the NICs first).
    .addColumn('host_id', 'integer', (c) => c.notNull().references('hosts.id').onDelete('restrict'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('mac', 'text')
    .addColumn('bus_address', 'text')
    .addColumn('os_name', 'text')
    .addUniqueConstraint('nics_host_label', ['host_id', 'label'])
    .execute();

  await db.schema
    .createTable('switches')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('lab_id', 'integer', (c) => c.notNull().references('labs.id').onDelete('restrict'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('nxos', 'nxapi', 'os10', 'ovs', 'sim')`))
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.check(sql`port between 1 and 65535`))
    .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('credential', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('ports')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('switch_id', 'integer', (c) => c.notNull().references('switches.id').onDelete('restrict'))
    .addColumn('label', 'text', (c) => c.notNull())
    // Deleting a NIC uncables it.
    .addColumn('nic_id', 'integer', (c) => c.unique().references('nics.id').onDelete('set null'))
    .addUniqueConstraint('ports_switch_label', ['switch_id', 'label'])
    .execute();

  await db.schema
    .createTable('networks')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('lab_id', 'integer', (c) => c.notNull().references('labs.id').onDelete('restrict'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('owner_project_id', 'integer', (c) => c.references('projects.id').onDelete('restrict'))
    .addColumn('vlan', 'integer', (c) => c.notNull().check(sql`vlan between 1 and 4094`))
    .addColumn('from_pool', 'boolean', (c) => c.notNull())
    .addColumn('public', 'boolean', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Two networks on one VLAN would be one broadcast domain.
    .addUniqueConstraint('networks_lab_vlan', ['lab_id', 'vlan'])
    .execute();

  await db.schema
    .createTable('network_access')
    .addColumn('network_id', 'integer', (c) => c.notNull().references('networks.id').onDelete('cascade'))
    .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id').onDelete('restrict'))
    .addPrimaryKeyConstraint('network_access_pk', ['network_id', 'project_id'])
    .execute();

  await db.schema
    .createTable('network_attachments')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('network_id', 'integer', (c) => c.notNull().references('networks.id').onDelete('restrict'))
    .addColumn('nic_id', 'integer', (c) => c.notNull().references('nics.id').onDelete('restrict'))
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel ~ '^vlan/(native|[0-9]{1,4})$'`))
    .addUniqueConstraint('network_attachments_nic_channel', ['nic_id', 'channel'])
    .addUniqueConstraint('network_attachments_nic_network', ['nic_id', 'network_id'])
    .execute();

  await db.schema
    .createTable('networking_actions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('modify_port', 'revert_port')`))
    .addColumn('nic_id', 'integer', (c) => c.references('nics.id').onDelete('set null'))
    .addColumn('node', 'text', (c) => c.notNull())
    .addColumn('nic', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('new_network_id', 'integer', (c) => c.references('networks.id').onDelete('set null'))
    .addColumn('new_network', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('PENDING').check(sql`status in ('PENDING', 'DONE', 'ERROR')`))
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  // One change in flight per NIC, as HIL: a second would race the first on the same switch port.
  await db.schema
    .createIndex('networking_actions_one_pending_per_nic')
    .on('networking_actions')
    .column('nic_id')
    .unique()
    .where(sql<boolean>`status = 'PENDING'`)
    .execute();

  await db.schema
    .createTable('vlan_pool')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('lab_id', 'integer', (c) => c.notNull().references('labs.id').onDelete('restrict'))
    .addColumn('vlan', 'integer', (c) => c.notNull().check(sql`vlan between 2 and 4094`))
    .addUniqueConstraint('vlan_pool_lab_vlan', ['lab_id', 'vlan'])
    .execute();

  await db.schema
    .createTable('headnode_hypervisors')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('lab_id', 'integer', (c) => c.notNull().references('labs.id').onDelete('restrict'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('uri', 'text', (c) => c.notNull())
    .addColumn('credential', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'headnode_hypervisors',
    'vlan_pool',
    'networking_actions',
    'network_attachments',
    'network_access',
    'networks',
    'ports',
    'switches',
    'nics',
    'hosts',
    'images',
    'credentials',
    'api_tokens',
    'user_projects',
    'users',
    'projects',
    'labs',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
