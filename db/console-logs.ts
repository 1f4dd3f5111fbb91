import { sql, type Kysely } from 'kysely';
import type { Database } from './database';

/** How much of a console the log keeps: its newest 256 KiB. */
export const CONSOLE_LOG_LIMIT = 256 * 1024;

export type ConsoleState = 'starting' | 'running' | 'ended';

const hostId = (name: string) => sql<number>`(select id from hosts where name = ${name})`;

/**
 * Asks for a node's console to be captured: its row is made (or, when the capture had ended,
 * set back to starting with its log kept). The worker's console activity fills it.
 */
export async function requestConsoleLog(db: Kysely<Database>, host: string): Promise<void> {
  await sql`
    insert into console_logs (host_id) select id from hosts where name = ${host}
    on conflict (host_id) do update set state = 'starting', ended_reason = null, updated_at = now()
    where console_logs.state = 'ended'`.execute(db);
}

export async function consoleLogState(db: Kysely<Database>, host: string): Promise<{ state: ConsoleState; endedReason: string | null } | null> {
  const row = await db.selectFrom('console_logs').select(['state', 'ended_reason']).where('host_id', '=', hostId(host)).executeTakeFirst();
  return row ? { state: row.state, endedReason: row.ended_reason } : null;
}

/** The log so far, or null when the node's console is not being captured. */
export async function readConsoleLog(db: Kysely<Database>, host: string): Promise<Buffer | null> {
  const row = await db.selectFrom('console_logs').select('log').where('host_id', '=', hostId(host)).executeTakeFirst();
  return row ? row.log : null;
}

/**
 * What a live reader has not seen yet: the bytes written after the first `seen` (as much of them
 * as the log still holds) and the new count; null when the log is gone (the capture was stopped).
 */
export async function consoleLogSince(db: Kysely<Database>, host: string, seen: number): Promise<{ total: number; bytes: Buffer } | null> {
  const { rows } = await sql<{ total: string; tail: Buffer }>`
    select total, substring(log from greatest(1, octet_length(log) - (total - ${seen}) + 1)::int) as tail
    from console_logs where host_id = ${hostId(host)}`.execute(db);
  const row = rows[0];
  return row ? { total: Number(row.total), bytes: row.tail } : null;
}

/** Drops the log (the capture was stopped); true when there was one. */
export async function deleteConsoleLog(db: Kysely<Database>, host: string): Promise<boolean> {
  const result = await db.deleteFrom('console_logs').where('host_id', '=', hostId(host)).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Appends console bytes, keeping the newest `limit`; false when the log is gone (stopped meanwhile),
 * so the capture ends. Never makes the row: only a request does.
 */
export async function appendConsoleLog(db: Kysely<Database>, host: string, bytes: Buffer, limit = CONSOLE_LOG_LIMIT): Promise<boolean> {
  const result = await sql`
    update console_logs set
      log = substring(log || ${bytes} from greatest(1, octet_length(log) + ${bytes.length} - ${limit} + 1)::int),
      total = total + ${bytes.length}, updated_at = now()
    where host_id = ${hostId(host)}`.execute(db);
  return (result.numAffectedRows ?? 0n) > 0n;
}

/** The capture's state as the worker sees it; false when the log is gone. */
export async function markConsoleLog(db: Kysely<Database>, host: string, state: ConsoleState, reason: string | null = null): Promise<boolean> {
  const result = await db
    .updateTable('console_logs')
    .set({ state, ended_reason: reason, updated_at: sql<Date>`now()` })
    .where('host_id', '=', hostId(host))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
