import { sql, type Kysely } from 'kysely';

/**
 * liblaas's users (name, mail, company, SSH keys) live in the lab's directory now, through the
 * directory driver (drivers/directory/ldap-users.ts), like FreeIPA holds them for liblaas: the
 * PostgreSQL copy goes. The table came with the liblaas routes of the same release, so no lab has
 * users in it to carry over.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('liblaas_users').ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
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
