import { type Kysely, sql } from 'kysely';

// Frozen: this file describes the schema as it was on its date; never edit it, add a new migration.
export async function up(db: Kysely<any>): Promise<void> {
  // Every change to the read model says which booking it touched, on one channel, after its
  // transaction commits: the API's cache of booking reads (api/booking-read-cache.ts) drops that
  // booking. The payload is "<table>:<booking id>" (view, step or host).
  await sql`
    create or replace function laas_booking_read_changed() returns trigger language plpgsql as $$
    declare
      changed jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
    begin
      perform pg_notify('laas_booking_read', tg_argv[0] || ':' || (changed ->> tg_argv[1]));
      return null;
    end
    $$`.execute(db);
  for (const [table, kind, column] of [
    ['booking_views', 'view', 'id'],
    ['booking_host_steps', 'step', 'booking_id'],
    ['booking_view_hosts', 'host', 'booking_id'],
  ] as const) {
    await sql`
      create trigger ${sql.raw(`${table}_notify`)} after insert or update or delete on ${sql.table(table)}
      for each row execute function laas_booking_read_changed(${sql.lit(kind)}, ${sql.lit(column)})`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['booking_views', 'booking_host_steps', 'booking_view_hosts']) {
    await sql`drop trigger if exists ${sql.raw(`${table}_notify`)} on ${sql.table(table)}`.execute(db);
  }
  await sql`drop function if exists laas_booking_read_changed()`.execute(db);
}
