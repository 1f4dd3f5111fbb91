import { type Kysely, sql } from 'kysely';

// Frozen: this file describes the schema as it was on its date; never edit it, add a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Whatever decides who a bearer token speaks for (the token, its user, the user's projects)
  // says it changed, on one channel, after its transaction commits: the API's cache of token
  // holders (api/auth/token-cache.ts) forgets them all. The payload is the table's name.
  await sql`
    create or replace function laas_access_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('laas_access', tg_table_name);
      return null;
    end
    $$`.execute(db);
  // A token's own changes: revoked (deleted), or moved to another user. Not last_used_at, which
  // every busy token writes once a minute.
  await sql`
    create trigger api_tokens_access_notify after delete or truncate on api_tokens
    for each statement execute function laas_access_changed()`.execute(db);
  await sql`
    create trigger api_tokens_access_update_notify after update of user_id, token_hash, kind, lab on api_tokens
    for each statement execute function laas_access_changed()`.execute(db);
  for (const table of ['users', 'user_projects', 'projects']) {
    await sql`
      create trigger ${sql.raw(`${table}_access_notify`)} after insert or update or delete or truncate on ${sql.table(table)}
      for each statement execute function laas_access_changed()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, trigger] of [
    ['api_tokens', 'api_tokens_access_notify'],
    ['api_tokens', 'api_tokens_access_update_notify'],
    ['users', 'users_access_notify'],
    ['user_projects', 'user_projects_access_notify'],
    ['projects', 'projects_access_notify'],
  ]) {
    await sql`drop trigger if exists ${sql.raw(trigger!)} on ${sql.table(table!)}`.execute(db);
  }
  await sql`drop function if exists laas_access_changed()`.execute(db);
}
