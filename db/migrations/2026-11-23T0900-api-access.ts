import { type Kysely, sql } from 'kysely';

// Frozen: this file describes the schema as it was on its date; never edit it, add a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Tokens of two kinds: a user's (acts as that user; an administrator's is an administrator's),
  // and a dashboard's (no user of its own: acts for the users of one lab).
  await db.schema
    .alterTable('api_tokens')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('user').check(sql`kind in ('user', 'dashboard')`))
    .addColumn('lab', 'text')
    .addColumn('last_used_at', 'timestamptz')
    .execute();
  await db.schema.alterTable('api_tokens').alterColumn('user_id', (c) => c.dropNotNull()).execute();
  await sql`alter table api_tokens add constraint api_tokens_kind_owner check (
    (kind = 'user' and user_id is not null and lab is null) or (kind = 'dashboard' and user_id is null and lab is not null))`.execute(db);

  // Every mutating API call: who, what, when, and how it ended. Append-only; no foreign keys,
  // so the record outlives revoked tokens and deleted users.
  await db.schema
    .createTable('api_audit')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull().check(sql`actor_kind in ('anonymous', 'admin', 'user', 'dashboard')`))
    .addColumn('token_id', 'integer')
    .addColumn('on_behalf_of', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('ok', 'refused', 'failed')`))
    .addColumn('error_type', 'text')
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('request_id', 'text')
    .execute();
  await db.schema.createIndex('api_audit_subject').on('api_audit').columns(['subject', 'id']).execute();
  await db.schema.createIndex('api_audit_actor').on('api_audit').columns(['actor', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_audit').ifExists().execute();
  // Dashboard tokens cannot exist in the older schema.
  await db.deleteFrom('api_tokens').where('kind', '=', 'dashboard').execute();
  await sql`alter table api_tokens drop constraint if exists api_tokens_kind_owner`.execute(db);
  await db.schema.alterTable('api_tokens').alterColumn('user_id', (c) => c.setNotNull()).execute();
  await db.schema.alterTable('api_tokens').dropColumn('kind').dropColumn('lab').dropColumn('last_used_at').execute();
}
